"""Fit on log(1 + target).

As a search move it is the target transform tried both ways: added where the target is
non-negative and skewed (a few large values then weigh less on the fit), taken out where an
instruction has it and the metric is not itself on the log scale (a model of the log
predicts something like a geometric mean, low for squared error)."""

from linguacodus.ops._edits import add, make, replace
from linguacodus.ops.base import Operation

LOG_SCALE_METRICS = frozenset({"rmsle", "rmse_log"})  # the log is the metric's own scale
MOVE_SKEW = 1.0  # a target at least this skewed is worth a run on its log


def _variant(instruction, spec):
    if spec.task_type != "regression" or spec.target_min is None or spec.target_min < 0:
        return None
    if instruction.find("log_target") is not None:
        if spec.metric in LOG_SCALE_METRICS:
            return None
        return "without the log target", replace(instruction, "log_target", None)
    if (spec.target_skew or 0.0) < MOVE_SKEW and spec.metric not in LOG_SCALE_METRICS:
        return None
    return "log target", add(instruction, make("log_target"))


OPERATION = Operation(
    "log_target", "preprocessing", 9,
    lambda p: "Train on log(1 + target) and map predictions back with exp(x) - 1.",
    task_types=frozenset({"regression"}),
    extracts={"log1p": {}},
    variant=_variant,
)
