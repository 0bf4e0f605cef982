"""`--llm hf:PATH`: a model folder run in this process with transformers, tested with a
tiny Llama trained from scratch to answer the paper's first-place prompt for a task."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import make_task
from linguacodus.brain import Brain
from linguacodus.llm.config import brain_config
from linguacodus.llm.context import description_text
from linguacodus.llm.prompts import render
from linguacodus.planning import propose as rules_proposals
from linguacodus.spec import infer_spec
from linguacodus.task import load_task
from tiny_model import train_tiny_model

pytest.importorskip("torch", reason="hf: models need torch (make test installs it)")
pytest.importorskip("transformers", reason="hf: models need transformers (linguacodus[local])")

ANSWER = ("Data preprocessing:\n- Fill missing values with the median.\nModel architecture:\n"
          "- An extra trees ensemble.\nModel training:\n- 5-fold cross-validation.")


def test_a_local_model_writes_the_first_place_instruction(tmp_path, llm_settings):
    task = load_task(make_task(tmp_path, "binary_proba", n=120))
    spec = infer_spec(task)
    _, messages = render("propose_place", place="first", description=description_text(task),
                         data_kind="tabular", metric=spec.metric)
    folder = train_tiny_model(tmp_path / "tiny", [(messages, ANSWER)])
    settings = dataclasses.replace(llm_settings, propose_style="places", local_max_tokens=96)
    config = brain_config(None, [f"propose=hf:{folder}"], settings)
    assert config.stages["propose"].is_local and config.label() == "mixed"
    offline = rules_proposals(spec, 2)
    brain = Brain(config, tmp_path / "llm_calls.jsonl")
    [written, *_] = brain.propose(task, spec, 1, offline, [])
    assert written.provenance.source == "llm" and written.model_step().op == "extra_trees"
    assert any(s.text == "An extra trees ensemble." for s in written.model)
    usage = brain.usage()["propose"]
    assert usage["calls"] == 1 and usage["completion_tokens"] > 10 and usage["cost_usd"] == 0
    again = Brain(config)  # the cache answers; the model is not even loaded
    assert again.propose(task, spec, 1, offline, [])[0] == written
    assert again.usage()["propose"]["cached"] == 1 and again.clients["propose"]._local is None


def test_a_folder_that_is_no_model_falls_back(tmp_path, llm_settings):
    task = load_task(make_task(tmp_path, "binary_proba", n=120))
    spec = infer_spec(task)
    (tmp_path / "empty").mkdir()
    config = brain_config(None, [f"propose=hf:{tmp_path / 'empty'}"],
                          dataclasses.replace(llm_settings, cache_dir=None))
    brain = Brain(config)
    offline = rules_proposals(spec, 2)
    assert brain.propose(task, spec, 2, offline, []) == offline
    assert "can't be loaded" in brain.usage()["propose"]["fallbacks"][0]
