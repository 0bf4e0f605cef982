"""TaskSpec: what a task asks for, inferred from its description and data files."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from linguacodus.metrics import (
    METRICS,
    Metric,
    MetricMatch,
    PredictionKind,
    TaskType,
    default_metric,
    find_metric,
)
from linguacodus.splits import find_day_blocks, find_forward_column, find_group_column
from linguacodus.task import ENCODING_NAMES, TaskData, TaskError

SubmissionFormat = Literal["value", "label", "binary_probability", "class_probabilities", "ranking"]

# Words that name the "positive" side of a binary target, in the order they win.
_POSITIVE_WORDS = ("1", "1.0", "true", "yes", "y", "t", "positive", "pos")
_ID_NAMES = {"id", "rownames", "index", "row_id", "rowid", "row"}
# An integer target with at most this many distinct values is read as classes
# when the description names no metric.
_MAX_INTEGER_CLASSES = 20


class ColumnRole(StrEnum):
    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    TEXT = "text"
    DATETIME = "datetime"
    IDENTIFIER = "identifier"
    CONSTANT = "constant"


class TaskSpec(BaseModel):
    """Everything later stages need to know about a task; immutable and JSON-serialisable."""

    model_config = ConfigDict(frozen=True)

    name: str
    task_type: TaskType
    target: str
    id_column: str
    train_has_id: bool
    metric: str
    metric_k: int | None = None
    metric_phrase: str | None = None  # None: no metric named, default assumed
    higher_is_better: bool
    prediction_kind: PredictionKind
    submission_format: SubmissionFormat
    submission_columns: tuple[str, ...]
    classes: tuple[str, ...] = ()  # as text, in the order np.unique gives them
    positive_label: str | None = None
    class_columns: dict[str, str] = {}  # class → its probability column
    columns: dict[str, ColumnRole]  # every feature column of train and test (a timestamp id too)
    dropped_columns: tuple[str, ...] = ()  # in train only, neither target nor id
    levels: dict[str, int] = {}  # categorical column → distinct values in train and test
    text_chars: dict[str, int] = {}  # text column → characters of its distinct texts, train and test
    group_column: str | None = None  # test rows come from values of it never seen in train
    group_days: int | None = None  # group_column's timestamps grouped in blocks of days
    forward_column: str | None = None  # test rows lie beyond the training rows' range of it
    n_train: int
    n_test: int
    missing_share: float
    minority_share: float | None = None
    target_min: float | None = None
    target_skew: float | None = None
    encodings: dict[str, str] = {}  # CSV file → its encoding where it is not UTF-8
    warnings: tuple[str, ...] = ()

    def columns_with(self, role: ColumnRole) -> list[str]:
        return [name for name, r in self.columns.items() if r == role]

    @property
    def is_classification(self) -> bool:
        return self.task_type != "regression"


def infer_spec(task: TaskData, metric_hint: str | None = None,
               target_hint: str | None = None) -> TaskSpec:
    """Infer the TaskSpec of a loaded task; raise TaskError where it can't be done.

    Hints are what another reader (the LLM) found, used only where the rules find nothing:
    metric_hint, a registry metric name, where the description names no metric the rules
    recognise; target_hint, a train-only column, where the sample submission's column is
    not in train.csv."""
    train, test, sample = task.train, task.test, task.sample_submission
    warnings: list[str] = [f"{name} is not UTF-8: read as {ENCODING_NAMES.get(encoding, encoding)}"
                           for name, encoding in task.encodings.items()]
    id_column = _find_id_column(sample, test, task)
    _check_ids(test, sample, id_column)
    prediction_columns = [c for c in sample.columns if c != id_column]

    unknown = [c for c in test.columns if c not in train.columns and c != id_column]
    if unknown:
        raise TaskError(f"test.csv has column(s) that train.csv lacks: {', '.join(unknown)}")

    target, format_hint = _find_target(train, test, prediction_columns, id_column, target_hint)
    if target_hint is not None and target == target_hint and target not in prediction_columns:
        warnings.append(f"target {target!r} read by the LLM: the sample submission's column "
                        f"{', '.join(map(str, prediction_columns))} is not in train.csv")
    labelled = train[target].notna()
    if not labelled.any():
        raise TaskError(f"target column {target!r} in train.csv has no values")
    if labelled.sum() < MIN_LABELLED_ROWS:
        raise TaskError(f"train.csv has {int(labelled.sum())} labelled row(s); cross-validation "
                        f"needs at least {MIN_LABELLED_ROWS}")
    if not labelled.all():
        warnings.append(f"{int((~labelled).sum())} train rows have no {target!r}; they are ignored")
    y = train.loc[labelled, target]

    match = find_metric(task.description)
    if match is None and metric_hint in METRICS and not METRICS[metric_hint].takes_k:
        match = MetricMatch(METRICS[metric_hint], f"{metric_hint} (read by the LLM)", None)
    task_type = _task_type(y, format_hint, match.metric.task_types if match else None, target)
    probabilities = task_type != "regression" and _sample_holds_probabilities(
        sample, prediction_columns, format_hint)
    if match is None:
        # The sample submission's format decides what is scored: probabilities get a proper
        # scoring rule, never a label metric that would take them for labels.
        metric, phrase, k = _unnamed_metric(task_type, probabilities), None, None
        shown = "; sample_submission.csv holds probabilities, so" if probabilities else ";"
        warnings.append(
            f"the description names no metric that linguacodus knows{shown} assuming "
            f"{metric.title} ({'lower' if not metric.higher_is_better else 'higher'} is better)"
        )
    else:
        metric, phrase, k = match.metric, match.phrase, match.k
        if task_type not in metric.task_types:
            metric = _closest_metric(metric.name, task_type, target)
            warnings.append(f"{match.phrase!r} does not fit a {task_type} task; using {metric.title}")
        if probabilities and metric.prediction == "label":
            warnings.append(f"sample_submission.csv holds probabilities but {metric.title} (as "
                            "the description says) scores labels: the submission holds labels")

    classes: tuple[str, ...] = ()
    positive = None
    class_columns: dict[str, str] = {}
    if task_type != "regression":
        classes = tuple(np.unique(y.astype(str)))
        if task_type == "binary":
            positive = _positive_label(y, task.description)
    submission_format = _submission_format(task_type, metric.prediction, format_hint,
                                           prediction_columns, metric.title)
    if submission_format == "class_probabilities":
        class_columns = _class_columns(classes, prediction_columns)

    features = [c for c in train.columns if c in test.columns and c not in (id_column, target)]
    dropped = tuple(c for c in train.columns if c not in test.columns and c not in (id_column, target))
    if dropped:
        warnings.append(f"train-only column(s) not in test.csv are not used: {', '.join(dropped)}")
    roles = _seen_phrases(train, test, {c: infer_role(train[c], c) for c in features})
    if _id_is_timestamp(train, test, id_column):
        # A timestamp that is the id often carries the signal (one row an hour): its date
        # parts become features, and the column stays the submission's key.
        roles = {id_column: ColumnRole.DATETIME, **roles}
        warnings.append(f"the id column {id_column!r} is a timestamp: its date parts are features")
    if not any(r not in (ColumnRole.IDENTIFIER, ColumnRole.CONSTANT) for r in roles.values()):
        raise TaskError("train.csv and test.csv share no usable feature column")

    levels = {c: int(pd.concat([train[c], test[c]]).nunique()) for c, r in roles.items()
              if r == ColumnRole.CATEGORICAL}
    by_role = {role: [c for c, r in roles.items() if r == role] for role in ColumnRole}
    group_days = None
    forward_column = find_forward_column(train, test, by_role[ColumnRole.NUMERIC],
                                         by_role[ColumnRole.DATETIME])
    group_column = None if forward_column else find_group_column(
        train, test, by_role[ColumnRole.CATEGORICAL] + by_role[ColumnRole.TEXT]
        + by_role[ColumnRole.IDENTIFIER])
    if forward_column is not None:
        warnings.append(f"test rows lie after the training rows in {forward_column!r}: "
                        "validation fits on earlier rows and scores the next ones")
    elif group_column is not None:
        warnings.append(f"test rows come from {group_column!r} values that train.csv lacks: "
                        "validation keeps each value's rows in one fold")
    else:
        blocks = find_day_blocks(train, test, by_role[ColumnRole.DATETIME])
        if blocks is not None:
            group_column, group_days = blocks
            warnings.append(f"test rows fall on days of {group_column!r} that train.csv lacks, in "
                            f"runs of about {group_days} day(s): validation holds out blocks of "
                            f"{group_days} whole day(s)")
    minority = target_min = skew = None
    if task_type == "regression":
        values = pd.to_numeric(y, errors="coerce")
        target_min = float(values.min())
        skew = float(values.skew()) if len(values) > 2 else 0.0
    else:
        minority = float(y.astype(str).value_counts(normalize=True).min())

    return TaskSpec(
        name=task.name,
        task_type=task_type,
        target=target,
        id_column=id_column,
        train_has_id=id_column in train.columns,
        metric=metric.name,
        metric_k=k if metric.takes_k else None,
        metric_phrase=phrase,
        higher_is_better=metric.higher_is_better,
        prediction_kind=metric.prediction,
        submission_format=submission_format,
        submission_columns=tuple(prediction_columns),
        classes=classes,
        positive_label=positive,
        class_columns=class_columns,
        columns=roles,
        dropped_columns=dropped,
        levels=levels,
        text_chars={c: int(pd.concat([train[c], test[c]]).dropna().astype(str).drop_duplicates()
                           .str.len().sum()) for c, r in roles.items() if r == ColumnRole.TEXT},
        group_column=group_column,
        group_days=group_days,
        forward_column=forward_column,
        n_train=len(train),
        n_test=len(test),
        missing_share=float(train[features].isna().mean().mean()) if features else 0.0,
        minority_share=minority,
        target_min=target_min,
        target_skew=skew,
        encodings={name: encoding for name, encoding in task.encodings.items()
                   if name.endswith(".csv")},
        warnings=tuple(warnings),
    )


def _find_id_column(sample: pd.DataFrame, test: pd.DataFrame, task: TaskData) -> str:
    for column in sample.columns:
        if column in test.columns:
            return column
    raise TaskError(
        "no id column: sample_submission.csv and test.csv share no column "
        f"(sample_submission has {', '.join(map(str, sample.columns))})"
    )


def _check_ids(test: pd.DataFrame, sample: pd.DataFrame, id_column: str) -> None:
    """Each test row has its own id and the sample submission names the same ids: found now,
    before any script runs, not when the first submission is graded at the end."""
    ids = test[id_column].astype(str)
    repeated = ids[ids.duplicated(keep=False)]
    if not repeated.empty:
        value = repeated.iloc[0]
        rows = [int(i) + 2 for i in repeated.index[repeated == value][:2]]  # file lines, header 1
        raise TaskError(f"test.csv: id {value!r} in column {id_column!r} appears "
                        f"{int((ids == value).sum())} times (lines {rows[0]} and {rows[1]}); "
                        "each test row needs its own id")
    expected = sample[id_column].astype(str)
    if len(expected) != len(ids) or set(expected) != set(ids):
        missing = sorted(set(ids) - set(expected))
        extra = sorted(set(expected) - set(ids))
        detail = (f"{len(missing)} test id(s) are not in it, e.g. {missing[0]!r}" if missing else
                  f"{len(extra)} of its id(s) are not in test.csv, e.g. {extra[0]!r}" if extra else
                  f"it has {len(expected)} rows for {len(ids)} test rows")
        raise TaskError(f"sample_submission.csv does not list the ids of test.csv: {detail}")


def _find_target(train: pd.DataFrame, test: pd.DataFrame, prediction_columns: list[str],
                 id_column: str, hint: str | None = None) -> tuple[str, str | None]:
    """The target column, and 'classes' when the submission has one column per class."""
    in_train = [c for c in prediction_columns if c in train.columns]
    if in_train:
        if len(prediction_columns) > 1:
            raise TaskError(
                f"sample_submission.csv predicts several train columns ({', '.join(in_train)}); "
                "multi-target tasks are not supported yet"
            )
        return in_train[0], None
    candidates = [c for c in train.columns if c not in test.columns and c != id_column]
    wanted = {str(c).lower() for c in prediction_columns}
    for column in candidates:
        values = {v.lower() for v in train[column].dropna().astype(str)}
        if values and values <= wanted:
            return column, "classes"
    if hint in candidates and len(prediction_columns) == 1:
        return hint, None
    raise TaskError(
        "no target derivable: the prediction column(s) of sample_submission.csv "
        f"({', '.join(map(str, prediction_columns))}) are not in train.csv and no train-only "
        "column holds them as classes"
    )


def _task_type(y: pd.Series, format_hint: str | None, metric_types: frozenset[str] | None,
               target: str) -> TaskType:
    distinct = y.nunique()
    if distinct < 2:
        raise TaskError(f"target {target!r} has a single value; there is nothing to learn")
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    if format_hint == "classes" or not numeric:
        if metric_types == {"regression"}:
            raise TaskError(f"the metric needs a numeric target but {target!r} holds labels")
        return "binary" if distinct == 2 else "multiclass"
    if metric_types is not None:
        if "regression" in metric_types:
            return "regression"
        return "binary" if distinct == 2 else "multiclass"
    integral = bool(np.all(np.mod(y.to_numpy(dtype=float), 1) == 0))
    if distinct == 2:
        return "binary"
    if integral and distinct <= _MAX_INTEGER_CLASSES and distinct < 0.5 * len(y):
        return "multiclass"
    return "regression"


def _sample_holds_probabilities(sample: pd.DataFrame, columns: list[str],
                                format_hint: str | None) -> bool:
    """One column per class, or one column of numbers in [0, 1] not all 0 or 1."""
    if format_hint == "classes":
        return True
    if len(columns) != 1:
        return False
    values = pd.to_numeric(sample[columns[0]], errors="coerce")
    if values.isna().any() or values.empty:
        return False
    return bool(values.between(0, 1).all() and (~values.isin((0, 1))).any())


def _unnamed_metric(task_type: TaskType, probabilities: bool) -> Metric:
    """The metric where the description names none: log loss for probabilities, else the
    task type's default."""
    if probabilities:
        return METRICS["multiclass_log_loss" if task_type == "multiclass" else "log_loss"]
    return default_metric(task_type)


def _closest_metric(name: str, task_type: TaskType, target: str) -> Metric:
    replacements = {("f1", "multiclass"): "f1_macro", ("multiclass_log_loss", "binary"): "log_loss",
                    ("map_at_k", "binary"): "accuracy"}
    replacement = replacements.get((name, task_type))
    if replacement is None:
        raise TaskError(f"metric {METRICS[name].title} does not fit target {target!r} ({task_type})")
    return METRICS[replacement]


def _positive_label(y: pd.Series, description: str) -> str:
    """The class whose probability a binary submission holds.

    The description decides where it says so ("the probability that `churn` is `Yes`",
    "probability of default"); then conventional words (1, true, yes, ...); then the
    minority class.
    """
    counts = y.astype(str).value_counts()
    text = " ".join(description.lower().split())  # sentences wrap across lines
    named = [
        label for label in counts.index
        if re.search(r"probabilit(?:y|ies)\b[^.\n]{0,80}?[\s`'\"(]" + re.escape(label.lower())
                     + r"[\s`'\").,:;]", text)
    ]
    if len(named) == 1:
        return named[0]
    by_lower = {label.lower(): label for label in counts.index}
    for word in _POSITIVE_WORDS:
        if word in by_lower:
            return by_lower[word]
    return str(counts.index[-1])  # the minority class is the one usually scored


def _submission_format(task_type: TaskType, kind: PredictionKind, hint: str | None,
                       columns: list[str], metric_title: str) -> SubmissionFormat:
    if hint == "classes":
        if kind != "probability":
            raise TaskError(
                f"sample_submission.csv has one column per class but {metric_title} "
                "scores labels; give the submission a single label column"
            )
        return "class_probabilities"
    if task_type == "regression":
        return "value"
    if kind == "ranking":
        return "ranking"
    if kind == "probability":
        if task_type == "multiclass":
            raise TaskError(
                f"{metric_title} needs a probability per class but sample_submission.csv "
                f"has a single prediction column ({columns[0]})"
            )
        return "binary_probability"
    return "label"


def _class_columns(classes: tuple[str, ...], columns: list[str]) -> dict[str, str]:
    lookup = {str(c).lower(): str(c) for c in columns}
    mapping = {}
    for label in classes:
        column = lookup.get(label.lower())
        if column is None:
            raise TaskError(f"class {label!r} has no probability column in sample_submission.csv")
        mapping[label] = column
    return mapping


MIN_LABELLED_ROWS = 20  # fewer: five folds of a handful of rows say nothing
PHRASE_WORDS = 3  # mean words a value from which a many-valued column reads as text
PHRASE_MIN_VALUES = 20
PHRASE_SEEN_SHARE = 0.5  # test rows whose phrase training has, from which it is a category


def _mean_words(text: pd.Series) -> float:
    return float(text.str.split().str.len().mean())


def _is_prose(text: pd.Series, words: float) -> bool:
    return words >= 4 and text.str.len().mean() >= 25


def _is_phrase(text: pd.Series, words: float) -> bool:
    """Names and titles ("University of Alabama at Birmingham"): short, but their words carry
    what a category code can't. A handful of repeated phrases ("1. < HS Grad") stays a
    category."""
    return words >= PHRASE_WORDS and text.nunique() >= max(PHRASE_MIN_VALUES, 0.01 * len(text))


def _seen_phrases(train: pd.DataFrame, test: pd.DataFrame, roles: dict) -> dict:
    """Phrase columns whose test values training mostly has are categories after all (a
    movie's title, repeated over its ratings): the value itself is what a model learns.
    Where the test brings new names, only their words generalise, so they stay text."""
    updated = dict(roles)
    for column, role in roles.items():
        if role != ColumnRole.TEXT:
            continue
        text = train[column].dropna().astype(str)
        if _is_prose(text, _mean_words(text)):
            continue
        tested = test[column].dropna().astype(str)
        if len(tested) and tested.isin(set(text)).mean() >= PHRASE_SEEN_SHARE:
            updated[column] = ColumnRole.CATEGORICAL
    return updated


def infer_role(series: pd.Series, name: str) -> ColumnRole:
    """The role of one feature column, judged from its values and name."""
    values = series.dropna()
    if values.nunique() <= 1:
        return ColumnRole.CONSTANT
    lowered = str(name).lower()
    id_like = lowered in _ID_NAMES or lowered.endswith("_id") or lowered.endswith("id")
    unique_share = values.nunique() / len(values)
    if pd.api.types.is_bool_dtype(values):
        return ColumnRole.CATEGORICAL
    if pd.api.types.is_numeric_dtype(values):
        integral = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
        if id_like and integral and unique_share == 1.0:
            return ColumnRole.IDENTIFIER
        return ColumnRole.NUMERIC
    text = values.astype(str)
    if _looks_like_datetime(text):
        return ColumnRole.DATETIME
    words = _mean_words(text)
    if _is_prose(text, words) or _is_phrase(text, words):
        return ColumnRole.TEXT
    if unique_share == 1.0 and (id_like or len(values) > 50):
        return ColumnRole.IDENTIFIER
    return ColumnRole.CATEGORICAL


_DATE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}.*)?$"
)


def _id_is_timestamp(train: pd.DataFrame, test: pd.DataFrame, id_column: str) -> bool:
    if id_column not in train.columns or id_column not in test.columns:
        return False
    values = train[id_column].dropna()
    if values.empty or pd.api.types.is_numeric_dtype(values):
        return False
    return _looks_like_datetime(values.astype(str))


def _looks_like_datetime(text: pd.Series) -> bool:
    sample = text.head(200)
    if sample.str.match(_DATE).mean() < 0.9:
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.9)
