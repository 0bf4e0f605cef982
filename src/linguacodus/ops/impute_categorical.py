"""Fill missing categories with a placeholder."""

from linguacodus.ops.base import Operation

OPERATION = Operation(
    "impute_categorical", "preprocessing", 5,
    lambda p: f"Fill missing categories with the placeholder '{p['fill']}'.",
    defaults={"fill": "missing"},
)
