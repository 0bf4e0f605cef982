"""Metric registry: names and synonyms, direction, prediction kind, and the scorer.

Scorers take already-aligned arrays (the grader converts submission-format predictions
into them), so each one is a plain function of ``(y_true, y_pred)`` plus parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from sklearn import metrics as skm

PredictionKind = Literal["label", "probability", "value", "ranking"]
TaskType = Literal["binary", "multiclass", "regression"]


@dataclass(frozen=True)
class Metric:
    """One evaluation metric as a competition page names it."""

    name: str
    title: str
    higher_is_better: bool
    prediction: PredictionKind
    task_types: frozenset[str]
    patterns: tuple[str, ...]
    scorer: Callable[..., float] = field(repr=False)
    takes_k: bool = False


def _rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(y_true, float) - np.asarray(y_pred, float)) ** 2)))


def _rmsle(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    # log1p is undefined below -1; Kaggle clips negative predictions the same way.
    y_pred = np.clip(np.asarray(y_pred, float), 0, None)
    return _rmse(np.log1p(np.asarray(y_true, float)), np.log1p(y_pred))


def _rmse_log(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_pred = np.clip(np.asarray(y_pred, float), 1e-9, None)
    return _rmse(np.log(np.asarray(y_true, float)), np.log(y_pred))


def _mape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(skm.mean_absolute_percentage_error(y_true, y_pred))


def _roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_pred = np.asarray(y_pred, float)
    if y_pred.ndim == 2:  # multiclass: one-vs-rest, macro averaged
        return float(skm.roc_auc_score(y_true, y_pred, multi_class="ovr"))
    return float(skm.roc_auc_score(y_true, y_pred))


def _log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_pred = np.asarray(y_pred, float)
    if y_pred.ndim == 2:
        # Kaggle renormalises each row before scoring.
        y_pred = np.clip(y_pred, 1e-15, 1)
        y_pred = y_pred / y_pred.sum(axis=1, keepdims=True)
        return float(skm.log_loss(y_true, y_pred, labels=np.arange(y_pred.shape[1])))
    return float(skm.log_loss(y_true, np.clip(y_pred, 1e-15, 1 - 1e-15), labels=[0, 1]))


def _f1_binary(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(skm.f1_score(y_true, y_pred))


def _f1_macro(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(skm.f1_score(y_true, y_pred, average="macro"))


def _qwk(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(skm.cohen_kappa_score(y_true, y_pred, weights="quadratic"))


def _map_at_k(y_true: np.ndarray, y_pred: list[list[str]], k: int = 3) -> float:
    """Mean average precision at k with one relevant label per row (Kaggle's MAP@k)."""
    total = 0.0
    for truth, ranked in zip(y_true, y_pred, strict=True):
        for position, label in enumerate(ranked[:k]):
            if label == truth:
                total += 1.0 / (position + 1)
                break
    return total / max(len(y_true), 1)


_CLASSIFICATION = frozenset({"binary", "multiclass"})
_REGRESSION = frozenset({"regression"})

# Order does not decide precedence: the parser resolves overlaps by span containment
# ("root mean squared error" swallows "mean squared error") and then by position.
METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("accuracy", "Accuracy", True, "label", _CLASSIFICATION,
               (r"categori[sz]ation accuracy", r"classification accuracy", r"\baccuracy\b"),
               lambda t, p: float(skm.accuracy_score(t, p))),
        Metric("roc_auc", "ROC AUC", True, "probability", _CLASSIFICATION,
               (r"area under the (?:roc|receiver operating characteristic)(?: curve)?",
                r"\broc[ -]?auc\b", r"\bauc[ -]?roc\b", r"\bauroc\b", r"\bauc\b"),
               _roc_auc),
        Metric("multiclass_log_loss", "Multi-class log loss", False, "probability",
               frozenset({"multiclass"}),
               (r"multi[- ]?class (?:logarithmic|log)[- ]?loss", r"multi[- ]?class logloss",
                r"categorical cross[- ]?entropy", r"multi[- ]?class cross[- ]?entropy"),
               _log_loss),
        Metric("log_loss", "Log loss", False, "probability", _CLASSIFICATION,
               (r"logarithmic loss", r"\blog[- ]?loss\b", r"binary cross[- ]?entropy",
                r"\bcross[- ]?entropy\b"),
               _log_loss),
        Metric("f1_macro", "Macro F1", True, "label", _CLASSIFICATION,
               (r"macro[- ](?:averaged )?f1(?:[- ]score)?", r"\bf1[- ](?:score[- ])?\(?macro",
                r"macro[- ]averaged f[- ]?(?:score|measure)", r"mean f1[- ]score over (?:all )?classes"),
               _f1_macro),
        Metric("f1", "F1 score", True, "label", _CLASSIFICATION,
               (r"\bf1[- ]?score\b", r"\bf[- ]?score\b", r"\bf1\b", r"\bf[- ]measure\b"),
               _f1_binary),
        Metric("rmse_log", "RMSE of logs", False, "value", _REGRESSION,
               (r"(?:rmse|root[- ]mean[- ]squared?[- ]error)(?:\W+\w+){0,4}\W+(?:between|of) "
                r"the (?:natural )?log(?:arithm)?s?\b",
                r"\blog[- ]rmse\b"),
               _rmse_log),
        Metric("rmsle", "RMSLE", False, "value", _REGRESSION,
               (r"root[- ]mean[- ]squared?[- ]log(?:arithmic)?[- ]error", r"\brmsle\b"),
               _rmsle),
        Metric("rmse", "RMSE", False, "value", _REGRESSION,
               (r"root[- ]mean[- ]squared?[- ]error", r"\brmse\b"),
               _rmse),
        Metric("mse", "MSE", False, "value", _REGRESSION,
               (r"(?<!root )mean[- ]squared?[- ]error", r"\bmse\b"),
               lambda t, p: float(skm.mean_squared_error(t, p))),
        Metric("mape", "MAPE", False, "value", _REGRESSION,
               (r"mean absolute percentage error", r"\bmape\b"),
               _mape),
        Metric("mae", "MAE", False, "value", _REGRESSION,
               (r"mean absolute error", r"\bmae\b"),
               lambda t, p: float(skm.mean_absolute_error(t, p))),
        Metric("r2", "R²", True, "value", _REGRESSION,
               (r"coefficient of determination", r"\br[- ]?squared\b", r"\br2\b", r"\br²",
                r"\br\^2"),
               lambda t, p: float(skm.r2_score(t, p))),
        Metric("qwk", "Quadratic weighted kappa", True, "label", _CLASSIFICATION,
               (r"quadratic(?:ally)?[- ]weighted (?:cohen'?s )?kappa", r"\bqwk\b",
                r"kappa[^.]{0,40}quadratic weights?"),
               _qwk),
        Metric("map_at_k", "MAP@k", True, "ranking", frozenset({"multiclass"}),
               (r"mean average precision\s*@\s*\d+", r"\bmap\s*@\s*\d+",
                r"mean average precision at \d+"),
               _map_at_k, takes_k=True),
    ]
}


@dataclass(frozen=True)
class MetricMatch:
    """A metric found in a description: which, with what parameters, and the phrase."""

    metric: Metric
    phrase: str
    k: int | None = None


def find_metric(text: str) -> MetricMatch | None:
    """The metric a description names, preferring its Evaluation section.

    Every synonym of every metric is searched; a match inside a longer match of another
    metric is discarded; the earliest remaining match wins.
    """
    for scope in (_evaluation_section(text), text):
        if scope:
            found = _first_metric_in(scope)
            if found is not None:
                return found
    return None


def _evaluation_section(text: str) -> str:
    """The body under a heading that mentions evaluation or metric, if any."""
    lines = text.splitlines()
    body: list[str] = []
    inside = False
    for line in lines:
        heading = re.match(r"^\s*#{1,6}\s*(.+)$", line)
        if heading:
            title = heading.group(1).lower()
            inside = "evaluat" in title or "metric" in title or "scoring" in title
            continue
        if inside:
            body.append(line)
    return "\n".join(body)


def _first_metric_in(text: str) -> MetricMatch | None:
    lowered = text.lower()
    hits: list[tuple[int, int, Metric]] = []
    for metric in METRICS.values():
        for pattern in metric.patterns:
            for hit in re.finditer(pattern, lowered):
                hits.append((hit.start(), hit.end(), metric))
    kept = [
        h for h in hits
        if not any(o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0]) for o in hits)
    ]
    if not kept:
        return None
    start, end, metric = min(kept, key=lambda h: (h[0], -(h[1] - h[0])))
    phrase = text[start:end]
    k = None
    if metric.takes_k:
        number = re.search(r"\d+", phrase)
        k = int(number.group()) if number else 3
    return MetricMatch(metric, phrase, k)


def default_metric(task_type: TaskType) -> Metric:
    """The metric assumed when a description names none."""
    return METRICS["rmse" if task_type == "regression" else "accuracy"]


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        known = ", ".join(sorted(METRICS))
        raise ValueError(f"unknown metric {name!r}; known metrics: {known}") from None
