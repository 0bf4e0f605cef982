"""Fill missing categories with a placeholder."""

from linguacodus.codegen.literals import py
from linguacodus.ops import _edits
from linguacodus.ops.base import MatrixCode, Operation
from linguacodus.spec import ColumnRole


def _fix_nan(instruction, spec):
    """A placeholder category where a model that can't take missing values sees categories."""
    encode = instruction.find("encode_categorical")
    if not spec.columns_with(ColumnRole.CATEGORICAL) or instruction.find("impute_categorical") \
            or (encode is not None and encode.param("method") == "native"):
        return None
    return ("added a placeholder category for missing values",
            _edits.add(instruction, _edits.make("impute_categorical")))


OPERATION = Operation(
    "impute_categorical", "preprocessing", 5,
    lambda p: f"Fill missing categories with the placeholder '{p['fill']}'.",
    defaults={"fill": "missing"},
    fixes={"nan_in_input": _fix_nan},
    matrix=lambda step, spec: MatrixCode(
        "categorical", f'SimpleImputer(strategy="constant", fill_value={py(step.param("fill"))})',
        imports=frozenset({"from sklearn.impute import SimpleImputer"})),
)
