import pandas as pd
from catboost import CatBoostClassifier, Pool

train = pd.read_csv("train.csv")
cats = ["region", "channel"]
model = CatBoostClassifier(iterations=3000, learning_rate=0.05, depth=6, verbose=200)
model.fit(Pool(train.drop(columns=["target"]), train["target"], cat_features=cats))
