"""Resolve an Instruction against a TaskSpec: which columns, which encoding, which model.

This is where an instruction that can't be implemented is rejected, with a message that
names the step; the component writers downstream only format code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from linguacodus.instruction import Instruction, InstructionError, Step
from linguacodus.operations import OPERATIONS
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
    frequency: tuple[str, ...]  # categorical columns that also give their values' row shares
    unused: tuple[str, ...]
    native_categories: bool
    model: Step
    impute_numeric: Step | None
    scale_numeric: Step | None
    impute_categorical: Step | None
    encode: Step | None
    tfidf: Step | None
    log_target: bool
    class_weight: bool
    n_splits: int
    stratified: bool
    group_by: str | None  # folds keep each value of this column together
    max_rows: int | None
    final_method: str
    clip: Step | None
    threshold: Step | None  # binary F1: tune the decision threshold on OOF
    calibrate: Step | None  # probabilities under log loss: power and prior share from OOF
    early_stopping: Step | None  # LightGBM on native features: stop on an inner hold-out
    free_text: tuple[str, ...]  # steps the offline compiler does not execute
    probe: bool

    @property
    def uses_pipeline(self) -> bool:
        """Matrix mode: a fitted ColumnTransformer in front of the model."""
        return not self.native_categories and bool(
            self.impute_numeric or self.scale_numeric or self.impute_categorical
            or self.encode or self.tfidf
        )


_NATIVE_MODELS = {"lightgbm", "xgboost"}


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

    def step(op: str) -> Step | None:
        return instruction.find(op)

    dropped = set(_param(step("drop_columns"), "columns", []))
    unknown = dropped - set(spec.columns)
    if unknown:
        raise InstructionError(f"drop_columns names column(s) the task lacks: {', '.join(sorted(unknown))}")

    def role(r: ColumnRole) -> list[str]:
        return [c for c in spec.columns_with(r) if c not in dropped]

    tfidf = step("tfidf_text")
    text = role(ColumnRole.TEXT)
    if tfidf is not None and tfidf.param("columns"):
        wanted = list(tfidf.param("columns"))
        missing = [c for c in wanted if c not in spec.columns]
        if missing:
            raise InstructionError(f"tfidf_text names column(s) the task lacks: {', '.join(missing)}")
        text = [c for c in wanted if c not in dropped]
    if tfidf is None:
        text = []
    dates = step("datetime_features")
    datetime = role(ColumnRole.DATETIME) if dates is not None else []
    numeric = role(ColumnRole.NUMERIC)
    categorical = role(ColumnRole.CATEGORICAL)
    frequency_step = step("frequency_encoding")
    frequency = list(_param(frequency_step, "columns", []))
    not_categorical = [c for c in frequency if c not in categorical]
    if not_categorical:
        raise InstructionError("frequency_encoding names column(s) that are not categorical "
                               f"features here: {', '.join(map(str, not_categorical))}")
    used = set(numeric) | set(categorical) | set(text) | set(datetime)
    unused = tuple(c for c in spec.columns if c not in used)
    if not used:
        raise InstructionError(f"'{instruction.title}' leaves no feature column to learn from")

    encode = step("encode_categorical")
    native = encode is not None and encode.param("method") == "native"
    if encode is not None and encode.param("method") not in ("native", "onehot", "ordinal"):
        raise InstructionError(
            f"encode_categorical method must be native, onehot or ordinal, not {encode.param('method')!r}"
        )
    if native and model.op not in _NATIVE_MODELS:
        raise InstructionError(
            f"native categorical encoding needs lightgbm or xgboost, not {model.op}; "
            "use encode_categorical(method='onehot')"
        )
    if native and text:
        raise InstructionError(
            "native categorical encoding can't be combined with TF-IDF text features; "
            "use encode_categorical(method='onehot') or 'ordinal'"
        )

    kfold = step("kfold")
    n_splits = int(_param(kfold, "n_splits", 5))
    stratified = bool(_param(kfold, "stratified", True)) and spec.is_classification
    if n_splits < 2:
        raise InstructionError("kfold needs n_splits >= 2")
    group_by = _param(kfold, "group_by", None)
    if group_by is not None and group_by not in spec.columns:
        raise InstructionError(f"kfold groups by {group_by!r}, a column the task lacks")
    max_rows = _param(step("subsample_rows"), "max_rows", None)
    if options.probe_rows is not None:
        n_splits = min(n_splits, options.probe_folds)
        max_rows = min(max_rows or options.probe_rows, options.probe_rows)
    if step("tune_threshold") is not None and spec.submission_format != "label":
        raise InstructionError("tune_threshold applies to label submissions only; "
                               f"this task submits {spec.submission_format}")
    if step("calibrate_probabilities") is not None \
            and spec.submission_format not in ("binary_probability", "class_probabilities"):
        raise InstructionError("calibrate_probabilities applies to probability submissions only; "
                               f"this task submits {spec.submission_format}")
    final_method = _param(step("final_model"), "method", "fold_average")
    if final_method not in ("fold_average", "refit"):
        raise InstructionError(f"final_model method must be fold_average or refit, not {final_method!r}")

    early_stopping = step("early_stopping")
    if early_stopping is not None:
        if model.op != "lightgbm":
            raise InstructionError(f"early_stopping is implemented for lightgbm, not {model.op}")
        if final_method != "fold_average":
            raise InstructionError("early_stopping needs final_model(method='fold_average'): "
                                   "a refit on every row has no rows left to stop on")
        if text or step("impute_numeric") or step("scale_numeric") or step("impute_categorical") \
                or (encode is not None and not native):
            raise InstructionError("early_stopping needs the model to see the features directly "
                                   "(native categories, no imputation, scaling or TF-IDF)")
        if not 0 < float(early_stopping.param("valid_share")) < 0.5:
            raise InstructionError("early_stopping valid_share must be between 0 and 0.5")

    return Layout(
        numeric=tuple(numeric), categorical=tuple(categorical), text=tuple(text),
        datetime=tuple(datetime), frequency=tuple(frequency), unused=unused,
        native_categories=native, model=model,
        impute_numeric=step("impute_numeric"), scale_numeric=step("scale_numeric"),
        impute_categorical=step("impute_categorical"), encode=encode, tfidf=tfidf,
        log_target=step("log_target") is not None,
        class_weight=step("class_weight") is not None,
        n_splits=n_splits, stratified=stratified, group_by=group_by, max_rows=max_rows,
        final_method=final_method,
        clip=step("clip_predictions"),
        threshold=step("tune_threshold"),
        calibrate=step("calibrate_probabilities"),
        early_stopping=early_stopping,
        free_text=tuple(s.text for s in instruction.steps() if s.op is None),
        probe=options.probe_rows is not None,
    )


def _param(step: Step | None, name: str, default: Any) -> Any:
    return default if step is None else step.param(name)
