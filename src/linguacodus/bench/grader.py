"""The benchmark's own grader: a submission against the private answers, from the task's
declared metadata and scikit-learn's metrics only.

It shares nothing with the framework's understanding of a task (``infer_spec``) or its NumPy
scorers, so that a bug there cannot flatter linguacodus's numbers: the benchmark grades every
system, linguacodus included, as a competition would. Every failure becomes an invalid
grade with a reason; nothing here raises on a bad file.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from sklearn import metrics as skm

from linguacodus.bench.registry import TaskMeta

EPSILON = 1e-15  # probabilities are clipped to [EPSILON, 1 - EPSILON], as Kaggle does


@dataclass(frozen=True)
class BenchMetric:
    """A metric as the benchmark computes it: its direction and a scikit-learn scorer."""

    name: str
    higher_is_better: bool
    score: Callable[..., float]  # (truth, predictions) in the form the submission kind gives


def _binary(truth: np.ndarray, positive: str) -> np.ndarray:
    return (truth == positive).astype(int)


def _rmse(truth, predicted) -> float:
    return math.sqrt(skm.mean_squared_error(truth, predicted))


def _rmsle(truth, predicted) -> float:
    # Negative predictions are clipped to 0 (log1p is undefined below -1), as Kaggle does.
    return math.sqrt(skm.mean_squared_log_error(truth, np.clip(predicted, 0, None)))


def _rmse_log(truth, predicted) -> float:
    return math.sqrt(skm.mean_squared_error(np.log(truth), np.log(np.clip(predicted, 1e-9, None))))


def _qwk(truth, predicted) -> float:
    try:
        return skm.cohen_kappa_score(truth.astype(float), predicted.astype(float), weights="quadratic")
    except ValueError:
        return skm.cohen_kappa_score(truth, predicted, weights="quadratic")


METRICS: dict[str, BenchMetric] = {m.name: m for m in (
    BenchMetric("accuracy", True, lambda t, p: skm.accuracy_score(t, p)),
    BenchMetric("f1", True, lambda t, p: skm.f1_score(t, p)),  # t, p: 0/1 around the positive class
    BenchMetric("f1_macro", True, lambda t, p: skm.f1_score(t, p, average="macro")),
    BenchMetric("qwk", True, _qwk),
    BenchMetric("roc_auc", True, lambda t, p: skm.roc_auc_score(t, p)),
    BenchMetric("log_loss", False,
                lambda t, p: skm.log_loss(t, np.clip(p, EPSILON, 1 - EPSILON), labels=[0, 1])),
    BenchMetric("multiclass_log_loss", False, lambda t, p: skm.log_loss(t, p, labels=range(p.shape[1]))),
    BenchMetric("rmse", False, _rmse),
    BenchMetric("rmsle", False, _rmsle),
    BenchMetric("rmse_log", False, _rmse_log),
    BenchMetric("mse", False, lambda t, p: skm.mean_squared_error(t, p)),
    BenchMetric("mae", False, lambda t, p: skm.mean_absolute_error(t, p)),
    BenchMetric("mape", False, lambda t, p: skm.mean_absolute_percentage_error(t, p)),
    BenchMetric("r2", True, lambda t, p: skm.r2_score(t, p)),
)}


class BenchGrade(BaseModel):
    """A submission's held-out score, or why it is invalid; the score knows its direction."""

    model_config = ConfigDict(frozen=True)

    valid: bool
    reason: str | None = None
    score: float | None = None
    metric: str
    higher_is_better: bool


class _Invalid(Exception):
    pass


def label_text(value: object) -> str:
    """How a label is compared: trimmed; 1, 1.0 and '1' alike; TRUE, true and True alike."""
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return text.lower()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if math.isfinite(number) and number == int(number) else text


def grade_submission(meta: TaskMeta, submission: Path, sample: pd.DataFrame,
                     answers: pd.DataFrame) -> BenchGrade:
    """Grade a submission file against the answers (id column + target), never raising."""
    metric = METRICS.get(meta.metric)
    common = {"metric": meta.metric, "higher_is_better": metric.higher_is_better if metric else True}
    if metric is None:
        return BenchGrade(valid=False, reason=f"the bench grader has no metric {meta.metric!r}", **common)
    if metric.higher_is_better != meta.higher_is_better:
        return BenchGrade(valid=False, reason=f"the task declares {meta.metric} "
                          f"{'higher' if meta.higher_is_better else 'lower'}-is-better; it is not", **common)
    try:
        frame = _read(Path(submission))
        aligned = _aligned(meta, frame, sample, answers)
        value = float(metric.score(*_truth_and_predictions(meta, aligned, sample, answers)))
        if not math.isfinite(value):
            raise _Invalid(f"the {meta.metric} of this submission is not finite ({value})")
    except _Invalid as problem:
        return BenchGrade(valid=False, reason=str(problem), **common)
    except Exception as error:  # a grader bug must not end a benchmark run: say what happened
        return BenchGrade(valid=False, reason=f"grading failed: {type(error).__name__}: {error}", **common)
    return BenchGrade(valid=True, score=value, **common)


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise _Invalid(f"no {path.name} was written")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise _Invalid(f"{path.name} is not a readable CSV ({type(error).__name__})") from None
    if frame.empty:
        raise _Invalid(f"{path.name} has no rows")
    return frame


def _aligned(meta: TaskMeta, frame: pd.DataFrame, sample: pd.DataFrame, answers: pd.DataFrame,
             ) -> pd.DataFrame:
    """The submission's rows in the answers' order, after the checks a competition makes."""
    expected = [str(c) for c in sample.columns]
    if sorted(frame.columns) != sorted(expected):
        raise _Invalid(f"columns {list(frame.columns)[:8]} are not the sample submission's {expected[:8]}")
    ids = frame[meta.id_column].map(label_text)
    if ids.duplicated().any():
        raise _Invalid(f"id {ids[ids.duplicated()].iloc[0]!r} appears more than once")
    wanted = answers[meta.id_column].map(label_text)
    missing = wanted[~wanted.isin(ids)]
    if len(missing):
        raise _Invalid(f"{len(missing)} test id(s) have no prediction, e.g. {missing.iloc[0]!r}")
    extra = ids[~ids.isin(wanted)]
    if len(extra):
        raise _Invalid(f"{len(extra)} row(s) have ids that are not in the test set, e.g. {extra.iloc[0]!r}")
    return frame.set_index(ids.to_numpy()).loc[wanted.to_numpy()].reset_index(drop=True)


def _numbers(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    values = frame[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise _Invalid(f"column {columns[col]!r} holds {frame[columns[col]].iloc[row]!r}, not a number")
    return values


def _probabilities(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    values = _numbers(frame, columns)
    if (values < 0).any() or (values > 1).any():
        raise _Invalid("probabilities must lie in [0, 1]")
    return values


def _truth_and_predictions(meta: TaskMeta, frame: pd.DataFrame, sample: pd.DataFrame,
                           answers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    truth_raw = answers[meta.target]
    if meta.submission == "value":
        return truth_raw.to_numpy(dtype=float), _numbers(frame, [meta.target])[:, 0]
    truth = truth_raw.map(label_text).to_numpy()
    if meta.submission == "binary_probability":
        positive = label_text(meta.positive_label)
        return _binary(truth, positive), _probabilities(frame, [meta.target])[:, 0]
    if meta.submission == "class_probabilities":
        classes = [str(c) for c in sample.columns if str(c) != meta.id_column]
        index = {label_text(c): i for i, c in enumerate(classes)}
        unknown = sorted(set(truth) - set(index))
        if unknown:
            raise _Invalid(f"the answers hold classes {unknown[:3]} with no column in the sample")
        proba = np.clip(_probabilities(frame, classes), EPSILON, None)
        return np.array([index[t] for t in truth]), proba / proba.sum(axis=1, keepdims=True)
    predicted = frame[meta.target].map(label_text).to_numpy()
    known = set(truth_raw.map(label_text)) | set(sample[meta.target].map(label_text))
    if meta.task_type == "binary":
        labels = {label_text(meta.positive_label)} | known
        unknown = sorted(set(predicted) - labels)
        if unknown:
            raise _Invalid(f"label(s) {unknown[:3]} are not classes of this task")
        if meta.metric == "f1":
            positive = label_text(meta.positive_label)
            return _binary(truth, positive), _binary(predicted, positive)
    return truth, predicted
