import pandas as pd
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.preprocessing import OrdinalEncoder

df = pd.read_csv("train.csv")
df["date"] = pd.to_datetime(df["date"])
df["month"] = df["date"].dt.month
df[["store"]] = OrdinalEncoder().fit_transform(df[["store"]])
model = ExtraTreesRegressor(n_estimators=400, min_samples_leaf=3, n_jobs=-1)
model.fit(df.drop(columns=["date", "sales"]), df["sales"])
