"""Meta-features of a task and the distance between two tasks' meta-features.

Stored with every task the knowledge base has seen the data of; tasks known only by their
description (the paper's corpus) carry just their metric and data kind, and the distance
counts the features they lack as unknown (half-way), not as matching.
"""

from __future__ import annotations

import math

from linguacodus.metrics import get_metric
from linguacodus.spec import ColumnRole, TaskSpec


def meta_features(spec: TaskSpec, rows: int | None = None) -> dict:
    """The task's meta-features; rows: the rows its outcomes were measured on, where a
    seeded subsample of the training rows (`kb build`), so that its size says that."""
    roles = list(spec.columns.values())
    n_features = max(1, len(roles))

    def share(role: ColumnRole) -> float:
        return round(sum(r == role for r in roles) / n_features, 4)

    return {
        "task_type": spec.task_type,
        "metric": spec.metric,
        "metric_kind": get_metric(spec.metric).prediction,
        "rows": spec.n_train if rows is None else min(spec.n_train, rows),
        "features": len(roles),
        "numeric_share": share(ColumnRole.NUMERIC),
        "categorical_share": share(ColumnRole.CATEGORICAL),
        "text_share": share(ColumnRole.TEXT),
        "datetime_share": share(ColumnRole.DATETIME),
        "missing_share": round(spec.missing_share, 4),
        "classes": len(spec.classes),
        "minority_share": spec.minority_share,
        "target_skew": spec.target_skew,
    }


# Each term: a function of the two values → a distance in [0, 1], and its weight.
def _log_gap(scale: float):
    return lambda a, b: min(1.0, abs(math.log1p(a) - math.log1p(b)) / scale)


def _gap(scale: float):
    return lambda a, b: min(1.0, abs(a - b) / scale)


def _same(a, b) -> float:
    return 0.0 if a == b else 1.0


_TERMS = {
    "task_type": (_same, 3.0),
    "metric": (_same, 1.0),
    "metric_kind": (_same, 1.0),
    "rows": (_log_gap(4.0), 1.5),
    "features": (_log_gap(3.0), 1.0),
    "numeric_share": (_gap(1.0), 1.0),
    "categorical_share": (_gap(1.0), 1.0),
    "text_share": (_gap(0.5), 2.0),
    "datetime_share": (_gap(0.5), 0.5),
    "missing_share": (_gap(0.3), 0.5),
    "classes": (_log_gap(2.0), 0.5),
    "minority_share": (_gap(0.5), 0.5),
    "target_skew": (lambda a, b: min(1.0, abs(math.asinh(a) - math.asinh(b)) / 2.0), 0.5),
}


UNKNOWN = 0.5  # the distance of a feature only one of the two tasks has: neither near nor far


def meta_distance(a: dict, b: dict) -> float | None:
    """Weighted mean of the per-feature distances; a feature only one task has counts as
    UNKNOWN (so a task described by two features is not "identical" because they match);
    None if neither task has any."""
    total = weight_sum = 0.0
    for name, (distance, weight) in _TERMS.items():
        left, right = a.get(name), b.get(name)
        if left is None and right is None:
            continue
        total += weight * (UNKNOWN if left is None or right is None else distance(left, right))
        weight_sum += weight
    return total / weight_sum if weight_sum else None
