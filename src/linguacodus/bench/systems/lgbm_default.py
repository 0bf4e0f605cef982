"""Plain LightGBM with default parameters; TF-IDF + a linear model where there is text."""

from __future__ import annotations

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier, LGBMRegressor
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import OneHotEncoder

from linguacodus.bench.systems._common import Inputs, run, write_probabilities, write_submission


def _text_columns(frame: pd.DataFrame) -> list[str]:
    """Non-numeric columns of four or more words on average."""
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
            and frame[c].astype(str).str.split().str.len().mean() >= 4]


def fit_predict(inputs: Inputs) -> None:
    meta = inputs.meta
    x_train, x_test = inputs.x_train, inputs.x_test
    classification = meta.task_type != "regression"
    y = inputs.train[meta.target]
    classes = sorted(y.astype(str).unique())
    codes = pd.Categorical(y.astype(str), categories=classes).codes if classification else y.to_numpy(float)
    text = _text_columns(x_train)
    if text:
        train_m, test_m = _sparse_features(x_train, x_test, text)
        model = LogisticRegression(max_iter=2000) if classification else Ridge()
    else:
        train_m, test_m = _categories(x_train, x_test)
        model = LGBMClassifier(verbosity=-1) if classification else LGBMRegressor(verbosity=-1)
    model.fit(train_m, codes)
    if not classification:
        write_submission(inputs, model.predict(test_m))
        return
    proba = np.zeros((len(x_test), len(classes)))
    proba[:, model.classes_] = model.predict_proba(test_m)
    write_probabilities(inputs, proba, classes)


def _categories(x_train: pd.DataFrame, x_test: pd.DataFrame):
    x_train, x_test = x_train.copy(), x_test.copy()
    for column in x_train.columns:
        if not pd.api.types.is_numeric_dtype(x_train[column]):
            categories = sorted(x_train[column].dropna().astype(str).unique())
            x_train[column] = pd.Categorical(x_train[column].astype(str), categories=categories)
            x_test[column] = pd.Categorical(x_test[column].astype(str), categories=categories)
    return x_train, x_test


def _sparse_features(x_train: pd.DataFrame, x_test: pd.DataFrame, text: list[str]):
    blocks_train, blocks_test = [], []
    for column in text:
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        blocks_train.append(vectorizer.fit_transform(x_train[column].fillna("").astype(str)))
        blocks_test.append(vectorizer.transform(x_test[column].fillna("").astype(str)))
    rest = [c for c in x_train.columns if c not in text]
    numeric = [c for c in rest if pd.api.types.is_numeric_dtype(x_train[c])]
    categorical = [c for c in rest if c not in numeric]
    if numeric:
        imputer = SimpleImputer(strategy="median")
        scale = x_train[numeric].std().replace(0, 1).to_numpy()
        blocks_train.append(sparse.csr_matrix(imputer.fit_transform(x_train[numeric]) / scale))
        blocks_test.append(sparse.csr_matrix(imputer.transform(x_test[numeric]) / scale))
    if categorical:
        encoder = OneHotEncoder(handle_unknown="ignore")
        blocks_train.append(encoder.fit_transform(x_train[categorical].astype(str)))
        blocks_test.append(encoder.transform(x_test[categorical].astype(str)))
    return sparse.hstack(blocks_train).tocsr(), sparse.hstack(blocks_test).tocsr()


if __name__ == "__main__":
    run(fit_predict)
