"""Calibrate class probabilities on the out-of-fold predictions (log-loss metrics)."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import CLASSIFICATION, Operation


def _check(step, spec, instruction) -> None:
    if spec.submission_format not in ("binary_probability", "class_probabilities"):
        raise InstructionError("calibrate_probabilities applies to probability submissions only; "
                               f"this task submits {spec.submission_format}")


OPERATION = Operation(
    "calibrate_probabilities", "postprocess", 22,
    lambda p: "Calibrate the class probabilities on the out-of-fold predictions: a power "
              "that softens or sharpens them, then a share of the class frequencies, "
              "both chosen to minimise the log loss.",
    task_types=CLASSIFICATION,
    check=_check,
)
