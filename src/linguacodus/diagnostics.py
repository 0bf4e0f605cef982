"""What the report plots about the best solution, from its out-of-fold predictions: residuals
(regression), a confusion matrix and a calibration curve (classification), the run's score
over time and its tree of attempts. Plain functions of plain data; report_html.py reads the
files and draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linguacodus.journal import Attempt
from linguacodus.score import Score

MAX_POINTS = 2000  # a scatter plot's points: a random sample beyond this
MAX_CLASSES = 12  # a confusion matrix's rows and columns: the most frequent classes


@dataclass(frozen=True)
class Residuals:
    predicted: tuple[float, ...]
    residual: tuple[float, ...]  # truth − prediction
    shown_of: int  # how many rows had a prediction (points are a sample of these)


@dataclass(frozen=True)
class Confusion:
    classes: tuple[str, ...]  # the rows (truth) and columns (prediction), most frequent first
    counts: tuple[tuple[int, ...], ...]
    accuracy: float  # over every row, not only the classes shown
    omitted: int  # classes not shown


@dataclass(frozen=True)
class Calibration:
    mean_predicted: tuple[float, ...]  # per non-empty bin of the predicted probability
    observed: tuple[float, ...]  # the share of positives in that bin
    rows: tuple[int, ...]
    positive: str


def predicted_rows(raw: np.ndarray) -> np.ndarray:
    """Rows that hold a prediction (forward folds leave the earliest block empty)."""
    return np.isfinite(raw.reshape(len(raw), -1)).all(axis=1)


def residuals(truth: Sequence[float], raw: np.ndarray, seed: int = 0) -> Residuals:
    """Prediction against truth − prediction, for up to MAX_POINTS random rows."""
    truth_values = np.asarray(truth, dtype=float)
    values = np.asarray(raw, dtype=float).reshape(len(raw))
    keep = np.flatnonzero(predicted_rows(values) & np.isfinite(truth_values))
    shown = keep if len(keep) <= MAX_POINTS else np.sort(
        np.random.default_rng(seed).choice(keep, MAX_POINTS, replace=False))
    return Residuals(tuple(values[shown].tolist()),
                     tuple((truth_values[shown] - values[shown]).tolist()), len(keep))


def _codes(truth: Sequence[object], classes: Sequence[str]) -> np.ndarray:
    """Each row's class index in ``classes`` (the scripts' text form), −1 where unknown."""
    position = {name: i for i, name in enumerate(classes)}
    return np.array([position.get(str(value), -1) for value in truth])


def confusion(truth: Sequence[object], raw: np.ndarray, classes: Sequence[str]) -> Confusion:
    """Counts of (true class, predicted class) on the rows with a prediction, the predicted
    class being the most probable; the MAX_CLASSES most frequent true classes are shown."""
    codes = _codes(truth, classes)
    rows = predicted_rows(raw) & (codes >= 0)
    actual, guessed = codes[rows], raw[rows].argmax(axis=1)
    frequency = np.bincount(actual, minlength=len(classes))
    shown = [int(i) for i in np.argsort(-frequency, kind="stable")[:MAX_CLASSES] if frequency[i] > 0]
    counts = tuple(tuple(int(np.sum((actual == i) & (guessed == j))) for j in shown) for i in shown)
    accuracy = float(np.mean(actual == guessed)) if len(actual) else float("nan")
    return Confusion(tuple(str(classes[i]) for i in shown), counts, accuracy,
                     int(np.sum(frequency > 0)) - len(shown))


def calibration(truth: Sequence[object], raw: np.ndarray, classes: Sequence[str], positive: str,
                bins: int = 10) -> Calibration:
    """Mean predicted probability of ``positive`` against its observed share, in equal-width
    bins of the prediction (empty bins left out)."""
    codes = _codes(truth, classes)
    rows = predicted_rows(raw) & (codes >= 0)
    index = list(classes).index(positive)
    probability, is_positive = raw[rows, index], codes[rows] == index
    which = np.minimum((probability * bins).astype(int), bins - 1)
    mean, observed, counts = [], [], []
    for number in range(bins):
        inside = which == number
        if inside.any():
            mean.append(float(probability[inside].mean()))
            observed.append(float(is_positive[inside].mean()))
            counts.append(int(inside.sum()))
    return Calibration(tuple(mean), tuple(observed), tuple(counts), positive)


def score_over_time(attempts: Sequence[Attempt], higher_is_better: bool
                    ) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """(points, best so far): each valid full attempt's CV score at the second it finished,
    and the best-so-far steps (a held-back attempt is a point, never a step: the search
    could not pick it)."""
    finished = sorted((a.started_seconds + a.execution.wall_seconds, a.score, bool(a.held_back))
                      for a in attempts if a.purpose == "full" and a.valid and a.execution)
    steps: list[tuple[float, float]] = []
    for second, value, held_back in finished:
        if held_back:
            continue
        if not steps or Score(value, higher_is_better).better_than(Score(steps[-1][1], higher_is_better)):
            steps.append((second, value))
    return [(second, value) for second, value, _ in finished], steps


def tree_order(attempts: Sequence[Attempt]) -> list[tuple[int, Attempt]]:
    """(depth, attempt) in depth-first order: roots (attempts with no parent) by number,
    each followed by its children."""
    known = {a.number for a in attempts}
    children: dict[int | None, list[Attempt]] = {}
    for attempt in attempts:
        parent = attempt.parent if attempt.parent in known else None
        children.setdefault(parent, []).append(attempt)
    ordered: list[tuple[int, Attempt]] = []

    def visit(parent: int | None, depth: int) -> None:
        for child in sorted(children.get(parent, []), key=lambda a: a.number):
            ordered.append((depth, child))
            visit(child.number, depth + 1)

    visit(None, 0)
    return ordered


def importance_top(frame: pd.DataFrame, count: int = 20) -> list[tuple[str, float]]:
    """The ``count`` most important features as shares of the total importance."""
    values = frame.set_index("feature")["importance"].astype(float)
    values = values[np.isfinite(values) & (values > 0)]
    if values.empty:
        return []
    shares = (values / values.sum()).sort_values(ascending=False).head(count)
    return [(str(name), float(share)) for name, share in shares.items()]
