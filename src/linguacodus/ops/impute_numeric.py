"""Fill missing numeric values."""

from linguacodus.ops import _edits
from linguacodus.ops.base import Operation

STRATEGIES = ("mean", "median", "most_frequent")


def _extract_params(params: dict) -> dict:
    return {"strategy": params["strategy"]} if params.get("strategy") in STRATEGIES else {}


def _fix_nan(instruction, spec):
    if instruction.find("impute_numeric") is not None:
        return None
    return ("added median imputation of numeric columns",
            _edits.add(instruction, _edits.make("impute_numeric", strategy="median")))


OPERATION = Operation(
    "impute_numeric", "preprocessing", 3,
    lambda p: f"Fill missing numeric values with the training {p['strategy']}.",
    defaults={"strategy": "median"},
    extracts={"fillna": {}, "SimpleImputer": {}},
    extract_params=_extract_params,
    fixes={"nan_in_input": _fix_nan},
)
