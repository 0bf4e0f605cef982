"""Moves on the leader: more folds, run only where the time left covers them."""

import pytest

from linguacodus.grading import Grade
from linguacodus.instruction import Instruction, make_step, save_instruction
from linguacodus.journal import Attempt
from linguacodus.moves import MORE_FOLDS_COST, more_folds_seconds, with_more_folds
from linguacodus.planning import propose
from linguacodus.refinement import run_more_folds
from linguacodus.sandbox import Execution
from linguacodus.search import Search, SearchSettings
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


def test_the_leader_gets_ten_folds_where_its_test_predictions_average_the_folds(task_factory):
    spec = infer_spec(load_task(task_factory("binary")))
    leader = propose(spec, k=1)[0]
    assert leader.find("kfold").param("n_splits") == 5
    refined = with_more_folds(leader)
    kfold = refined.find("kfold")
    assert kfold.param("n_splits") == 10 and kfold.param("stratified") is True
    assert "10-fold" in kfold.text and refined.title.endswith(", 10 folds")
    assert [s.op for s in refined.steps()] == [s.op for s in leader.steps()]
    assert with_more_folds(refined) is None  # has them already
    refit = refined.model_copy(update={"training": tuple(
        make_step("final_model", method="refit") if s.op == "final_model" else s
        for s in leader.training)})
    assert with_more_folds(refit) is None  # the folds would only score a refit model
    blend = Instruction(title="Blend", members=(leader, leader), weights=(0.5, 0.5))
    assert with_more_folds(blend) is None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _leader_attempt(run_dir, instruction, wall_seconds):
    folder = "attempts/01-full-leader"
    save_instruction(instruction, run_dir / folder / "instruction")
    execution = Execution(exit_code=0, signal=None, timed_out=False, wall_seconds=wall_seconds,
                          peak_memory_mb=100.0, stdout_tail="", stderr_tail="", isolation="none")
    return Attempt(number=1, candidate=1, instruction_title=instruction.title, purpose="full",
                   folder=folder, started_seconds=0.0, execution=execution,
                   grade=Grade(valid=True, cv_score=0.8))


def test_more_folds_start_only_where_the_time_left_covers_them(task_factory, tmp_path):
    """The budget arithmetic, with an injected clock: nothing runs, nothing waits."""
    task = load_task(task_factory("binary"))
    spec = infer_spec(task)
    leader = propose(spec, k=1)[0]
    clock, events, started = Clock(), [], []
    search = Search(task, spec, tmp_path, SearchSettings(budget=60), on_event=events.append,
                    clock=clock)
    search.run_candidate = lambda index, instruction, purpose, **tree: started.append(instruction)
    full = [_leader_attempt(tmp_path, leader, wall_seconds=10.0)]
    assert more_folds_seconds(10.0) == MORE_FOLDS_COST * 10.0 == pytest.approx(24.0)

    clock.now += 60 - 20  # 20 s left, 24 s needed
    assert run_more_folds(search, full, index=7) is None and not started
    assert "about 24 s needed, 19 s left; skipped" in events[-1]

    clock.now -= 10  # 30 s left
    run_more_folds(search, full, index=7)
    assert [i.find("kfold").param("n_splits") for i in started] == [10]


def test_a_search_with_time_left_runs_the_leader_with_ten_folds(task_factory, tmp_path):
    task = load_task(task_factory("regression", n=400))
    spec = infer_spec(task)
    leader = propose(spec, k=1)[0]
    outcome = Search(task, spec, tmp_path / "run",
                     SearchSettings(budget=120, tune_trials=0, variants=0, repeats=1)).solve([leader])
    refined = [a for a in outcome.attempts if a.instruction_title.endswith(", 10 folds")]
    assert len(refined) == 1 and refined[0].valid, outcome.attempts
    # In the journal's tree it hangs under the leader it refines.
    leader_attempt = next(a for a in outcome.attempts if a.number == refined[0].parent)
    assert refined[0].move == "more-folds" and leader_attempt.instruction_title == leader.title
    assert leader_attempt.move == "candidate" and leader_attempt.parent is None
    assert outcome.candidates[-1].title == refined[0].instruction_title
    scores = [(a.score, a.number) for a in outcome.attempts if a.valid]
    assert outcome.best.number == min(scores)[1]  # MAE: the lower CV score of the two wins
    oof = (tmp_path / "run" / refined[0].folder / "oof.csv").read_text().splitlines()
    assert len(oof) == 1 + len(task.train)  # every row predicted once, by a model without it
