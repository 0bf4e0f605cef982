"""Moves that improve a valid solution once every candidate has had its turn.

More folds for the leader: with 10 folds instead of 5, each fold's model learns from 90% of
the training rows instead of 80%, and the test predictions average ten such models. Its CV
score is comparable with the 5-fold one's (each row is predicted by models that never saw
it), so the search keeps whichever scores better. It costs about twice the fitting, so it
runs only where the time left covers that.

Repeated folds for the leader, the last move: its shuffled folds drawn again with other
seeds, each row's out-of-fold prediction the mean of the repeats' models that never saw it
and the test predictions every model's mean. Its CV score is comparable with the leader's
too; averaging models fitted on different rows lowers the variance of the predictions, so
small and noisy tasks gain most, and those are the ones that end with time to spare. As
many repeats as the time left covers, at most ``SearchSettings.repeats``.

Feature and target moves: each operation may offer the leader a variant of itself
(``Operation.variant``: value frequencies for more categorical columns, text statistics,
date parts, pairwise products for a linear model, the log target added or taken out).
``variations`` collects the offers that compile for the task, in the registry's order; the
search runs them on the leader with its folds, so their CV scores are comparable with the
leader's, and keeps a variant only where it beats the leader on the same out-of-fold rows by
more than the bootstrap noise of that gain (``within_noise``; refinement.run_variations).
A variant within the noise stays in the journal, held back: on a few hundred rows, a
higher CV score from one more run is as likely luck as signal. Adding a move is adding
``variant`` to an operation's module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linguacodus.codegen.layout import CompileOptions, resolve_layout
from linguacodus.diagnostics import predicted_rows
from linguacodus.ensemble import paired_gain
from linguacodus.errors import InstructionError
from linguacodus.instruction import Instruction
from linguacodus.ops import OPERATIONS, _edits
from linguacodus.spec import TaskSpec
from linguacodus.timing import STARTUP_SECONDS

MORE_FOLDS = 10
# The 10-fold run's wall time against the 5-fold run's: twice the fits on 9/8 of the rows,
# plus a margin; start-up and reading are paid once, so this errs on the long side.
MORE_FOLDS_COST = 2.4
# A variant's expected wall time against the leader's: the same model on a few more columns.
VARIANT_COST = 1.3
VARIANT_TIMEOUT = 3.0  # a variant is stopped after this multiple of the leader's run
MAX_VARIATIONS = 3  # at most this many variants a run: each costs a leader's run
MAX_REPEATS = 3  # the leader's folds drawn at most this many times (1: once, no move)
# A repeated run's fitting against the leader's, per repeat: the same folds' work again on
# other rows, plus a margin; start-up and reading are paid once.
REPEAT_COST = 1.1
REPEATS_TIMEOUT = 1.5  # a repeated run is stopped after this multiple of its expected time


def with_more_folds(instruction: Instruction, folds: int = MORE_FOLDS) -> Instruction | None:
    """The instruction with ``folds`` folds, or None where that would change nothing worth a
    run: a blend (its members have their folds), no kfold step, as many folds already, or a
    final model refitted on every row (the folds then only score it)."""
    if instruction.is_blend:
        return None
    kfold, final = instruction.find("kfold"), instruction.find("final_model")
    if kfold is None or int(kfold.param("n_splits")) >= folds:
        return None
    if final is not None and final.param("method") != "fold_average":
        return None
    more = _edits.replace(instruction, "kfold", _edits.with_params(kfold, n_splits=folds))
    return more.model_copy(update={"title": f"{instruction.title}, {folds} folds"})


def more_folds_seconds(wall_seconds: float) -> float:
    """What the run with more folds is expected to take, from the leader's wall time."""
    return MORE_FOLDS_COST * wall_seconds


def with_repeats(instruction: Instruction, spec: TaskSpec, repeats: int) -> Instruction | None:
    """The instruction with its folds drawn ``repeats`` times, or None where that can't
    change anything: a blend (its members have their folds), no kfold step, as many
    repeats already, or folds that can't be drawn again (forward in time, grouped without
    stratification) or a final model refitted on every row (kfold's own check says which)."""
    if instruction.is_blend or repeats < 2:
        return None
    kfold = instruction.find("kfold")
    if kfold is None or int(kfold.param("repeats")) >= repeats:
        return None
    repeated = _edits.replace(instruction, "kfold", _edits.with_params(kfold, repeats=repeats))
    repeated = repeated.model_copy(update={"title": f"{instruction.title}, folds drawn {repeats}×"})
    try:
        resolve_layout(spec, repeated, CompileOptions())
    except InstructionError:
        return None
    return repeated


def repeats_seconds(wall_seconds: float, repeats: int) -> float:
    """What the leader's run with its folds drawn ``repeats`` times is expected to take."""
    return STARTUP_SECONDS + REPEAT_COST * repeats * max(0.0, wall_seconds - STARTUP_SECONDS)


def affordable_repeats(wall_seconds: float, seconds_left: float, most: int) -> int:
    """The most repeats (2 to ``most``) whose expected time fits in ``seconds_left``; 0 where
    not even two do."""
    fitting = [r for r in range(2, most + 1) if repeats_seconds(wall_seconds, r) <= seconds_left]
    return max(fitting, default=0)


@dataclass(frozen=True)
class Variation:
    operation: str  # the operation that offered it
    change: str  # what changed, in a few words
    instruction: Instruction  # the leader's instruction with the change, titled so


def variations(instruction: Instruction, spec: TaskSpec,
               skip: frozenset[str] = frozenset()) -> list[Variation]:
    """The variants the operations offer this instruction (not those of ``skip``), in the
    registry's order; an offer that can't compile for the task (an operation's own check
    refuses it) is left out. None for a blend: its members are solutions of their own."""
    if instruction.is_blend:
        return []
    offered = []
    for operation in OPERATIONS.values():
        if operation.variant is None or operation.name in skip or \
                spec.task_type not in operation.task_types:
            continue
        offer = operation.variant(instruction, spec)
        if offer is None:
            continue
        change, varied = offer
        try:
            resolve_layout(spec, varied, CompileOptions())
        except InstructionError:
            continue
        offered.append(Variation(operation.name, change, varied.model_copy(
            update={"title": f"{instruction.title}, {change}"})))
    return offered


def changed_operations(before: Instruction, after: Instruction) -> frozenset[str]:
    """The operations whose steps differ between two instructions (added, taken out or with
    other parameters): which variant made ``after`` from ``before``."""
    def steps(instruction: Instruction) -> dict[str, dict]:
        return {step.op: dict(step.params) for step in instruction.steps() if step.op}

    old, new = steps(before), steps(after)
    return frozenset(op for op in old.keys() | new.keys() if old.get(op) != new.get(op))


def variant_seconds(wall_seconds: float) -> float:
    """What a variant's run is expected to take, from the leader's wall time."""
    return VARIANT_COST * wall_seconds


def within_noise(spec: TaskSpec, truth: pd.Series, variant: np.ndarray,
                 leader: np.ndarray) -> str | None:
    """Why a variant's out-of-fold predictions don't clearly beat the leader's (its gain on
    the rows both predict is no larger than the paired bootstrap noise of that gain), or
    None where they do."""
    if variant.shape != leader.shape or len(truth) != len(leader):
        return "its out-of-fold predictions don't align with the leader's"
    rows = predicted_rows(variant) & predicted_rows(leader)
    gain, noise = paired_gain(spec, truth[rows], variant[rows], leader[rows])
    if gain > noise:
        return None
    # The raw predictions, before a script's own postprocessing (a tuned threshold), are
    # what is compared: their gain may differ from the two CV scores'.
    return (f"within the noise of its parent (on the raw out-of-fold predictions: gain "
            f"{gain:.3g}, bootstrap noise {noise:.3g})")
