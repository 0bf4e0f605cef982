"""Standardise numeric features."""

from linguacodus.ops.base import Operation

OPERATION = Operation(
    "scale_numeric", "preprocessing", 4,
    lambda p: "Standardise numeric features to zero mean and unit variance.",
    extracts={"StandardScaler": {}, "MinMaxScaler": {}},
)
