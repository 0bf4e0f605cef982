"""Character n-gram TF-IDF: it reads word endings that no whole word shares."""

import numpy as np
import pandas as pd
import pytest

from conftest import cv_scores, write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.instruction import InstructionError, make_step, render_markdown
from linguacodus.knowledge.portfolio import applicable
from linguacodus.spec import ColumnRole, infer_spec
from linguacodus.task import load_task

SYLLABLES = ["ka", "lo", "mi", "tu", "re", "sa", "no", "bi", "de", "fu", "ga", "ho", "ji", "pe"]


def _word(rng, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES, parts))


@pytest.fixture
def surnames_task(tmp_path):
    """Which of two families a person belongs to, told only by the ending of an invented
    surname (-son/-sen against -ez/-es); given and middle names are noise; every name is new."""
    rng = np.random.default_rng(11)
    n = 1400
    family = rng.integers(0, 2, n)
    endings = np.array([["son", "sen"], ["ez", "es"]])
    names = [f"{_word(rng, 2)} {_word(rng, 2)} {_word(rng, 3)}{endings[f, rng.integers(0, 2)]}"
             for f in family]
    frame = pd.DataFrame({"id": range(n), "name": names,
                          "family": np.where(family == 0, "north", "south")})
    train, test = frame.iloc[:1100], frame.iloc[1100:].drop(columns=["family"])
    sample = pd.DataFrame({"id": test["id"], "family": "north"})
    return load_task(write_task(tmp_path / "task", train, test, sample, "Scored by accuracy."))


def test_character_ngrams_read_word_endings_that_words_do_not_share(surnames_task, tmp_path):
    spec = infer_spec(surnames_task)
    assert spec.columns["name"] == ColumnRole.TEXT
    built = applicable(spec, ["text-char-linear", "text-linear"])
    recipe = built["text-char-linear"]
    script = compile_solution(spec, recipe).script
    assert 'analyzer="char_wb"' in script and "ngram_range=(2, 5)" in script
    assert "character 2- to 5-grams within words" in render_markdown(recipe)
    scores = cv_scores(surnames_task, spec, {"char": recipe, "word": built["text-linear"]},
                       tmp_path)
    assert scores["char"] >= 0.95, scores  # the endings decide; whole words are all new
    assert scores["word"] < 0.7, scores


def test_word_ngrams_stay_the_default_and_a_bad_analyzer_is_refused(surnames_task):
    spec = infer_spec(surnames_task)
    word = applicable(spec, ["text-linear"])["text-linear"]
    script = compile_solution(spec, word).script
    assert "analyzer=" not in script and "ngram_range=(1, 2)" in script
    bad = word.model_copy(update={"preprocessing": tuple(
        make_step("tfidf_text", columns=["name"], analyzer="letters") if s.op == "tfidf_text"
        else s for s in word.preprocessing)})
    with pytest.raises(InstructionError, match="'word' or 'char_wb'"):
        compile_solution(spec, bad)
