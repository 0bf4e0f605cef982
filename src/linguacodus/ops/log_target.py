"""Fit on log(1 + target)."""

from linguacodus.ops.base import Operation

OPERATION = Operation(
    "log_target", "preprocessing", 9,
    lambda p: "Train on log(1 + target) and map predictions back with exp(x) - 1.",
    task_types=frozenset({"regression"}),
    extracts={"log1p": {}},
)
