"""Fill missing numeric values."""

from linguacodus.ops.base import Operation

STRATEGIES = ("mean", "median", "most_frequent")


def _extract_params(params: dict) -> dict:
    return {"strategy": params["strategy"]} if params.get("strategy") in STRATEGIES else {}


OPERATION = Operation(
    "impute_numeric", "preprocessing", 3,
    lambda p: f"Fill missing numeric values with the training {p['strategy']}.",
    defaults={"strategy": "median"},
    extracts={"fillna": {}, "SimpleImputer": {}},
    extract_params=_extract_params,
)
