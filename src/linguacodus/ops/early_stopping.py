"""Stop adding trees when an inner hold-out of each fold stops improving."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation


def _check(step, spec, instruction) -> None:
    from linguacodus.ops import get_operation, model_operations

    model = instruction.model_step().op
    if get_operation(model).model.early_stopping is None:
        able = sorted(op.name for op in model_operations() if op.model.early_stopping is not None)
        raise InstructionError(f"early_stopping is implemented for {', '.join(able)}, not {model}")
    final = instruction.find("final_model")
    if final is not None and final.param("method") != "fold_average":
        raise InstructionError("early_stopping needs final_model(method='fold_average'): "
                               "a refit on every row has no rows left to stop on")
    encode = instruction.find("encode_categorical")
    matrix = [instruction.find(op) for op in ("tfidf_text", "impute_numeric", "scale_numeric",
                                              "impute_categorical")]
    if any(matrix) or (encode is not None and encode.param("method") != "native"):
        raise InstructionError("early_stopping needs the model to see the features directly "
                               "(native categories, no imputation, scaling or TF-IDF)")
    if not 0 < float(step.param("valid_share")) < 0.5:
        raise InstructionError("early_stopping valid_share must be between 0 and 0.5")


OPERATION = Operation(
    "early_stopping", "training", 18,
    lambda p: f"Hold out {p['valid_share']:.0%} of each fold's training rows and stop adding "
              f"trees when the score on them has not improved for {p['rounds']} rounds.",
    defaults={"rounds": 50, "valid_share": 0.1},
    check=_check,
)
