"""Benchmark task: diabetes-progression."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import sklearn_frame, with_id

META = TaskMeta(
    split="tune", traits=(),
    id="diabetes-progression", title="Diabetes progression", source="sklearn:load_diabetes",
    kind="regression, plain metric", task_type="regression", target="progression",
    id_column="id", metric="rmse", higher_is_better=False, submission="value",
)


def load() -> pd.DataFrame:
    return with_id(sklearn_frame("load_diabetes", "progression"))
