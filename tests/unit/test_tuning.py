"""Hyperparameter refinement of the leader: the neighbourhood, the Optuna study, the budget
arithmetic (an injected clock, nothing run), and a real search whose trials run."""

import pytest

from linguacodus.grading import Grade
from linguacodus.instruction import Instruction, make_step, save_instruction
from linguacodus.journal import Attempt
from linguacodus.ops import OPERATIONS
from linguacodus.ops.base import Tunable
from linguacodus.planning import propose
from linguacodus.refinement import run_tuning
from linguacodus.sandbox import Execution
from linguacodus.score import Score
from linguacodus.search import Search, SearchSettings
from linguacodus.spec import infer_spec
from linguacodus.task import load_task
from linguacodus.tuning import (
    TRIAL_COST,
    Tuner,
    neighbourhood,
    search_space,
    with_params,
)

LEAVES = Tunable("num_leaves", 4, 256, log=True, integer=True)
SHARE = Tunable("subsample", 0.5, 1.0)


def test_the_neighbourhood_surrounds_the_leaders_values_inside_the_bounds():
    ranges = neighbourhood((LEAVES, SHARE, Tunable("alpha", 1e-4, 1e4, log=True)),
                           {"num_leaves": 31, "subsample": 0.9, "alpha": None})
    assert ranges["num_leaves"] == (10, 93)  # 31 / 3 rounded down, 31 × 3
    assert ranges["subsample"] == pytest.approx((0.775, 1.0))  # ± a quarter of 0.5, clipped
    assert "alpha" not in ranges  # unset: nothing to refine around
    assert neighbourhood((LEAVES,), {"num_leaves": 1000})["num_leaves"] == (85, 256)


def test_every_model_family_tunes_parameters_it_has():
    for name, operation in OPERATIONS.items():
        if operation.model is not None:
            for tunable in operation.model.search_space:
                assert tunable.name in operation.defaults, (name, tunable.name)
                assert tunable.low < tunable.high
    assert [t.name for t in OPERATIONS["lightgbm"].model.search_space][:1] == ["num_leaves"]


def _lightgbm(**params):
    return Instruction(title="trees", model=(make_step("lightgbm", **params),),
                       training=(make_step("kfold", n_splits=5),))


def test_a_trial_is_the_leader_with_new_model_parameters_written_into_its_sentence():
    tuned = with_params(_lightgbm(num_leaves=31), {"num_leaves": 7, "subsample": 0.7}, "tuned 1")
    step = tuned.model[0]
    assert tuned.title == "trees, tuned 1" and step.params == {"num_leaves": 7, "subsample": 0.7}
    assert "7 leaves" in step.text and tuned.training == _lightgbm().training
    blend = Instruction(title="b", members=(_lightgbm(), _lightgbm()), weights=(0.5, 0.5))
    assert search_space(blend) == () and search_space(Instruction(title="free", model=())) == ()


def test_the_study_starts_from_the_leader_and_is_the_same_for_the_same_seed():
    leader = _lightgbm(num_leaves=31)
    first, second = (Tuner(leader, Score(0.3, False), seed=7) for _ in range(2))
    assert len(first.study.trials) == 1 and first.study.trials[0].value == pytest.approx(-0.3)
    proposals = [first.propose().params for _ in range(3)]
    assert proposals == [second.propose().params for _ in range(3)]
    for params in proposals:
        for name, value in params.items():
            low, high = neighbourhood(search_space(leader), {
                t.name: leader.model[0].param(t.name) for t in search_space(leader)})[name]
            assert low <= value <= high


def test_a_better_trial_is_the_studys_best_whatever_the_metrics_direction():
    for higher, better in ((False, 0.2), (True, 0.4)):
        tuner = Tuner(_lightgbm(), Score(0.3, higher), seed=0)
        proposal = tuner.propose()
        tuner.record(proposal, Score(better, higher))
        failed = tuner.propose()
        tuner.record(failed, None)
        assert tuner.study.best_trial.params == proposal.params
        assert tuner.study.best_value == Score(better, higher).utility
    with pytest.raises(ValueError, match="direction"):
        tuner.record(tuner.propose(), Score(0.1, not higher))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _attempt(number, instruction, run_dir, wall, score, parent=None, move="candidate"):
    folder = f"attempts/{number:02d}"
    save_instruction(instruction, run_dir / folder / "instruction")
    execution = Execution(exit_code=0, signal=None, timed_out=False, wall_seconds=wall,
                          peak_memory_mb=1.0, stdout_tail="", stderr_tail="", isolation="none")
    return Attempt(number=number, candidate=1, instruction_title=instruction.title, purpose="full",
                   folder=folder, started_seconds=0.0, execution=execution, parent=parent,
                   move=move, grade=Grade(valid=True, cv_score=score))


def test_trials_run_while_one_fits_in_the_time_left(task_factory, tmp_path):
    """The budget arithmetic, with an injected clock: each fake trial takes 10 s."""
    task = load_task(task_factory("regression"))
    spec = infer_spec(task)
    clock, events, ran = Clock(), [], []
    search = Search(task, spec, tmp_path, SearchSettings(budget=100), on_event=events.append,
                    clock=clock)
    leader = _attempt(1, _lightgbm(), tmp_path, wall=10.0, score=1.0)

    def fake_attempt(index, instruction, purpose, timeout, parent=None, move="candidate", **_):
        ran.append((instruction, timeout, parent, move))
        clock.now += 10.0
        return _attempt(len(ran) + 1, instruction, tmp_path, 10.0, 1.0 - 0.01 * len(ran),
                        parent=parent, move=move)

    search.attempt = fake_attempt
    clock.now += 40  # 60 s left: 13 s a trial, one second kept back
    trials = run_tuning(search, [leader], index=9)
    assert TRIAL_COST * 10.0 == pytest.approx(13.0)
    # 59 s usable: trials start at 59, 49, 39, 29 and 19 s left; at 9 s the next does not fit.
    assert len(trials) == len(ran) == 5
    assert all(parent == 1 and move == "tune" for _, _, parent, move in ran)
    assert ran[0][1] == pytest.approx(31.0)  # three times the leader's run, and start-up
    assert "stopped after 5 trial(s)" in events[-1]


def test_no_tuning_where_it_is_switched_off_or_the_model_has_nothing_to_tune(task_factory, tmp_path):
    task = load_task(task_factory("regression"))
    spec = infer_spec(task)
    off = Search(task, spec, tmp_path, SearchSettings(budget=100, tune_trials=0), clock=Clock())
    leader = _attempt(1, _lightgbm(), tmp_path, wall=1.0, score=1.0)
    assert run_tuning(off, [leader], index=9) == []
    events = []
    search = Search(task, spec, tmp_path, SearchSettings(budget=100), on_event=events.append,
                    clock=Clock())
    free = Instruction(title="free text", model=(make_step("ridge"),))
    untunable = _attempt(2, free.model_copy(update={"model": ()}), tmp_path, wall=1.0, score=1.0)
    assert run_tuning(search, [untunable], index=9) == []
    assert "no tunable parameters" in events[-1]


def test_a_search_with_time_left_tunes_the_leader_with_plain_values_in_its_script(
        task_factory, tmp_path):
    task = load_task(task_factory("regression", n=300))
    spec = infer_spec(task)
    leader = propose(spec, k=1)[0]
    outcome = Search(task, spec, tmp_path / "run",
                     SearchSettings(budget=150, tune_trials=3, variants=0, repeats=1)).solve([leader])
    trials = [a for a in outcome.attempts if a.move == "tune"]
    assert len(trials) == 3, [(a.move, a.failure()) for a in outcome.attempts]
    parents = {a.parent for a in trials}
    assert len(parents) == 1
    tuned_leader = next(a for a in outcome.attempts if a.number in parents)
    assert tuned_leader.valid and tuned_leader.move in ("candidate", "more-folds")
    for trial in trials:
        script = (tmp_path / "run" / trial.folder / "solution.py").read_text()
        assert "optuna" not in script.lower()
        ran = Instruction.model_validate_json(
            (tmp_path / "run" / trial.folder / "instruction.json").read_text())
        for name, value in ran.model[0].params.items():
            assert f"{name}={value!r}" in script
    if any(a.valid for a in trials):
        assert outcome.candidates[-1].title.endswith(tuple(f"tuned {n}" for n in (1, 2, 3)))
