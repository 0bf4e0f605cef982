"""Tune the positive class's decision threshold for F1, cross-fitted."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation


def _check(step, spec, instruction) -> None:
    if spec.submission_format != "label":
        raise InstructionError("tune_threshold applies to label submissions only; "
                               f"this task submits {spec.submission_format}")


OPERATION = Operation(
    "tune_threshold", "postprocess", 23,
    lambda p: "Choose the probability threshold for the positive class that maximises F1 "
              "on the out-of-fold predictions, cross-fitted (each half of the rows scored "
              "with the threshold chosen on the other; 0.5 where tuning does not hold), "
              "and label the test set with it.",
    task_types=frozenset({"binary"}),
    check=_check,
)
