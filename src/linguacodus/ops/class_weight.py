"""Class weights inversely proportional to class frequency."""

from linguacodus.ops.base import CLASSIFICATION, Operation

OPERATION = Operation(
    "class_weight", "training", 17,
    lambda p: "Weight classes inversely to their frequency while fitting.",
    defaults={"mode": "balanced"},
    task_types=CLASSIFICATION,
)
