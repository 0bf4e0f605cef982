"""Offline repair: recognise a failure's signature and rewrite the instruction to avoid it.

Repairs act on the Instruction IR and the script is compiled again, so the fix shows up
in the plan the user reads, not only in the code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linguacodus.grading import Grade
from linguacodus.instruction import Instruction, Step, make_step
from linguacodus.ops import SECTIONS, get_operation
from linguacodus.sandbox import Execution
from linguacodus.spec import ColumnRole, TaskSpec


@dataclass(frozen=True)
class Diagnosis:
    signature: str
    evidence: str  # the line that gave it away


@dataclass(frozen=True)
class Repair:
    signature: str
    description: str
    instruction: Instruction


# (signature, pattern over stderr) in the order they are tried; timeouts and memory
# are recognised from the Execution itself first.
_PATTERNS: list[tuple[str, str]] = [
    ("out_of_memory", r"MemoryError|std::bad_alloc|Unable to allocate|Cannot allocate memory"),
    ("too_few_class_members",
     r"n_splits=\d+ cannot be greater than the number of members in each class"),
    ("unseen_category", r"[Ff]ound unknown categor|unseen (?:label|categor)|previously unseen"),
    ("nan_in_input", r"contains NaN|Input X contains|does not accept missing values|"
                     r"[Nn]a[Nn] values? (?:is|are) not (?:supported|allowed)"),
    ("dtype_mismatch", r"could not convert string to float|DataFrame\.dtypes for data must be|"
                       r"invalid literal for int\(\)|Cannot cast|must be real number, not str|"
                       r"ufunc '\w+' not supported for the input types"),
]


def diagnose(execution: Execution | None, grade: Grade | None) -> Diagnosis | None:
    """The failure signature of an attempt, or None when nothing is recognised."""
    if execution is None:
        return None
    if execution.timed_out:
        return Diagnosis("timeout", f"killed after {execution.wall_seconds:.0f} s")
    text = execution.stderr_tail
    for signature, pattern in _PATTERNS:
        found = re.search(pattern, text)
        if found:
            line = next((ln for ln in text.splitlines() if found.group(0) in ln), found.group(0))
            return Diagnosis(signature, line.strip()[:300])
    if execution.signal == 9:  # SIGKILL without a timeout: the kernel's OOM killer
        return Diagnosis("out_of_memory", "killed by SIGKILL")
    if execution.ok and grade is not None and not grade.valid:
        return Diagnosis("invalid_output", grade.reason or "invalid output")
    return None


def propose_repair(instruction: Instruction, spec: TaskSpec, diagnosis: Diagnosis) -> Repair | None:
    """A repaired instruction for the diagnosis, or None when no repair is known or left."""
    handler = _HANDLERS.get(diagnosis.signature)
    if handler is None:
        return None
    result = handler(instruction, spec)
    if result is None:
        return None
    description, repaired = result
    if repaired == instruction:
        return None
    return Repair(diagnosis.signature, description, repaired)


def _replace(instruction: Instruction, op: str, step: Step | None) -> Instruction:
    """Replace the step of ``op`` with ``step`` (None removes it)."""
    updates = {}
    for name in SECTIONS:
        steps = instruction.section(name)
        if any(s.op == op for s in steps):
            updates[name] = tuple(step if s.op == op else s for s in steps if step or s.op != op)
    return instruction.model_copy(update=updates)


def _add(instruction: Instruction, step: Step, section: str = "preprocessing") -> Instruction:
    return instruction.model_copy(update={section: instruction.section(section) + (step,)})


def _with_params(step: Step, **params) -> Step:
    return make_step(step.op, **{**step.params, **params})


def _fix_nan(instruction: Instruction, spec: TaskSpec):
    added = []
    if instruction.find("impute_numeric") is None:
        instruction = _add(instruction, make_step("impute_numeric", strategy="median"))
        added.append("median imputation of numeric columns")
    if spec.columns_with(ColumnRole.CATEGORICAL) and instruction.find("impute_categorical") is None:
        encode = instruction.find("encode_categorical")
        if encode is None or encode.param("method") != "native":
            instruction = _add(instruction, make_step("impute_categorical"))
            added.append("a placeholder category for missing values")
    return (f"added {' and '.join(added)}", instruction) if added else None


def _fix_dtype(instruction: Instruction, spec: TaskSpec):
    encode = instruction.find("encode_categorical")
    model = instruction.model_step().op
    native_ok = get_operation(model).model.native_categories and instruction.find("tfidf_text") is None
    if encode is None:
        method = "native" if native_ok else "onehot"
        repaired = _add(instruction, make_step("encode_categorical", method=method))
        if method == "onehot" and instruction.find("impute_categorical") is None:
            repaired = _add(repaired, make_step("impute_categorical"))
        return f"added {method} encoding of categorical columns", repaired
    if encode.param("method") == "native" and not native_ok:
        return ("switched categorical encoding to one-hot",
                _replace(instruction, "encode_categorical", _with_params(encode, method="onehot")))
    return None


def _fix_unseen(instruction: Instruction, spec: TaskSpec):
    encode = instruction.find("encode_categorical")
    if encode is None or encode.param("method") == "ordinal":
        return None
    return ("switched to ordinal encoding, which maps unseen categories to -1",
            _replace(instruction, "encode_categorical", _with_params(encode, method="ordinal")))


def _fix_folds(instruction: Instruction, spec: TaskSpec):
    kfold = instruction.find("kfold")
    smallest = max(2, int(round((spec.minority_share or 0) * spec.n_train)))
    if kfold is None:
        return "added 2-fold validation", _add(instruction, make_step("kfold", n_splits=2), "training")
    if kfold.param("n_splits") > smallest:
        return (f"reduced folds to {smallest}, the size of the smallest class",
                _replace(instruction, "kfold", _with_params(kfold, n_splits=smallest)))
    if kfold.param("stratified"):
        return ("validation no longer stratified",
                _replace(instruction, "kfold", _with_params(kfold, stratified=False)))
    return None


def _shrink(instruction: Instruction, spec: TaskSpec, what: str):
    """Make the run cheaper: fewer rows, fewer text features, fewer trees and folds."""
    changes = []
    subsample = instruction.find("subsample_rows")
    rows = min(subsample.param("max_rows") if subsample else spec.n_train, spec.n_train)
    if rows >= 2000:
        step = make_step("subsample_rows", max_rows=rows // 2)
        instruction = (_replace(instruction, "subsample_rows", step) if subsample
                       else _add(instruction, step, "training"))
        changes.append(f"fit on at most {rows // 2} rows")
    tfidf = instruction.find("tfidf_text")
    if tfidf is not None and tfidf.param("max_features") > 2000:
        features = tfidf.param("max_features") // 4
        instruction = _replace(instruction, "tfidf_text", _with_params(tfidf, max_features=features))
        changes.append(f"at most {features} TF-IDF terms")
    model = instruction.model_step()
    trees = model.param("n_estimators") if get_operation(model.op).family == "tree" else None
    if trees is not None and trees > 50:
        instruction = _replace(instruction, model.op, _with_params(model, n_estimators=max(50, trees // 2)))
        changes.append(f"{max(50, trees // 2)} trees")
    kfold = instruction.find("kfold")
    if what == "timeout" and kfold is not None and kfold.param("n_splits") > 3:
        instruction = _replace(instruction, "kfold", _with_params(kfold, n_splits=3))
        changes.append("3 folds")
    return (f"after {what.replace('_', ' ')}: " + ", ".join(changes), instruction) if changes else None


_HANDLERS = {
    "nan_in_input": _fix_nan,
    "dtype_mismatch": _fix_dtype,
    "unseen_category": _fix_unseen,
    "too_few_class_members": _fix_folds,
    "out_of_memory": lambda i, s: _shrink(i, s, "out_of_memory"),
    "timeout": lambda i, s: _shrink(i, s, "timeout"),
}
