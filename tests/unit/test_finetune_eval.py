"""`finetune eval`: parse share, family agreement, and measured quality against retrieval."""

import json
import subprocess
import sys

import pytest

from linguacodus.finetune.evaluate import answer_family, evaluate
from linguacodus.knowledge.loo import load_cases
from linguacodus.knowledge.portfolio import applicable
from linguacodus.knowledge.store import PACKAGED_KB


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "data"
    result = subprocess.run([sys.executable, "-m", "linguacodus", "finetune", "dataset", "--out",
                             str(out), "--kb", str(PACKAGED_KB)], capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return out


def test_answers_are_parsed_in_their_style():
    assert answer_family("Model architecture:\n- An XGBoost model.", "paper") == "xgboost"
    assert answer_family("We will use a transformer.", "paper") is None
    assert answer_family("# T\n\n## Model architecture\n\n- Ridge. `ridge(alpha=1.0)`\n", "ir") == "ridge"
    assert answer_family("# T\n\n## Model architecture\n\n- Ridge regression.\n", "ir") is None


def test_a_model_that_always_says_lightgbm_is_scored_against_retrieval(data, tmp_path):
    rows = [json.loads(line) for line in (data / "validation.jsonl").read_text().splitlines()][:6]
    answers = iter(["Model architecture:\n- A LightGBM model."] * 5 + ["I don't know."])
    summary = evaluate(data, lambda messages: next(answers), PACKAGED_KB, limit=6)
    assert summary["rows"] == 6 and summary["parse_share"] == pytest.approx(5 / 6, abs=1e-4)
    references = [r["reference_family"] for r in summary["results"]]
    expected = [ref == "lightgbm" for ref in references[:5]] + [references[5] is None]
    agreeing = [e for e, ref in zip(expected, references, strict=True) if ref is not None]
    assert summary["family_agreement"] == pytest.approx(sum(agreeing) / len(agreeing), abs=1e-4)
    first = [r for r in summary["results"] if r["place"] == 1 and r["task"].startswith("kb:")]
    assert summary["quality_tasks"] == len(first) > 0
    # The grounded recipe's own measured outcome: the first applicable LightGBM recipe.
    index, cases = load_cases(PACKAGED_KB, tmp_path, only={first[0]["task"].removeprefix("kb:")})
    recipe = next(rid for rid, ins in applicable(cases[0].spec).items()
                  if ins.model_step().op == "lightgbm")
    assert first[0]["model_normalised"] == pytest.approx(cases[0].normalized[recipe])
    assert 0.0 <= first[0]["retrieval_normalised"] <= 1.0
    assert rows[0]["task"] == summary["results"][0]["task"]


def test_a_model_that_fails_counts_as_unparsed(data):
    def broken(messages):
        raise RuntimeError("server down")

    summary = evaluate(data, broken, None, limit=3)
    assert summary["parse_share"] == 0.0 and summary["quality_tasks"] == 0
    assert all(r["note"] == "no answer: server down" for r in summary["results"])


def test_run_compiles_and_runs_an_ir_answer_as_the_knowledge_base_measured_it(tmp_path):
    data = tmp_path / "data"
    made = subprocess.run([sys.executable, "-m", "linguacodus", "finetune", "dataset", "--out",
                           str(data), "--kb", str(PACKAGED_KB), "--style", "ir"],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    first = json.loads((data / "validation.jsonl").read_text().splitlines()[0])
    assert first["place"] == 1
    # A model that answers with the task's own best recipe: run, it scores what was stored.
    summary = evaluate(data, lambda messages: first["messages"][-1]["content"], PACKAGED_KB,
                       limit=1, run=True)
    [row] = summary["results"]
    assert row["parses"] and row["note"].startswith("CV ")
    assert row["model_normalised"] == pytest.approx(1.0, abs=0.02)  # rank 1: normalised 1
