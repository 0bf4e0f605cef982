import pandas as pd
from sklearn.ensemble import RandomForestClassifier

train = pd.read_csv("train.csv")
train["Age"] = train["Age"].fillna(train["Age"].median())
X = pd.get_dummies(train[["Pclass", "Sex", "Age", "Embarked"]])
model = RandomForestClassifier(n_estimators=100, max_depth=5, random_state=1)
model.fit(X, train["Survived"])
