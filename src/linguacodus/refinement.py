"""Moves once every candidate has had its turn: a weighted blend of the valid solutions
where their out-of-fold predictions say it helps by more than the noise (ensemble.py); the
best single solution again with more folds (moves.py); then its model's hyperparameters
refined trial by trial in the time that is left (tuning.py).

Each is a function of the search (search.py), which owns the clock, the attempts and the
journal; these decide what to run and whether the time left covers it. The clock is the
search's, injectable, so the budget arithmetic is tested without running anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from linguacodus.diagnostics import predicted_rows
from linguacodus.ensemble import blend_gain, fit_blend
from linguacodus.instruction import Instruction, Provenance, load_instruction
from linguacodus.journal import Attempt
from linguacodus.moves import more_folds_seconds, with_more_folds
from linguacodus.score import best_of
from linguacodus.timing import MIN_ATTEMPT_SECONDS, RESERVE_SECONDS, STARTUP_SECONDS
from linguacodus.tuning import TRIAL_COST, TRIAL_TIMEOUT, Tuner, search_space

if TYPE_CHECKING:
    from linguacodus.search import Search


def best_single(search: Search, full: Sequence[Attempt]) -> tuple[Attempt, Instruction] | None:
    """The best valid compiler-written solution that is not a blend, with its instruction
    (the attempt's own copy: what ran)."""
    singles = [(a, load_instruction(search.run_dir / a.folder / "instruction.json"))
               for a in full if a.code_source == "compiler"]
    singles = [(a, i) for a, i in singles if not i.is_blend]
    if not singles:
        return None
    return max(singles, key=lambda pair: search.score_of(pair[0]).utility)


def run_blend(search: Search, full: Sequence[Attempt], index: int) -> Attempt | None:
    """Run a weighted blend of the valid solutions when their OOF says it helps."""
    # The blend compiles its members again, so only compiler-written members qualify.
    members = [a for a in full if a.code_source == "compiler"
               and (search.run_dir / a.folder / "oof_predictions.npy").exists()]
    raws = [np.load(search.run_dir / a.folder / "oof_predictions.npy") for a in members]
    if len(members) < 2 or len({r.shape for r in raws}) != 1:
        return None
    truth = search.task.train.loc[search.task.train[search.spec.target].notna(), search.spec.target]
    if len(truth) != len(raws[0]):  # members fitted on a subsample: nothing to align
        return None
    # Forward folds leave the earliest rows unpredicted (NaN): weigh on the rows all have.
    predicted = np.logical_and.reduce([predicted_rows(r) for r in raws])
    if not predicted.all():
        raws, truth = [r[predicted] for r in raws], truth[predicted]
    try:
        weights, value = fit_blend(search.spec, raws, truth)
    except ValueError as error:
        search.on_event(f"blend: {error}")
        return None
    chosen = [(w, a) for w, a in zip(weights, members, strict=True) if w > 0]
    best_member = best_of(search.score_of(a) for a in members)
    if len(chosen) < 2 or not search.score_of(value).better_than(best_member, 1e-9):
        search.on_event("blend: no weighting of the solutions beats the best one on OOF")
        return None
    gain, noise = blend_gain(search.spec, raws, weights, truth)
    if gain <= noise:
        search.on_event(f"blend: OOF gain {gain:.3g} over the best solution is within the noise "
                        f"({noise:.3g}, bootstrap); the best single solution stands")
        return None
    # One interpreter start-up instead of one a member; then a margin.
    walls = [a.execution.wall_seconds for _, a in chosen]
    needed = 1.1 * (sum(walls) - STARTUP_SECONDS * (len(walls) - 1))
    if search.remaining() - RESERVE_SECONDS < max(MIN_ATTEMPT_SECONDS, needed):
        search.on_event(f"blend: {needed:.0f} s needed, {search.remaining():.0f} s left; skipped")
        return None
    instruction = Instruction(
        title=f"Blend of {len(chosen)} solutions",
        members=tuple(load_instruction(search.run_dir / a.folder / "instruction.json")
                      for _, a in chosen),
        weights=tuple(round(w, 4) for w, _ in chosen),
        provenance=Provenance(source="search", score=round(value, 6),
                              note="weights fitted on the members' out-of-fold predictions"),
    )
    search.on_event(f"blend of {len(chosen)}: OOF {value:.5g} with weights "
                    f"{[round(w, 2) for w, _ in chosen]}; running it")
    leading = max((a for _, a in chosen), key=lambda a: search.score_of(a).utility)
    return search.run_candidate(index, instruction, "full", move="blend", origin=leading.number,
                                members=tuple(a.number for _, a in chosen))


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
    to the study first, so it goes on where it stopped."""
    found = best_single(search, full) if search.settings.tune_trials > 0 else None
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
