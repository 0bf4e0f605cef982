"""Encode categorical columns: native categories, one-hot or ordinal codes, or target means.

Target encoding replaces a category by the mean target of its rows (one column a class for
many classes). It is cross-fitted: within each fold's training rows, a row's encoding comes
from the other inner folds (scikit-learn's TargetEncoder), so it never sees its own target —
the leak that makes naive target encoding look good in CV and fail on the test. It suits
categories with many levels, where one-hot makes too many columns and integer codes say
nothing about order.
"""

from linguacodus.codegen.literals import py
from linguacodus.errors import InstructionError
from linguacodus.ops import _edits
from linguacodus.ops.base import MatrixCode, Operation

METHODS = ("native", "onehot", "ordinal", "target")


def _check(step, spec, instruction) -> None:
    method = step.param("method")
    if method not in METHODS:
        raise InstructionError(
            f"encode_categorical method must be native, onehot, ordinal or target, not {method!r}")
    if method == "native":
        from linguacodus.ops import get_operation, model_operations

        model = instruction.model_step().op
        if not get_operation(model).model.native_categories:
            able = ", ".join(sorted(op.name for op in model_operations() if op.model.native_categories))
            raise InstructionError(
                f"native categorical encoding needs a model that handles categories itself "
                f"({able}), not {model}; use encode_categorical(method='onehot')"
            )


def _matrix(step, spec) -> MatrixCode | None:
    method = step.param("method")
    if method == "native":  # the model's own; no transformer
        return None
    if method == "onehot":
        frequency = step.param("min_frequency")
        encoder = (f'OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency={py(frequency)})'
                   if frequency else 'OneHotEncoder(handle_unknown="ignore")')
        return MatrixCode("categorical", encoder,
                          imports=frozenset({"from sklearn.preprocessing import OneHotEncoder"}))
    if method == "target":
        # The kind of target is said, not guessed: an integer regression target would
        # otherwise read as many classes.
        kind = "continuous" if spec.task_type == "regression" else spec.task_type
        return MatrixCode("categorical", f"TargetEncoder(target_type={py(kind)}, random_state=SEED)",
                          imports=frozenset({"from sklearn.preprocessing import TargetEncoder"}))
    return MatrixCode(
        "categorical",
        "OrdinalEncoder(\n"
        '                handle_unknown="use_encoded_value", unknown_value=-1, '
        "encoded_missing_value=-1,\n"
        "            )",
        imports=frozenset({"from sklearn.preprocessing import OrdinalEncoder"}))


def _fix_strings(instruction, spec):
    """Strings reached a model that takes numbers: encode the categories (natively where the
    model can), or drop native encoding where the model can't take it."""
    from linguacodus.ops import get_operation

    encode = instruction.find("encode_categorical")
    model = instruction.model_step().op
    native_ok = get_operation(model).model.native_categories and instruction.find("tfidf_text") is None
    if encode is None:
        method = "native" if native_ok else "onehot"
        repaired = _edits.add(instruction, _edits.make("encode_categorical", method=method))
        if method == "onehot" and instruction.find("impute_categorical") is None:
            repaired = _edits.add(repaired, _edits.make("impute_categorical"))
        return f"added {method} encoding of categorical columns", repaired
    if encode.param("method") == "native" and not native_ok:
        return ("switched categorical encoding to one-hot", _edits.replace(
            instruction, "encode_categorical", _edits.with_params(encode, method="onehot")))
    return None


def _fix_unseen(instruction, spec):
    encode = instruction.find("encode_categorical")
    if encode is None or encode.param("method") in ("ordinal", "target"):  # both take unseen ones
        return None
    return ("switched to ordinal encoding, which maps unseen categories to -1", _edits.replace(
        instruction, "encode_categorical", _edits.with_params(encode, method="ordinal")))


OPERATION = Operation(
    "encode_categorical", "preprocessing", 6,
    lambda p: {
        "native": "Keep categorical columns as categories for the model's own categorical "
                  "handling; test categories unseen in training are treated as unknown.",
        "onehot": "One-hot encode categorical columns, ignoring categories unseen in training"
                  + (f" and grouping those rarer than {p['min_frequency']} rows."
                     if p.get("min_frequency") else "."),
        "ordinal": "Ordinal-encode categorical columns; unseen and missing categories get -1.",
        "target": "Replace each category by the mean target of its training rows, cross-fitted "
                  "on inner folds so that no row sees its own target; unseen categories get "
                  "the overall mean.",
    }.get(p["method"], f"Encode categorical columns with method '{p['method']}'."),
    defaults={"method": "native", "min_frequency": None},
    check=_check,
    fixes={"dtype_mismatch": _fix_strings, "unseen_category": _fix_unseen},
    matrix=_matrix,
    extracts={"get_dummies": {"method": "onehot"}, "OneHotEncoder": {"method": "onehot"},
              "LabelEncoder": {"method": "ordinal"}, "OrdinalEncoder": {"method": "ordinal"},
              "TargetEncoder": {"method": "target"}},
)
