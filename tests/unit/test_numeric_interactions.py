"""Pairwise products of numeric features: a linear model learns what two columns do together."""

import numpy as np
import pandas as pd
import pytest

from conftest import cv_scores, write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.instruction import InstructionError, make_step
from linguacodus.knowledge.portfolio import applicable
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


def _task(folder, columns: int = 3, rows: int = 900):
    """Price = width × height plus noise: no column alone says much, their product does."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"id": range(rows)})
    for number in range(columns):
        frame[f"x{number}"] = rng.normal(size=rows)
    frame["price"] = frame["x0"] * frame["x1"] + 0.1 * rng.normal(size=rows)
    cut = rows * 3 // 4
    train, test = frame.iloc[:cut], frame.iloc[cut:].drop(columns=["price"])
    sample = pd.DataFrame({"id": test["id"], "price": 0.0})
    return load_task(write_task(folder, train, test, sample, "Scored by mean absolute error."))


def _with_products(instruction):
    return instruction.model_copy(update={
        "preprocessing": instruction.preprocessing + (make_step("numeric_interactions"),)})


def test_products_let_a_linear_model_learn_an_interaction(tmp_path):
    task = _task(tmp_path / "task")
    spec = infer_spec(task)
    linear = applicable(spec, ["linear"])["linear"]
    built = {"linear": linear, "linear-interactions": _with_products(linear)}
    script = compile_solution(spec, built["linear-interactions"]).script
    assert "PolynomialFeatures(degree=2, include_bias=False)," in script
    # After imputation and scaling, in the numeric block's chain.
    assert script.index("StandardScaler()") < script.index("PolynomialFeatures(")
    scores = cv_scores(task, spec, built, tmp_path / "runs")
    assert scores["linear-interactions"] < 0.2, scores  # about the noise's MAE (0.08)
    assert scores["linear"] > 0.5, scores  # no product: about the target's own spread


def test_products_only_where_cheap_and_for_linear_models(tmp_path):
    wide = infer_spec(_task(tmp_path / "wide", columns=25, rows=200))
    with pytest.raises(InstructionError, match="at most 20"):
        compile_solution(wide, _with_products(applicable(wide, ["linear"])["linear"]))
    spec = infer_spec(_task(tmp_path / "narrow"))
    with pytest.raises(InstructionError, match="for linear models"):
        compile_solution(spec, _with_products(applicable(spec, ["rf"])["rf"]))
    lgbm = applicable(spec, ["lgbm-default"])["lgbm-default"]
    with pytest.raises(InstructionError, match="for linear models"):
        compile_solution(spec, _with_products(lgbm))
