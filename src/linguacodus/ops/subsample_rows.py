"""Fit on a random subsample of the training rows."""

from linguacodus.ops.base import Operation

OPERATION = Operation(
    "subsample_rows", "training", 19,
    lambda p: f"Fit on at most {p['max_rows']} randomly chosen training rows.",
    defaults={"max_rows": 100000},
)
