"""Each value's share of the rows, as a number, for many-valued categorical columns."""

from linguacodus.codegen.literals import assign
from linguacodus.errors import InstructionError
from linguacodus.ops.base import FeatureCode, Operation, names


def _check(step, spec, instruction) -> None:
    from linguacodus.spec import ColumnRole

    drop = instruction.find("drop_columns")
    dropped = set(drop.param("columns")) if drop is not None else set()
    categorical = set(spec.columns_with(ColumnRole.CATEGORICAL)) - dropped
    wrong = [c for c in step.param("columns") if c not in categorical]
    if wrong:
        raise InstructionError("frequency_encoding names column(s) that are not categorical "
                               f"features here: {', '.join(map(str, wrong))}")


def _features(step, layout) -> FeatureCode:
    return FeatureCode(
        setup=(
            assign("FREQUENCY_COLUMNS", list(step.param("columns"))),
            "# Each value's share of the rows of train and test together: features, no labels.",
            "FREQUENCIES = {",
            "    column: pd.concat([train[column], test[column]]).astype(str).value_counts(normalize=True)",
            "    for column in FREQUENCY_COLUMNS",
            "}",
        ),
        body=(
            "    for column in FREQUENCY_COLUMNS:",
            "        shares = frame[column].astype(str).map(FREQUENCIES[column])",
            '        features[f"{column}_frequency"] = shares.astype(float)',
        ),
    )


OPERATION = Operation(
    "frequency_encoding", "preprocessing", 7,
    lambda p: "Add each value's share of the rows (train and test together, no labels) "
              f"as a number for the many-valued categorical columns: {names(p['columns'])}.",
    defaults={"columns": []},
    check=_check,
    features=_features,
)
