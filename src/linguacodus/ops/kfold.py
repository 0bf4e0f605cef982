"""K-fold cross-validation: stratified by class, grouped by a column (or by blocks of its
days), or forward in time (fit on earlier rows, validate on the next block); shuffled folds
may be drawn several times with different seeds (``repeats``), each row's out-of-fold
prediction then the mean of the repeats' models that never saw it."""

from linguacodus.errors import InstructionError
from linguacodus.ops import _edits
from linguacodus.ops.base import Operation
from linguacodus.spec import ColumnRole


def _check(step, spec, instruction) -> None:
    if int(step.param("n_splits")) < 2:
        raise InstructionError("kfold needs n_splits >= 2")
    group, order, days = step.param("group_by"), step.param("order_by"), step.param("group_days")
    _check_repeats(step, spec, instruction)
    for name, column in (("groups by", group), ("orders by", order)):
        if column is not None and column not in spec.columns:
            raise InstructionError(f"kfold {name} {column!r}, a column the task lacks")
    if group is not None and order is not None:
        raise InstructionError("kfold either groups (group_by) or orders (order_by) its folds, not both")
    if days is not None:
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise InstructionError(f"kfold group_days must be a whole number of days >= 1, not {days!r}")
        if group is None or spec.columns[group] != ColumnRole.DATETIME:
            raise InstructionError("kfold group_days needs group_by to name a timestamp column")
    if order is not None:
        if spec.columns[order] not in (ColumnRole.NUMERIC, ColumnRole.DATETIME):
            raise InstructionError(f"kfold orders by {order!r}, which is neither a number nor a timestamp")
        final = instruction.find("final_model")
        if final is None or final.param("method") != "refit":
            raise InstructionError("forward folds (kfold order_by) need final_model(method='refit'): "
                                   "the early folds' models never see the latest rows")


def _check_repeats(step, spec, instruction) -> None:
    repeats = step.param("repeats")
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
        raise InstructionError(f"kfold repeats must be a whole number >= 1, not {repeats!r}")
    if repeats == 1:
        return
    if step.param("order_by") is not None:
        raise InstructionError("forward folds (kfold order_by) are drawn once: there is one time "
                               "order, so repeats must be 1")
    if step.param("group_by") is not None and not (step.param("stratified") and spec.is_classification):
        raise InstructionError("grouped folds without stratification are not shuffled, so "
                               "repeats would draw the same folds again: repeats must be 1")
    final = instruction.find("final_model")
    if final is not None and final.param("method") != "fold_average":
        raise InstructionError("repeated folds average their models' test predictions: they need "
                               "final_model(method='fold_average'), not a refit")


def _extract_params(params: dict) -> dict:
    return {"n_splits": params["n_splits"]} if isinstance(params.get("n_splits"), int) else {}


def _describe(p) -> str:
    if p.get("order_by"):
        return (f"Validate forward in time with {p['n_splits']} folds ordered by {p['order_by']}: "
                "each fold fits on earlier rows and predicts the next block; keep those "
                "out-of-fold predictions for scoring.")
    grouping = ""
    if p.get("group_by") and p.get("group_days"):
        span = "day" if p["group_days"] == 1 else f"block of {p['group_days']} days"
        grouping = f", each {span} of {p['group_by']} in one fold"
    elif p.get("group_by"):
        grouping = f", each {p['group_by']} value's rows in one fold"
    repeats = p.get("repeats") or 1
    drawn = (f", the folds drawn {repeats} times with different seeds (each row's out-of-fold "
             f"prediction the mean of the {repeats} models that never saw it)") if repeats > 1 else ""
    return (f"Validate with {p['n_splits']}-fold cross-validation"
            + (", stratified by class" if p["stratified"] else "") + grouping + drawn
            + "; keep out-of-fold predictions for scoring.")


def _fix_folds(instruction, spec):
    """A class with fewer rows than folds: as many folds as its rows, else unstratified."""
    kfold = instruction.find("kfold")
    smallest = max(2, int(round((spec.minority_share or 0) * spec.n_train)))
    if kfold is None:
        return "added 2-fold validation", _edits.add(
            instruction, _edits.make("kfold", n_splits=2), "training")
    if kfold.param("n_splits") > smallest:
        return (f"reduced folds to {smallest}, the size of the smallest class", _edits.replace(
            instruction, "kfold", _edits.with_params(kfold, n_splits=smallest)))
    if kfold.param("stratified"):
        return ("validation no longer stratified", _edits.replace(
            instruction, "kfold", _edits.with_params(kfold, stratified=False)))
    return None


def _fix_timeout(instruction, spec):
    kfold = instruction.find("kfold")
    if kfold is not None and kfold.param("repeats") > 1:
        return "folds drawn once", _edits.replace(instruction, "kfold", _edits.with_params(kfold, repeats=1))
    if kfold is None or kfold.param("n_splits") <= 3:
        return None
    return "3 folds", _edits.replace(instruction, "kfold", _edits.with_params(kfold, n_splits=3))


OPERATION = Operation(
    "kfold", "training", 16, _describe,
    defaults={"n_splits": 5, "stratified": True, "group_by": None, "group_days": None,
              "order_by": None, "repeats": 1},
    check=_check,
    extracts={"KFold": {"stratified": False}, "StratifiedKFold": {"stratified": True},
              "cross_val_score": {"stratified": False}, "TimeSeriesSplit": {"stratified": False}},
    extract_params=_extract_params,
    fixes={"too_few_class_members": _fix_folds, "timeout": _fix_timeout},
)
