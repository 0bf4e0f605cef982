"""Offline repair: recognise a failure's signature and rewrite the instruction to avoid it.

Repairs act on the Instruction IR and the script is compiled again, so the fix shows up
in the plan the user reads, not only in the code. This module knows the signatures (how a
failure reads); each operation owns its fixes for them (Operation.fixes in ops/<name>.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linguacodus.grading import Grade
from linguacodus.instruction import Instruction
from linguacodus.ops import OPERATIONS
from linguacodus.sandbox import Execution
from linguacodus.spec import TaskSpec


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
    if execution.stopped_for:  # the sandbox's process or disk limit: no repair is known
        return Diagnosis("sandbox_limit", execution.stopped_for)
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
    """A repaired instruction for the diagnosis, or None when no repair is known or left.

    Every operation that has a fix for the signature (Operation.fixes, in registry order)
    applies it to what the ones before it left: against a NaN crash both imputations, say,
    and against a timeout fewer rows, TF-IDF terms, trees and folds at once. A blend is not
    repaired: its members each ran valid, and the blend was started only where its time was
    predicted to fit; a failed blend leaves the best single solution standing."""
    if instruction.is_blend:
        return None
    repaired, changes = instruction, []
    for operation in OPERATIONS.values():
        fix = operation.fixes.get(diagnosis.signature)
        result = fix(repaired, spec) if fix is not None else None
        if result is not None:
            change, repaired = result
            changes.append(change)
    if not changes or repaired == instruction:
        return None
    if diagnosis.signature in _CHEAPER:
        description = f"after {diagnosis.signature.replace('_', ' ')}: " + ", ".join(changes)
    else:
        description = "; ".join(changes)
    return Repair(diagnosis.signature, description, repaired)


# Failures that a cheaper run avoids: their fixes are listed as one change.
_CHEAPER = {"timeout", "out_of_memory"}
