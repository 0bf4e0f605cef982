"""The CLI end to end, as a user runs it: real subprocesses, real run folders."""

import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from conftest import EXAMPLES, REPO
from linguacodus.grading import grade_against_answers
from linguacodus.spec import infer_spec
from linguacodus.task import load_task

pytestmark = pytest.mark.e2e
CONTRACT_FIELDS = ["task", "metric", "higher_is_better", "cv_score", "valid", "submission",
                   "wall_seconds", "first_valid_seconds", "peak_memory_mb", "attempts", "brain"]


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "linguacodus", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


# name → (lowest sane CV score, highest sane CV score); generous: they catch broken, not weak.
SANE = {"penguins": (0.0, 0.3), "churn": (0.78, 0.95), "carseats": (0.5, 2.0)}


@pytest.mark.parametrize("name", sorted(SANE))
def test_run_on_each_example(name, tmp_path):
    task_dir = EXAMPLES / name
    before = sorted(p.name for p in task_dir.iterdir())
    # Two tuning trials at most: the whole path runs, and the run ends when they have.
    result = cli("run", task_dir, "--budget", 40, "--out", tmp_path / "run", "--tune-trials", 2)
    assert result.returncode == 0, result.stderr
    run = tmp_path / "run"
    for name_ in ("spec.json", "solution.py", "solution.ipynb", "submission.csv", "oof.csv", "journal.jsonl",
                  "report.md", "report.html", "result.json", "instructions/chosen.md",
                  "instructions/chosen.json", "instructions/candidate-1.md"):
        assert (run / name_).exists(), name_
    record = json.loads((run / "result.json").read_text())
    assert list(record)[: len(CONTRACT_FIELDS)] == CONTRACT_FIELDS
    assert record["valid"] and record["brain"] == "offline" and record["submission"] == "submission.csv"
    low, high = SANE[name]
    assert low <= record["cv_score"] <= high
    assert record["first_valid_seconds"] <= record["wall_seconds"] <= 40 + 5
    assert record["peak_memory_mb"] > 50
    assert sorted(p.name for p in task_dir.iterdir()) == before  # nothing written to the task
    task = load_task(task_dir)
    answers = pd.read_csv(REPO / "examples" / "answers" / name / "answers.csv")
    held_out = grade_against_answers(infer_spec(task), run / "submission.csv",
                                     task.sample_submission, answers)
    assert held_out.valid, held_out.reason
    assert "## Attempts" in (run / "report.md").read_text()


def test_plan_then_code_from_an_edited_instruction(tmp_path):
    task_dir = EXAMPLES / "carseats"
    planned = cli("plan", task_dir, "-k", 2, "--out", tmp_path / "plan")
    assert planned.returncode == 0, planned.stderr
    files = sorted(p.name for p in (tmp_path / "plan" / "instructions").iterdir())
    assert files == ["candidate-1.json", "candidate-1.md", "candidate-2.json", "candidate-2.md"]
    text = (tmp_path / "plan" / "instructions" / "candidate-1.md").read_text()
    assert '"score":' in text and '"score": null' not in text  # ranked by probe scores
    # A user swaps the model for a random forest and removes nothing else.
    model_line = next(line for line in text.splitlines() if line.startswith("- ") and
                      ("`ridge(" in line or "`lightgbm(" in line or "`xgboost(" in line
                       or "`random_forest(" in line))
    edited = text.replace(model_line, "- A small forest. `extra_trees(n_estimators=60)`")
    if "encode_categorical(method='native')" in edited:
        edited = edited.replace("encode_categorical(method='native')", "encode_categorical(method='ordinal')")
    (tmp_path / "edited.md").write_text(edited)
    coded = cli("code", task_dir, "--instruction", tmp_path / "edited.md", "--budget", 30,
                "--out", tmp_path / "code", "--repeats", 2)
    assert coded.returncode == 0, coded.stderr
    assert "ExtraTreesRegressor(" in (tmp_path / "code" / "solution.py").read_text()
    assert json.loads((tmp_path / "code" / "result.json").read_text())["valid"]
    # --repeats 2: the run (and a resume of it) may draw the edited solution's folds twice.
    assert json.loads((tmp_path / "code" / "run.json").read_text())["repeats"] == 2
    journal = [json.loads(line) for line in (tmp_path / "code" / "journal.jsonl").read_text().splitlines()]
    assert [a["instruction_title"].endswith(", folds drawn 2×") for a in journal
            if a["move"] == "repeats"] == [True]
    only = cli("code", task_dir, "--instruction", tmp_path / "edited.md", "--no-run",
               "--out", tmp_path / "only")
    assert only.returncode == 0 and (tmp_path / "only" / "solution.py").exists()


@pytest.mark.parametrize("args,message", [
    (["run", "does/not/exist"], "does not exist"),
    (["code", EXAMPLES / "carseats", "--instruction", "missing.md"], "does not exist"),
    (["run", EXAMPLES / "carseats", "--llm", "nonsense"], "expected PROVIDER:MODEL"),
    (["run", EXAMPLES / "carseats", "--llm-stage", "dream=ollama:x"], "expected STAGE=SPEC"),
    (["plan", EXAMPLES / "carseats", "--llm", "http://127.0.0.1:9/v1"], "name the model after '#'"),
    # Bad option values: one line too, not click's boxed paragraph; no budget without a limit.
    (["run", EXAMPLES / "carseats", "--budget", "0"], "'--budget': Input should be greater than"),
    (["run", EXAMPLES / "carseats", "--budget", "inf"], "'--budget': Input should be less than"),
    (["run", EXAMPLES / "carseats", "--memory-mb", "1"], "'--memory-mb': Input should be greater"),
    (["run", EXAMPLES / "carseats", "--repeats", "0"], "'--repeats': Input should be greater"),
    (["run", EXAMPLES / "carseats", "--no-such-option"], "No such option: --no-such-option"),
    (["plan"], "Missing argument 'task_dir'; see "),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = cli(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_broken_task_folder_is_one_line(tmp_path):
    (tmp_path / "task").mkdir()
    (tmp_path / "task" / "description.md").write_text("# x")
    result = cli("run", tmp_path / "task")
    assert result.returncode == 2 and "lacks train.csv, test.csv, sample_submission.csv" in result.stderr
    assert "Traceback" not in result.stderr


def test_unsolvable_run_exits_1_with_a_reason(tmp_path):
    instruction = tmp_path / "bad.md"
    instruction.write_text("# Bad\n\n## Model architecture\n\n- `ridge()`\n")
    result = cli("code", EXAMPLES / "churn", "--instruction", instruction, "--budget", 20,
                 "--out", tmp_path / "run")
    assert result.returncode == 1
    assert "no valid submission" in result.stderr
    record = json.loads((tmp_path / "run" / "result.json").read_text())
    assert record["valid"] is False and record["cv_score"] is None and record["submission"] is None


def test_help_explains_the_commands():
    result = cli("--help")
    assert result.returncode == 0
    for command in ("run", "plan", "code"):
        assert command in result.stdout
    assert "--budget" in cli("run", "--help").stdout


def _without_bwrap(tmp_path) -> dict:
    """An environment whose PATH has no bubblewrap (nor anything else)."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    return {**os.environ, "PATH": str(empty)}


def test_require_sandbox_refuses_where_bubblewrap_is_missing(tmp_path):
    result = subprocess.run([sys.executable, "-m", "linguacodus", "run", str(EXAMPLES / "penguins"),
                             "--budget", "20", "--out", str(tmp_path / "run"), "--require-sandbox"],
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                            env=_without_bwrap(tmp_path))
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --require-sandbox: bubblewrap (bwrap) is not installed; install bubblewrap (apt "
        "install bubblewrap) and allow user namespaces, or run without --require-sandbox")
    assert not (tmp_path / "run").exists()


def test_without_bubblewrap_the_run_warns_and_leaves_the_task_alone(tmp_path):
    task = tmp_path / "task"
    shutil.copytree(EXAMPLES / "penguins", task)
    before = {p.name: p.read_bytes() for p in task.iterdir()}
    result = subprocess.run([sys.executable, "-m", "linguacodus", "run", str(task), "--budget", "20",
                             "--out", str(tmp_path / "run"), "--tune-trials", "0"],
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                            env=_without_bwrap(tmp_path))
    assert result.returncode == 0, result.stderr
    assert ("warning: bubblewrap (bwrap) is not installed: generated code runs as a plain "
            "subprocess — it has the network") in result.stderr
    record = json.loads((tmp_path / "run" / "result.json").read_text())
    assert record["valid"] and record["isolation"] == "none"
    assert (tmp_path / "run" / "input-copy" / "train.csv").read_bytes() == before["train.csv"]
    assert {p.name: p.read_bytes() for p in task.iterdir()} == before
