"""Benchmark task: wine-cultivar."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import sklearn_frame, with_id

META = TaskMeta(
    split="tune", traits=(),
    id="wine-cultivar", title="Wine cultivar", source="sklearn:load_wine",
    kind="multiclass, 3 classes, probabilities", task_type="multiclass", target="cultivar",
    id_column="id", metric="multiclass_log_loss", higher_is_better=False, submission="class_probabilities",
)


def load() -> pd.DataFrame:
    frame = sklearn_frame("load_wine", "cultivar")
    frame["cultivar"] = frame["cultivar"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    return with_id(frame)
