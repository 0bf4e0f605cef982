"""Benchmark task: digits-ten."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import sklearn_frame, with_id

META = TaskMeta(
    split="tune", traits=(),
    id="digits-ten", title="Handwritten digits", source="sklearn:load_digits",
    kind="multiclass, 10 classes", task_type="multiclass", target="digit", id_column="id",
    metric="multiclass_log_loss", higher_is_better=False, submission="class_probabilities",
)


def load() -> pd.DataFrame:
    return with_id(sklearn_frame("load_digits", "digit"))
