"""Repeated folds: kfold's repeats in the generated script (each row's out-of-fold prediction
the mean of the repeats' models that never saw it), where they can't be drawn, and the
search's last move that draws the leader's folds again (its budget arithmetic with an
injected clock, nothing run; and a real search that runs it in the sandbox)."""

import numpy as np
import pandas as pd
import pytest

from linguacodus.codegen.compiler import compile_solution
from linguacodus.codegen.layout import CompileOptions, resolve_layout
from linguacodus.errors import InstructionError
from linguacodus.grading import Grade
from linguacodus.instruction import Instruction, load_instruction, make_step, save_instruction
from linguacodus.journal import Attempt
from linguacodus.moves import (
    MAX_REPEATS,
    REPEAT_COST,
    affordable_repeats,
    repeats_seconds,
    with_repeats,
)
from linguacodus.planning import propose
from linguacodus.refinement import best_single, run_repeats
from linguacodus.repair import Diagnosis, propose_repair
from linguacodus.sandbox import Execution, Limits, run_script
from linguacodus.search import Search, SearchSettings
from linguacodus.spec import infer_spec
from linguacodus.task import load_task
from linguacodus.timing import STARTUP_SECONDS


def _candidate(spec, op):
    return next(c for c in propose(spec, k=6) if c.model_step().op == op)


def _kfold(instruction, **params):
    kfold = instruction.find("kfold")
    step = make_step("kfold", **{**kfold.params, **params})
    return instruction.model_copy(update={"training": tuple(
        step if s.op == "kfold" else s for s in instruction.training)})


def _run(spec, task, instruction, folder, seed=42):
    script = compile_solution(spec, instruction, CompileOptions(seed=seed)).script
    execution = run_script(script, folder, task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    return (np.load(folder / "oof_predictions.npy"),
            pd.read_csv(folder / "submission.csv")["target"].to_numpy(), script)


def test_a_repeated_script_averages_the_models_of_each_draw_of_the_folds(task_factory, tmp_path):
    """A deterministic model (ridge): the folds drawn twice from seed 42 give exactly the
    mean of the runs drawn once from seeds 42 and 43, out of fold and on the test rows."""
    task = load_task(task_factory("regression"))
    spec = infer_spec(task)
    linear = _candidate(spec, "ridge")
    linear = linear.model_copy(update={"postprocess": tuple(  # clipping is not linear
        s for s in linear.postprocess if s.op != "clip_predictions")})
    once_42 = _run(spec, task, linear, tmp_path / "once-42")
    once_43 = _run(spec, task, linear, tmp_path / "once-43", seed=43)
    oof, test, script = _run(spec, task, _kfold(linear, repeats=2), tmp_path / "twice")
    assert "N_REPEATS = 2" in script and "random_state=SEED + repeat" in script
    assert not np.allclose(once_42[0], once_43[0])  # the draws differ
    np.testing.assert_allclose(oof, (once_42[0] + once_43[0]) / 2, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(test, (once_42[1] + once_43[1]) / 2, rtol=1e-9, atol=1e-9)
    assert "repeat 2/2: fold 5/5 fitted" in (tmp_path / "twice" / "stdout.txt").read_text()


def test_repeated_stratified_folds_give_a_valid_classifier_and_a_probe_draws_once(task_factory,
                                                                                 tmp_path):
    task = load_task(task_factory("binary_proba"))
    spec = infer_spec(task)
    trees = _kfold(_candidate(spec, "lightgbm"), repeats=3)
    oof, test, script = _run(spec, task, trees, tmp_path / "trees")
    assert "StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED + repeat)" in script
    assert oof.shape == (len(task.train), 2) and np.allclose(oof.sum(axis=1), 1.0)
    assert ((0 <= test) & (test <= 1)).all()
    probe = compile_solution(spec, trees, CompileOptions(probe_rows=100)).script
    assert "N_REPEATS" not in probe and "repeat" not in probe


def test_folds_that_cannot_be_drawn_again_refuse_repeats_with_the_reason(task_factory):
    spec = infer_spec(load_task(task_factory("binary")))
    trees = _candidate(spec, "lightgbm")

    def refusal(instruction, task_spec=spec):
        with pytest.raises(InstructionError) as error:
            resolve_layout(task_spec, instruction, CompileOptions())
        return str(error.value)

    assert "whole number >= 1" in refusal(_kfold(trees, repeats=0))
    assert "whole number >= 1" in refusal(_kfold(trees, repeats=2.5))
    refit = trees.model_copy(update={"training": tuple(
        make_step("final_model", method="refit") if s.op == "final_model" else s
        for s in trees.training)})
    assert "not a refit" in refusal(_kfold(refit, repeats=3))
    dated = infer_spec(load_task(task_factory("datetime")))
    forward = _candidate(dated, "lightgbm")
    assert forward.find("kfold").param("order_by") == "date"
    assert "forward folds" in refusal(_kfold(forward, repeats=3), dated)
    assert "grouped folds without stratification" in refusal(
        _kfold(trees, group_by="colour", stratified=False, repeats=3))
    resolve_layout(spec, _kfold(trees, group_by="colour", repeats=3), CompileOptions())  # shuffled
    assert resolve_layout(spec, _kfold(trees, repeats=3), CompileOptions()).repeats == 3
    # with_repeats offers only what compiles: None where kfold refuses, or nothing changes.
    assert with_repeats(_kfold(trees, group_by="colour", stratified=False), spec, 3) is None
    assert with_repeats(forward, dated, 3) is None
    assert with_repeats(refit, spec, 3) is None
    assert with_repeats(trees, spec, 1) is None
    assert with_repeats(_kfold(trees, repeats=5), spec, 3) is None
    blend = Instruction(title="blend", members=(trees, trees), weights=(0.5, 0.5))
    assert with_repeats(blend, spec, 3) is None
    repeated = with_repeats(trees, spec, 3)
    assert repeated.title == f"{trees.title}, folds drawn 3×"
    assert repeated.find("kfold").param("repeats") == 3
    assert "drawn 3 times with different seeds" in repeated.find("kfold").text
    # The other steps stay as they were.
    assert [s.call() for s in repeated.steps() if s.op != "kfold"] == \
        [s.call() for s in trees.steps() if s.op != "kfold"]


def test_a_repeated_run_that_times_out_is_repaired_by_drawing_the_folds_once(task_factory):
    spec = infer_spec(load_task(task_factory("binary")))
    trees = _kfold(_candidate(spec, "lightgbm"), repeats=4)
    repair = propose_repair(trees, spec, Diagnosis("timeout", "killed after 30 s"))
    assert "folds drawn once" in repair.description  # with the other operations' cuts
    kfold = repair.instruction.find("kfold")
    assert kfold.param("repeats") == 1 and kfold.param("n_splits") == 5  # the folds stay


def test_as_many_repeats_as_the_time_left_covers_up_to_the_most_allowed():
    assert repeats_seconds(11.0, 3) == pytest.approx(STARTUP_SECONDS + REPEAT_COST * 3 * 10.0)
    assert affordable_repeats(11.0, 200.0, 5) == 5
    assert affordable_repeats(11.0, repeats_seconds(11.0, 3) + 0.1, 5) == 3
    assert affordable_repeats(11.0, repeats_seconds(11.0, 2) - 0.1, 5) == 0
    assert affordable_repeats(11.0, 200.0, 1) == 0
    assert SearchSettings(budget=60).repeats == MAX_REPEATS


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def _attempt(run_dir, number, instruction, score, move="candidate", wall=10.0):
    folder = f"attempts/{number:02d}-full"
    save_instruction(instruction, run_dir / folder / "instruction")
    return Attempt(number=number, candidate=1, instruction_title=instruction.title, purpose="full",
                   folder=folder, started_seconds=0.0, move=move,
                   execution=Execution(exit_code=0, signal=None, timed_out=False,
                                       wall_seconds=wall, peak_memory_mb=100.0, stdout_tail="",
                                       stderr_tail="", isolation="none"),
                   grade=Grade(valid=True, cv_score=score))


def _search(task_factory, tmp_path, budget=300, **settings):
    task = load_task(task_factory("regression"))
    spec = infer_spec(task)
    clock, events = Clock(), []
    search = Search(task, spec, tmp_path, SearchSettings(budget=budget, **settings),
                    on_event=events.append, clock=clock)
    trees = _candidate(spec, "lightgbm")
    tuned = trees.model_copy(update={"title": f"{trees.title}, tuned 1"})
    full = [_attempt(tmp_path, 1, trees, 1.0), _attempt(tmp_path, 2, tuned, 0.9, move="tune")]
    return search, clock, events, full


class FakeRun:
    """search.attempt without running anything: the clock moves on by ``seconds``."""

    def __init__(self, search, clock, seconds=40.0):
        self.search, self.clock, self.seconds, self.ran = search, clock, seconds, []

    def __call__(self, index, instruction, purpose, timeout, parent=None, move="candidate", **_):
        self.clock.now += self.seconds
        self.ran.append((instruction, timeout, parent, move))
        return _attempt(self.search.run_dir, 100, instruction, 0.85, move=move)


def test_the_last_move_draws_the_leaders_folds_as_often_as_the_time_left_covers(
        task_factory, tmp_path):
    search, clock, events, full = _search(task_factory, tmp_path, repeats=5)
    runs = search.attempt = FakeRun(search, clock)
    clock.now = 300 - 35.0  # 35 s left: three draws of a 10 s leader (31 s), not four
    record = run_repeats(search, full, index=12)
    (instruction, timeout, parent, move), = runs.ran
    assert parent == 2 and move == "repeats" and record.move == "repeats"  # the tuned leader
    assert instruction.find("kfold").param("repeats") == 3
    assert instruction.title.endswith("tuned 1, folds drawn 3×")
    assert timeout == pytest.approx(34.0)  # 1.5 × 31 s, cut to the time left
    assert events[-1] == "the leader's folds drawn 3 times: '" + full[1].instruction_title + "'"
    # With all the time in the world, no more than the settings allow.
    search, clock, events, full = _search(task_factory, tmp_path, repeats=2)
    runs = search.attempt = FakeRun(search, clock)
    run_repeats(search, full, index=12)
    assert runs.ran[0][0].find("kfold").param("repeats") == 2


def test_no_repeats_where_too_little_is_left_or_the_settings_say_once(task_factory, tmp_path):
    search, clock, events, full = _search(task_factory, tmp_path)
    runs = search.attempt = FakeRun(search, clock)
    clock.now = 300 - 15.0
    assert run_repeats(search, full, index=12) is None and runs.ran == []
    assert events[-1].startswith("repeated folds for") and events[-1].endswith("left; skipped")
    search, clock, events, full = _search(task_factory, tmp_path, repeats=1)
    runs = search.attempt = FakeRun(search, clock)
    assert run_repeats(search, full, index=12) is None and runs.ran == [] and events == []


def test_a_repeated_leader_is_never_the_leader_the_other_moves_build_on(task_factory, tmp_path):
    """A resumed run's ``full`` may hold the repeated leader: tuning, variants and more
    folds start from the leader it repeated, and no second repeated run is made of it."""
    search, clock, _, full = _search(task_factory, tmp_path)
    leader = load_instruction(tmp_path / full[1].folder / "instruction.json")
    repeated = with_repeats(leader, search.spec, 3)
    full = full + [_attempt(tmp_path, 3, repeated, 0.5, move="repeats")]
    assert best_single(search, full)[0].number == 2
    runs = search.attempt = FakeRun(search, clock)
    run_repeats(search, full, index=12)
    assert runs.ran[0][2] == 2


def test_a_search_with_time_left_ends_with_the_leader_s_folds_drawn_again(task_factory, tmp_path):
    task = load_task(task_factory("regression"))
    spec = infer_spec(task)
    leader = _candidate(spec, "lightgbm").model_copy(update={"title": "trees"})
    outcome = Search(task, spec, tmp_path / "run", SearchSettings(
        budget=120, tune_trials=0, variants=0, repeats=3)).solve([leader])
    repeated = [a for a in outcome.attempts if a.move == "repeats"]
    assert len(repeated) == 1 and repeated[0].valid, outcome.attempts
    # The leader it repeats: the candidate, or the candidate with 10 folds where that won.
    parent = next(a for a in outcome.attempts if a.number == repeated[0].parent)
    assert parent.move in ("candidate", "more-folds")
    assert repeated[0].instruction_title == f"{parent.instruction_title}, folds drawn 3×"
    stdout = (tmp_path / "run" / repeated[0].folder / "stdout.txt").read_text()
    assert "repeat 3/3: fold" in stdout
    assert any(c.title == repeated[0].instruction_title and c.attempt == repeated[0].number
               for c in outcome.candidates)
