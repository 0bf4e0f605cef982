"""What a prepared task's data shows of the traits its plugin declares.

Each check reads only the prepared files and the declared metadata, so a plugin that claims
"many classes" or "missing values" is held to it by the tests. ``timestamp`` is checked as
"a column (or the id) parses as date-times"; that it carries much of the signal is the
plugin author's claim, stated in its description.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from linguacodus.bench.registry import TaskMeta

MANY_CLASSES = 20
RARE_SHARE = 0.10
MISSING_SHARE = 0.20
HIGH_CARDINALITY = 500
SKEW = 1.0
OUT_OF_RANGE_SHARE = 0.10  # of test rows outside the training range of the target or a feature
LOG_METRICS = ("rmsle", "rmse_log")
TEXT_MIN_DISTINCT = 50


@dataclass(frozen=True)
class Prepared:
    meta: TaskMeta
    train: pd.DataFrame
    test: pd.DataFrame
    answers: pd.DataFrame

    @property
    def features(self) -> list[str]:
        return [c for c in self.train.columns if c not in (self.meta.target, self.meta.id_column)]


def read_prepared(root: Path, meta: TaskMeta) -> Prepared:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(Path(root) / name, low_memory=False)

    return Prepared(meta, read("public/train.csv"), read("public/test.csv"), read("private/answers.csv"))


def _is_timestamp(values: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(values):
        return False
    sample = values.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d{4}|\d{1,2}[-/:]\d{1,2}").all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.95)


def text_columns(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Free text: many distinct strings (not a handful of levels), of three or more words on
    average or nearly all distinct (names, titles)."""
    found = []
    for column in columns:
        values = frame[column].dropna()
        if pd.api.types.is_numeric_dtype(values) or values.empty or _is_timestamp(values):
            continue
        words = values.astype(str).str.split().str.len().mean()
        distinct = values.nunique()
        if distinct >= TEXT_MIN_DISTINCT and (words >= 3 or distinct >= 0.2 * len(values)):
            found.append(column)
    return found


def _categorical(data: Prepared) -> list[str]:
    text = set(text_columns(data.train, data.features))
    return [c for c in data.features if c not in text and not pd.api.types.is_numeric_dtype(data.train[c])
            and not _is_timestamp(data.train[c])]


def _out_of_range(data: Prepared) -> bool:
    numeric = [c for c in data.features if pd.api.types.is_numeric_dtype(data.train[c])]
    pairs = [(data.train[c], data.test[c]) for c in numeric]
    if data.meta.task_type == "regression":
        pairs.append((data.train[data.meta.target], data.answers[data.meta.target]))
    for train, test in pairs:
        outside = (test < train.min()) | (test > train.max())
        if outside.mean() >= OUT_OF_RANGE_SHARE:
            return True
    return False


def _class_shares(data: Prepared) -> pd.Series:
    return data.train[data.meta.target].astype(str).value_counts(normalize=True)


CHECKS: dict[str, Callable[[Prepared], bool]] = {
    "timestamp": lambda d: any(_is_timestamp(d.train[c]) for c in [d.meta.id_column, *d.features]),
    "text_only": lambda d: bool(d.features) and text_columns(d.train, d.features) == d.features,
    "text_tabular": lambda d: 0 < len(text_columns(d.train, d.features)) < len(d.features),
    "many_classes": lambda d: d.meta.task_type != "regression" and len(_class_shares(d)) >= MANY_CLASSES,
    "rare_positive": lambda d: d.meta.task_type == "binary"
    and _class_shares(d).get(str(d.meta.positive_label), 1.0) < RARE_SHARE,
    "skewed_log_target": lambda d: d.meta.metric in LOG_METRICS and d.train[d.meta.target].min() >= 0
    and d.train[d.meta.target].skew() > SKEW,
    "extrapolation": _out_of_range,
    "high_cardinality": lambda d: any(d.train[c].nunique() >= HIGH_CARDINALITY for c in _categorical(d)),
    "missing": lambda d: bool(d.features) and d.train[d.features].isna().mean().max() > MISSING_SHARE,
    "label_format": lambda d: d.meta.submission == "label",
}


def observed_traits(data: Prepared) -> set[str]:
    """The traits the prepared data shows, whatever the plugin declares."""
    return {name for name, check in CHECKS.items() if check(data)}
