"""Compiled scripts run in the sandbox on small frames of every task type and are graded."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import cv_scores
from linguacodus.codegen.compiler import compile_solution
from linguacodus.codegen.layout import CompileOptions
from linguacodus.grading import grade_attempt
from linguacodus.instruction import Instruction, InstructionError, make_step
from linguacodus.planning import propose
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import infer_spec
from linguacodus.task import load_task

KINDS = ["binary", "binary_proba", "multiclass", "multiclass_proba", "ranking", "regression",
         "regression_log", "text", "datetime"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_candidate_runs_and_grades_valid(task_factory, tmp_path, kind):
    task = load_task(task_factory(kind))
    spec = infer_spec(task)
    scripts = []
    for number, candidate in enumerate(propose(spec, k=4)):
        solution = compile_solution(spec, candidate)
        folder = tmp_path / "attempts" / f"{kind}-{number}"
        execution = run_script(solution.script, folder, task.path, Limits(120))
        assert execution.ok, execution.stderr_tail
        grade = grade_attempt(spec, folder, task.train, task.sample_submission)
        assert grade.valid, (candidate.title, grade.reason)
        if spec.forward_column is None:
            assert grade.oof_coverage == 1.0
        else:  # the datetime task's test days follow training's: the first of 6 blocks has none
            assert kind == "datetime" and grade.oof_coverage == pytest.approx(5 / 6, abs=0.01)
        scripts.append(folder / "solution.py")
    _assert_ruff_clean(scripts)


def _assert_ruff_clean(paths):
    ruff = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[dev]')")
    result = subprocess.run(
        [ruff, "check", "--isolated", "--no-cache", "--select", "E,F,W,I,B,UP",
         "--line-length", "100", *map(str, paths)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout


def test_script_quotes_the_instruction_and_follows_the_contract(task_factory):
    spec = infer_spec(load_task(task_factory("binary_proba")))
    candidate = propose(spec, k=1)[0]
    script = compile_solution(spec, candidate).script
    for step in candidate.steps():
        assert step.text.split(";")[0][:60] in script.replace("\n#      ", " ")
    assert 'pd.read_csv("input/train.csv")' in script
    assert 'to_csv("submission.csv", index=False)' in script
    assert 'to_csv("oof.csv", index=False)' in script
    assert "StratifiedKFold" in script


def test_probe_mode_subsamples_and_skips_the_submission(task_factory, tmp_path):
    task = load_task(task_factory("binary"))
    spec = infer_spec(task)
    solution = compile_solution(spec, propose(spec, 1)[0], CompileOptions(probe_rows=100))
    assert "MAX_ROWS = 100" in solution.script
    assert 'to_csv("submission.csv"' not in solution.script
    execution = run_script(solution.script, tmp_path / "probe", task.path, Limits(60))
    assert execution.ok, execution.stderr_tail
    grade = grade_attempt(spec, tmp_path / "probe", task.train, task.sample_submission,
                          check_submission_file=False)
    assert grade.valid and grade.oof_coverage < 1.0
    assert not (tmp_path / "probe" / "submission.csv").exists()


def test_log_target_is_inverted(task_factory):
    spec = infer_spec(load_task(task_factory("regression_log")))
    script = compile_solution(spec, propose(spec, 1)[0]).script
    assert "np.log1p(y)" in script and "np.expm1(" in script and "np.clip(" in script


@pytest.mark.parametrize("instruction,message", [
    (Instruction(title="no model"), "exactly one model operation"),
    (Instruction(title="native linear", preprocessing=(make_step("encode_categorical", method="native"),),
                 model=(make_step("logistic_regression"),)), "native categorical encoding needs"),
    (Instruction(title="ridge for classes", model=(make_step("ridge"),)), "does not apply to a binary task"),
    (Instruction(title="drop ghost", preprocessing=(make_step("drop_columns", columns=["ghost"]),),
                 model=(make_step("lightgbm"),)), "lacks: ghost"),
])
def test_instructions_that_cant_be_implemented_are_rejected(task_factory, instruction, message):
    spec = infer_spec(load_task(task_factory("binary")))
    with pytest.raises(InstructionError, match=message):
        compile_solution(spec, instruction)


def test_free_text_steps_are_reported_not_hidden(task_factory):
    from linguacodus.instruction import Step

    spec = infer_spec(load_task(task_factory("binary")))
    instruction = Instruction(title="with a note", model=(make_step("lightgbm"),),
                              preprocessing=(Step(text="Engineer clever ratios"),
                                             make_step("encode_categorical")))
    solution = compile_solution(spec, instruction)
    assert solution.notes and "Engineer clever ratios" in solution.notes[0]
    assert "# free-text step not executed" in solution.script


def test_notebook_cells_run_to_the_same_outputs(task_factory, tmp_path):
    """Concatenating the notebook's code cells gives back the script's code exactly."""
    import json

    from linguacodus.codegen.notebook import script_to_notebook

    spec = infer_spec(load_task(task_factory("multiclass_proba")))
    script = compile_solution(spec, propose(spec, 1)[0]).script
    notebook = json.loads(script_to_notebook(script))
    kinds = [cell["cell_type"] for cell in notebook["cells"]]
    assert kinds == ["code"] + ["markdown", "code"] * 5
    assert notebook["cells"][1]["source"][0] == "## 1. Load data\n"
    code = "\n".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    stripped = [line for line in script.splitlines() if line.strip() and not line.startswith("# ")]
    assert [line for line in code.splitlines() if line.strip() and not line.startswith("# ")] == stripped


def test_true_false_labels_come_back_in_their_form(tmp_path):
    import pandas as pd

    from conftest import write_task

    train = pd.DataFrame({"id": range(80), "x": range(80), "flag": [i % 3 == 0 for i in range(80)]})
    test = pd.DataFrame({"id": range(80, 100), "x": range(20)})
    sample = pd.DataFrame({"id": test["id"], "flag": False})
    task = load_task(write_task(tmp_path / "t", train, test, sample, "Scored on accuracy."))
    spec = infer_spec(task)
    solution = compile_solution(spec, propose(spec, 1)[0])
    execution = run_script(solution.script, tmp_path / "run", task.path, Limits(60))
    assert execution.ok, execution.stderr_tail
    submitted = pd.read_csv(tmp_path / "run" / "submission.csv", dtype=str)
    assert set(submitted["flag"]) <= {"True", "False"}
    assert grade_attempt(spec, tmp_path / "run", task.train, task.sample_submission).valid


def test_a_timestamp_id_gives_date_parts_and_stays_the_key(tmp_path):
    """One row an hour, the id a timestamp, the target driven by the hour of day: without
    date parts from the id no feature carries the signal."""
    import numpy as np
    import pandas as pd

    from conftest import write_task
    from linguacodus.spec import ColumnRole

    rng = np.random.default_rng(3)
    stamps = pd.date_range("2021-01-01", periods=600, freq="h")
    frame = pd.DataFrame({
        "time": stamps.strftime("%Y-%m-%d %H:%M"),
        "noise": rng.normal(size=600),
        "load": 10 * np.sin(stamps.hour / 24 * 2 * np.pi) + rng.normal(scale=0.5, size=600),
    })
    test_rows = stamps.day >= 20
    train, test = frame[~test_rows], frame[test_rows].drop(columns=["load"])
    sample = pd.DataFrame({"time": test["time"], "load": 0.0})
    task = load_task(write_task(tmp_path / "t", train, test, sample,
                                "# Hourly load\n\nScored on mean absolute error."))
    spec = infer_spec(task)
    assert spec.id_column == "time" and spec.columns["time"] == ColumnRole.DATETIME
    assert any("is a timestamp" in w for w in spec.warnings)

    solution = compile_solution(spec, propose(spec, 1)[0])
    execution = run_script(solution.script, tmp_path / "run", task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    grade = grade_attempt(spec, tmp_path / "run", task.train, task.sample_submission)
    assert grade.valid, grade.reason
    assert grade.cv_score < 2.0  # the hour explains all but the noise (MAE ~0.4); the mean: ~6.4
    submitted = pd.read_csv(tmp_path / "run" / "submission.csv")
    assert list(submitted["time"]) == list(test["time"])


def test_calibrated_probabilities_never_score_worse_on_oof_and_reach_the_submission(
        task_factory, tmp_path):
    task = load_task(task_factory("multiclass_proba"))
    spec = infer_spec(task)
    calibrated = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    assert calibrated.find("calibrate_probabilities") is not None  # log loss: the rules add it
    plain = calibrated.model_copy(update={"postprocess": ()})
    scores = cv_scores(task, spec, {"plain": plain, "calibrated": calibrated}, tmp_path)
    assert "calibration: power" in (tmp_path / "calibrated" / "stdout.txt").read_text()
    # (power 1, share 0) is among the choices, so calibration can only lower the OOF loss;
    # 180 rows of 4 classes make LightGBM overconfident, so here it lowers it.
    assert scores["calibrated"] < scores["plain"]


def test_calibration_applies_to_probability_submissions_only(task_factory):
    spec = infer_spec(load_task(task_factory("multiclass")))
    instruction = propose(spec, k=1)[0].model_copy(update={
        "postprocess": (make_step("calibrate_probabilities"),)})
    with pytest.raises(InstructionError, match="probability submissions only"):
        compile_solution(spec, instruction)


def test_a_many_valued_categorical_gives_its_values_row_shares(tmp_path):
    """Shops whose sales follow how often they appear: 400 levels are too many to learn one
    by one from 1,500 rows, but each level's row share is one number a tree can split."""
    import numpy as np
    import pandas as pd

    from conftest import write_task

    rng = np.random.default_rng(5)
    weights = 1 / np.arange(1, 401) ** 1.1
    shops = rng.choice([f"shop{i:03d}" for i in range(400)], size=2000, p=weights / weights.sum())
    share = pd.Series(shops).map(pd.Series(shops).value_counts(normalize=True)).to_numpy()
    frame = pd.DataFrame({"id": range(2000), "shop": shops, "noise": rng.normal(size=2000),
                          "sales": 10 * np.log(share) + rng.normal(scale=0.5, size=2000)})
    train, test = frame.iloc[:1500], frame.iloc[1500:].drop(columns=["sales"])
    sample = pd.DataFrame({"id": test["id"], "sales": 0.0})
    task = load_task(write_task(tmp_path / "t", train, test, sample, "Scored by RMSE."))
    spec = infer_spec(task)
    assert spec.levels["shop"] >= 100
    encoded = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    assert encoded.find("frequency_encoding").param("columns") == ["shop"]
    plain = encoded.model_copy(update={"preprocessing": tuple(
        s for s in encoded.preprocessing if s.op != "frequency_encoding")})
    scores = cv_scores(task, spec, {"plain": plain, "encoded": encoded}, tmp_path)
    assert scores["encoded"] < 0.5 * scores["plain"], scores


def test_test_rows_from_unseen_groups_are_validated_by_group(tmp_path):
    """Each college has several rows with one state and a name that gives the state away in
    training; the test colleges are new. A random K-fold memorises the names (a CV far
    above what holds on test); folds that keep a college together measure the truth."""
    import numpy as np
    import pandas as pd

    from conftest import write_task

    rng = np.random.default_rng(11)
    colleges = pd.DataFrame({"name": [f"college {i}" for i in range(300)],
                             "state": rng.choice(list("ABCDEF"), size=300)})
    frame = colleges.loc[np.repeat(np.arange(300), 5)].reset_index(drop=True)
    frame["noise"] = rng.normal(size=len(frame))
    frame.insert(0, "id", range(len(frame)))
    new = frame["name"].isin(colleges["name"].iloc[240:])
    train, test = frame[~new], frame[new].drop(columns=["state"])
    sample = pd.DataFrame({"id": test["id"], "state": "A"})
    task = load_task(write_task(tmp_path / "t", train, test, sample, "Scored on accuracy."))
    spec = infer_spec(task)
    assert spec.group_column == "name"
    assert any("validation keeps each value's rows in one fold" in w for w in spec.warnings)
    # One-hot names in a linear model: enough to memorise every training college.
    grouped = next(c for c in propose(spec, k=4) if c.model_step().op == "logistic_regression")
    assert grouped.find("kfold").param("group_by") == "name"
    assert "each name value's rows in one fold" in grouped.find("kfold").text
    random_folds = grouped.model_copy(update={"training": tuple(
        make_step("kfold", n_splits=5) if s.op == "kfold" else s for s in grouped.training)})
    scores = cv_scores(task, spec, {"grouped": grouped, "random": random_folds}, tmp_path)
    assert "StratifiedGroupKFold" in compile_solution(spec, grouped).script
    assert scores["random"] > 0.9  # the names memorised
    assert scores["grouped"] < 0.4  # chance is about 1/6: nothing holds on new colleges


def test_a_tuned_threshold_is_cross_fitted_so_the_cv_does_not_flatter_it(tmp_path):
    import numpy as np
    import pandas as pd
    from sklearn.metrics import f1_score

    from conftest import write_task

    rng = np.random.default_rng(2)
    n = 1500
    x = rng.normal(size=n)
    positive = rng.random(n) < 1 / (1 + np.exp(-(2 * x - 3)))  # about 12% positive
    frame = pd.DataFrame({"id": range(n), "x": x, "noise": rng.normal(size=n),
                          "churn": np.where(positive, "yes", "no")})
    train, test = frame.iloc[:1200], frame.iloc[1200:].drop(columns=["churn"])
    sample = pd.DataFrame({"id": test["id"], "churn": "no"})
    task = load_task(write_task(tmp_path / "t", train, test, sample,
                                "Submissions are evaluated on the F1 score of the yes class."))
    spec = infer_spec(task)
    instruction = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    assert instruction.find("tune_threshold") is not None
    execution = run_script(compile_solution(spec, instruction).script, tmp_path / "run",
                           task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    grade = grade_attempt(spec, tmp_path / "run", task.train, task.sample_submission)
    assert grade.valid, grade.reason
    assert "decision threshold" in (tmp_path / "run" / "stdout.txt").read_text()
    # The best single cut-off chosen on all OOF rows scores those same rows optimistically;
    # the cross-fitted CV must not exceed it, and must beat predicting "no" everywhere.
    probability = np.load(tmp_path / "run" / "oof_predictions.npy")[:, 1]
    truth = (train["churn"] == "yes").to_numpy()
    optimistic = max(f1_score(truth, probability >= cut) for cut in np.unique(probability.round(3)))
    assert 0.2 < grade.cv_score <= optimistic + 1e-9


def test_xgboost_stops_adding_trees_when_held_out_rows_stop_improving(tmp_path):
    """On a target that is noise, more trees only overfit: with early stopping the fitted
    model keeps the few rounds before the held-out loss turned, not its 2,000."""
    import numpy as np
    import pandas as pd

    from conftest import write_task

    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"id": range(1500), "a": rng.normal(size=1500),
                          "colour": rng.choice(["red", "green", "blue"], 1500),
                          "y": rng.normal(size=1500)})
    train, test = frame.iloc[:1200], frame.iloc[1200:].drop(columns=["y"])
    sample = pd.DataFrame({"id": test["id"], "y": 0.0})
    task = load_task(write_task(tmp_path / "t", train, test, sample, "Scored by RMSE."))
    spec = infer_spec(task)
    base = next(c for c in propose(spec, k=6) if c.model_step().op == "xgboost")
    model = make_step("xgboost", **{**base.model_step().params, "n_estimators": 2000,
                                    "learning_rate": 0.1})
    stopped = base.model_copy(update={"model": (model,), "training": base.training[:-1] + (
        make_step("early_stopping", rounds=20), base.training[-1])})
    script = compile_solution(spec, stopped, CompileOptions()).script
    script += '\nprint("BEST_ROUND", fit(make_model(), X, y_fit).best_iteration)\n'
    execution = run_script(script, tmp_path / "run", task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    best = int(execution.stdout_tail.split("BEST_ROUND")[-1].split()[0])
    assert best < 100, best
    assert grade_attempt(spec, tmp_path / "run", task.train, task.sample_submission).valid


def test_rare_classes_survive_folds_and_probe_subsamples(tmp_path):
    """A class of one row: one fold's training rows lack it (XGBoost then wants codes 0..k-1
    of the classes they have), and a probe's subsample lacks it altogether; the scripts
    still run and predict every class. ("aa" sorts second: a fold without it has a gap.)"""
    import pandas as pd

    from conftest import rare_class_task

    task = load_task(rare_class_task(tmp_path / "t"))
    spec = infer_spec(task)
    assert "aa" in spec.classes
    xgb = next(c for c in propose(spec, k=6) if c.model_step().op == "xgboost")
    stopped = xgb.model_copy(update={"training": xgb.training[:-1] + (
        make_step("early_stopping", valid_share=0.4), xgb.training[-1])})
    for name, instruction, options in (("full", xgb, CompileOptions()),
                                       ("stopped", stopped, CompileOptions()),
                                       ("probe", xgb, CompileOptions(probe_rows=100))):
        folder = tmp_path / name
        execution = run_script(compile_solution(spec, instruction, options).script, folder,
                               task.path, Limits(120))
        assert execution.ok, execution.stderr_tail
        grade = grade_attempt(spec, folder, task.train, task.sample_submission,
                              check_submission_file=name != "probe")
        assert grade.valid, grade.reason
        assert set(pd.read_csv(folder / "oof.csv").columns) >= {"a", "b", "c", "aa"}
