"""The client against a real HTTP server on 127.0.0.1 that replays scripted responses:
well-formed and malformed answers, refusals, 429s, hangs, dropped connections, servers
without JSON-schema support, the cache, the budget and the log."""

from __future__ import annotations

import dataclasses
import json

import pytest

from linguacodus.llm.cache import ResponseCache
from linguacodus.llm.client import LLMClient, parse_json_object, parse_python
from linguacodus.llm.config import parse_endpoint
from linguacodus.llm.ledger import BudgetExhausted, Ledger, LLMError

MESSAGES = [{"role": "user", "content": "Answer with a JSON object holding 'answer'."}]
SCHEMA = {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}


def answer(text: str) -> int:
    return int(parse_json_object(text)["answer"])


@pytest.fixture
def make_client(scripted, llm_settings, tmp_path):
    def make(**changes) -> LLMClient:
        settings = dataclasses.replace(llm_settings, **changes)
        ledger = Ledger(tmp_path / "llm_calls.jsonl", settings.max_calls, settings.max_cost)
        cache = ResponseCache(settings.cache_dir) if settings.cache_dir else None
        return LLMClient(parse_endpoint(scripted.spec()), settings, ledger, cache)
    return make


def log(tmp_path) -> list[dict]:
    return [json.loads(line) for line in (tmp_path / "llm_calls.jsonl").read_text().splitlines()]


def test_well_formed_answer_with_a_schema_is_counted_and_logged(scripted, make_client, tmp_path):
    scripted.script("t", {"content": '{"answer": 42}'})
    client = make_client()
    assert client.ask("t", "p@1", MESSAGES, answer, schema=SCHEMA) == 42
    body = scripted.requests[0]["body"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["model"] == "scripted" and body["temperature"] == 0.0
    [entry] = log(tmp_path)
    assert entry["status"] == "ok" and entry["prompt"] == "p@1" and entry["stage"] == "t"
    assert entry["content"] == '{"answer": 42}' and entry["prompt_tokens"] > 0
    assert client.ledger.summary()["t"]["calls"] == 1


def test_malformed_json_is_reasked_with_the_error(scripted, make_client):
    scripted.script("t", {"content": "Sure! {answer: forty-two"},
                    {"content": "```json\n{\"answer\": 7}\n```"})
    assert make_client().ask("t", "p@1", MESSAGES, answer) == 7
    second = scripted.requests[1]["body"]["messages"]
    assert second[-2]["content"] == "Sure! {answer: forty-two"
    assert "can't be used: no JSON object" in second[-1]["content"]


def test_an_answer_cut_at_the_length_limit_is_reasked_for_brevity(scripted, make_client):
    scripted.script("t", {"content": '{"answer": 4', "finish_reason": "length"},
                    {"content": '{"answer": 4}'})
    assert make_client().ask("t", "p@1", MESSAGES, answer) == 4
    assert "cut off at the length limit" in scripted.requests[1]["body"]["messages"][-1]["content"]


def test_answers_that_never_parse_end_in_an_error_after_the_reasks(scripted, make_client):
    scripted.script("t", *[{"content": "no json here"}] * 3)
    with pytest.raises(LLMError, match="after 2 re-asks"):
        make_client().ask("t", "p@1", MESSAGES, answer)
    assert scripted.calls("t") == 3


def test_a_refusal_is_an_error_without_reasks(scripted, make_client):
    scripted.script("t", {"refusal": "I can't help with that."})
    with pytest.raises(LLMError, match="refused: I can't help"):
        make_client().ask("t", "p@1", MESSAGES, answer)
    assert scripted.calls("t") == 1


def test_429_then_success_is_retried(scripted, make_client, tmp_path):
    scripted.script("t", {"status": 429, "retry_after": "0"}, {"content": '{"answer": 1}'})
    client = make_client()
    assert client.ask("t", "p@1", MESSAGES, answer) == 1
    statuses = [(e["status"], e.get("error", "")[:8]) for e in log(tmp_path)]
    assert statuses == [("error", "http 429"), ("ok", "")]
    assert client.ledger.summary()["t"]["calls"] == 2 and client.ledger.summary()["t"]["failures"] == 1


def test_5xx_on_every_try_gives_up(scripted, make_client):
    scripted.script("t", *[{"status": 503}] * 3)
    with pytest.raises(LLMError, match="http 503"):
        make_client().ask("t", "p@1", MESSAGES, answer)
    assert scripted.calls("t") == 3  # max_retries=2


def test_4xx_is_not_retried(scripted, make_client):
    scripted.script("t", {"status": 401})
    with pytest.raises(LLMError, match="http 401"):
        make_client().ask("t", "p@1", MESSAGES, answer)
    assert scripted.calls("t") == 1


def test_a_hang_past_the_timeout_is_retried(scripted, make_client, tmp_path):
    scripted.script("t", {"hang": 2.0, "content": '{"answer": 0}'}, {"content": '{"answer": 5}'})
    assert make_client(timeout=0.5).ask("t", "p@1", MESSAGES, answer) == 5
    assert log(tmp_path)[0]["error"].startswith("timeout")


def test_hangs_on_every_try_end_in_an_error(scripted, make_client):
    scripted.script("t", *[{"hang": 1.5}] * 3)
    with pytest.raises(LLMError, match="timeout after 3 tries"):
        make_client(timeout=0.3).ask("t", "p@1", MESSAGES, answer)


def test_a_dropped_connection_is_retried(scripted, make_client, tmp_path):
    scripted.script("t", {"drop": True}, {"content": '{"answer": 3}'})
    assert make_client().ask("t", "p@1", MESSAGES, answer) == 3
    assert log(tmp_path)[0]["error"].startswith("connection")


def test_a_server_without_json_schema_is_asked_in_words_and_remembered(scripted, make_client):
    scripted.script("t", {"no_schema": True}, {"content": '{"answer": 9}'})
    client = make_client()
    assert client.ask("t", "p@1", MESSAGES, answer, schema=SCHEMA) == 9
    assert "response_format" in scripted.requests[0]["body"]
    assert "response_format" not in scripted.requests[1]["body"]
    other = [{"role": "user", "content": "another question"}]
    scripted.script("t", {"content": '{"answer": 2}'})
    assert make_client().ask("t", "p@1", other, answer, schema=SCHEMA) == 2  # a new run
    assert "response_format" not in scripted.requests[2]["body"]


def test_a_schema_refusal_does_not_use_up_a_try(scripted, make_client):
    scripted.script("t", {"no_schema": True}, {"content": '{"answer": 6}'})
    assert make_client(max_retries=0).ask("t", "p@1", MESSAGES, answer, schema=SCHEMA) == 6


def test_the_cache_answers_a_repeat_without_a_request(scripted, make_client, tmp_path):
    scripted.script("t", {"content": '{"answer": 11}'})
    assert make_client().ask("t", "p@1", MESSAGES, answer) == 11
    again = make_client()
    assert again.ask("t", "p@1", MESSAGES, answer) == 11
    assert scripted.calls() == 1
    assert again.ledger.summary()["t"] == {**again.ledger.summary()["t"], "calls": 0, "cached": 1}
    changed = [{"role": "user", "content": "a different question"}]
    scripted.script("t", {"content": '{"answer": 12}'})
    again.ask("t", "p@1", changed + MESSAGES, answer)  # another request: asked
    assert scripted.calls() == 2


def test_no_cache_asks_every_time(scripted, make_client):
    client = make_client(cache_dir=None)
    scripted.script("t", {"content": '{"answer": 1}'}, {"content": '{"answer": 1}'})
    client.ask("t", "p@1", MESSAGES, answer)
    client.ask("t", "p@1", MESSAGES, answer)
    assert scripted.calls() == 2


def test_max_calls_stops_before_the_request(scripted, make_client):
    client = make_client(max_calls=1)
    scripted.script("t", {"content": '{"answer": 1}'})
    client.ask("t", "p@1", MESSAGES, answer)
    with pytest.raises(BudgetExhausted, match="--max-calls 1"):
        client.ask("t", "p@1", [{"role": "user", "content": "more"}], answer)
    assert scripted.calls() == 1


def test_cost_is_accounted_and_bounded(scripted, make_client):
    client = make_client(price=(1000.0, 1000.0), max_cost=0.01)
    scripted.script("t", {"content": '{"answer": 1}'})
    client.ask("t", "p@1", MESSAGES, answer)
    spent = client.ledger.summary()["t"]["cost_usd"]
    assert spent > 0.01
    with pytest.raises(BudgetExhausted, match="--max-cost"):
        client.ask("t", "p@1", [{"role": "user", "content": "more"}], answer)


def test_the_key_is_sent_but_never_logged_or_cached(scripted, make_client, tmp_path, monkeypatch):
    monkeypatch.setenv("LINGUACODUS_LLM_API_KEY", "sk-secret-123")
    scripted.script("t", {"status": 500}, {"content": '{"answer": 1}'})
    make_client().ask("t", "p@1", MESSAGES, answer)
    written = (tmp_path / "llm_calls.jsonl").read_text()
    written += "".join(p.read_text() for p in (tmp_path / "llm-cache").rglob("*.json"))
    assert "sk-secret-123" not in written


def test_parsers():
    assert parse_json_object('noise {"a": {"b": 1}} noise') == {"a": {"b": 1}}
    with pytest.raises(ValueError):
        parse_json_object("[1, 2]")
    assert parse_python("Here:\n```python\nx = 1\n```\nand ```python\ny = [\n  2]\n```") == "y = [\n  2]\n"
    with pytest.raises(SyntaxError, match="does not parse"):
        parse_python("```python\ndef f(:\n```")
