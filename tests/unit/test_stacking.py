"""The level-2 stack: chosen over the blend only where the OOF says so, and the script's CV
is the one estimated in process."""

import numpy as np
import pandas as pd
import pytest

from conftest import write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.ensemble import _score, plan_ensemble
from linguacodus.grading import grade_attempt
from linguacodus.instruction import Instruction, InstructionError, make_step, parse_markdown, render_markdown
from linguacodus.planning import propose
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import infer_spec
from linguacodus.stacking import fit_stack
from linguacodus.task import load_task


def _binary_task(tmp_path, rows=1200):
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"id": range(rows + 200), "a": rng.normal(size=rows + 200),
                          "b": rng.normal(size=rows + 200)})
    chance = 1 / (1 + np.exp(-(1.5 * frame["a"] + np.sin(3 * frame["b"]))))
    frame["target"] = np.where(rng.random(rows + 200) < chance, "yes", "no")
    test = frame.iloc[rows:].drop(columns="target")
    return load_task(write_task(tmp_path / "task", frame.iloc[:rows], test,
                                pd.DataFrame({"id": test["id"], "target": 0.5}),
                                "Submissions are scored on the log loss."))


def _probabilities(logit):
    positive = 1 / (1 + np.exp(-logit))
    return np.column_stack([1 - positive, positive])


def test_an_overconfident_member_is_recalibrated_by_the_stack_not_the_blend(tmp_path):
    task = _binary_task(tmp_path)
    spec = infer_spec(task)
    truth = task.train["target"]
    rng = np.random.default_rng(0)
    signal = np.where(truth == "yes", 1.0, -1.0) + rng.normal(0, 1.2, len(truth))
    # The same ranking, four times too sure of itself; and a weak, independent member.
    sharp = _probabilities(4 * signal)
    weak = _probabilities(0.5 * (np.where(truth == "yes", 1.0, -1.0) + rng.normal(0, 2.5, len(truth))))
    plan, why_not = plan_ensemble(spec, [sharp, weak], truth, seed=42)
    assert plan is not None and plan.kind == "stack", why_not
    assert plan.members == (0, 1)
    blend, _ = plan_ensemble(spec, [sharp, weak], truth, seed=42, all_rows=False)  # no stack
    assert blend is None or blend.kind == "blend"
    stacked = _score(spec, truth, fit_stack(spec, [sharp, weak], truth, 42)).value
    assert stacked == pytest.approx(plan.value)
    assert stacked < 0.9 * min(_score(spec, truth, m).value for m in (sharp, weak))  # log loss


def test_two_near_copies_make_neither_a_blend_nor_a_stack(tmp_path):
    spec = infer_spec(_binary_task(tmp_path))
    rng = np.random.default_rng(1)
    # A calibrated model (the truth is drawn from its probabilities) and a near copy of it:
    # neither averaging nor a model on top has anything to add.
    logit = rng.normal(0, 2, 1200)
    truth = pd.Series(np.where(rng.random(1200) < 1 / (1 + np.exp(-logit)), "yes", "no"))
    first = _probabilities(logit)
    twin = _probabilities(logit + rng.normal(0, 0.01, len(truth)))
    plan, why_not = plan_ensemble(spec, [first, twin], truth, seed=42)
    assert plan is None and why_not.startswith("ensemble:")


def test_independent_errors_are_averaged_by_a_blend_not_stacked(task_factory):
    spec = infer_spec(load_task(task_factory("regression"))).model_copy(update={"metric": "rmse"})
    rng = np.random.default_rng(2)
    truth = pd.Series(rng.normal(0, 30, size=2000))
    # Unbiased members with independent errors, small against the target's spread: the
    # average is what a model on top would learn (it would shrink them, by a 900th).
    members = [truth.to_numpy() + rng.normal(0, 1.0, 2000) for _ in range(2)]
    plan, why_not = plan_ensemble(spec, members, truth, seed=42)
    assert plan is not None and plan.kind == "blend", why_not
    assert plan.members == (0, 1) and sum(plan.weights) == pytest.approx(1.0)


def test_stack_instruction_round_trips(tmp_path):
    spec = infer_spec(_binary_task(tmp_path))
    members = (Instruction(title="ridge-ish", model=(make_step("logistic_regression"),)),
               Instruction(title="trees", model=(make_step("lightgbm", n_estimators=50),)))
    stack = Instruction(title="Stack of 2 solutions", members=members, weights=(0.5, 0.5), stack=True)
    text = render_markdown(stack)
    assert "`stack(model='linear')`" in text and "blend(weights" not in text
    assert parse_markdown(text) == stack
    assert "stack_folds = StratifiedKFold(n_splits=5" in compile_solution(spec, stack).script
    with pytest.raises(InstructionError, match="under '## Ensemble'"):
        parse_markdown(text.replace("`stack(model='linear')`", ""))


@pytest.mark.parametrize("kind", ["binary_proba", "regression_log"])
def test_the_stack_script_scores_what_was_estimated(kind, task_factory, tmp_path):
    task = load_task(task_factory(kind))
    spec = infer_spec(task)
    members = tuple(propose(spec, 2))
    raws = []
    for number, member in enumerate(members):
        folder = tmp_path / f"member-{number}"
        execution = run_script(compile_solution(spec, member).script, folder, task.path, Limits(120))
        assert execution.ok, execution.stderr_tail
        raws.append(np.load(folder / "oof_predictions.npy"))
    truth = task.train.loc[task.train[spec.target].notna(), spec.target]
    estimated = _score(spec, truth, fit_stack(spec, raws, truth, seed=42)).value
    stack = Instruction(title="Stack", members=members, weights=(0.5, 0.5), stack=True)
    folder = tmp_path / "stack"
    execution = run_script(compile_solution(spec, stack).script, folder, task.path, Limits(240))
    assert execution.ok, execution.stderr_tail
    grade = grade_attempt(spec, folder, task.train, task.sample_submission)
    assert grade.valid, grade.reason
    # The same folds and seed: the same number, but for the first member's postprocessing
    # (clipping to the training range), which the script applies to the stack's output.
    assert grade.cv_score == pytest.approx(estimated, rel=1e-6 if spec.is_classification else 0.03)


def test_no_ensemble_is_weighed_where_even_its_two_quickest_members_do_not_fit(
        task_factory, tmp_path, monkeypatch):
    """An injected clock; the weighing itself must not start (on large data it takes the
    framework seconds that the budget does not have)."""
    from test_tuning import Clock, _attempt

    from linguacodus import refinement
    from linguacodus.search import Search, SearchSettings

    task = load_task(task_factory("regression"))
    spec = infer_spec(task)
    clock, events = Clock(), []
    search = Search(task, spec, tmp_path, SearchSettings(budget=100), on_event=events.append,
                    clock=clock)
    members = [_attempt(n, Instruction(title=f"m{n}", model=(make_step("ridge"),)), tmp_path,
                        wall=wall, score=1.0) for n, wall in ((1, 20.0), (2, 30.0), (3, 8.0))]
    labelled = int(task.train[spec.target].notna().sum())
    for member in members:
        np.save(tmp_path / member.folder / "oof_predictions.npy", np.zeros(labelled))
    weighed = []
    monkeypatch.setattr(refinement, "plan_ensemble", lambda *a, **k: weighed.append(a) or (None, "no"))
    clock.now += 75  # 25 s left: the two quickest (8 s and 20 s) need 29.7 s
    assert refinement.run_ensemble(search, members, index=9) is None
    assert not weighed and events[-1] == "ensemble: 30 s needed at least, 25 s left; skipped"
    clock.now -= 10  # 35 s left: now it weighs them
    refinement.run_ensemble(search, members, index=9)
    assert len(weighed) == 1


def test_on_many_rows_the_stack_is_judged_on_a_sample(tmp_path, monkeypatch):
    from linguacodus import ensemble

    task = _binary_task(tmp_path)
    spec = infer_spec(task)
    truth = task.train["target"]
    rng = np.random.default_rng(0)
    signal = np.where(truth == "yes", 1.0, -1.0) + rng.normal(0, 1.2, len(truth))
    members = [_probabilities(4 * signal), _probabilities(0.5 * signal + rng.normal(0, 1, len(truth)))]
    rows_fitted = []
    real_fit = ensemble.fit_stack
    monkeypatch.setattr(ensemble, "fit_stack", lambda spec_, raws, sample, seed: (
        rows_fitted.append(len(sample)) or real_fit(spec_, raws, sample, seed)))
    plan_ensemble(spec, members, truth, seed=42)
    monkeypatch.setattr(ensemble, "STACK_PLAN_ROWS", 600)
    plan_ensemble(spec, members, truth, seed=42)
    assert rows_fitted == [1200, 600]
