"""Grading: the harness scores oof.csv itself and validates submission.csv.

Every failure becomes an invalid Grade with a reason; nothing here raises on bad files.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from linguacodus.metrics import get_metric
from linguacodus.spec import TaskSpec

# Fewer covered training rows than this (or than all rows, if fewer) is not a CV score.
MIN_OOF_ROWS = 50


class Grade(BaseModel):
    model_config = ConfigDict(frozen=True)

    valid: bool
    reason: str | None = None
    cv_score: float | None = None
    oof_coverage: float | None = None  # share of labelled training rows with a prediction
    submission_checked: bool = False


class Invalid(Exception):
    """Internal: carries the reason a file is invalid."""


def canonical(value: object) -> str:
    """One text form for labels read from different CSVs: 1, 1.0 and '1' agree."""
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return text.capitalize()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number == int(number):
        return str(int(number))
    return text


def read_predictions(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise Invalid(f"{path.name} was not written")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise Invalid(f"{path.name} is not a readable CSV ({type(error).__name__})") from None
    if frame.empty:
        raise Invalid(f"{path.name} has no rows")
    return frame


def _numeric(frame: pd.DataFrame, columns: list[str], what: str) -> np.ndarray:
    values = frame[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise Invalid(f"{what}: column {columns[col]!r} row {row + 1} is "
                      f"{frame[columns[col]].iloc[row]!r}, not a finite number")
    return values


def to_scorer_predictions(spec: TaskSpec, frame: pd.DataFrame, what: str):
    """Prediction columns in submission format → what the metric's scorer takes."""
    columns = list(spec.submission_columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise Invalid(f"{what} lacks column(s) {', '.join(missing)}")
    known = {canonical(c) for c in spec.classes}
    fmt = spec.submission_format
    if fmt == "value":
        return _numeric(frame, columns, what)[:, 0]
    if fmt in ("binary_probability", "class_probabilities"):
        ordered = [spec.class_columns[c] for c in spec.classes] if fmt == "class_probabilities" else columns
        values = _numeric(frame, ordered, what)
        if (values < 0).any() or (values > 1).any():
            raise Invalid(f"{what}: probabilities outside [0, 1]")
        if fmt == "class_probabilities" and spec.task_type == "binary":
            return values[:, list(spec.classes).index(spec.positive_label)]
        return values[:, 0] if fmt == "binary_probability" else values
    texts = frame[columns[0]].astype(str)
    if fmt == "ranking":
        ranked = [[canonical(t) for t in row.split()] for row in texts]
        for number, row in enumerate(ranked, start=1):
            if not row or any(label not in known for label in row):
                raise Invalid(f"{what}: row {number} ranks unknown or no labels: {texts.iloc[number - 1]!r}")
        return ranked
    labels = np.array([canonical(t) for t in texts])
    unknown = sorted(set(labels) - known)
    if unknown:
        raise Invalid(f"{what}: label(s) {unknown[:5]} are not among the training classes")
    return labels


def to_scorer_truth(spec: TaskSpec, truth: pd.Series) -> np.ndarray:
    if spec.task_type == "regression":
        return pd.to_numeric(truth, errors="coerce").to_numpy(dtype=float)
    labels = np.array([canonical(v) for v in truth])
    if spec.prediction_kind == "probability":
        if spec.task_type == "binary":
            return (labels == canonical(spec.positive_label)).astype(int)
        index = {canonical(c): i for i, c in enumerate(spec.classes)}
        return np.array([index[label] for label in labels])
    return labels


def score(spec: TaskSpec, truth: pd.Series, predictions: pd.DataFrame, what: str) -> float:
    """The metric on aligned truth and submission-format predictions."""
    metric = get_metric(spec.metric)
    y_pred = to_scorer_predictions(spec, predictions, what)
    y_true = to_scorer_truth(spec, truth)
    if spec.submission_format == "label":
        y_true, y_pred = _label_codes(spec, y_true, y_pred)
    kwargs = {"k": spec.metric_k} if metric.takes_k else {}
    value = metric.scorer(y_true, y_pred, **kwargs)
    if not math.isfinite(value):
        raise Invalid(f"{what}: the metric is not finite ({value})")
    return float(value)


def _label_codes(spec: TaskSpec, y_true: np.ndarray, y_pred: np.ndarray):
    """Labels as the scorer needs them: 0/1 around the positive class for binary tasks
    (F1 needs to know which class is positive), numbers in class order for QWK."""
    if spec.task_type == "binary":
        positive = canonical(spec.positive_label)
        return (y_true == positive).astype(int), (y_pred == positive).astype(int)
    if spec.metric == "qwk":
        try:
            return y_true.astype(float), y_pred.astype(float)
        except ValueError:
            order = {canonical(c): i for i, c in enumerate(spec.classes)}
            return (np.array([order[v] for v in y_true]), np.array([order[v] for v in y_pred]))
    return y_true, y_pred


def score_oof(spec: TaskSpec, oof_path: Path, train: pd.DataFrame) -> tuple[float, float]:
    """CV score from oof.csv and the share of labelled training rows it covers."""
    oof = read_predictions(oof_path)
    labelled = train[train[spec.target].notna()]
    if spec.train_has_id:
        key = spec.id_column
        reference = labelled[key].map(canonical)
    else:
        key = "row"
        reference = pd.Series(labelled.index.map(str), index=labelled.index)
    if key not in oof.columns:
        raise Invalid(f"oof.csv lacks the key column {key!r}")
    keys = oof[key].map(canonical)
    if keys.duplicated().any():
        raise Invalid(f"oof.csv repeats {key} {keys[keys.duplicated()].iloc[0]!r}")
    position = pd.Series(np.arange(len(reference)), index=reference.to_numpy())
    unknown = ~keys.isin(position.index)
    if unknown.any():
        raise Invalid(f"oof.csv has {key} {keys[unknown].iloc[0]!r} that is not a labelled training row")
    needed = min(len(reference), MIN_OOF_ROWS)
    if len(keys) < needed:
        raise Invalid(f"oof.csv covers {len(keys)} training rows; at least {needed} are needed")
    truth = labelled[spec.target].iloc[position[keys.to_numpy()].to_numpy()]
    value = score(spec, truth, oof, "oof.csv")
    return value, len(keys) / len(reference)


def check_submission(spec: TaskSpec, submission_path: Path, sample: pd.DataFrame) -> pd.DataFrame:
    """The submission aligned to the sample's id order; raises Invalid with the reason."""
    submission = read_predictions(submission_path)
    expected = [str(c) for c in sample.columns]
    if sorted(submission.columns) != sorted(expected):
        raise Invalid(f"submission.csv columns {list(submission.columns)} differ from "
                      f"sample_submission.csv's {expected}")
    if len(submission) != len(sample):
        raise Invalid(f"submission.csv has {len(submission)} rows; sample_submission.csv has {len(sample)}")
    ids = submission[spec.id_column].map(canonical)
    if ids.duplicated().any():
        raise Invalid(f"submission.csv repeats id {ids[ids.duplicated()].iloc[0]!r}")
    wanted = sample[spec.id_column].map(canonical)
    missing = set(wanted) - set(ids)
    if missing:
        raise Invalid(f"submission.csv lacks {len(missing)} id(s) of sample_submission.csv, "
                      f"e.g. {sorted(missing)[0]!r}")
    to_scorer_predictions(spec, submission, "submission.csv")  # value checks
    return submission.set_index(ids).loc[wanted.to_numpy()].reset_index(drop=True)


def grade_attempt(spec: TaskSpec, attempt_dir: Path, train: pd.DataFrame, sample: pd.DataFrame,
                  check_submission_file: bool = True) -> Grade:
    """Score an attempt folder's oof.csv and validate its submission.csv."""
    try:
        value, coverage = score_oof(spec, attempt_dir / "oof.csv", train)
        if check_submission_file:
            check_submission(spec, attempt_dir / "submission.csv", sample)
    except Invalid as problem:
        return Grade(valid=False, reason=str(problem), submission_checked=check_submission_file)
    except Exception as error:  # a grader bug must not end the run; say what happened
        return Grade(valid=False, reason=f"grading failed: {type(error).__name__}: {error}",
                     submission_checked=check_submission_file)
    return Grade(valid=True, cv_score=value, oof_coverage=round(coverage, 4),
                 submission_checked=check_submission_file)


def grade_against_answers(spec: TaskSpec, submission_path: Path, sample: pd.DataFrame,
                          answers: pd.DataFrame) -> Grade:
    """Held-out score of a submission against private answers (id column + target)."""
    try:
        submission = check_submission(spec, submission_path, sample)
        truth = answers.set_index(answers[spec.id_column].map(canonical))
        ids = submission[spec.id_column].map(canonical)
        value = score(spec, truth.loc[ids.to_numpy(), spec.target], submission, "submission.csv")
    except Invalid as problem:
        return Grade(valid=False, reason=str(problem), submission_checked=True)
    return Grade(valid=True, cv_score=value, submission_checked=True)
