"""Clipping regression predictions to the training target's range, and its margin."""

import numpy as np
import pandas as pd
import pytest

from conftest import write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.grading import grade_attempt
from linguacodus.instruction import InstructionError, make_step
from linguacodus.knowledge.portfolio import applicable
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


@pytest.fixture
def extrapolating_task(tmp_path):
    """y = 10x, trained on x in [0, 1] and tested on x in [2, 3]: a linear model predicts 20
    to 30 there, beyond every training target (0 to 10)."""
    rng = np.random.default_rng(3)
    ids = rng.permutation(400)  # interleaved: the test rows are not later ones
    train = pd.DataFrame({"id": ids[:300], "x": rng.uniform(0, 1, 300)})
    train["y"] = 10 * train["x"]
    test = pd.DataFrame({"id": ids[300:], "x": rng.uniform(2, 3, 100)})
    sample = pd.DataFrame({"id": test["id"], "y": 0.0})
    return load_task(write_task(tmp_path / "task", train, test, sample,
                                "Scored by root mean squared error."))


def _submitted(task, instruction, folder):
    spec = infer_spec(task)
    execution = run_script(compile_solution(spec, instruction).script, folder, task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    assert grade_attempt(spec, folder, task.train, task.sample_submission).valid
    return pd.read_csv(folder / "submission.csv")["y"]


def _clipping(instruction, **params):
    kept = tuple(s for s in instruction.postprocess if s.op != "clip_predictions")
    return instruction.model_copy(update={
        "postprocess": (make_step("clip_predictions", **params), *kept)})


def test_predictions_stay_within_the_training_range_widened_by_the_margin(extrapolating_task, tmp_path):
    spec = infer_spec(extrapolating_task)
    # The test's x lies beyond training's, so spec inference orders folds by x, and
    # clipping is not proposed there; it is added here.
    unclipped = applicable(spec, ["linear-weak"])["linear-weak"]
    assert unclipped.find("clip_predictions") is None
    linear = _clipping(unclipped)
    high = extrapolating_task.train["y"].max()
    spread = high - extrapolating_task.train["y"].min()
    exact = _submitted(extrapolating_task, linear, tmp_path / "exact")
    assert exact.max() == pytest.approx(high) and (exact == exact.max()).mean() > 0.9
    widened = _clipping(linear, margin=0.5)
    assert "widened by 0.5 of it on each side" in widened.find("clip_predictions").text
    wide = _submitted(extrapolating_task, widened, tmp_path / "wide")
    assert wide.max() == pytest.approx(high + 0.5 * spread)
    assert _submitted(extrapolating_task, unclipped, tmp_path / "raw").max() > 19


def test_a_negative_margin_is_refused(extrapolating_task):
    spec = infer_spec(extrapolating_task)
    linear = applicable(spec, ["linear"])["linear"]
    with pytest.raises(InstructionError, match="margin must be"):
        compile_solution(spec, _clipping(linear, margin=-0.1))
