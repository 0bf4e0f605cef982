"""The LLM stages one by one, through the Brain (so that each falls back as it would in a
run), against the scripted server."""

from __future__ import annotations

import json

import pytest

from conftest import make_task  # tests/conftest.py
from linguacodus.brain import Brain
from linguacodus.instruction import Instruction, make_step
from linguacodus.llm.config import brain_config
from linguacodus.llm.understand import Understanding, merge_understanding
from linguacodus.planning import propose as rules_proposals
from linguacodus.spec import ColumnRole, infer_spec
from linguacodus.task import load_task
from responders import scripted_instruction


@pytest.fixture
def task(tmp_path):
    return load_task(make_task(tmp_path, "binary_proba", n=120))


def brain(scripted, settings, tmp_path, **config) -> Brain:
    return Brain(brain_config(scripted.spec(), config.get("stages_override", []), settings),
                 tmp_path / "llm_calls.jsonl")


def test_understand_applies_what_the_data_allows_and_keeps_the_rest(task):
    rules = infer_spec(task)
    answer = Understanding(target="x1", metric="log_loss", positive_label="maybe",
                           column_roles={"colour": "text", "id": "identifier", "x2": "categorical",
                                         "size": "identifier"})
    spec = merge_understanding(task, rules, answer)
    assert spec.target == rules.target == "target"
    assert spec.metric == rules.metric  # the page names ROC AUC: the page wins
    assert spec.columns["colour"] == ColumnRole.CATEGORICAL  # three colours are not prose
    assert spec.columns["x2"] == ColumnRole.NUMERIC  # continuous: not categories
    assert spec.columns["size"] == rules.columns["size"]  # 3 values in 120 rows: no identifier
    warnings = " ".join(spec.warnings)
    assert "LLM read the target as 'x1'" in warnings and "kept roc_auc" in warnings
    assert "LLM called 'colour' text" in warnings and "positive class 'maybe'" in warnings


def test_understand_fills_a_metric_the_page_does_not_name(tmp_path):
    folder = make_task(tmp_path, "regression", n=120)
    (folder / "description.md").write_text("# House prices\n\nPredict the target.\n")
    task = load_task(folder)
    rules = infer_spec(task)
    assert rules.metric_phrase is None and rules.metric == "rmse"
    spec = merge_understanding(task, rules, Understanding(metric="mae", column_roles={"x1": "identifier"}))
    assert spec.metric == "mae" and not spec.higher_is_better
    assert spec.columns["x1"] == ColumnRole.NUMERIC  # continuous values are no identifier
    assert any("metric mae from the LLM" in w for w in spec.warnings)


def test_understand_through_the_brain_and_its_fallback(scripted, llm_settings, tmp_path, task):
    spec = brain(scripted, llm_settings, tmp_path).understand(task)
    assert spec.target == "target" and scripted.calls("understand") == 1
    scripted.script("understand", *[{"status": 500}] * 3)
    fresh = Brain(brain_config(scripted.spec(), [], llm_settings.__class__(
        timeout=1, max_retries=2, backoff=0.01)), tmp_path / "calls2.jsonl")
    assert fresh.understand(task) == infer_spec(task)  # the rules' reading, unchanged
    assert "http 500" in fresh.usage()["understand"]["fallbacks"][0]


def test_propose_checks_each_instruction_and_fills_from_the_offline_proposals(
        scripted, llm_settings, tmp_path, task):
    spec = infer_spec(task)
    offline = rules_proposals(spec, 4)
    good = scripted_instruction("binary")
    unknown_op = {**good, "title": "Bad op", "model": [{"text": "A CNN.", "op": "resnet50"}]}
    bad_param = {**good, "title": "Bad param", "model": [{"text": "x", "op": "lightgbm",
                                                           "params": {"depth": 3}}]}
    scripted.script("propose", {"content": json.dumps({"instructions": [unknown_op, bad_param]})},
                    {"content": json.dumps({"instructions": [good, bad_param]})})
    chosen = brain(scripted, llm_settings, tmp_path).propose(task, spec, 3, offline, [])
    assert [c.title for c in chosen] == ["Scripted LightGBM", offline[0].title, offline[1].title]
    assert chosen[0].provenance.source == "llm"
    reask = scripted.requests[1]["body"]["messages"][-1]["content"]
    assert "unknown operation 'resnet50'" in reask and "no parameter(s) depth" in reask
    few_shot = scripted.requests[0]["body"]["messages"][-1]["content"]
    assert "offline proposal 1" in few_shot and "lightgbm(n_estimators=500" in few_shot


def test_propose_refused_falls_back_to_the_offline_proposals(scripted, llm_settings, tmp_path, task):
    spec = infer_spec(task)
    offline = rules_proposals(spec, 3)
    scripted.script("propose", {"refusal": "I can't help with that."})
    b = brain(scripted, llm_settings, tmp_path)
    assert b.propose(task, spec, 3, offline, []) == offline
    assert "refused" in b.usage()["propose"]["fallbacks"][0]


def test_propose_places_grounds_prose_in_a_recipe(scripted, llm_settings, tmp_path, task):
    spec = infer_spec(task)
    settings = llm_settings.__class__(**{**llm_settings.__dict__, "propose_style": "places"})
    chosen = Brain(brain_config(scripted.spec(), [], settings)).propose(task, spec, 2, [], [])
    assert scripted.calls("propose") == 2
    assert len(chosen) == 1  # both places named the same plan: kept once
    prompt = scripted.requests[0]["body"]["messages"][-1]["content"]
    assert "writing the first place instruction" in prompt and "metric type is roc_auc" in prompt
    first = chosen[0]
    assert first.model_step().op == "lightgbm"
    assert any(s.text == "A LightGBM model with early stopping." and s.op is None for s in first.model)


def test_select_researcher_then_resolver(scripted, llm_settings, tmp_path, task):
    spec = infer_spec(task)
    offline = rules_proposals(spec, 4)
    chosen = brain(scripted, llm_settings, tmp_path).select(spec, offline, 60)
    assert chosen[0].title == "Resolver's LightGBM" and chosen[0].provenance.source == "llm-resolver"
    assert "candidate 1 may overfit" in chosen[0].provenance.note
    assert chosen[1:] == offline
    research, resolve = (r["body"]["messages"][-1]["content"] for r in scripted.requests)
    assert "## Candidate 3" in research and "## Candidate 4" not in research  # the top 3
    assert "candidate 2 may overfit" in resolve and "# Other critics" in resolve


def test_select_keeps_the_order_when_the_resolver_answers_nonsense(scripted, llm_settings, tmp_path, task):
    spec = infer_spec(task)
    offline = rules_proposals(spec, 3)
    scripted.script("select", {"content": '{"reviews": []}'}, {"content": '{"reviews": []}'},
                    {"content": '{"reviews": []}'},
                    *[{"content": '{"chosen": 9, "instruction": {}}'}] * 3)
    b = brain(scripted, llm_settings, tmp_path)
    assert b.select(spec, offline, 60) == offline
    assert "'chosen' must be a candidate number" in b.usage()["select"]["fallbacks"][0]


def test_extract_by_the_model_and_static_when_it_fails(scripted, llm_settings, tmp_path):
    code = ("from sklearn.ensemble import RandomForestClassifier\n"
            "m = RandomForestClassifier(n_estimators=50)\n")
    b = Brain(brain_config(scripted.spec(), [], llm_settings, stages=("extract",)))
    extracted = b.extract(code, "t")
    assert extracted.title == "Extracted by the scripted model"
    assert extracted.provenance.source == "llm-extracted"
    assert "RandomForestClassifier" in scripted.requests[0]["body"]["messages"][-1]["content"]
    scripted.script("extract", *[{"content": "I think it is a forest."}] * 3)
    static = b.extract(code + "# another\n", "t")
    assert static.model_step().op == "random_forest" and static.provenance.source == "extracted"


def test_offline_stages_make_no_requests(scripted, task):
    b = Brain()
    spec = b.understand(task)
    offline = rules_proposals(spec, 2)
    assert b.propose(task, spec, 2, offline, []) == offline
    assert b.select(spec, offline, 60) == offline
    assert isinstance(b.extract("import lightgbm\nlightgbm.LGBMRegressor()\n", "t"), Instruction)
    assert not b.writes_code and scripted.calls() == 0 and b.label == "offline"
    assert make_step("lightgbm").op == "lightgbm"


def test_a_model_proposal_on_a_forecast_task_gets_forward_folds(scripted, llm_settings, tmp_path):
    from linguacodus.runner import propose_candidates

    task = load_task(make_task(tmp_path, "datetime", n=240))
    spec = infer_spec(task)
    assert spec.forward_column == "date"  # the test days follow the training days
    events: list[str] = []
    chosen = propose_candidates(task, spec, 3, None, None, events.append,
                                brain=brain(scripted, llm_settings, tmp_path))
    proposed = next(c for c in chosen if c.provenance.source.startswith("llm"))
    assert proposed.find("kfold").param("order_by") == "date"
    assert proposed.find("final_model").param("method") == "refit"
    assert any(f"refined '{proposed.title}'" in e and "forward in time" in e for e in events)
    assert all(c.find("kfold").param("order_by") == "date" for c in chosen)
