"""Metric functions in NumPy, as Kaggle computes them.

The framework scores every attempt itself; doing it in NumPy keeps scikit-learn's import
(half a second) out of the framework's start-up, which is on the path to the first valid
submission. Tests check each function against scikit-learn's.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-15


def _floats(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


def rmse(y_true, y_pred) -> float:
    return float(np.sqrt(mse(y_true, y_pred)))


def mse(y_true, y_pred) -> float:
    return float(np.mean((_floats(y_true) - _floats(y_pred)) ** 2))


def mae(y_true, y_pred) -> float:
    return float(np.mean(np.abs(_floats(y_true) - _floats(y_pred))))


def mape(y_true, y_pred) -> float:
    truth = _floats(y_true)
    return float(np.mean(np.abs(truth - _floats(y_pred)) / np.maximum(np.abs(truth), np.finfo(float).eps)))


def rmsle(y_true, y_pred) -> float:
    # log1p is undefined below -1; Kaggle clips negative predictions the same way.
    return rmse(np.log1p(_floats(y_true)), np.log1p(np.clip(_floats(y_pred), 0, None)))


def rmse_log(y_true, y_pred) -> float:
    return rmse(np.log(_floats(y_true)), np.log(np.clip(_floats(y_pred), 1e-9, None)))


def r2(y_true, y_pred) -> float:
    truth = _floats(y_true)
    residual = np.sum((truth - _floats(y_pred)) ** 2)
    total = np.sum((truth - truth.mean()) ** 2)
    if total == 0:  # a constant target: perfect or nothing, as scikit-learn has it
        return 1.0 if residual == 0 else 0.0
    return float(1 - residual / total)


def accuracy(y_true, y_pred) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def _binary_auc(positive: np.ndarray, scores: np.ndarray) -> float:
    """Mann-Whitney U with average ranks for ties."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # Average rank of each run of equal scores.
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    n_pos = positive.sum()
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both classes in the truth")
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def roc_auc(y_true, y_pred) -> float:
    """Binary: truth 0/1 and P(positive). Multiclass: truth class indices and a probability
    matrix, one-vs-rest AUCs averaged over classes."""
    scores = _floats(y_pred)
    truth = np.asarray(y_true)
    if scores.ndim == 2:
        return float(np.mean([_binary_auc(truth == c, scores[:, c]) for c in range(scores.shape[1])]))
    return _binary_auc(truth.astype(int) == 1, scores)


def log_loss(y_true, y_pred) -> float:
    """Binary: truth 0/1 and P(positive). Multiclass: class indices and a probability matrix,
    each row rescaled to sum to one (as Kaggle does)."""
    proba = _floats(y_pred)
    truth = np.asarray(y_true, dtype=int)
    if proba.ndim == 1:
        proba = np.clip(proba, EPSILON, 1 - EPSILON)
        return float(-np.mean(truth * np.log(proba) + (1 - truth) * np.log(1 - proba)))
    proba = np.clip(proba, EPSILON, 1)
    proba = proba / proba.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(proba[np.arange(len(truth)), truth])))


def _f1_of(truth: np.ndarray, predicted: np.ndarray, label) -> float:
    true_positive = np.sum((truth == label) & (predicted == label))
    denominator = np.sum(truth == label) + np.sum(predicted == label)
    return 0.0 if denominator == 0 else float(2 * true_positive / denominator)


def f1_binary(y_true, y_pred) -> float:
    """Truth and predictions as 0/1, 1 the positive class."""
    return _f1_of(np.asarray(y_true), np.asarray(y_pred), 1)


def f1_macro(y_true, y_pred) -> float:
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    labels = np.union1d(truth, predicted)
    return float(np.mean([_f1_of(truth, predicted, label) for label in labels]))


def quadratic_weighted_kappa(y_true, y_pred) -> float:
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    labels = np.union1d(truth, predicted)
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)
    observed = np.zeros((k, k))
    for t, p in zip(truth, predicted, strict=True):
        observed[index[t], index[p]] += 1
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    weights = (np.subtract.outer(np.arange(k), np.arange(k)) ** 2) / max((k - 1) ** 2, 1)
    denominator = np.sum(weights * expected)
    return 1.0 if denominator == 0 else float(1 - np.sum(weights * observed) / denominator)


def map_at_k(y_true, y_pred: list[list[str]], k: int = 3) -> float:
    """Mean average precision at k with one relevant label per row (Kaggle's MAP@k)."""
    total = 0.0
    for truth, ranked in zip(y_true, y_pred, strict=True):
        for position, label in enumerate(ranked[:k]):
            if label == truth:
                total += 1.0 / (position + 1)
                break
    return total / max(len(y_true), 1)
