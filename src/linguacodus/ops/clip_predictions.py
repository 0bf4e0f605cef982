"""Clip regression predictions to the training target's range."""

from linguacodus.ops.base import Operation

OPERATION = Operation(
    "clip_predictions", "postprocess", 21,
    lambda p: "Clip predictions to the range of the training target"
              + (f", and at least {p['lower']}" if p.get("lower") is not None else "")
              + ".",
    defaults={"lower": None},
    task_types=frozenset({"regression"}),
)
