"""Benchmark task: penguins-species."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import with_id

META = TaskMeta(
    split="tune", traits=("label_format",),
    id="penguins-species", title="Penguin species", source="palmerpenguins",
    kind="multiclass, 3 classes", task_type="multiclass", target="species", id_column="id",
    metric="accuracy", higher_is_better=True, submission="label",
)


def load() -> pd.DataFrame:
    from palmerpenguins import load_penguins

    frame = load_penguins()
    return with_id(frame[frame["species"].notna()])
