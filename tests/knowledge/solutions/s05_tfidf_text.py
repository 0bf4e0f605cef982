import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

train = pd.read_csv("train.csv")
vec = TfidfVectorizer(ngram_range=(1, 2), min_df=3, max_features=50000)
X = vec.fit_transform(train["text"].fillna(""))
clf = LogisticRegression(C=4.0, max_iter=1000)
clf.fit(X, train["sentiment"])
