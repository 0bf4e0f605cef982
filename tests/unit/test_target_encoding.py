"""Target encoding of categories: cross-fitted within each fold, declared target kind, unseen
and missing categories, many classes."""

import numpy as np
import pandas as pd
import pytest

from conftest import cv_scores, rare_class_task, store_sales_task, write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.codegen.layout import CompileOptions
from linguacodus.instruction import InstructionError, make_step, render_markdown
from linguacodus.knowledge.portfolio import applicable
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


def _with_encoding(instruction, method: str):
    steps = tuple(make_step("encode_categorical", method=method) if s.op == "encode_categorical"
                  else s for s in instruction.preprocessing)
    return instruction.model_copy(update={"preprocessing": steps})


@pytest.fixture
def stores_task(tmp_path):
    """Whole units sold by 150 stores: an integer target, so that its kind must be said."""
    return load_task(store_sales_task(tmp_path / "task", seed=7, whole_units=True))


def test_target_encoding_learns_a_high_cardinality_category(stores_task, tmp_path):
    spec = infer_spec(stores_task)
    assert spec.columns["store"].value == "categorical"
    recipe = applicable(spec, ["lgbm-target"])["lgbm-target"]
    script = compile_solution(spec, recipe, CompileOptions()).script
    # An integer target is said to be continuous (guessed, it would read as many classes).
    assert "TargetEncoder(target_type=\"continuous\", random_state=SEED)" in script
    scores = cv_scores(stores_task, spec, {"target": recipe}, tmp_path)
    # The store effects (sd 3) are most of the variance: without them the RMSE is above 3.1.
    assert scores["target"] < 2.2, scores


def test_target_encoding_of_a_noise_category_does_not_leak(tmp_path):
    """A category with 5 rows a level and no effect: cross-fitted encodings carry no
    information, so a linear model does as well as without the column (a leaky encoding
    would look informative on the training rows and cost on the held-out ones)."""
    rng = np.random.default_rng(3)
    n = 1500
    frame = pd.DataFrame({"id": range(n), "x": rng.normal(size=n),
                          "visitor": [f"v{i % 300}" for i in rng.permutation(n)]})
    frame["y"] = frame["x"] + rng.normal(size=n)
    train, test = frame.iloc[:1200], frame.iloc[1200:].drop(columns=["y"])
    sample = pd.DataFrame({"id": test["id"], "y": 0.0})
    task = load_task(write_task(tmp_path / "task", train, test, sample, "Scored by RMSE."))
    spec = infer_spec(task)
    assert spec.columns["visitor"].value == "categorical"
    linear = _with_encoding(applicable(spec, ["linear"])["linear"], "target")
    kept = [s for s in linear.preprocessing if s.op not in ("frequency_encoding", "drop_columns")]
    drop = linear.find("drop_columns")
    gone = (drop.param("columns") if drop is not None else []) + ["visitor"]
    dropped = linear.model_copy(update={"preprocessing": (
        make_step("drop_columns", columns=gone), *kept)})
    scores = cv_scores(task, spec, {"encoded": linear, "dropped": dropped}, tmp_path)
    assert scores["encoded"] <= scores["dropped"] * 1.03, scores


def test_target_encoding_with_many_classes_and_a_rare_one(tmp_path):
    task = load_task(rare_class_task(tmp_path / "t", colour=True))
    spec = infer_spec(task)
    built = applicable(spec, ["lgbm-target", "lgbm-default"])
    recipe = built["lgbm-target"]
    assert "TargetEncoder(target_type=\"multiclass\"" in compile_solution(spec, recipe).script
    scores = cv_scores(task, spec, {"target": recipe, "native": built["lgbm-default"]}, tmp_path)
    assert set(pd.read_csv(tmp_path / "target" / "oof.csv").columns) >= {"a", "b", "c", "aa"}
    # The colour is noise: encoded by its class means, it costs no more than native categories.
    assert scores["target"] <= scores["native"] * 1.05, scores


def test_target_encoding_is_a_method_and_not_a_guess(stores_task):
    spec = infer_spec(stores_task)
    recipe = applicable(spec, ["lgbm-target"])["lgbm-target"]
    assert "cross-fitted" in render_markdown(recipe)
    with pytest.raises(InstructionError, match="native, onehot, ordinal or target"):
        compile_solution(spec, _with_encoding(recipe, "mean"))
