"""Chat completions through the official openai SDK, with what a pipeline needs around it:
timeouts, retries with backoff on 429/5xx/timeouts/dropped connections, structured output
where the server supports it, validated parsing with bounded re-asks, the on-disk cache,
and accounting and logging of every request (ledger.py).
"""

from __future__ import annotations

import ast
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from linguacodus.llm.cache import ResponseCache, request_key
from linguacodus.llm.config import Endpoint, LLMSettings, price_of
from linguacodus.llm.ledger import Ledger, LLMError

T = TypeVar("T")
MAX_BACKOFF = 30.0
STAGE_HEADER = "X-Linguacodus-Stage"  # lets a proxy or a test server tell the stages apart
_RETRYABLE_STATUS = {408, 409, 429}


@dataclass(frozen=True)
class Reply:
    content: str
    refusal: str | None
    cached: bool
    truncated: bool = False  # the server stopped at its length limit


class LLMClient:
    """One endpoint. No network until the first request; the SDK client is made then."""

    def __init__(self, endpoint: Endpoint, settings: LLMSettings, ledger: Ledger,
                 cache: ResponseCache | None = None) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.ledger = ledger
        self.cache = cache
        self._sdk = None
        self._local = None  # an hf: model, loaded on the first request
        # Whether requests carry a JSON schema: None until the first one asks the cache
        # (a server that answered 400 to one is remembered there); a model run here takes none.
        self._schema_ok: bool | None = False if endpoint.transport == "transformers" else None
        self._unreachable: str | None = None  # set: every try of a request failed to connect

    def _client(self):
        if self._sdk is None:
            from openai import OpenAI  # imported on first use: offline runs never pay for it

            self._sdk = OpenAI(base_url=self.endpoint.base_url, api_key=self.endpoint.api_key(),
                               timeout=self.settings.timeout, max_retries=0)
        return self._sdk

    # --- structured output support, remembered in the cache so a re-run asks nothing ---
    def _capability_key(self) -> str:
        return request_key({"capability": "json_schema", "base_url": self.endpoint.base_url,
                            "model": self.endpoint.model})

    def _schema_supported(self) -> bool:
        if self._schema_ok is None:
            known = self.cache.get(self._capability_key()) if self.cache else None
            self._schema_ok = known is None or bool(known.get("supported", True))
        return self._schema_ok

    def _schema_unsupported(self) -> None:
        self._schema_ok = False
        if self.cache is not None:
            self.cache.put(self._capability_key(), {"supported": False})

    # --- one answer ---
    def complete(self, stage: str, prompt: str, messages: list[dict],
                 schema: dict | None = None) -> Reply:
        """One chat completion: from the cache, or from the server with retries."""
        request: dict[str, Any] = {"model": self.endpoint.model, "messages": messages,
                                   "temperature": self.settings.temperature}
        if schema is not None and self._schema_supported():
            request["response_format"] = {"type": "json_schema", "json_schema": {
                "name": stage, "schema": schema, "strict": False}}
        key = request_key({"base_url": self.endpoint.base_url, **request})
        entry = {"stage": stage, "prompt": prompt, "model": self.endpoint.model,
                 "base_url": self.endpoint.base_url, "request_hash": key[:16]}
        hit = self.cache.get(key) if self.cache else None
        if hit is not None:
            self.ledger.record({**entry, "cached": True, "status": "ok"})
            return Reply(hit["content"], hit.get("refusal"), cached=True,
                         truncated=bool(hit.get("truncated")))
        if self.endpoint.transport == "transformers":
            return self._generate(request, key, entry)
        return self._request(stage, request, key, entry)

    def _generate(self, request: dict, key: str, entry: dict) -> Reply:
        """An answer from the hf: model in this process: no network, so no retries."""
        from linguacodus.llm.local import LocalModel

        self.ledger.check_budget()
        if self._local is None:
            self._local = LocalModel(self.endpoint.model, self.settings.local_max_tokens)
        started = time.monotonic()
        logged = {**entry, "attempt": 1, "messages": request["messages"]}
        try:
            answer = self._local.chat(request["messages"])
        except LLMError as error:
            self._failed(logged, started, str(error))
            raise
        return self._succeeded(logged, started, key, answer.content, None, answer.prompt_tokens,
                               answer.completion_tokens, answer.finish_reason)

    def _request(self, stage: str, request: dict, key: str, entry: dict) -> Reply:
        from openai import APIConnectionError, APIStatusError, APITimeoutError

        if self._unreachable is not None:  # don't spend the run's time on a dead server again
            raise LLMError(f"{stage}: {self.endpoint.base_url} was unreachable earlier in this "
                           f"run ({self._unreachable})")
        tries = self.settings.max_retries + 1
        attempt = 0
        while True:
            attempt += 1
            self.ledger.check_budget()
            left = self.ledger.seconds_left()
            timeout = self.settings.timeout if left is None else min(self.settings.timeout, left)
            started = time.monotonic()
            logged = {**entry, "attempt": attempt, "messages": request["messages"]}
            try:
                response = self._client().chat.completions.create(
                    **request, extra_headers={STAGE_HEADER: stage}, timeout=timeout)
            except (APITimeoutError, APIConnectionError) as error:
                kind = "timeout" if isinstance(error, APITimeoutError) else "connection"
                self._failed(logged, started, f"{kind}: {error}")
                if attempt == tries:
                    if kind == "connection":
                        self._unreachable = f"{kind}: {error}"
                    raise LLMError(f"{stage}: {kind} after {tries} tries ({error})") from None
                self._sleep(attempt, None)
                continue
            except APIStatusError as error:
                status = error.status_code
                self._failed(logged, started, f"http {status}: {_message(error)}")
                if status == 400 and "response_format" in request:
                    # The server does not take a JSON schema: ask for JSON in words only.
                    self._schema_unsupported()
                    request = {k: v for k, v in request.items() if k != "response_format"}
                    key = request_key({"base_url": self.endpoint.base_url, **request})
                    attempt -= 1  # not a failed try: the same question, asked differently
                    continue
                if (status in _RETRYABLE_STATUS or status >= 500) and attempt < tries:
                    self._sleep(attempt, error.response.headers.get("retry-after"))
                    continue
                raise LLMError(f"{stage}: http {status} from {self.endpoint.base_url}: "
                               f"{_message(error)}") from None
            return self._answered(response, logged, started, key)

    def _answered(self, response, logged: dict, started: float, key: str) -> Reply:
        choice = response.choices[0] if response.choices else None
        message = choice.message if choice is not None else None
        usage = response.usage
        return self._succeeded(
            logged, started, key, (message.content or "") if message is not None else "",
            getattr(message, "refusal", None) if message is not None else None,
            usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0,
            getattr(choice, "finish_reason", None))

    def _succeeded(self, logged: dict, started: float, key: str, content: str,
                   refusal: str | None, prompt_tokens: int, completion_tokens: int,
                   finish_reason: str | None) -> Reply:
        """Count, log and cache an answer (from a server or a model run here)."""
        price = price_of(self.endpoint, self.settings) or (0.0, 0.0)
        cost = (prompt_tokens * price[0] + completion_tokens * price[1]) / 1e6
        self.ledger.record({**logged, "cached": False, "status": "ok",
                            "latency_s": round(time.monotonic() - started, 3),
                            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                            "cost_usd": round(cost, 6), "finish_reason": finish_reason,
                            "refusal": refusal, "content": content})
        truncated = finish_reason == "length"
        if self.cache is not None:
            self.cache.put(key, {"content": content, "refusal": refusal, "truncated": truncated})
        return Reply(content, refusal, cached=False, truncated=truncated)

    def _failed(self, logged: dict, started: float, error: str) -> None:
        self.ledger.record({**logged, "cached": False, "status": "error", "error": error[:500],
                            "latency_s": round(time.monotonic() - started, 3)})

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        delay = self.settings.backoff * 2 ** (attempt - 1)
        if retry_after:
            try:
                delay = max(delay, float(retry_after))
            except ValueError:
                pass
        time.sleep(min(delay, MAX_BACKOFF))

    # --- answers that must parse ---
    def ask(self, stage: str, prompt: str, messages: list[dict], parse: Callable[[str], T],
            schema: dict | None = None) -> T:
        """An answer that `parse` accepts; a bad one is shown its error and asked again,
        at most settings.reasks times. Raises LLMError (the stage then falls back)."""
        messages = list(messages)
        error = None
        for _ in range(self.settings.reasks + 1):
            reply = self.complete(stage, prompt, messages, schema)
            if reply.refusal:
                raise LLMError(f"{stage}: the model refused: {reply.refusal[:200]}")
            try:
                return parse(reply.content)
            except (ValueError, TypeError, KeyError, SyntaxError) as caught:
                error = caught
            cut = (" It was cut off at the length limit: answer more briefly."
                   if reply.truncated else "")
            messages += [{"role": "assistant", "content": reply.content},
                         {"role": "user", "content": f"That answer can't be used: {error}.{cut}\n"
                          "Answer again, in the format asked for, with nothing else."}]
        raise LLMError(f"{stage}: no usable answer after {self.settings.reasks} re-asks: {error}")


def _message(error) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:300]
    return str(error)[:300]


_FENCE = re.compile(r"```[a-zA-Z0-9_+-]*\s*\n(.*?)```", re.S)


def parse_json_object(text: str) -> dict:
    """The JSON object in an answer: bare, fenced, or between prose."""
    candidates = [block for block in _FENCE.findall(text)] + [text]
    for candidate in candidates:
        start, end = candidate.find("{"), candidate.rfind("}")
        if start < 0 or end <= start:
            continue
        try:
            value = json.loads(candidate[start:end + 1])
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    raise ValueError("no JSON object found in the answer")


def parse_python(text: str) -> str:
    """The Python code in an answer: the longest fenced block, or the whole answer; it must
    parse."""
    blocks = [b for b in _FENCE.findall(text) if b.strip()]
    code = max(blocks, key=len) if blocks else text
    if not code.strip():
        raise ValueError("the answer has no code")
    try:
        ast.parse(code)
    except SyntaxError as error:
        raise SyntaxError(f"the code does not parse: {error.msg} at line {error.lineno}") from None
    return code.strip() + "\n"
