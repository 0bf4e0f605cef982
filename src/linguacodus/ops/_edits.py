"""The edits of an Instruction that operations' repairs (Operation.fixes) make.

linguacodus.instruction imports the registry, so these import it when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linguacodus.ops.base import SECTIONS, Fix

if TYPE_CHECKING:
    from linguacodus.instruction import Instruction, Step
    from linguacodus.spec import TaskSpec


def make(op: str, **params) -> Step:
    from linguacodus.instruction import make_step

    return make_step(op, **params)


def with_params(step: Step, **params) -> Step:
    return make(step.op, **{**step.params, **params})


def add(instruction: Instruction, step: Step, section: str = "preprocessing") -> Instruction:
    return instruction.model_copy(update={section: instruction.section(section) + (step,)})


def replace(instruction: Instruction, op: str, step: Step | None) -> Instruction:
    """Replace the step of ``op`` with ``step`` (None removes it)."""
    updates = {}
    for name in SECTIONS:
        steps = instruction.section(name)
        if any(s.op == op for s in steps):
            updates[name] = tuple(step if s.op == op else s for s in steps if step or s.op != op)
    return instruction.model_copy(update=updates)


def fewer_trees(op: str) -> dict[str, Fix]:
    """A tree family's fixes for a run too slow or too big: half the trees (at least 50)."""
    def fix(instruction: Instruction, spec: TaskSpec):
        model = instruction.model_step()
        trees = model.param("n_estimators") if model.op == op else None
        if trees is None or trees <= 50:
            return None
        halved = max(50, trees // 2)
        return f"{halved} trees", replace(instruction, op, with_params(model, n_estimators=halved))
    return {"timeout": fix, "out_of_memory": fix}



def is_linear(instruction: Instruction) -> bool:
    """Whether the instruction's model is of the linear family (ridge, logistic regression)."""
    from linguacodus.ops import OPERATIONS

    operation = OPERATIONS.get(instruction.model_step().op or "")
    return operation is not None and operation.family == "linear"


def dropped_columns(instruction: Instruction) -> set[str]:
    """The columns the instruction's drop_columns step removes."""
    drop = instruction.find("drop_columns")
    return set(drop.param("columns")) if drop is not None else set()


def with_numbers_prepared(instruction: Instruction) -> Instruction:
    """For a linear model, the instruction with numeric imputation and scaling where it
    lacks them: a step that adds numeric features (text statistics, date parts, value
    frequencies) to a model that read only words would otherwise hand it raw counts and
    missing values."""
    if not is_linear(instruction):
        return instruction
    for op in ("impute_numeric", "scale_numeric"):
        if instruction.find(op) is None:
            instruction = add(instruction, make(op))
    return instruction
