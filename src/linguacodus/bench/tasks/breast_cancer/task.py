"""Benchmark task: breast-cancer."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import sklearn_frame, with_id

META = TaskMeta(
    split="tune", traits=(),
    id="breast-cancer", title="Breast mass diagnosis", source="sklearn:load_breast_cancer",
    kind="binary, numeric", task_type="binary", target="diagnosis", id_column="id",
    metric="log_loss", higher_is_better=False, submission="binary_probability", positive_label="malignant",
)


def load() -> pd.DataFrame:
    frame = sklearn_frame("load_breast_cancer", "diagnosis")
    frame["diagnosis"] = frame["diagnosis"].map({0: "malignant", 1: "benign"})
    return with_id(frame)
