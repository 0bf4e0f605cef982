"""Compiled scripts run in the sandbox on small frames of every task type and are graded."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
        assert grade.oof_coverage == 1.0
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
