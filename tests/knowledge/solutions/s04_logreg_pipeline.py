import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

data = pd.read_csv("train.csv")
numeric = Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())])
categorical = Pipeline([("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder(handle_unknown="ignore"))])
prep = ColumnTransformer([("num", numeric, ["a", "b"]), ("cat", categorical, ["c"])])
pipe = Pipeline([("prep", prep), ("model", LogisticRegression(C=0.5, class_weight="balanced"))])
print(cross_val_score(pipe, data[["a", "b", "c"]], data["label"], cv=5).mean())
