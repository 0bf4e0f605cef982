"""Which model each stage talks to: the `--llm` syntax, per-stage overrides, settings.

`--llm` takes one of

    openai:MODEL          https://api.openai.com/v1 (or $OPENAI_BASE_URL), key $OPENAI_API_KEY
    openrouter:MODEL      https://openrouter.ai/api/v1, key $OPENROUTER_API_KEY
    ollama:MODEL          http://127.0.0.1:11434/v1 (or $OLLAMA_HOST)
    vllm:MODEL            http://127.0.0.1:8000/v1
    llamacpp:MODEL        http://127.0.0.1:8080/v1 (llama.cpp's llama-server)
    lmstudio:MODEL        http://127.0.0.1:1234/v1
    http(s)://HOST[:PORT]/PATH#MODEL   any OpenAI-compatible server
    hf:PATH               a local Hugging Face model folder (or LoRA adapter), run in this
                          process with transformers: no server (pip install 'linguacodus[local]')

MODEL may be left out where $LINGUACODUS_LLM_MODEL names it. The key comes from
$LINGUACODUS_LLM_API_KEY where set, else the provider's variable above; servers on the
local machine need none. `--llm-stage STAGE=SPEC` gives one stage another model, and
`STAGE=offline` keeps that stage on the offline brain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

STAGES = ("understand", "extract", "propose", "select", "code", "fix")
OFFLINE = "offline"


class LLMConfigError(ValueError):
    """A --llm or --llm-stage value that can't be used; the message says how to fix it."""


@dataclass(frozen=True)
class _Provider:
    base_url: str
    key_env: str | None  # None: a local server, no key needed
    base_url_env: str | None = None


_PROVIDERS = {
    "openai": _Provider("https://api.openai.com/v1", "OPENAI_API_KEY", "OPENAI_BASE_URL"),
    "openrouter": _Provider("https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    "ollama": _Provider("http://127.0.0.1:11434/v1", None, "OLLAMA_HOST"),
    "vllm": _Provider("http://127.0.0.1:8000/v1", None),
    "llamacpp": _Provider("http://127.0.0.1:8080/v1", None),
    "lmstudio": _Provider("http://127.0.0.1:1234/v1", None),
}
KEY_ENV = "LINGUACODUS_LLM_API_KEY"
MODEL_ENV = "LINGUACODUS_LLM_MODEL"
CACHE_ENV = "LINGUACODUS_LLM_CACHE"
DEFAULT_CACHE = Path.home() / ".cache" / "linguacodus" / "llm"

# US dollars per million (input, output) tokens of hosted models, for --max-cost.
# Servers on this machine cost nothing; other models need --llm-price.
PRICES = {
    "gpt-4o-mini": (0.15, 0.60), "gpt-4o": (2.50, 10.00), "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60), "gpt-4.1-nano": (0.10, 0.40),
}


@dataclass(frozen=True)
class Endpoint:
    """One model on one server. The key is read from the environment when the client is
    made, never stored here, so that no record of the run can carry it."""

    base_url: str
    model: str
    key_env: str | None
    label: str  # the spec as the user wrote it, for logs and result.json
    transport: str = "openai"  # or "transformers": a model folder run in this process

    @property
    def is_local(self) -> bool:
        return self.transport == "transformers" or (
            urlparse(self.base_url).hostname or "") in ("127.0.0.1", "localhost", "::1")

    def api_key(self) -> str:
        for name in (KEY_ENV, self.key_env):
            if name and os.environ.get(name):
                return os.environ[name]
        if self.key_env is None or self.is_local:
            return "not-needed"  # the SDK insists on a key; local servers ignore it
        raise LLMConfigError(f"{self.label}: no API key; set {self.key_env} (or {KEY_ENV})")


def parse_endpoint(spec: str) -> Endpoint:
    """An Endpoint from the --llm syntax above."""
    spec = spec.strip()
    if spec.startswith("hf:"):
        folder = Path(spec.removeprefix("hf:")).expanduser()
        if not folder.is_dir():
            raise LLMConfigError(f"--llm {spec!r}: {folder} is not a model folder")
        folder = folder.resolve()
        return Endpoint(f"local://{folder}", str(folder), None, spec, transport="transformers")
    if spec.startswith(("http://", "https://")):
        base_url, _, model = spec.partition("#")
        parsed = urlparse(base_url)
        if not parsed.hostname:
            raise LLMConfigError(f"--llm {spec!r}: no host in the URL")
        model = model or os.environ.get(MODEL_ENV, "")
        if not model:
            raise LLMConfigError(f"--llm {spec!r}: name the model after '#', e.g. "
                                 f"{base_url.rstrip('/')}#qwen2.5-coder (or set {MODEL_ENV})")
        return Endpoint(base_url.rstrip("/"), model, None, spec)
    provider_name, colon, model = spec.partition(":")
    provider = _PROVIDERS.get(provider_name.lower())
    if not colon or provider is None:
        raise LLMConfigError(
            f"--llm {spec!r}: expected PROVIDER:MODEL with PROVIDER one of "
            f"{', '.join(_PROVIDERS)}, a URL like http://127.0.0.1:8000/v1#MODEL, or hf:PATH")
    model = model or os.environ.get(MODEL_ENV, "")
    if not model:
        raise LLMConfigError(f"--llm {spec!r}: name the model, e.g. {provider_name}:MODEL "
                             f"(or set {MODEL_ENV})")
    base_url = provider.base_url
    if provider.base_url_env and os.environ.get(provider.base_url_env):
        base_url = os.environ[provider.base_url_env].rstrip("/")
        if provider_name == "ollama":  # OLLAMA_HOST is host[:port], without the /v1
            base_url = (base_url if "://" in base_url else f"http://{base_url}") + "/v1"
    return Endpoint(base_url, model, provider.key_env, spec)


@dataclass(frozen=True)
class LLMSettings:
    timeout: float = 120.0  # seconds a request may take
    max_retries: int = 4  # on 429, 5xx, timeouts and dropped connections
    backoff: float = 1.0  # seconds before the first retry; doubles each time, at most 30 s
    max_calls: int | None = None  # HTTP requests of the whole run; cache hits are free
    max_cost: float | None = None  # US dollars of the whole run
    price: tuple[float, float] | None = None  # $/1M (input, output) tokens; None: PRICES
    temperature: float = 0.0
    cache_dir: Path | None = None  # None: no cache
    reasks: int = 2  # re-asks after an answer that does not parse or validate
    max_fixes: int = 2  # LLM fix iterations a candidate before the offline repairs
    propose_style: str = "few-shot"  # or "places": the paper's fine-tuned-model prompts
    review_top: int = 3  # candidates the researcher and resolver review
    local_max_tokens: int = 1024  # new tokens an answer of an hf: model may have


DEFAULT_SETTINGS = LLMSettings()


def default_cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV, str(DEFAULT_CACHE)))


@dataclass(frozen=True)
class BrainConfig:
    """Per stage, the endpoint that runs it; a stage not in `stages` runs offline."""

    stages: dict[str, Endpoint] = field(default_factory=dict)
    settings: LLMSettings = field(default_factory=LLMSettings)
    applicable: tuple[str, ...] = STAGES  # the stages the command has (`code` has no propose)

    @property
    def uses_llm(self) -> bool:
        return bool(self.stages)

    def label(self) -> str:
        """result.json's brain: offline, llm (every stage) or mixed."""
        if not self.stages:
            return "offline"
        return "llm" if set(self.stages) >= set(self.applicable) else "mixed"


def brain_config(llm: str | None, overrides: list[str] = (), settings: LLMSettings = DEFAULT_SETTINGS,
                 stages: tuple[str, ...] = STAGES) -> BrainConfig:
    """The stages' endpoints from --llm (every stage) and --llm-stage STAGE=SPEC overrides.

    `stages` are the stages that apply to the command (`kb extract` has only extract)."""
    chosen: dict[str, Endpoint] = {}
    if llm is not None and llm.strip().lower() != OFFLINE:
        endpoint = parse_endpoint(llm)
        chosen = {stage: endpoint for stage in stages}
    for override in overrides:
        stage, equals, spec = override.partition("=")
        stage = stage.strip().lower()
        if not equals or stage not in STAGES:
            raise LLMConfigError(f"--llm-stage {override!r}: expected STAGE=SPEC with STAGE one "
                                 f"of {', '.join(STAGES)}")
        if stage not in stages:
            continue
        if spec.strip().lower() == OFFLINE:
            chosen.pop(stage, None)
        else:
            chosen[stage] = parse_endpoint(spec)
    for endpoint in set(chosen.values()):
        endpoint.api_key()  # fail now, before any work, when a key is missing
        if settings.max_cost is not None and price_of(endpoint, settings) is None:
            raise LLMConfigError(f"--max-cost needs the price of {endpoint.model}; give "
                                 "--llm-price INPUT/OUTPUT (dollars per million tokens)")
    if settings.propose_style not in ("few-shot", "places"):
        raise LLMConfigError(f"--llm-propose must be few-shot or places, not "
                             f"{settings.propose_style!r}")
    return BrainConfig(chosen, settings, tuple(stages))


def price_of(endpoint: Endpoint, settings: LLMSettings) -> tuple[float, float] | None:
    """Dollars per million (input, output) tokens; None where unknown."""
    if settings.price is not None:
        return settings.price
    if endpoint.is_local:
        return (0.0, 0.0)
    return PRICES.get(endpoint.model.split("/")[-1])


def parse_price(text: str) -> tuple[float, float]:
    try:
        given, _, taken = text.partition("/")
        return float(given), float(taken)
    except ValueError:
        raise LLMConfigError(f"--llm-price {text!r}: expected INPUT/OUTPUT dollars per million "
                             "tokens, e.g. 0.15/0.60") from None


OFFLINE_BRAIN = BrainConfig()
