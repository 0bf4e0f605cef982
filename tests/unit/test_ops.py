"""The operation registry: one module an operation, each complete; adding one is one file."""

import textwrap

import pandas as pd
import pytest

from conftest import cv_scores
from linguacodus import ops
from linguacodus.codegen.compiler import compile_solution
from linguacodus.grading import grade_attempt
from linguacodus.instruction import make_step
from linguacodus.ops import OPERATIONS, SECTIONS, model_operations
from linguacodus.planning import propose
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


def test_every_operation_is_complete_and_listed_in_section_order():
    assert len(OPERATIONS) >= 20
    sections = [SECTIONS.index(op.section) for op in OPERATIONS.values()]
    assert sections == sorted(sections)
    for name, op in OPERATIONS.items():
        assert name == op.name
        sentence = op.describe(dict(op.defaults))
        assert isinstance(sentence, str) and sentence.endswith(".")
    calls = [call for op in OPERATIONS.values() for call in op.extracts]
    assert len(calls) == len(set(calls)), "two operations claim the same code call"


def test_every_model_family_emits_a_class_for_each_task_it_applies_to():
    for op in model_operations():
        assert op.model is not None and op.family in ("tree", "linear")
        if op.task_types & {"binary", "multiclass"}:
            assert op.model.classifier is not None, op.name
        if "regression" in op.task_types:
            assert op.model.regressor is not None, op.name


PLUGIN = '''
"""Count the words of text columns: a feature operation in one file."""

from linguacodus.ops.base import FeatureCode, Operation, names


def _features(step, layout):
    return FeatureCode(body=tuple(
        f'    features["{column}_words"] = frame["{column}"].fillna("").str.split().str.len()'
        for column in step.param("columns")))


OPERATION = Operation(
    "word_count", "preprocessing", 99,
    lambda p: f"Count the words of: {names(p['columns'])}.",
    defaults={"columns": []},
    features=_features,
)
'''


def test_adding_an_operation_is_adding_one_module(tmp_path, monkeypatch, task_factory):
    """A module dropped into the package becomes an operation that instructions can name
    and the compiler runs; nothing else changes."""
    (tmp_path / "word_count.py").write_text(textwrap.dedent(PLUGIN))
    monkeypatch.setattr(ops, "__path__", [*ops.__path__, str(tmp_path)])
    discovered = ops._discover()
    assert set(discovered) == set(OPERATIONS) | {"word_count"}
    assert list(discovered).index("word_count") < list(discovered).index("lightgbm")
    for name, op in discovered.items():
        monkeypatch.setitem(OPERATIONS, name, op)

    task = load_task(task_factory("text"))
    spec = infer_spec(task)
    base = next(c for c in propose(spec, k=4) if c.model_step().op == "lightgbm")
    step = make_step("word_count", columns=["review"])
    assert step.text == "Count the words of: review."
    instruction = base.model_copy(update={"preprocessing": base.preprocessing + (step,)})
    script = compile_solution(spec, instruction).script
    assert 'features["review_words"]' in script and "Count the words of: review." in script
    execution = run_script(script, tmp_path / "run", task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    assert grade_attempt(spec, tmp_path / "run", task.train, task.sample_submission).valid


MATRIX_PLUGIN = '''
"""Rank-transform numeric features: a matrix preprocessing step in one file."""

from linguacodus.ops.base import MatrixCode, Operation

OPERATION = Operation(
    "quantile_numeric", "preprocessing", 99,
    lambda p: "Map numeric features to their quantiles.",
    matrix=lambda step, spec: MatrixCode(
        "numeric", "QuantileTransformer(n_quantiles=50)",
        imports=frozenset({"from sklearn.preprocessing import QuantileTransformer"})),
)
'''

POSTPROCESS_PLUGIN = '''
"""Round predictions to whole numbers: a postprocessing step in one file."""

from linguacodus.ops.base import Operation, PostprocessCode

OPERATION = Operation(
    "round_predictions", "postprocess", 99,
    lambda p: "Round predictions to whole numbers.",
    task_types=frozenset({"regression"}),
    postprocess=lambda step, spec, probe: PostprocessCode(setup=(
        "oof_predictions = np.round(oof_predictions)",
        *(() if probe else ("test_predictions = np.round(test_predictions)",)),
    )),
)
'''


def test_matrix_and_postprocessing_steps_are_one_module_each(tmp_path, monkeypatch, task_factory):
    """A matrix step joins the numeric chain of the fitted ColumnTransformer, and a
    postprocessing step's lines run before the submission is written, from one file each."""
    for name, text in (("quantile_numeric", MATRIX_PLUGIN), ("round_predictions", POSTPROCESS_PLUGIN)):
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(text))
    monkeypatch.setattr(ops, "__path__", [*ops.__path__, str(tmp_path)])
    for name, op in ops._discover().items():
        monkeypatch.setitem(OPERATIONS, name, op)

    task = load_task(task_factory("regression"))
    spec = infer_spec(task)
    base = next(c for c in propose(spec, k=6) if c.model_step().op == "ridge")
    instruction = base.model_copy(update={
        "preprocessing": base.preprocessing + (make_step("quantile_numeric"),),
        "postprocess": base.postprocess + (make_step("round_predictions"),)})
    script = compile_solution(spec, instruction).script
    assert "QuantileTransformer(n_quantiles=50)," in script  # in the numeric chain
    assert "test_predictions = np.round(test_predictions)" in script
    execution = run_script(script, tmp_path / "run", task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    assert grade_attempt(spec, tmp_path / "run", task.train, task.sample_submission).valid
    submitted = pd.read_csv(tmp_path / "run" / "submission.csv")[spec.target]
    assert (submitted == submitted.round()).all() and submitted.nunique() > 1


def test_a_module_without_an_operation_is_refused(tmp_path, monkeypatch):
    (tmp_path / "broken.py").write_text("VALUE = 1\n")
    monkeypatch.setattr(ops, "__path__", [*ops.__path__, str(tmp_path)])
    with pytest.raises(TypeError, match="must define OPERATION"):
        ops._discover()


def test_an_operation_checks_its_own_parameters(task_factory):
    from linguacodus.instruction import InstructionError

    spec = infer_spec(load_task(task_factory("binary")))
    base = propose(spec, k=1)[0]
    bad = base.model_copy(update={"training": tuple(
        make_step("kfold", n_splits=5, group_by="nowhere") if s.op == "kfold" else s
        for s in base.training)})
    with pytest.raises(InstructionError, match="groups by 'nowhere'"):
        compile_solution(spec, bad)


def test_text_statistics_give_a_tree_model_the_shape_of_the_text(tmp_path):
    """Long reviews are the positive ones; a tree model that drops the words still sees that."""
    import numpy as np
    import pandas as pd

    from conftest import write_task

    rng = np.random.default_rng(4)
    words = rng.integers(3, 40, size=800)
    frame = pd.DataFrame({
        "id": range(800), "x": rng.normal(size=800),
        "review": [" ".join(rng.choice(["good", "bad", "fine", "meh"], size=n)) for n in words],
        "helpful": np.where(words > 20, "yes", "no"),
    })
    train, test = frame.iloc[:600], frame.iloc[600:].drop(columns=["helpful"])
    sample = pd.DataFrame({"id": test["id"], "helpful": "no"})
    task = load_task(write_task(tmp_path / "t", train, test, sample, "Scored on accuracy."))
    spec = infer_spec(task)
    gbm = next(c for c in propose(spec, k=6) if c.model_step().op == "lightgbm"
               and c.find("tfidf_text") is None)
    assert gbm.find("text_statistics").param("columns") == ["review"]
    plain = gbm.model_copy(update={"preprocessing": tuple(
        s for s in gbm.preprocessing if s.op != "text_statistics")})
    scores = cv_scores(task, spec, {"plain": plain, "statistics": gbm}, tmp_path)
    assert scores["statistics"] > 0.95 and scores["plain"] < 0.7, scores
