import lightgbm
import pandas as pd
from sklearn.model_selection import KFold

train = pd.read_csv("train.csv")
params = {"objective": "regression", "learning_rate": 0.02, "num_leaves": 127}
for trn, val in KFold(n_splits=4).split(train):
    dtrain = lightgbm.Dataset(train.iloc[trn].drop(columns="y"), train.iloc[trn]["y"])
    booster = lightgbm.train(params, dtrain, num_boost_round=3000)
