"""Resolve an Instruction against a TaskSpec: which columns, which encoding, which model.

This is where an instruction that can't be implemented is rejected, with a message that
names the step; the component writers downstream only format code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linguacodus.instruction import Instruction, InstructionError, Step
from linguacodus.ops import OPERATIONS
from linguacodus.spec import ColumnRole, TaskSpec


@dataclass(frozen=True)
class CompileOptions:
    """How to compile: a full run, or a quick probe on a subsample without a submission."""

    seed: int = 42
    probe_rows: int | None = None  # set: probe mode (subsample, fewer folds, no submission)
    probe_folds: int = 3


@dataclass(frozen=True)
class Layout:
    """The decisions the code components are written from."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    text: tuple[str, ...]
    datetime: tuple[str, ...]
    derived: tuple[str, ...]  # columns the feature steps read (they add numeric columns)
    unused: tuple[str, ...]
    native_categories: bool
    model: Step
    log_target: bool
    class_weight: bool
    n_splits: int
    repeats: int  # the shuffled folds drawn this many times, each with its own seed
    stratified: bool
    group_by: str | None  # folds keep each value of this column together
    group_days: int | None  # group_by's timestamps grouped in blocks of this many days
    order_by: str | None  # forward folds: fit on rows earlier in this column, validate later
    order_is_datetime: bool  # order_by holds timestamps (else numbers)
    max_rows: int | None
    final_method: str
    clip: Step | None
    threshold: Step | None  # binary F1: tune the decision threshold on OOF
    calibrate: Step | None  # probabilities under log loss: power and prior share from OOF
    early_stopping: Step | None  # LightGBM on native features: stop on an inner hold-out
    feature_steps: tuple[Step, ...]  # steps whose operation adds columns in make_features
    matrix_steps: tuple[Step, ...]  # steps with a part in matrix mode's ColumnTransformer
    postprocess_steps: tuple[Step, ...]  # steps whose operation adds code before submission
    free_text: tuple[str, ...]  # steps the offline compiler does not execute
    probe: bool

    @property
    def uses_pipeline(self) -> bool:
        """Matrix mode: a fitted ColumnTransformer in front of the model."""
        return not self.native_categories and bool(self.matrix_steps)


def resolve_layout(spec: TaskSpec, instruction: Instruction, options: CompileOptions) -> Layout:
    for step in instruction.steps():
        if step.op is not None and step.op not in OPERATIONS:
            raise InstructionError(f"unknown operation {step.op!r} in '{instruction.title}'")
        if step.op is not None and spec.task_type not in OPERATIONS[step.op].task_types:
            raise InstructionError(
                f"step `{step.call()}` does not apply to a {spec.task_type} task"
            )
    model = instruction.model_step()
    misplaced = [s.op for name in ("preprocessing", "training", "postprocess")
                 for s in instruction.section(name) if s.op and OPERATIONS[s.op].section == "model"]
    if misplaced:
        raise InstructionError(f"model operation(s) {', '.join(misplaced)} belong under Model architecture")
    # Each operation's own rule (ops/<name>.py); what follows checks how they combine.
    for step in instruction.steps():
        operation = OPERATIONS[step.op] if step.op is not None else None
        if operation is not None and operation.check is not None:
            operation.check(step, spec, instruction)

    def step(op: str) -> Step | None:
        return instruction.find(op)

    dropped = set(_param(step("drop_columns"), "columns", []))

    def role(r: ColumnRole) -> list[str]:
        return [c for c in spec.columns_with(r) if c not in dropped]

    tfidf = step("tfidf_text")
    text = role(ColumnRole.TEXT)
    if tfidf is not None and tfidf.param("columns"):
        text = [c for c in tfidf.param("columns") if c not in dropped]
    if tfidf is None:
        text = []
    dates = step("datetime_features")
    datetime = role(ColumnRole.DATETIME) if dates is not None else []
    numeric = role(ColumnRole.NUMERIC)
    categorical = role(ColumnRole.CATEGORICAL)
    feature_steps = _steps_with(instruction.preprocessing, "features")
    # datetime_features reads the timestamp columns the roles give; the others name theirs.
    derived = tuple(dict.fromkeys(
        c for s in feature_steps
        for c in (datetime if s.op == "datetime_features" else s.param("columns") or [])))
    used = set(numeric) | set(categorical) | set(text) | set(derived)
    unused = tuple(c for c in spec.columns if c not in used)
    if not used:
        raise InstructionError(f"'{instruction.title}' leaves no feature column to learn from")

    encode = step("encode_categorical")
    native = encode is not None and encode.param("method") == "native"
    if native and text:
        raise InstructionError(
            "native categorical encoding can't be combined with TF-IDF text features; "
            "use encode_categorical(method='onehot') or 'ordinal'"
        )

    kfold = step("kfold")
    n_splits = int(_param(kfold, "n_splits", 5))
    repeats = int(_param(kfold, "repeats", 1))
    stratified = bool(_param(kfold, "stratified", True)) and spec.is_classification
    group_by = _param(kfold, "group_by", None)
    order_by = _param(kfold, "order_by", None)
    max_rows = _param(step("subsample_rows"), "max_rows", None)
    if options.probe_rows is not None:
        n_splits = min(n_splits, options.probe_folds)
        max_rows = min(max_rows or options.probe_rows, options.probe_rows)
        repeats = 1  # a probe ranks candidates; drawing its folds again would only cost
    final_method = _param(step("final_model"), "method", "fold_average")
    early_stopping = step("early_stopping")

    return Layout(
        numeric=tuple(numeric), categorical=tuple(categorical), text=tuple(text),
        datetime=tuple(datetime), derived=derived, unused=unused,
        native_categories=native, model=model,
        log_target=step("log_target") is not None,
        class_weight=step("class_weight") is not None,
        n_splits=n_splits, repeats=repeats, stratified=stratified and order_by is None, group_by=group_by,
        group_days=_param(kfold, "group_days", None), order_by=order_by,
        order_is_datetime=order_by is not None and spec.columns[order_by] == ColumnRole.DATETIME,
        max_rows=max_rows,
        final_method=final_method,
        clip=step("clip_predictions"),
        threshold=step("tune_threshold"),
        calibrate=step("calibrate_probabilities"),
        early_stopping=early_stopping,
        feature_steps=feature_steps,
        matrix_steps=_steps_with(instruction.steps(), "matrix", first_only=True),
        postprocess_steps=_steps_with(instruction.steps(), "postprocess", first_only=True),
        free_text=tuple(s.text for s in instruction.steps() if s.op is None),
        probe=options.probe_rows is not None,
    )


def _steps_with(steps: tuple[Step, ...] | list[Step], hook: str,
                first_only: bool = False) -> tuple[Step, ...]:
    """The steps whose operation has this code hook, in registry order (the code's order);
    first_only: an operation's first step only, the one Instruction.find gives."""
    chosen = [s for s in steps if s.op and getattr(OPERATIONS[s.op], hook) is not None]
    if first_only:
        chosen = list({s.op: s for s in reversed(chosen)}.values())
    return tuple(sorted(chosen, key=lambda s: OPERATIONS[s.op].position))


def _param(step: Step | None, name: str, default: Any) -> Any:
    return default if step is None else step.param(name)
