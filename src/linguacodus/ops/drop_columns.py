"""Drop columns that carry no signal."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation, names


def _check(step, spec, instruction) -> None:
    unknown = set(step.param("columns")) - set(spec.columns)
    if unknown:
        raise InstructionError(f"drop_columns names column(s) the task lacks: {', '.join(sorted(unknown))}")


OPERATION = Operation(
    "drop_columns", "preprocessing", 1,
    lambda p: f"Drop columns that carry no signal (identifiers, constants): {names(p['columns'])}.",
    defaults={"columns": []},
    check=_check,
)
