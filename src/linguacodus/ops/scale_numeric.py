"""Standardise numeric features."""

from linguacodus.ops.base import MatrixCode, Operation

OPERATION = Operation(
    "scale_numeric", "preprocessing", 4,
    lambda p: "Standardise numeric features to zero mean and unit variance.",
    extracts={"StandardScaler": {}, "MinMaxScaler": {}},
    matrix=lambda step, spec: MatrixCode(
        "numeric", "StandardScaler()",
        imports=frozenset({"from sklearn.preprocessing import StandardScaler"})),
)
