"""Each value's share of the rows, as a number, for many-valued categorical columns.

As a search move it widens to every categorical column the instruction keeps with at least
MOVE_LEVELS values: the rules add it from 100 values on (planning.FREQUENCY_LEVELS), where
one-hot or native splits can't learn each level; below that a value's frequency may still
say something its code does not (a common brand, a rare agent)."""

from linguacodus.codegen.literals import assign
from linguacodus.errors import InstructionError
from linguacodus.ops._edits import add, dropped_columns, make, replace, with_numbers_prepared
from linguacodus.ops.base import FeatureCode, Operation, names

MOVE_LEVELS = 10


def _check(step, spec, instruction) -> None:
    from linguacodus.spec import ColumnRole

    categorical = set(spec.columns_with(ColumnRole.CATEGORICAL)) - dropped_columns(instruction)
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


def _variant(instruction, spec):
    from linguacodus.spec import ColumnRole

    dropped = dropped_columns(instruction)
    step = instruction.find("frequency_encoding")
    have = list(step.param("columns")) if step is not None else []
    more = [c for c in spec.columns_with(ColumnRole.CATEGORICAL)
            if c not in dropped and c not in have and spec.levels.get(c, 0) >= MOVE_LEVELS]
    if not more:
        return None
    widened = make("frequency_encoding", columns=have + more)
    change = f"value frequencies of {len(more)} more column{'s' * (len(more) > 1)}"
    if step is None:
        return change, with_numbers_prepared(add(instruction, widened))
    return change, with_numbers_prepared(replace(instruction, "frequency_encoding", widened))


OPERATION = Operation(
    "frequency_encoding", "preprocessing", 7,
    lambda p: "Add each value's share of the rows (train and test together, no labels) "
              f"as a number for the many-valued categorical columns: {names(p['columns'])}.",
    defaults={"columns": []},
    check=_check,
    features=_features,
    variant=_variant,
)
