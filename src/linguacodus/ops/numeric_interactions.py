"""Pairwise products and squares of the numeric features, for models that add effects up.

A linear model can't learn that two columns matter together (area = width × height, a dose
that matters only for the old); trees find that themselves, so this is for linear models.
The products are made after imputation and scaling, in each fold's pipeline. Only where
cheap: k numeric columns give k(k+1)/2 new ones, so a task with more than MAX_COLUMNS
numeric columns is refused rather than made slow.

No portfolio recipe uses it: a recipe "linear-interactions" won on 28 of the 197 knowledge-
base tasks it applied to, yet proposals with it were worse in leave-one-out (top-1 gap 0.143
against 0.140; benchmarks/results/kb/interactions-ab.json). Instructions written by hand or by
an LLM, and solutions that extraction reads (PolynomialFeatures), use it.
"""

from linguacodus.errors import InstructionError
from linguacodus.ops._edits import add, dropped_columns, is_linear, make
from linguacodus.ops.base import MatrixCode, Operation
from linguacodus.spec import ColumnRole

MAX_COLUMNS = 20  # 210 products and squares at most


# Numeric features a feature step makes from one column, at most (date parts: 7).
_DERIVED_PER_COLUMN = 7


def feature_count(spec) -> int:
    """At most how many numeric features the products are made of: the numeric columns, seven
    for each column that date parts or text statistics are made from, one for each
    categorical column (its frequency, where it has many levels)."""
    derived = spec.columns_with(ColumnRole.DATETIME) + spec.columns_with(ColumnRole.TEXT)
    return (len(spec.columns_with(ColumnRole.NUMERIC)) + _DERIVED_PER_COLUMN * len(derived)
            + len(spec.columns_with(ColumnRole.CATEGORICAL)))


def _check(step, spec, instruction) -> None:
    count = feature_count(spec)
    if count > MAX_COLUMNS:
        raise InstructionError(
            f"numeric_interactions on up to {count} numeric features would add up to "
            f"{count * (count + 1) // 2}; it is meant for at most {MAX_COLUMNS}")
    if instruction.find("sentence_embeddings") is not None:
        raise InstructionError("numeric_interactions can't be combined with sentence embeddings "
                               "(products of hundreds of dimensions)")
    if not is_linear(instruction):
        raise InstructionError("numeric_interactions is for linear models (ridge, "
                               "logistic_regression); tree models find interactions themselves")
    encode = instruction.find("encode_categorical")
    if encode is not None and encode.param("method") == "native":
        raise InstructionError("numeric_interactions needs matrix preprocessing, not native categories")


def _variant(instruction, spec):
    """Offered to a linear leader that lacks it and has numeric features to multiply; its
    own check (few enough of them, matrix preprocessing) decides the rest when the move is
    validated."""
    if instruction.find("numeric_interactions") is not None or not is_linear(instruction):
        return None
    dropped = dropped_columns(instruction)
    numeric = [c for c in spec.columns_with(ColumnRole.NUMERIC) if c not in dropped]
    derived = [op for op in ("datetime_features", "text_statistics", "frequency_encoding")
               if instruction.find(op) is not None]
    if not numeric and not derived:
        return None
    return "pairwise products", add(instruction, make("numeric_interactions"))


OPERATION = Operation(
    "numeric_interactions", "preprocessing", 5,
    lambda p: "Add the pairwise products and squares of the scaled numeric features, so that "
              "a linear model can weigh two columns together.",
    check=_check,
    extracts={"PolynomialFeatures": {}},
    matrix=lambda step, spec: MatrixCode(
        "numeric", "PolynomialFeatures(degree=2, include_bias=False)",
        imports=frozenset({"from sklearn.preprocessing import PolynomialFeatures"})),
    variant=_variant,
)
