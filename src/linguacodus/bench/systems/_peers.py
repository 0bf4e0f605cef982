"""Shared by the AutoML peers: metric names, log-scale targets, writing predictions."""

from __future__ import annotations

import numpy as np

from linguacodus.bench.systems._common import Inputs, write_probabilities, write_submission

# Metrics scored on logs: the peers optimise RMSE of the transformed target, as a user would.
LOG_TARGETS = {"rmsle": (np.log1p, np.expm1), "rmse_log": (np.log, np.exp)}


def target(inputs: Inputs) -> np.ndarray:
    values = inputs.train[inputs.meta.target]
    if inputs.meta.metric in LOG_TARGETS:
        forward, _ = LOG_TARGETS[inputs.meta.metric]
        return forward(values.to_numpy(dtype=float))
    return values.astype(str).to_numpy() if inputs.meta.task_type != "regression" else values.to_numpy(float)


def write(inputs: Inputs, predictions: np.ndarray, classes: list | None = None) -> None:
    """Regression values (log scale undone) or class probabilities in ``classes`` order."""
    meta = inputs.meta
    if meta.task_type == "regression":
        values = np.asarray(predictions, dtype=float)
        if meta.metric in LOG_TARGETS:
            values = LOG_TARGETS[meta.metric][1](values)
        write_submission(inputs, values)
        return
    write_probabilities(inputs, predictions, classes)
