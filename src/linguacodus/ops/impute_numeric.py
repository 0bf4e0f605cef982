"""Fill missing numeric values."""

from linguacodus.codegen.literals import py
from linguacodus.ops import _edits
from linguacodus.ops.base import MatrixCode, Operation

STRATEGIES = ("mean", "median", "most_frequent")


def _extract_params(params: dict) -> dict:
    return {"strategy": params["strategy"]} if params.get("strategy") in STRATEGIES else {}


def _matrix(step, spec) -> MatrixCode:
    strategy = step.param("strategy")
    imputer = ('SimpleImputer(strategy="constant", fill_value=0)' if strategy == "zero"
               else f"SimpleImputer(strategy={py(strategy)})")
    return MatrixCode("numeric", imputer, imports=frozenset({"from sklearn.impute import SimpleImputer"}))


# pandas' statistic of the training rows for each strategy (native mode has no SimpleImputer).
_PANDAS_STATISTIC = {"median": "median()", "mean": "mean()", "most_frequent": "mode().iloc[0]",
                     "zero": "median() * 0"}


def _native(step) -> tuple[str, ...]:
    statistic = _PANDAS_STATISTIC.get(step.param("strategy"), "median()")
    return (
        "# Fill values come from the features of the training rows only; no labels.",
        f"fill_values = X[NUMERIC_FEATURES].{statistic}",
        "X[NUMERIC_FEATURES] = X[NUMERIC_FEATURES].fillna(fill_values)",
        "X_test[NUMERIC_FEATURES] = X_test[NUMERIC_FEATURES].fillna(fill_values)",
    )


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
    matrix=_matrix,
    native=_native,
)
