"""Metric registry: names and synonyms, direction, prediction kind, and the scorer.

Scorers take already-aligned arrays (the grader converts submission-format predictions
into them), so each one is a plain function of ``(y_true, y_pred)`` plus parameters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from linguacodus import scorers

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


_CLASSIFICATION = frozenset({"binary", "multiclass"})
_REGRESSION = frozenset({"regression"})

# Order does not decide precedence: the parser resolves overlaps by span containment
# ("root mean squared error" swallows "mean squared error") and then by position.
METRICS: dict[str, Metric] = {
    m.name: m
    for m in [
        Metric("accuracy", "Accuracy", True, "label", _CLASSIFICATION,
               (r"categori[sz]ation accuracy", r"classification accuracy", r"\baccuracy\b"),
               scorers.accuracy),
        Metric("roc_auc", "ROC AUC", True, "probability", _CLASSIFICATION,
               (r"area under the (?:roc|receiver operating characteristic)(?: curve)?",
                r"\broc[ -]?auc\b", r"\bauc[ -]?roc\b", r"\bauroc\b", r"\bauc\b"),
               scorers.roc_auc),
        Metric("multiclass_log_loss", "Multi-class log loss", False, "probability",
               frozenset({"multiclass"}),
               (r"multi[- ]?class (?:logarithmic|log)[- ]?loss", r"multi[- ]?class logloss",
                r"categorical cross[- ]?entropy", r"multi[- ]?class cross[- ]?entropy"),
               scorers.log_loss),
        Metric("log_loss", "Log loss", False, "probability", _CLASSIFICATION,
               (r"logarithmic loss", r"\blog[- ]?loss\b", r"binary cross[- ]?entropy",
                r"\bcross[- ]?entropy\b"),
               scorers.log_loss),
        Metric("f1_macro", "Macro F1", True, "label", _CLASSIFICATION,
               (r"macro[- ](?:averaged )?f1(?:[- ]score)?", r"\bf1[- ](?:score[- ])?\(?macro",
                r"macro[- ]averaged f[- ]?(?:score|measure)", r"mean f1[- ]score over (?:all )?classes",
                # Macro averaging in prose: an F1 per class, then a plain (unweighted) mean.
                r"\bf1(?:[- ]score)?s?\b[^.]{0,60}?\b(?:each|every|per)[- ][^.]{0,30}?\bclass(?:es)?\b"
                r"[^.]{0,60}?\b(?:averaged|average|mean)\b(?![^.]{0,40}\bweighted by\b)",
                r"\b(?:unweighted|simple|plain) (?:mean|average) of (?:the )?"
                r"(?:per[- ]class |class[- ]wise |classes' )?f1(?:[- ]scores?)?"),
               scorers.f1_macro),
        Metric("f1", "F1 score", True, "label", _CLASSIFICATION,
               (r"\bf1[- ]?score\b", r"\bf[- ]?score\b", r"\bf1\b", r"\bf[- ]measure\b"),
               scorers.f1_binary),
        Metric("rmse_log", "RMSE of logs", False, "value", _REGRESSION,
               (r"(?:rmse|root[- ]mean[- ]squared?[- ]error)(?:\W+\w+){0,4}\W+(?:between|of) "
                r"the (?:natural )?log(?:arithm)?s?\b",
                r"\blog[- ]rmse\b"),
               scorers.rmse_log),
        Metric("rmsle", "RMSLE", False, "value", _REGRESSION,
               (r"root[- ]mean[- ]squared?[- ]log(?:arithmic)?[- ]error", r"\brmsle\b",
                # "the RMSE between the logarithms of (1 + predicted) and ...": log1p, not log
                r"(?:rmse|root[- ]mean[- ]squared?[- ]error)(?:\W+\w+){0,6}?\W+log(?:arithm)?s?\W+"
                r"(?:of\W+)?\(?(?:1|one)\s*(?:\+|plus)"),
               scorers.rmsle),
        Metric("rmse", "RMSE", False, "value", _REGRESSION,
               (r"root[- ]mean[- ]squared?[- ]error", r"\brmse\b"),
               scorers.rmse),
        Metric("mse", "MSE", False, "value", _REGRESSION,
               (r"(?<!root )mean[- ]squared?[- ]error", r"\bmse\b"),
               scorers.mse),
        Metric("mape", "MAPE", False, "value", _REGRESSION,
               (r"mean absolute percentage error", r"\bmape\b"),
               scorers.mape),
        Metric("mae", "MAE", False, "value", _REGRESSION,
               (r"mean absolute error", r"\bmae\b"),
               scorers.mae),
        Metric("r2", "R²", True, "value", _REGRESSION,
               (r"coefficient of determination", r"\br[- ]?squared\b", r"\br2\b", r"\br²",
                r"\br\^2"),
               scorers.r2),
        Metric("qwk", "Quadratic weighted kappa", True, "label", _CLASSIFICATION,
               (r"quadratic(?:ally)?[- ]weighted (?:cohen'?s )?kappa", r"\bqwk\b",
                r"kappa[^.]{0,40}quadratic weights?"),
               scorers.quadratic_weighted_kappa),
        Metric("map_at_k", "MAP@k", True, "ranking", frozenset({"multiclass"}),
               (r"mean average precision\s*@\s*\d+", r"\bmap\s*@\s*\d+",
                r"mean average precision at \d+"),
               scorers.map_at_k, takes_k=True),
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
            # A page wraps its lines anywhere: "root mean squared\nerror" is one phrase.
            found = _first_metric_in(re.sub(r"\s+", " ", scope))
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
