"""How the test set is predicted: the fold models' average, or one model refitted on all rows."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation

METHODS = ("fold_average", "refit")


def _check(step, spec, instruction) -> None:
    if step.param("method") not in METHODS:
        raise InstructionError(
            f"final_model method must be fold_average or refit, not {step.param('method')!r}")


OPERATION = Operation(
    "final_model", "training", 20,
    lambda p: {
        "fold_average": "Predict the test set with the average of the fold models.",
        "refit": "Refit the model on all training rows to predict the test set.",
    }.get(p["method"], f"Final model: {p['method']}."),
    defaults={"method": "fold_average"},
    check=_check,
)
