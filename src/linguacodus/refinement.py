"""Moves once every candidate has had its turn: a weighted blend of the valid solutions, or
a linear stack of them, where their out-of-fold predictions say it helps by more than the
noise (ensemble.py, stacking.py); the best single solution again with more folds (moves.py);
then its model's hyperparameters refined trial by trial (tuning.py); then, in the time tuning
leaves (a cheap leader ends its trials early), feature and target variants of the leader,
each kept only where it beats the leader by more than the noise (moves.py); last, the
leader with its folds drawn again with other seeds, as often as the time left covers.

Each is a function of the search (search.py), which owns the clock, the attempts and the
journal; these decide what to run and whether the time left covers it. The clock is the
search's, injectable, so the budget arithmetic is tested without running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from linguacodus.diagnostics import predicted_rows
from linguacodus.ensemble import plan_ensemble
from linguacodus.instruction import Instruction, Provenance, load_instruction
from linguacodus.journal import Attempt
from linguacodus.moves import (
    REPEATS_TIMEOUT,
    VARIANT_TIMEOUT,
    affordable_repeats,
    changed_operations,
    more_folds_seconds,
    repeats_seconds,
    variant_seconds,
    variations,
    with_more_folds,
    with_repeats,
    within_noise,
)
from linguacodus.timing import MIN_ATTEMPT_SECONDS, RESERVE_SECONDS, STARTUP_SECONDS
from linguacodus.tuning import TRIAL_COST, TRIAL_TIMEOUT, Tuner, search_space

if TYPE_CHECKING:
    from linguacodus.search import Search


def best_single(search: Search, full: Sequence[Attempt],
                leaving_out: frozenset[str] = frozenset({"repeats"})
                ) -> tuple[Attempt, Instruction] | None:
    """The best valid compiler-written solution that is not a blend, with its instruction
    (the attempt's own copy: what ran), leaving out the attempts of these moves: a leader
    with repeated folds is the last move's, never one the others build on (a resumed run's
    ``full`` may hold it)."""
    singles = [(a, load_instruction(search.run_dir / a.folder / "instruction.json"))
               for a in full if a.code_source == "compiler" and a.move not in leaving_out]
    singles = [(a, i) for a, i in singles if not i.is_blend]
    if not singles:
        return None
    return max(singles, key=lambda pair: search.score_of(pair[0]).utility)


def run_ensemble(search: Search, full: Sequence[Attempt], index: int) -> Attempt | None:
    """Run a weighted blend of the valid solutions, or a linear stack of them, where their
    OOF says it helps by more than the noise (ensemble.plan_ensemble)."""
    # The ensemble compiles its members again, so only compiler-written members qualify.
    members = [a for a in full if a.code_source == "compiler"
               and (search.run_dir / a.folder / "oof_predictions.npy").exists()]
    raws = [np.load(search.run_dir / a.folder / "oof_predictions.npy") for a in members]
    if len(members) < 2 or len({r.shape for r in raws}) != 1:
        return None
    truth = search.task.train.loc[search.task.train[search.spec.target].notna(), search.spec.target]
    if len(truth) != len(raws[0]):  # members fitted on a subsample: nothing to align
        return None
    # Any ensemble runs two members at least: where even the two quickest don't fit, the
    # weighing (seconds on large data, in this process) is not started.
    quickest = sorted(a.execution.wall_seconds for a in members)[:2]
    least = _ensemble_seconds(quickest)
    if search.remaining() - RESERVE_SECONDS < max(MIN_ATTEMPT_SECONDS, least):
        search.on_event(f"ensemble: {least:.0f} s needed at least, {search.remaining():.0f} s "
                        "left; skipped")
        return None
    # Forward folds leave the earliest rows unpredicted (NaN): weigh on the rows all have.
    predicted = np.logical_and.reduce([predicted_rows(r) for r in raws])
    if not predicted.all():
        raws, truth = [r[predicted] for r in raws], truth[predicted]
    plan, why_not = plan_ensemble(search.spec, raws, truth, search.settings.seed,
                                  all_rows=bool(predicted.all()))
    if plan is None:
        search.on_event(why_not)
        return None
    chosen = [members[i] for i in plan.members]
    needed = _ensemble_seconds([a.execution.wall_seconds for a in chosen])
    if search.remaining() - RESERVE_SECONDS < max(MIN_ATTEMPT_SECONDS, needed):
        search.on_event(f"{plan.kind}: {needed:.0f} s needed, {search.remaining():.0f} s left; skipped")
        return None
    stack = plan.kind == "stack"
    instruction = Instruction(
        title=f"{'Stack' if stack else 'Blend'} of {len(chosen)} solutions",
        members=tuple(load_instruction(search.run_dir / a.folder / "instruction.json")
                      for a in chosen),
        weights=plan.weights, stack=stack,
        provenance=Provenance(source="search", score=round(plan.value, 6), note=(
            "a linear model on the members' out-of-fold predictions" if stack
            else "weights fitted on the members' out-of-fold predictions")),
    )
    search.on_event(f"{plan.note}; running it")
    leading = max(chosen, key=lambda a: search.score_of(a).utility)
    return search.run_candidate(index, instruction, "full", move=plan.kind, origin=leading.number,
                                members=tuple(a.number for a in chosen))


def _ensemble_seconds(walls: list[float]) -> float:
    """An ensemble's script: its members' runs with one interpreter start-up; then a margin."""
    return 1.1 * (sum(walls) - STARTUP_SECONDS * (len(walls) - 1))


def run_variations(search: Search, full: Sequence[Attempt], index: int,
                   previous: Sequence[Attempt] = ()) -> list[Attempt]:
    """Feature and target variants of the best single solution, one at a time while one fits
    in the time left, at most ``SearchSettings.variants`` a run; the ones kept. A variant is
    kept where it beats the leader by more than the noise (moves.within_noise; else it is
    held back) and becomes the leader the next builds on (each operation is offered once a
    run). A resumed run's variants (``previous``) count, and their operations are not
    offered again; the best of those kept is already among ``full``."""
    allowed = search.settings.variants
    found = best_single(search, full) if allowed > 0 else None
    if found is None:
        return []
    leader, instruction = found
    earlier = [a for a in previous if a.move == "variant"]
    numbered = {a.number: a for a in previous}
    tried: set[str] = set()
    for record in earlier:
        parent = numbered.get(record.parent) if record.parent is not None else None
        if parent is not None:
            tried |= changed_operations(
                load_instruction(search.run_dir / parent.folder / "instruction.json"),
                load_instruction(search.run_dir / record.folder / "instruction.json"))
    ran, kept = len(earlier), []
    while ran < allowed:
        offers = variations(instruction, search.spec, frozenset(tried))
        if not offers:
            break
        offer = offers[0]
        tried.add(offer.operation)
        needed = variant_seconds(leader.execution.wall_seconds)
        left = search.remaining() - RESERVE_SECONDS
        if left < max(MIN_ATTEMPT_SECONDS, needed):
            search.on_event(f"variants of the leader: about {needed:.0f} s each, {left:.0f} s "
                            "left; stopped")
            break
        search.on_event(f"variant of the leader, '{leader.instruction_title}': {offer.change}")
        timeout = min(left, VARIANT_TIMEOUT * leader.execution.wall_seconds + STARTUP_SECONDS)
        record = search.attempt(index, offer.instruction, "full", timeout, parent=leader.number,
                                move="variant", hold_back=_beyond_noise_of(search, leader))
        ran += 1
        if record.valid and not record.held_back:
            kept.append(record)
            leader, instruction = record, offer.instruction
    return kept


def _beyond_noise_of(search: Search, leader: Attempt):
    """hold_back for a variant of ``leader``: why its OOF predictions don't clearly beat the
    leader's, or None where they do."""
    def hold_back(variant: Attempt) -> str | None:
        if not search.score_of(variant).better_than(search.score_of(leader)):
            return "no better than its parent"
        paths = [search.run_dir / a.folder / "oof_predictions.npy" for a in (variant, leader)]
        if not all(path.exists() for path in paths):
            return "no out-of-fold predictions to compare with its parent's"
        target = search.task.train[search.spec.target]
        truth = target[target.notna()].reset_index(drop=True)
        return within_noise(search.spec, truth, np.load(paths[0]), np.load(paths[1]))
    return hold_back


def run_more_folds(search: Search, full: Sequence[Attempt], index: int) -> Attempt | None:
    """The best single solution again with more folds, where the time left covers it; the
    valid attempt, or None."""
    found = best_single(search, full)
    if found is None:
        return None
    leader, instruction = found
    refined = with_more_folds(instruction)
    if refined is None:
        return None
    needed = more_folds_seconds(leader.execution.wall_seconds)
    left = search.remaining() - RESERVE_SECONDS
    if left < max(MIN_ATTEMPT_SECONDS, needed):
        search.on_event(f"more folds for '{leader.instruction_title}': about {needed:.0f} s "
                        f"needed, {left:.0f} s left; skipped")
        return None
    search.on_event(f"more folds for the leader, '{leader.instruction_title}'")
    # The compiler writes it, as it wrote the leader: the edit is exact, and a model
    # writing the same script again would cost calls for nothing.
    return search.run_candidate(index, refined, "full", offline=True, move="more-folds",
                                origin=leader.number)


def run_tuning(search: Search, full: Sequence[Attempt], index: int,
               previous: Sequence[Attempt] = ()) -> list[Attempt]:
    """Trials of the leader's model parameters while a trial fits in the time left; the
    valid ones. A resumed run's earlier trials of the same leader (``previous``) are told
    to the study first, so it goes on where it stopped. Variants come after tuning: a
    resumed run's variants are not the leader tuning goes on with."""
    found = (best_single(search, full, leaving_out=frozenset({"variant", "repeats"}))
             if search.settings.tune_trials > 0 else None)
    if found is None:
        return []
    leader, instruction = found
    if not search_space(instruction):
        search.on_event(f"tuning: '{leader.instruction_title}' has no tunable parameters")
        return []
    needed = TRIAL_COST * leader.execution.wall_seconds
    if search.remaining() - RESERVE_SECONDS < max(MIN_ATTEMPT_SECONDS, needed):
        return []  # the common case at short budgets: said once, by the caller's summary
    tuner = Tuner(instruction, search.score_of(leader), search.settings.seed,
                  max_trials=search.settings.tune_trials)
    for earlier in previous:
        if earlier.move == "tune" and earlier.parent == leader.number:
            ran = load_instruction(search.run_dir / earlier.folder / "instruction.json")
            tuner.add_known(dict(ran.model[0].params),
                            search.score_of(earlier) if earlier.valid else None)
    if not tuner.can_propose:
        return []
    search.on_event(f"tuning the leader, '{leader.instruction_title}': "
                    f"{', '.join(tuner.distributions)} (about {needed:.0f} s a trial)")
    trials: list[Attempt] = []
    while tuner.can_propose:
        left = search.remaining() - RESERVE_SECONDS
        if left < max(MIN_ATTEMPT_SECONDS, needed):
            search.on_event(f"tuning: about {needed:.0f} s a trial, {left:.0f} s left; stopped "
                            f"after {tuner.trials} trial(s)")
            break
        proposal = tuner.propose()
        timeout = min(left, TRIAL_TIMEOUT * leader.execution.wall_seconds + STARTUP_SECONDS)
        record = search.attempt(index, proposal.instruction, "full", timeout,
                                parent=leader.number, move="tune")
        tuner.record(proposal, search.score_of(record) if record.valid else None)
        if record.valid:
            trials.append(record)
    return trials


def run_repeats(search: Search, full: Sequence[Attempt], index: int) -> Attempt | None:
    """The best single solution (tuned or varied, where those ran) with its folds drawn as
    many times as the time left covers, at most ``SearchSettings.repeats``; the valid
    attempt, or None. Its CV score stands against the others' like any solution's."""
    most = search.settings.repeats
    found = best_single(search, full) if most > 1 else None
    if found is None:
        return None
    leader, instruction = found
    left = search.remaining() - RESERVE_SECONDS
    repeats = affordable_repeats(leader.execution.wall_seconds, left, most)
    repeated = with_repeats(instruction, search.spec, repeats or most)
    if repeated is None:
        return None
    if repeats == 0 or left < MIN_ATTEMPT_SECONDS:
        needed = repeats_seconds(leader.execution.wall_seconds, 2)
        search.on_event(f"repeated folds for '{leader.instruction_title}': about {needed:.0f} s "
                        f"for two draws, {left:.0f} s left; skipped")
        return None
    search.on_event(f"the leader's folds drawn {repeats} times: '{leader.instruction_title}'")
    timeout = min(left, REPEATS_TIMEOUT * repeats_seconds(leader.execution.wall_seconds, repeats))
    record = search.attempt(index, repeated, "full", timeout, parent=leader.number, move="repeats")
    return record if record.valid else None
