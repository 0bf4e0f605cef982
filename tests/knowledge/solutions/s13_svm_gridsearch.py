import pandas as pd
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

df = pd.read_csv("train.csv")
X = StandardScaler().fit_transform(df.drop(columns="label"))
search = GridSearchCV(SVC(probability=True), {"C": [0.1, 1, 10]}, cv=3)
search.fit(X, df["label"])
