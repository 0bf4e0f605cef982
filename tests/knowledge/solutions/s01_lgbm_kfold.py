import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

train = pd.read_csv("../input/train.csv")
test = pd.read_csv("../input/test.csv")
for col in ["cat1", "cat2"]:
    train[col] = train[col].astype("category")
    test[col] = test[col].astype("category")
X, y = train.drop(columns=["id", "target"]), train["target"]
oof = np.zeros(len(X))
skf = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
for tr, va in skf.split(X, y):
    model = lgb.LGBMClassifier(n_estimators=2000, learning_rate=0.03, num_leaves=63)
    model.fit(X.iloc[tr], y.iloc[tr], eval_set=[(X.iloc[va], y.iloc[va])],
              callbacks=[lgb.early_stopping(100)])
    oof[va] = model.predict_proba(X.iloc[va])[:, 1]
