import numpy as np
import pandas as pd
import pytest

from linguacodus.codegen.compiler import compile_solution
from linguacodus.ensemble import fit_blend, paired_gain, raw_to_frame
from linguacodus.grading import grade_attempt
from linguacodus.instruction import Instruction, InstructionError, make_step, parse_markdown, render_markdown
from linguacodus.planning import propose
from linguacodus.sandbox import Limits, run_script
from linguacodus.search import Search, SearchSettings
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


@pytest.fixture
def regression(task_factory):
    task = load_task(task_factory("regression"))
    return task, infer_spec(task)


def test_blend_of_independent_errors_beats_each_member(regression):
    _, spec = regression
    rng = np.random.default_rng(0)
    truth = pd.Series(rng.normal(size=400))
    first = truth.to_numpy() + rng.normal(0, 1.0, 400)
    second = truth.to_numpy() + rng.normal(0, 1.0, 400)
    weights, value = fit_blend(spec, [first, second], truth)
    assert all(w > 0 for w in weights) and sum(weights) == pytest.approx(1.0)
    mae = spec.metric == "mae"
    assert mae
    singles = [np.abs(truth - m).mean() for m in (first, second)]
    assert value < min(singles)


def test_a_useless_member_gets_no_weight(regression):
    _, spec = regression
    rng = np.random.default_rng(1)
    truth = pd.Series(rng.normal(size=300))
    good = truth.to_numpy() + rng.normal(0, 0.1, 300)
    noise = rng.normal(0, 5, 300)
    weights, _ = fit_blend(spec, [good, noise], truth)
    assert weights == [1.0, 0.0]


def test_members_must_agree_in_shape(regression):
    _, spec = regression
    with pytest.raises(ValueError, match="differ in shape"):
        fit_blend(spec, [np.zeros(3), np.zeros(4)], pd.Series([0.0, 1, 2]))


def test_raw_predictions_become_submission_columns(task_factory):
    spec = infer_spec(load_task(task_factory("ranking")))
    raw = np.array([[0.1, 0.5, 0.3, 0.1], [0.7, 0.1, 0.1, 0.1]])
    assert raw_to_frame(spec, raw)["target"].tolist() == ["b c a", "a b c"]
    labels = infer_spec(load_task(task_factory("binary")))
    assert raw_to_frame(labels, np.array([[0.2, 0.8]]))["target"].tolist() == ["yes"]


def test_blend_instruction_round_trips_and_validates(regression):
    _, spec = regression
    members = propose(spec, 2)
    blend = Instruction(title="Blend of 2 solutions", members=tuple(members), weights=(0.6, 0.4))
    text = render_markdown(blend)
    assert "## Member 2:" in text and "`blend(weights=[0.6, 0.4])`" in text
    assert parse_markdown(text) == blend
    with pytest.raises(InstructionError, match="one\nnon-negative weight|non-negative weight"):
        parse_markdown(text.replace("[0.6, 0.4]", "[1.0]"))


def test_blend_script_runs_and_is_graded(regression, tmp_path):
    task, spec = regression
    members = (propose(spec, 2)[0], Instruction(title="ridge", preprocessing=(
        make_step("impute_numeric"), make_step("impute_categorical"),
        make_step("encode_categorical", method="onehot")), model=(make_step("ridge"),)))
    blend = Instruction(title="Blend", members=members, weights=(0.5, 0.5))
    script = compile_solution(spec, blend).script
    assert "def member_1():" in script and "def member_2():" in script and "WEIGHTS = [0.5, 0.5]" in script
    execution = run_script(script, tmp_path / "blend", task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    assert grade_attempt(spec, tmp_path / "blend", task.train, task.sample_submission).valid


def test_search_runs_an_ensemble_when_oof_says_it_helps(tmp_path):
    """A linear trend plus an interaction: the line and the trees each see half of it (here
    a stack of the two beats their blend: the trees' part is a step the line can't weigh)."""
    from conftest import write_task

    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"id": range(400), "a": rng.normal(size=400), "b": rng.normal(size=400),
                          "c": rng.normal(size=400)})
    frame["y"] = 3 * frame["a"] + 2 * ((frame["b"] > 0) & (frame["c"] > 0)) + rng.normal(0, 0.3, 400)
    test = frame.iloc[300:].drop(columns="y")
    task = load_task(write_task(tmp_path / "task", frame.iloc[:300], test,
                                pd.DataFrame({"id": test["id"], "y": 0.0}), "Scored on RMSE."))
    spec = infer_spec(task)
    linear = Instruction(title="ridge", model=(make_step("ridge"),))
    trees = Instruction(title="trees", model=(make_step("lightgbm", n_estimators=200, num_leaves=7),))
    # No tuning trials or variants: the ensemble is what is tested; they would take the rest of
    # the budget.
    outcome = Search(task, spec, tmp_path / "run",
                     SearchSettings(budget=120, tune_trials=0, variants=0, repeats=1)).solve([linear, trees])
    ensemble = [a for a in outcome.attempts if a.move in ("blend", "stack")]
    assert len(ensemble) == 1 and ensemble[0].valid
    assert ensemble[0].move == "stack" and ensemble[0].instruction_title == "Stack of 2 solutions"
    # In the journal's tree: the ensemble names its members and hangs under the better one.
    members = {a.number: a for a in outcome.attempts if a.number in ensemble[0].members}
    assert {a.instruction_title for a in members.values()} == {"ridge", "trees"}
    assert ensemble[0].parent == min(members.values(), key=lambda a: a.score).number
    singles = [a.score for a in outcome.attempts if a.move == "candidate"]
    assert ensemble[0].score < min(singles)  # RMSE: lower is better
    assert outcome.best.number == ensemble[0].number
    assert outcome.candidates[-1].title == "Stack of 2 solutions"


def test_a_blend_gain_within_the_bootstrap_noise_is_told_apart_from_a_real_one(regression):
    _, spec = regression
    rng = np.random.default_rng(0)
    truth = pd.Series(rng.normal(size=2000))
    # Two near copies of one model: any blend of them gains next to nothing.
    first = truth.to_numpy() + rng.normal(scale=1.0, size=2000)
    twin = first + rng.normal(scale=0.01, size=2000)
    gain, noise = paired_gain(spec, truth, (first + twin) / 2, first)
    assert gain <= noise
    # Two models with independent errors: their average halves the error variance.
    other = truth.to_numpy() + rng.normal(scale=1.0, size=2000)
    gain, noise = paired_gain(spec, truth, (first + other) / 2, first)
    assert gain > 5 * noise > 0


def test_a_full_run_is_predicted_from_its_probe(regression):
    from linguacodus.timing import predicted_full_seconds

    _, spec = regression
    five_folds = propose(spec, k=1)[0]
    assert five_folds.find("kfold").param("n_splits") == 5
    # 9.6 s on 2,000 rows and 3 folds: 8.6 s of fitting, × 4273/2000 rows, × 5/3 folds.
    assert predicted_full_seconds(9.6, five_folds, 4273, 2000) == pytest.approx(
        1 + 8.6 * 4273 / 2000 * 5 / 3)
    # Never predicted faster than the probe itself, however small the data.
    assert predicted_full_seconds(9.6, five_folds, 500, 2000) == pytest.approx(1 + 8.6 * 5 / 3)
    # What every probe paid (the quickest probe: reading 75,000 rows, say) is not scaled.
    assert predicted_full_seconds(2.3, five_folds, 75000, 2000, fixed_seconds=1.8) == pytest.approx(
        1.8 + 0.5 * 75000 / 2000 * 5 / 3)
    assert predicted_full_seconds(1.5, five_folds, 75000, 2000, fixed_seconds=1.8) == pytest.approx(1.5)


def test_the_fixed_cost_of_a_probe_is_the_quickest_probe():
    from linguacodus.timing import STARTUP_SECONDS, fixed_probe_seconds

    assert fixed_probe_seconds([2.3, 1.8, 2.2]) == 1.8
    # One probe can't separate its fitting from its fixed cost: only the interpreter is fixed.
    assert fixed_probe_seconds([2.3]) == STARTUP_SECONDS
    assert fixed_probe_seconds([]) == STARTUP_SECONDS
    assert fixed_probe_seconds([0.4, 0.5]) == STARTUP_SECONDS

