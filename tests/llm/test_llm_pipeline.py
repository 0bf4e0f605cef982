"""Whole runs with stages on the scripted model: what the pipeline does with a bug, a
model that can't fix it, failures in every stage and a spent budget. Each run must end
with a valid submission."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from conftest import make_task
from linguacodus.journal import Journal
from linguacodus.llm.config import brain_config
from linguacodus.runner import run_task
from linguacodus.search import SearchSettings
from linguacodus.task import TaskError
from responders import BUG, STILL_BROKEN, with_bug


def run(tmp_path, config, k=1, budget=60.0):
    task_dir = make_task(tmp_path, "binary_proba", n=240)
    # No tuning trials or variants: the model's stages are tested; they would take the rest of the
    # budget.
    settings = SearchSettings(budget=budget, tune_trials=0, variants=0, repeats=1)
    result, run_dir = run_task(task_dir, tmp_path / "run", settings, k=k, kb=None, llm=config)
    return result, run_dir, Journal.read(run_dir / "journal.jsonl")


def test_a_bug_is_fixed_by_the_model(scripted, llm_settings, tmp_path):
    scripted.default = with_bug
    config = brain_config(None, [f"code={scripted.spec()}", f"fix={scripted.spec()}"], llm_settings)
    result, run_dir, attempts = run(tmp_path, config)
    assert result.valid and result.brain == "mixed"
    # The first valid submission comes from the compiler, whatever the model does.
    assert attempts[0].code_source == "compiler" and attempts[0].valid
    first, second = [a for a in attempts if a.code_source == "llm"]
    assert "NameError" in first.failure()
    assert second.valid and second.parent == first.number and second.repair == "LLM fix 1"
    assert BUG not in (run_dir / "solution.py").read_text()
    [fix] = [r for r in scripted.requests if r["stage"] == "fix"]
    failure = fix["body"]["messages"][-1]["content"]
    assert "NameError: name 'undefined_name' is not defined" in failure
    assert str(run_dir.resolve()) not in failure  # the attempt folder is written as '.'
    assert (run_dir / "llm_calls.jsonl").exists() and "## LLM calls" in (run_dir / "report.md").read_text()


def test_a_model_that_cannot_fix_hands_over_to_the_offline_compiler(scripted, llm_settings, tmp_path):
    scripted.default = with_bug
    scripted.script("fix", {"content": STILL_BROKEN}, {"content": STILL_BROKEN})
    config = brain_config(scripted.spec(), ["understand=offline", "propose=offline",
                                            "select=offline"], llm_settings)
    result, run_dir, attempts = run(tmp_path, config, k=2)
    assert result.valid
    baseline = attempts[0].candidate  # the cheapest candidate, run by the compiler first
    more_folds = [a for a in attempts if a.instruction_title.endswith(", 10 folds")]
    assert [a.code_source for a in more_folds] == ["compiler"]  # an exact edit: no model
    second = [a for a in attempts if a.candidate != baseline and a not in more_folds]
    assert [a.code_source for a in second] == ["llm", "llm", "llm", "compiler"]
    assert not any(a.valid for a in second[:3]) and second[3].valid
    assert "still broken" in second[2].failure()
    assert second[3].repair.startswith("the model's script failed; offline compiler")
    assert "still broken" in result.llm["code"]["fallbacks"][0]
    # The baseline ran on the compiler first; then the model's script, fixed (the default fix).
    first = [a for a in attempts if a.candidate == baseline]
    assert [a.code_source for a in first] == ["compiler", "llm", "llm"] and first[2].valid


def test_failures_in_every_stage_leave_the_run_valid(scripted, llm_settings, tmp_path):
    scripted.script("understand", {"status": 429, "retry_after": "0"})
    scripted.script("propose", {"refusal": "I can't help with that."})
    scripted.script("select", {"hang": 1.5})
    scripted.script("code", {"drop": True})
    result, run_dir, attempts = run(tmp_path, brain_config(scripted.spec(), [], llm_settings), k=2)
    assert result.valid and result.brain == "llm"
    usage = result.llm
    assert usage["understand"]["calls"] == 2 and usage["understand"]["failures"] == 1
    assert "refused" in usage["propose"]["fallbacks"][0]
    assert usage["select"]["failures"] == 1 and not usage["select"]["fallbacks"]
    assert usage["code"]["failures"] == 1
    chosen = (run_dir / "instructions" / "candidate-1.md").read_text()
    assert "Resolver's LightGBM" in chosen  # the resolver's answer after the hang
    assert any(a.code_source == "llm" and a.valid for a in attempts)


def test_a_spent_budget_hands_the_rest_to_the_offline_brain(scripted, llm_settings, tmp_path):
    config = brain_config(scripted.spec(), [], dataclasses.replace(llm_settings, max_calls=2))
    result, run_dir, attempts = run(tmp_path, config)
    assert result.valid and scripted.calls() == 2
    assert "--max-calls 2 reached" in result.llm["select"]["fallbacks"][0]
    assert "--max-calls 2 reached" in result.llm["code"]["fallbacks"][0]
    assert {a.code_source for a in attempts} == {"compiler"}


def test_the_model_names_a_target_the_rules_cannot_find(scripted, llm_settings, tmp_path):
    task_dir = make_task(tmp_path, "regression", n=240)
    for name in ("train.csv", "sample_submission.csv"):
        frame = pd.read_csv(task_dir / name)
        frame.rename(columns={"target": "price" if name == "train.csv" else "Prediction"}).to_csv(
            task_dir / name, index=False)
    with pytest.raises(TaskError, match="no target derivable"):
        run_task(task_dir, tmp_path / "offline", SearchSettings(budget=30), k=1, kb=None)
    no_cache = dataclasses.replace(llm_settings, cache_dir=None)  # the same prompt twice
    config = brain_config(None, [f"understand={scripted.spec()}"], no_cache)
    scripted.script("understand", {"content": '{"target": "x1"}'})  # in test.csv too: refused
    with pytest.raises(TaskError, match="the LLM named target 'x1'"):
        run_task(task_dir, tmp_path / "wrong", SearchSettings(budget=30), k=1, kb=None, llm=config)
    scripted.script("understand", {"content": '{"target": "price", "task_type": "regression"}'})
    settings = SearchSettings(budget=60, tune_trials=0, variants=0, repeats=1)
    result, run_dir = run_task(task_dir, tmp_path / "run", settings, k=1, kb=None, llm=config)
    assert result.valid
    spec = json.loads((run_dir / "spec.json").read_text())
    assert spec["target"] == "price" and spec["submission_columns"] == ["Prediction"]
    assert any("target 'price' read by the LLM" in w for w in spec["warnings"])
    assert list(pd.read_csv(run_dir / "submission.csv").columns) == ["id", "Prediction"]
