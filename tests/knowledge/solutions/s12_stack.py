import pandas as pd
from lightgbm import LGBMRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from xgboost import XGBRegressor

train = pd.read_csv("train.csv").fillna(train_median := 0)
models = [LGBMRegressor(n_estimators=800), XGBRegressor(n_estimators=600, max_depth=6), Ridge(alpha=3.0)]
for model in models:
    for a, b in KFold(5, shuffle=True, random_state=42).split(train):
        model.fit(train.iloc[a].drop(columns="y"), train.iloc[a]["y"])
