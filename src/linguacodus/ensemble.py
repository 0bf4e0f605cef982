"""Blend weights: greedy ensemble selection (Caruana et al., 2004) on out-of-fold predictions.

Members are solutions whose scripts saved their raw out-of-fold predictions
(oof_predictions.npy: class probabilities or values, one row a labelled training row, in
train order). The weights found here go into a blend instruction; the blend's own script
is then run and graded like any other, so its CV score is still the harness's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from linguacodus.grading import Invalid, score
from linguacodus.spec import TaskSpec


def raw_to_frame(spec: TaskSpec, raw: np.ndarray) -> pd.DataFrame:
    """Raw predictions → the submission's prediction columns, as the scripts write them."""
    column = spec.submission_columns[0]
    fmt = spec.submission_format
    if fmt == "value":
        return pd.DataFrame({column: raw})
    classes = np.array(spec.classes, dtype=object)
    if fmt == "label":
        return pd.DataFrame({column: classes[raw.argmax(axis=1)]})
    if fmt == "binary_probability":
        return pd.DataFrame({column: raw[:, list(spec.classes).index(spec.positive_label)]})
    if fmt == "class_probabilities":
        return pd.DataFrame(raw, columns=[spec.class_columns[c] for c in spec.classes])
    top = np.argsort(-raw, axis=1)[:, : spec.metric_k or 3]
    return pd.DataFrame({column: [" ".join(classes[row]) for row in top]})


def _value(spec: TaskSpec, truth: pd.Series, raw: np.ndarray) -> float:
    """The metric, oriented so that higher is better; -inf where it can't be computed."""
    try:
        value = score(spec, truth, raw_to_frame(spec, raw), "blend")
    except (Invalid, ValueError):
        return float("-inf")
    return value if spec.higher_is_better else -value


def fit_blend(spec: TaskSpec, members: list[np.ndarray], truth: pd.Series,
              rounds: int = 25) -> tuple[list[float], float]:
    """Weights (summing to 1) and the blended OOF score of the best ensemble found.

    Forward selection with replacement: each round adds the member that most improves
    the blend; the best blend over all rounds is kept.
    """
    if len(members) < 2:
        raise ValueError("a blend needs at least two members")
    shapes = {m.shape for m in members}
    if len(shapes) != 1:
        raise ValueError(f"members' predictions differ in shape: {sorted(shapes)}")
    counts = np.zeros(len(members), dtype=int)
    total = np.zeros_like(members[0], dtype=float)
    best_value, best_counts = float("-inf"), counts.copy()
    for _ in range(rounds):
        trials = [_value(spec, truth, (total + m) / (counts.sum() + 1)) for m in members]
        pick = int(np.argmax(trials))
        counts[pick] += 1
        total += members[pick]
        if trials[pick] > best_value + 1e-12:
            best_value, best_counts = trials[pick], counts.copy()
    weights = (best_counts / best_counts.sum()).tolist()
    return weights, best_value if spec.higher_is_better else -best_value
