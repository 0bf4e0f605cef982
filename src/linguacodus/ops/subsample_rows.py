"""Fit on a random subsample of the training rows."""

from linguacodus.ops import _edits
from linguacodus.ops.base import Operation


def _fewer_rows(instruction, spec):
    """Half the rows a run fits on, where it fits on 2,000 or more."""
    subsample = instruction.find("subsample_rows")
    rows = min(subsample.param("max_rows") if subsample else spec.n_train, spec.n_train)
    if rows < 2000:
        return None
    step = _edits.make("subsample_rows", max_rows=rows // 2)
    repaired = (_edits.replace(instruction, "subsample_rows", step) if subsample
                else _edits.add(instruction, step, "training"))
    return f"fit on at most {rows // 2} rows", repaired


OPERATION = Operation(
    "subsample_rows", "training", 19,
    lambda p: f"Fit on at most {p['max_rows']} randomly chosen training rows.",
    defaults={"max_rows": 100000},
    fixes={"timeout": _fewer_rows, "out_of_memory": _fewer_rows},
)
