"""K-fold cross-validation: stratified by class, grouped by a column where asked."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation


def _check(step, spec, instruction) -> None:
    if int(step.param("n_splits")) < 2:
        raise InstructionError("kfold needs n_splits >= 2")
    group = step.param("group_by")
    if group is not None and group not in spec.columns:
        raise InstructionError(f"kfold groups by {group!r}, a column the task lacks")


def _extract_params(params: dict) -> dict:
    return {"n_splits": params["n_splits"]} if isinstance(params.get("n_splits"), int) else {}


OPERATION = Operation(
    "kfold", "training", 16,
    lambda p: f"Validate with {p['n_splits']}-fold cross-validation"
              + (", stratified by class" if p["stratified"] else "")
              + (f", each {p['group_by']} value's rows in one fold" if p.get("group_by") else "")
              + "; keep out-of-fold predictions for scoring.",
    defaults={"n_splits": 5, "stratified": True, "group_by": None},
    check=_check,
    extracts={"KFold": {"stratified": False}, "StratifiedKFold": {"stratified": True},
              "cross_val_score": {"stratified": False}},
    extract_params=_extract_params,
)
