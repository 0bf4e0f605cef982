import pandas as pd
from sklearn.preprocessing import StandardScaler
from tensorflow import keras
from tensorflow.keras import layers

df = pd.read_csv("train.csv")
X = StandardScaler().fit_transform(df.drop(columns=["y"]))
model = keras.Sequential([layers.Dense(256, activation="relu"), layers.Dropout(0.3),
                          layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(X, df["y"], epochs=20, batch_size=256,
          callbacks=[keras.callbacks.EarlyStopping(patience=3)])
