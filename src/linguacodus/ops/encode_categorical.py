"""Encode categorical columns: native categories, one-hot or ordinal codes."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation

METHODS = ("native", "onehot", "ordinal")


def _check(step, spec, instruction) -> None:
    method = step.param("method")
    if method not in METHODS:
        raise InstructionError(
            f"encode_categorical method must be native, onehot or ordinal, not {method!r}")
    if method == "native":
        from linguacodus.ops import get_operation

        model = instruction.model_step().op
        if not get_operation(model).model.native_categories:
            raise InstructionError(
                f"native categorical encoding needs lightgbm or xgboost, not {model}; "
                "use encode_categorical(method='onehot')"
            )


OPERATION = Operation(
    "encode_categorical", "preprocessing", 6,
    lambda p: {
        "native": "Keep categorical columns as categories for the model's native "
                  "categorical splits; unseen test categories become missing.",
        "onehot": "One-hot encode categorical columns, ignoring categories unseen in training"
                  + (f" and grouping those rarer than {p['min_frequency']} rows."
                     if p.get("min_frequency") else "."),
        "ordinal": "Ordinal-encode categorical columns; unseen and missing categories get -1.",
    }.get(p["method"], f"Encode categorical columns with method '{p['method']}'."),
    defaults={"method": "native", "min_frequency": None},
    check=_check,
    extracts={"get_dummies": {"method": "onehot"}, "OneHotEncoder": {"method": "onehot"},
              "LabelEncoder": {"method": "ordinal"}, "OrdinalEncoder": {"method": "ordinal"}},
)
