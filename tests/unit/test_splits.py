"""Validation that holds on the test rows: forward folds for later times, whole days for
unseen days (splits.py finds them; kfold and the compiled scripts use them)."""

import numpy as np
import pandas as pd
import pytest

from conftest import cv_scores, write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.grading import grade_against_answers
from linguacodus.instruction import (
    Instruction,
    InstructionError,
    make_step,
    parse_markdown,
    render_markdown,
)
from linguacodus.llm.context import script_contract, task_summary
from linguacodus.planning import propose, with_matching_validation
from linguacodus.spec import infer_spec
from linguacodus.splits import find_day_blocks, find_forward_column
from linguacodus.task import load_task


def _trend_task(tmp_path, n: int = 600, classification: bool = False):
    """One row a day; the target follows a random walk in time plus a feature's effect.
    Test rows are the last quarter of the days: a forecast, not an interpolation."""
    rng = np.random.default_rng(5)
    dates = pd.date_range("2018-01-01", periods=n, freq="D").strftime("%Y-%m-%d")
    level = np.cumsum(rng.normal(0, 1.0, n))
    x = rng.normal(size=n)
    value = level + 2 * x + rng.normal(0, 0.3, n)
    frame = pd.DataFrame({"id": range(n), "date": dates, "x": x, "noise": rng.normal(size=n)})
    if classification:
        frame["rise"] = np.where(value > np.median(value[: 3 * n // 4]), "up", "down")
        target, metric, placeholder = "rise", "Submissions are evaluated on the F1 score of up.", "down"
    else:
        frame["value"] = value
        target, metric, placeholder = "value", "Scored by root mean squared error.", 0.0
    cut = 3 * n // 4
    train, test = frame.iloc[:cut], frame.iloc[cut:]
    answers = test[["id", target]]
    sample = pd.DataFrame({"id": test["id"], target: placeholder})
    folder = write_task(tmp_path / "task", train, test.drop(columns=[target]), sample, metric)
    return load_task(folder), answers


def _random_folds(instruction: Instruction) -> Instruction:
    return instruction.model_copy(update={"training": tuple(
        make_step("kfold", n_splits=5, stratified=False) if s.op == "kfold"
        else make_step("final_model", method="fold_average") if s.op == "final_model" else s
        for s in instruction.training)})


def test_forward_column_is_found_for_dates_and_for_a_year_with_few_values():
    rng = np.random.default_rng(0)
    years = np.repeat(np.arange(2000, 2013), 10)  # 13 distinct years, test in 2013-2014
    train = pd.DataFrame({"year": years, "x": rng.normal(size=len(years)),
                          "when": pd.date_range("2001-01-01", periods=len(years)).astype(str)})
    test = pd.DataFrame({"year": [2013] * 10 + [2014] * 10, "x": rng.normal(size=20),
                         "when": pd.date_range("2001-02-01", periods=20).astype(str)})
    # The timestamp column's test rows interleave with training's; the year's lie beyond.
    assert find_forward_column(train, test, ["x", "year"], ["when"]) == "year"
    later = test.assign(when=pd.date_range("2005-01-01", periods=20).astype(str))
    assert find_forward_column(train, later, ["x", "year"], ["when"]) == "when"  # timestamps first


def test_no_forward_column_where_test_rows_sit_among_the_training_rows():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"t": np.arange(400.0), "x": rng.normal(size=400)})
    shuffled = rng.permutation(400)
    train, test = frame.iloc[shuffled[:300]], frame.iloc[shuffled[300:]]
    assert find_forward_column(train, test, ["t", "x"], []) is None
    # Too few training rows for forward folds to mean anything.
    assert find_forward_column(frame.iloc[:40], frame.iloc[40:60], ["t"], []) is None


def test_day_blocks_need_sub_daily_stamps_and_unseen_test_days():
    hours = pd.date_range("2021-01-01", periods=24 * 60, freq="h")
    stamps = pd.Series(hours.strftime("%Y-%m-%d %H:%M"))
    day_number = (hours.normalize() - hours[0]) // pd.Timedelta(days=1)
    unseen = np.asarray(day_number % 10 < 3)  # test days come in runs of three
    train, test = pd.DataFrame({"ts": stamps[~unseen]}), pd.DataFrame({"ts": stamps[unseen]})
    assert find_day_blocks(train, test, ["ts"]) == ("ts", 3)
    single = np.asarray(day_number % 5 == 0)  # every fifth day alone
    assert find_day_blocks(pd.DataFrame({"ts": stamps[~single]}), pd.DataFrame({"ts": stamps[single]}),
                           ["ts"]) == ("ts", 1)
    mixed = np.random.default_rng(2).random(len(stamps)) < 0.2  # test hours among training days
    assert find_day_blocks(pd.DataFrame({"ts": stamps[~mixed]}), pd.DataFrame({"ts": stamps[mixed]}),
                           ["ts"]) is None
    daily = pd.Series(pd.date_range("2021-01-01", periods=300).strftime("%Y-%m-%d"))  # one row a day
    assert find_day_blocks(pd.DataFrame({"ts": daily[::2]}), pd.DataFrame({"ts": daily[1::2]}),
                           ["ts"]) is None


def test_forward_folds_measure_the_forecast_that_random_folds_flatter(tmp_path):
    task, answers = _trend_task(tmp_path)
    spec = infer_spec(task)
    assert spec.forward_column == "date" and spec.group_column is None
    assert any("test rows lie after the training rows in 'date'" in w for w in spec.warnings)
    forward = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    kfold = forward.find("kfold")
    assert kfold.param("order_by") == "date" and forward.find("final_model").param("method") == "refit"
    assert "forward in time" in kfold.text
    markdown = render_markdown(forward)
    assert "order_by='date'" in markdown  # the user sees, and can edit, the folds
    assert parse_markdown(markdown).find("kfold").params == kfold.params
    # A model that writes instructions or code is told the same.
    assert "validate forward in time (kfold order_by='date')" in task_summary(spec)
    assert "that a forward fold predicted" in script_contract(spec)
    assert forward.find("clip_predictions") is None  # the test range lies beyond training's
    instructions = {"forward": forward, "random": _random_folds(forward)}
    scores = cv_scores(task, spec, instructions, tmp_path)
    held_out = {}
    for name in instructions:
        grade = grade_against_answers(spec, tmp_path / name / "submission.csv",
                                      task.sample_submission, answers)
        assert grade.valid, grade.reason
        held_out[name] = grade.cv_score
    # Random folds interpolate the trend from neighbouring days: an RMSE well below what
    # holds on later days. Forward folds extrapolate, as the test does.
    assert scores["random"] < 0.6 * scores["forward"], scores
    assert abs(scores["forward"] - held_out["forward"]) < abs(scores["random"] - held_out["forward"])
    # The first block has no out-of-fold prediction: NaN rows in the raw file, absent from oof.csv.
    raw = np.load(tmp_path / "forward" / "oof_predictions.npy")
    assert len(raw) == spec.n_train and 0.1 < np.isnan(raw).mean() < 0.25
    assert len(pd.read_csv(tmp_path / "forward" / "oof.csv")) == int(np.isfinite(raw).sum())
    assert np.isnan(raw[: spec.n_train // 10]).all()  # the earliest days


def test_forward_folds_carry_a_tuned_threshold_and_a_blend(tmp_path):
    task, _ = _trend_task(tmp_path, classification=True)
    spec = infer_spec(task)
    candidates = propose(spec, k=4)
    boosting = next(c for c in candidates if c.model_step().op == "lightgbm")
    linear = next(c for c in candidates if c.model_step().op == "logistic_regression")
    assert boosting.find("tune_threshold") is not None
    blend = Instruction(title="Blend", members=(boosting, linear), weights=(0.5, 0.5))
    scores = cv_scores(task, spec, {"boosting": boosting, "blend": blend}, tmp_path)
    assert all(0 < value <= 1 for value in scores.values()), scores
    assert "decision threshold" in (tmp_path / "blend" / "stdout.txt").read_text()
    raw = np.load(tmp_path / "blend" / "oof_predictions.npy")
    assert raw.shape == (spec.n_train, 2) and np.isnan(raw).any()


def test_blend_members_must_share_their_forward_folds(tmp_path):
    task, _ = _trend_task(tmp_path)
    spec = infer_spec(task)
    forward = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    with pytest.raises(InstructionError, match="same rows and folds"):
        compile_solution(spec, Instruction(title="Blend", members=(forward, _random_folds(forward)),
                                           weights=(0.5, 0.5)))


@pytest.mark.parametrize("kfold, final, message", [
    ({"order_by": "date"}, "fold_average", "need final_model\\(method='refit'\\)"),
    ({"order_by": "date", "group_by": "date"}, "refit", "not both"),
    ({"order_by": "nowhere"}, "refit", "a column the task lacks"),
    ({"group_by": "x", "group_days": 2}, "fold_average", "timestamp column"),
    ({"group_by": "date", "group_days": 0}, "fold_average", "whole number of days"),
])
def test_kfold_rejects_validation_it_cannot_run(tmp_path, kfold, final, message):
    task, _ = _trend_task(tmp_path)
    spec = infer_spec(task)
    instruction = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    broken = instruction.model_copy(update={"training": tuple(
        make_step("kfold", n_splits=5, stratified=False, **kfold) if s.op == "kfold"
        else make_step("final_model", method=final) if s.op == "final_model" else s
        for s in instruction.training)})
    with pytest.raises(InstructionError, match=message):
        compile_solution(spec, broken)


def test_unseen_runs_of_days_are_validated_by_blocks_of_days(tmp_path):
    """The level drifts from day to day; hours of one day share it. Test days come in runs
    of four: random folds learn a day's level from its neighbouring hours, folds of whole
    four-day blocks cannot."""
    rng = np.random.default_rng(3)
    hours = pd.date_range("2022-03-01", periods=24 * 160, freq="h")
    days = hours.normalize()
    drift = np.cumsum(rng.normal(0, 1.0, days.nunique()))
    level = pd.Series(drift, index=days.unique())[days].to_numpy()
    x = rng.normal(size=len(hours))
    frame = pd.DataFrame({"timestamp": hours.strftime("%Y-%m-%d %H:%M"), "x": x,
                          "load": level + np.sin(hours.hour / 24 * 2 * np.pi) + x})
    day_number = np.asarray((days - days[0]) // pd.Timedelta(days=1))
    test_day = day_number % 16 >= 12  # four of every sixteen days
    train, test = frame[~test_day], frame[test_day].drop(columns=["load"])
    sample = pd.DataFrame({"timestamp": test["timestamp"], "load": 0.0})
    task = load_task(write_task(tmp_path / "task", train, test, sample,
                                "Scored by root mean squared error."))
    spec = infer_spec(task)
    assert spec.id_column == "timestamp"
    assert (spec.group_column, spec.group_days, spec.forward_column) == ("timestamp", 4, None)
    by_blocks = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    assert "each block of 4 days of timestamp in one fold" in by_blocks.find("kfold").text
    assert parse_markdown(render_markdown(by_blocks)).find("kfold").params["group_days"] == 4
    script = compile_solution(spec, by_blocks).script
    assert "GroupKFold" in script and "GROUP_DAYS = 4" in script
    scores = cv_scores(task, spec, {"blocks": by_blocks, "random": _random_folds(by_blocks)}, tmp_path)
    # Within a day the level is learnt from neighbouring hours; across blocks it drifts.
    assert scores["random"] < 0.7 * scores["blocks"], scores


def test_a_forward_script_runs_on_numeric_order_with_missing_values(tmp_path):
    """Ordered by a numeric column with gaps: rows without a value come last, the script
    still runs, and the harness scores what was predicted."""
    rng = np.random.default_rng(4)
    n = 300
    t = np.arange(n, dtype=float)
    frame = pd.DataFrame({"id": range(n), "trend": t, "x": rng.normal(size=n)})
    frame["y"] = 0.05 * t + frame["x"] + rng.normal(0, 0.2, n)
    frame.loc[rng.choice(200, 10, replace=False), "trend"] = np.nan
    train, test = frame.iloc[:220], frame.iloc[220:].drop(columns=["y"])
    sample = pd.DataFrame({"id": test["id"], "y": 0.0})
    task = load_task(write_task(tmp_path / "task", train, test, sample, "Scored on RMSE."))
    spec = infer_spec(task)
    assert spec.forward_column == "trend"
    ridge = next(c for c in propose(spec, k=6) if c.model_step().op == "ridge")
    scores = cv_scores(task, spec, {"ridge": ridge}, tmp_path)
    assert scores["ridge"] < 1.0, scores  # the linear trend extrapolates


def test_a_proposal_with_random_folds_gets_the_folds_the_test_calls_for(tmp_path):
    """A model's proposal (random folds, fold average, early stopping) on a forecast task is
    given forward folds and a refit; one that chose its own grouping is left alone."""
    task, _ = _trend_task(tmp_path)
    spec = infer_spec(task)
    rules = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    proposed = rules.model_copy(update={"training": (
        make_step("kfold", n_splits=4, stratified=False), make_step("early_stopping"),
        make_step("final_model", method="fold_average"))})
    fixed, change = with_matching_validation(proposed, spec)
    assert change is not None and "forward in time" in change
    assert fixed.find("kfold").params == {"n_splits": 4, "stratified": False, "order_by": "date"}
    assert fixed.find("early_stopping") is None
    assert fixed.find("final_model").param("method") == "refit"
    compile_solution(spec, fixed)  # the checks pass
    assert with_matching_validation(fixed, spec) == (fixed, None)
    chosen = proposed.model_copy(update={"training": (
        make_step("kfold", n_splits=5, group_by="x"), make_step("final_model"))})
    assert with_matching_validation(chosen, spec) == (chosen, None)
    without = proposed.model_copy(update={"training": ()})
    added, _ = with_matching_validation(without, spec)
    assert [s.op for s in added.training] == ["kfold", "final_model"]


def test_forward_folds_skip_an_early_block_that_holds_one_class(tmp_path):
    task, _ = _trend_task(tmp_path, classification=True)
    train = task.train.copy()
    train.loc[:130, "rise"] = "down"  # the first fold's rows (75) and more: one class only
    folder = write_task(tmp_path / "one-class-start", train, task.test, task.sample_submission,
                        task.description)
    task = load_task(folder)
    spec = infer_spec(task)
    linear = next(c for c in propose(spec, k=4) if c.model_step().op == "logistic_regression")
    scores = cv_scores(task, spec, {"linear": linear}, tmp_path)
    assert 0 < scores["linear"] <= 1
    raw = np.load(tmp_path / "linear" / "oof_predictions.npy")
    assert np.isnan(raw[:150]).all() and np.isfinite(raw[160:]).all()  # two blocks unscored
