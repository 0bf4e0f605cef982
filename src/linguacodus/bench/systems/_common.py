"""What every system's process shares: reading its inputs and writing the submission."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from linguacodus.bench.registry import TaskMeta


@dataclass(frozen=True)
class Inputs:
    workdir: Path
    budget: float
    meta: TaskMeta
    train: pd.DataFrame
    test: pd.DataFrame
    sample: pd.DataFrame

    @property
    def x_train(self) -> pd.DataFrame:
        return self.train.drop(columns=[self.meta.target, self.meta.id_column], errors="ignore")

    @property
    def x_test(self) -> pd.DataFrame:
        return self.test.drop(columns=[self.meta.id_column], errors="ignore")[self.x_train.columns]

    @property
    def classes(self) -> list[str]:
        return sorted(self.train[self.meta.target].astype(str).unique())


def read_inputs(argv: list[str]) -> Inputs:
    if len(argv) != 3:
        raise SystemExit(f"usage: {argv[0]} WORKDIR BUDGET")
    workdir, budget = Path(argv[1]), float(argv[2])
    meta = TaskMeta.model_validate_json((workdir / "meta.json").read_text())

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(workdir / "input" / name, low_memory=False)

    return Inputs(workdir, budget, meta, read("train.csv"), read("test.csv"),
                  read("sample_submission.csv"))


def write_submission(inputs: Inputs, predictions: np.ndarray | list, classes: list[str] | None = None,
                     ) -> None:
    """predictions: labels, P(positive), a probability matrix over ``classes``, or values."""
    meta = inputs.meta
    ids = inputs.test[meta.id_column].to_numpy()
    if meta.submission == "class_probabilities":
        matrix = np.asarray(predictions, dtype=float)
        frame = pd.DataFrame(matrix, columns=[str(c) for c in classes])
        frame.insert(0, meta.id_column, ids)
        frame = frame.reindex(columns=list(inputs.sample.columns), fill_value=0.0)
    else:
        frame = pd.DataFrame({meta.id_column: ids, meta.target: predictions})
    frame.to_csv(inputs.workdir / "submission.csv", index=False)


def write_probabilities(inputs: Inputs, proba: np.ndarray, classes: list) -> None:
    """Class probabilities (columns in ``classes`` order) in the submission's format."""
    labels = [str(c) for c in classes]
    proba = np.asarray(proba, dtype=float)
    if inputs.meta.submission == "label":
        write_submission(inputs, np.array(labels, dtype=object)[proba.argmax(axis=1)])
    elif inputs.meta.submission == "binary_probability":
        write_submission(inputs, proba[:, labels.index(str(inputs.meta.positive_label))])
    else:
        write_submission(inputs, proba, labels)


def run(fit_predict: Callable[[Inputs], dict | None]) -> None:
    """Entry point of a system module: read, fit and predict, record timing."""
    started = time.monotonic()
    inputs = read_inputs(sys.argv)
    info = fit_predict(inputs) or {}
    info.setdefault("wall_seconds", round(time.monotonic() - started, 3))
    (inputs.workdir / "info.json").write_text(json.dumps(info, indent=2) + "\n")
