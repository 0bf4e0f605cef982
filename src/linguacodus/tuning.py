"""Hyperparameter refinement of the leader: Optuna proposes, the sandbox measures.

Each model family names the parameters worth tuning and their bounds
(``ModelCode.search_space``). Refinement searches a neighbourhood of the leader's own
values — log-scaled parameters within a factor of SPREAD either way, the others within
LINEAR_SHARE of their range either way, inside the family's bounds — because the leader's
values were chosen for this kind of data and the budget leaves room for a few trials, not a
global search. Optuna's TPE sampler (seeded: the same trials for the same scores) proposes;
each trial is the leader's instruction with the proposed model parameters, compiled by the
offline compiler into plain values in the script (no Optuna in solution.py) and run in the
sandbox with the leader's folds, so its CV score, graded by the harness, is comparable with
the leader's. The leader's own score is the study's first trial.

Plain functions and a small class around the study; the search (search.py) decides when a
trial fits the time left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from linguacodus.instruction import Instruction, make_step
from linguacodus.ops import OPERATIONS
from linguacodus.ops.base import Tunable
from linguacodus.score import Score

if TYPE_CHECKING:
    import optuna

SPREAD = 3.0  # log-scaled parameters: from value / SPREAD to value × SPREAD
LINEAR_SHARE = 0.25  # other parameters: ± this share of the family's range
STARTUP_TRIALS = 4  # random proposals before TPE models the scores
MAX_TRIALS = 30  # more trials fit the CV noise more than the data
# A trial's expected seconds against the leader's run: the same folds and rows; a proposal
# with more leaves or deeper trees is slower, one with fewer faster.
TRIAL_COST = 1.3
TRIAL_TIMEOUT = 3.0  # a trial is stopped after this multiple of the leader's run


def search_space(instruction: Instruction) -> tuple[Tunable, ...]:
    """The tunable parameters of the instruction's model (none for a blend)."""
    if instruction.is_blend or not instruction.model or instruction.model[0].op is None:
        return ()
    operation = OPERATIONS.get(instruction.model[0].op)
    return operation.model.search_space if operation is not None and operation.model else ()


def neighbourhood(space: tuple[Tunable, ...], values: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Each parameter's (low, high) around the leader's value, inside the family's bounds.
    A parameter whose value is unset or not a number is left out."""
    ranges = {}
    for tunable in space:
        value = values.get(tunable.name)
        if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
            continue
        value = min(max(float(value), tunable.low), tunable.high)
        if tunable.log and value > 0:
            low, high = value / SPREAD, value * SPREAD
        else:
            reach = LINEAR_SHARE * (tunable.high - tunable.low)
            low, high = value - reach, value + reach
        low, high = max(low, tunable.low), min(high, tunable.high)
        if tunable.integer:
            low, high = math.floor(low), math.ceil(high)
        if high > low:
            ranges[tunable.name] = (low, high)
    return ranges


def with_params(instruction: Instruction, params: dict[str, Any], label: str) -> Instruction:
    """The instruction with its model step's parameters updated (its sentence rewritten)."""
    step = instruction.model[0]
    model = make_step(step.op, **{**step.params, **params})
    return instruction.model_copy(update={"title": f"{instruction.title}, {label}",
                                          "model": (model, *instruction.model[1:])})


@dataclass(frozen=True)
class Proposal:
    trial: Any  # optuna.trial.Trial: told back with its score
    params: dict[str, Any]
    instruction: Instruction


class Tuner:
    """An Optuna study over the leader's neighbourhood; utility (higher is better) is what it
    maximises, so no metric direction is flipped here."""

    def __init__(self, leader: Instruction, leader_score: Score, seed: int,
                 max_trials: int = MAX_TRIALS) -> None:
        import optuna  # imported only when a run has time to tune

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.leader = leader
        self.higher_is_better = leader_score.higher_is_better
        space = search_space(leader)
        values = {t.name: leader.model[0].param(t.name) for t in space}
        tunables = {tunable.name: tunable for tunable in space}
        self.distributions = {
            name: (optuna.distributions.IntDistribution(int(low), int(high), log=tunables[name].log)
                   if tunables[name].integer else
                   optuna.distributions.FloatDistribution(low, high, log=tunables[name].log))
            for name, (low, high) in neighbourhood(space, values).items()}
        self.study: optuna.Study = optuna.create_study(
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=seed, n_startup_trials=STARTUP_TRIALS))
        self.trials = 0
        self.max_trials = max_trials
        # The leader is the first trial where its values lie inside the ranges (a value
        # beyond the family's bounds was clipped to make its range).
        known = {name: values[name] for name in self.distributions}
        if all(d.low <= known[name] <= d.high for name, d in self.distributions.items()):
            self.add_known(known, leader_score)

    @property
    def can_propose(self) -> bool:
        return bool(self.distributions) and self.trials < self.max_trials

    def add_known(self, params: dict[str, Any], score: Score | None) -> None:
        """A trial measured before (the leader itself, or a resumed run's trials)."""
        import optuna

        params = {name: value for name, value in params.items() if name in self.distributions}
        if not params or set(params) != set(self.distributions):
            return
        params = {name: int(value) if isinstance(self.distributions[name],
                                                  optuna.distributions.IntDistribution) else float(value)
                  for name, value in params.items()}
        state = optuna.trial.TrialState.COMPLETE if score is not None else optuna.trial.TrialState.FAIL
        self.study.add_trial(optuna.trial.create_trial(
            params=params, distributions=self.distributions, state=state,
            value=None if score is None else self._utility(score)))

    def propose(self) -> Proposal:
        trial = self.study.ask(self.distributions)
        self.trials += 1
        params = dict(trial.params)
        return Proposal(trial, params, with_params(self.leader, params, f"tuned {self.trials}"))

    def record(self, proposal: Proposal, score: Score | None) -> None:
        """The trial's CV score; None where it failed or timed out."""
        import optuna

        if score is None:
            self.study.tell(proposal.trial, state=optuna.trial.TrialState.FAIL)
        else:
            self.study.tell(proposal.trial, self._utility(score))

    def _utility(self, score: Score) -> float:
        if score.higher_is_better != self.higher_is_better:
            raise ValueError("a trial's score has the other direction than the leader's")
        return score.utility
