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
from linguacodus.score import Score
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


def _score(spec: TaskSpec, truth: pd.Series, raw: np.ndarray) -> Score | None:
    """The metric of raw predictions; None where it can't be computed."""
    try:
        return Score(score(spec, truth, raw_to_frame(spec, raw), "blend"), spec.higher_is_better)
    except (Invalid, ValueError):
        return None


def _utility(score: Score | None) -> float:
    return float("-inf") if score is None else score.utility


def fit_blend(spec: TaskSpec, members: list[np.ndarray], truth: pd.Series,
              rounds: int = 25) -> tuple[list[float], float]:
    """Weights (summing to 1) and the blended OOF score of the best ensemble found.

    Forward selection with replacement: each round adds the member that most improves
    the blend; the best blend over all rounds is kept. ValueError where no blend of the
    members can be scored.
    """
    if len(members) < 2:
        raise ValueError("a blend needs at least two members")
    shapes = {m.shape for m in members}
    if len(shapes) != 1:
        raise ValueError(f"members' predictions differ in shape: {sorted(shapes)}")
    counts = np.zeros(len(members), dtype=int)
    total = np.zeros_like(members[0], dtype=float)
    best: Score | None = None
    best_counts = counts.copy()
    for _ in range(rounds):
        trials = [_score(spec, truth, (total + m) / (counts.sum() + 1)) for m in members]
        pick = int(np.argmax([_utility(t) for t in trials]))
        counts[pick] += 1
        total += members[pick]
        if trials[pick] is not None and trials[pick].better_than(best, 1e-12):
            best, best_counts = trials[pick], counts.copy()
    if best is None:
        raise ValueError("no blend of these members can be scored")
    weights = (best_counts / best_counts.sum()).tolist()
    return weights, best.value


def blend_gain(spec: TaskSpec, members: list[np.ndarray], weights: list[float], truth: pd.Series,
               resamples: int = 20, seed: int = 0) -> tuple[float, float]:
    """(gain, noise): how much the weighted blend beats the best member on OOF (positive:
    better, in the metric's units), and the standard deviation of that gain over paired
    bootstrap resamples of the rows. A blend fitted on the same OOF rows it is judged on
    always looks a little better; a gain within the noise is not worth a blend."""
    blended = sum(w * m for w, m in zip(weights, members, strict=True))
    scores = [_score(spec, truth, m) for m in members]
    best_index = int(np.argmax([_utility(s) for s in scores]))
    whole = _score(spec, truth, blended)
    if whole is None or scores[best_index] is None:
        return float("-inf"), float("inf")
    best = members[best_index]
    rng = np.random.default_rng(seed)
    truth = truth.reset_index(drop=True)
    gains = []
    for _ in range(resamples):
        rows = rng.integers(0, len(truth), len(truth))
        sample = truth.iloc[rows].reset_index(drop=True)
        mixed, single = _score(spec, sample, blended[rows]), _score(spec, sample, best[rows])
        if mixed is not None and single is not None:
            gains.append(mixed.gain_over(single))
    noise = float(np.std(gains)) if len(gains) > 1 else float("inf")
    return whole.gain_over(scores[best_index]), noise
