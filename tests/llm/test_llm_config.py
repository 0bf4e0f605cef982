"""The --llm syntax, per-stage overrides and the settings' checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from linguacodus.llm.config import (
    STAGES,
    LLMConfigError,
    LLMSettings,
    brain_config,
    parse_endpoint,
    parse_price,
    price_of,
)


@pytest.fixture(autouse=True)
def no_keys(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENROUTER_API_KEY", "LINGUACODUS_LLM_API_KEY",
                 "LINGUACODUS_LLM_MODEL", "OPENAI_BASE_URL", "OLLAMA_HOST"):
        monkeypatch.delenv(name, raising=False)


def test_providers_and_urls(monkeypatch):
    openai = parse_endpoint("openai:gpt-4o-mini")
    assert (openai.base_url, openai.model, openai.key_env) == (
        "https://api.openai.com/v1", "gpt-4o-mini", "OPENAI_API_KEY")
    assert parse_endpoint("ollama:llama3.1").base_url == "http://127.0.0.1:11434/v1"
    assert parse_endpoint("vllm:Qwen/Qwen2.5-Coder-7B").model == "Qwen/Qwen2.5-Coder-7B"
    assert parse_endpoint("llamacpp:any").base_url == "http://127.0.0.1:8080/v1"
    url = parse_endpoint("http://127.0.0.1:8000/v1/#qwen2.5-coder")
    assert (url.base_url, url.model, url.is_local) == ("http://127.0.0.1:8000/v1", "qwen2.5-coder", True)
    local = parse_endpoint(f"hf:{Path(__file__).parent}")
    assert local.transport == "transformers" and local.is_local and local.api_key() == "not-needed"
    monkeypatch.setenv("OLLAMA_HOST", "10.0.0.5:11434")
    assert parse_endpoint("ollama:x").base_url == "http://10.0.0.5:11434/v1"
    monkeypatch.setenv("LINGUACODUS_LLM_MODEL", "from-env")
    assert parse_endpoint("openai:").model == "from-env"


@pytest.mark.parametrize("spec,message", [
    ("gpt-4o", "expected PROVIDER:MODEL"),
    ("azure:gpt-4o", "expected PROVIDER:MODEL"),
    ("openai:", "name the model"),
    ("http://127.0.0.1:8000/v1", "after '#'"),
    ("http:///v1#m", "no host"),
    ("hf:/no/such/folder", "not a model folder"),
])
def test_bad_specs_say_how_to_fix_them(spec, message):
    with pytest.raises(LLMConfigError, match=message):
        parse_endpoint(spec)


def test_keys_come_from_the_environment_and_hosted_models_need_one(monkeypatch):
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY"):
        brain_config("openai:gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert parse_endpoint("openai:gpt-4o-mini").api_key() == "sk-test"
    monkeypatch.setenv("LINGUACODUS_LLM_API_KEY", "sk-override")
    assert parse_endpoint("openai:gpt-4o-mini").api_key() == "sk-override"
    assert parse_endpoint("ollama:x").api_key() == "sk-override"
    monkeypatch.delenv("LINGUACODUS_LLM_API_KEY")
    assert parse_endpoint("http://127.0.0.1:1/v1#m").api_key() == "not-needed"


def test_stages_mix_and_label():
    assert brain_config(None).label() == "offline"
    every = brain_config("vllm:m")
    assert set(every.stages) == set(STAGES) and every.label() == "llm"
    mixed = brain_config("vllm:m", ["select=offline", "code=ollama:coder"])
    assert "select" not in mixed.stages and mixed.stages["code"].model == "coder"
    assert mixed.stages["propose"].model == "m" and mixed.label() == "mixed"
    only = brain_config(None, ["fix=llamacpp:f"])
    assert list(only.stages) == ["fix"]
    assert list(brain_config("vllm:m", stages=("extract",)).stages) == ["extract"]
    assert brain_config("vllm:m", stages=("understand", "code", "fix")).label() == "llm"
    assert brain_config("vllm:m", ["fix=offline"], stages=("understand", "code", "fix")).label() == "mixed"
    with pytest.raises(LLMConfigError, match="STAGE=SPEC"):
        brain_config("vllm:m", ["coder=vllm:x"])


def test_cost_needs_a_price():
    hosted = LLMSettings(max_cost=1.0)
    with pytest.raises(LLMConfigError, match="--llm-price"):
        brain_config("http://api.example.com/v1#mystery", settings=hosted)
    priced = LLMSettings(max_cost=1.0, price=parse_price("0.5/2"))
    config = brain_config("http://api.example.com/v1#mystery", settings=priced)
    assert price_of(config.stages["code"], priced) == (0.5, 2.0)
    assert price_of(parse_endpoint("vllm:m"), LLMSettings()) == (0.0, 0.0)
    with pytest.raises(LLMConfigError, match="INPUT/OUTPUT"):
        parse_price("cheap")
    with pytest.raises(LLMConfigError, match="few-shot or places"):
        brain_config("vllm:m", settings=LLMSettings(propose_style="vibes"))


def test_every_prompt_template_is_versioned_and_renders():
    from linguacodus.llm.prompts import _load, names, render

    assert {"understand", "extract", "propose", "propose_place", "research", "resolve",
            "code_component", "integrate", "fix"} <= set(names())
    for name in names():
        version, parts = _load(name)
        assert version.isdigit() and "user" in parts
    with pytest.raises(KeyError):
        render("fix", script="x")  # a missing value fails loudly
    prompt, messages = render("propose_place", place="second", description="d", data_kind="tabular",
                              metric="rmse")
    assert prompt == "propose_place@1" and "the second place instruction" in messages[-1]["content"]
