import pandas as pd
import xgboost as xgb
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder

df = pd.read_csv("train.csv")
df = df.fillna(-999)
for c in df.select_dtypes("object"):
    df[c] = LabelEncoder().fit_transform(df[c].astype(str))
X_train, X_valid, y_train, y_valid = train_test_split(df.drop("y", axis=1), df["y"], test_size=0.2)
clf = xgb.XGBClassifier(n_estimators=500, max_depth=8, learning_rate=0.05)
clf.fit(X_train, y_train, early_stopping_rounds=50, eval_set=[(X_valid, y_valid)])
