"""Clip regression predictions to the training target's range, widened by a margin.

The margin is a share of the training range added on each side (0: the range itself). On
tune's regression tasks, replaying each recorded solution with margins 0 to 0.25 and with no
clipping gave the same test scores but on tate-year, where 0 was best (MAE 2.4386 against
2.4407 at 0.02; benchmarks/clip_margin.py, results/clip_margin-tune.json): the default is 0.
"""

from linguacodus.codegen.literals import py
from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation, PostprocessCode


def _check(step, spec, instruction) -> None:
    margin = step.param("margin")
    if not isinstance(margin, int | float) or isinstance(margin, bool) or margin < 0:
        raise InstructionError(f"clip_predictions margin must be a share of the training range "
                               f"of 0 or more, not {margin!r}")


def _postprocess(step, spec, probe) -> PostprocessCode:
    lower, margin = step.param("lower"), step.param("margin")
    if not margin:
        low, high = "y.min()", "y.max()"
    else:
        low, high = f"y.min() - {py(margin)} * np.ptp(y)", f"y.max() + {py(margin)} * np.ptp(y)"
    if lower is not None:
        low = f"max({low}, {py(lower)})"
    # to_submission_columns clips a value submission to LOWER and UPPER.
    return PostprocessCode(setup=(f"LOWER, UPPER = {low}, {high}", ""), every_row=True)


OPERATION = Operation(
    "clip_predictions", "postprocess", 21,
    lambda p: "Clip predictions to the range of the training target"
              + (f" widened by {p['margin']:g} of it on each side" if p.get("margin") else "")
              + (f", and at least {p['lower']}" if p.get("lower") is not None else "")
              + ".",
    defaults={"lower": None, "margin": 0.0},
    task_types=frozenset({"regression"}),
    check=_check,
    postprocess=_postprocess,
)
