"""What the LLM stages spent: calls, tokens and dollars per stage, the budget, the log.

One Ledger per run, shared by every stage's client: `--max-calls` and `--max-cost` bound
the run as a whole. Every request is written to llm_calls.jsonl as it ends (the key never:
it is not part of what is logged).
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

MIN_REQUEST_SECONDS = 2.0  # less time than this left: no request is started


class LLMError(RuntimeError):
    """A stage could not get a usable answer; the stage falls back to the offline brain."""


class BudgetExhausted(LLMError):
    pass


class StageUsage(BaseModel):
    model_config = ConfigDict(frozen=True)

    calls: int = 0  # HTTP requests, retries included
    cached: int = 0  # answers served from the cache
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    failures: int = 0  # requests that ended in an error
    fallbacks: tuple[str, ...] = ()  # why the stage gave the work to the offline brain


class Ledger:
    def __init__(self, log_path: Path | None = None, max_calls: int | None = None,
                 max_cost: float | None = None) -> None:
        self.log_path = Path(log_path) if log_path is not None else None
        self.max_calls = max_calls
        self.max_cost = max_cost
        self.stages: dict[str, StageUsage] = {}
        self.deadline: float | None = None  # time.monotonic() by which requests must end
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        return sum(usage.calls for usage in self.stages.values())

    @property
    def cost(self) -> float:
        return sum(usage.cost_usd for usage in self.stages.values())

    def seconds_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def check_budget(self) -> None:
        """Raise BudgetExhausted before a request the budget does not allow."""
        left = self.seconds_left()
        if left is not None and left < MIN_REQUEST_SECONDS:
            raise BudgetExhausted("the run's time for model requests is spent")
        if self.max_calls is not None and self.calls >= self.max_calls:
            raise BudgetExhausted(f"--max-calls {self.max_calls} reached")
        if self.max_cost is not None and self.cost >= self.max_cost:
            raise BudgetExhausted(f"--max-cost ${self.max_cost:g} reached (${self.cost:.4f} spent)")

    def _add(self, stage: str, **increments) -> None:
        usage = self.stages.get(stage, StageUsage())
        update = {name: getattr(usage, name) + value for name, value in increments.items()}
        self.stages[stage] = usage.model_copy(update=update)

    def record(self, entry: dict) -> None:
        """One request (or cache hit) as it ended: counted, then appended to the log."""
        with self._lock:
            stage = entry["stage"]
            if entry.get("cached"):
                self._add(stage, cached=1)
            else:
                self._add(stage, calls=1, failures=0 if entry["status"] == "ok" else 1,
                          prompt_tokens=entry.get("prompt_tokens") or 0,
                          completion_tokens=entry.get("completion_tokens") or 0,
                          cost_usd=entry.get("cost_usd") or 0.0)
            if self.log_path is not None:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                with self.log_path.open("a", encoding="utf-8") as stream:
                    stream.write(json.dumps({"time": round(time.time(), 3), **entry},
                                            ensure_ascii=False) + "\n")

    def fallback(self, stage: str, reason: str) -> None:
        with self._lock:
            self._add(stage, fallbacks=(reason[:300],))
            if self.log_path is not None:
                with self.log_path.open("a", encoding="utf-8") as stream:
                    stream.write(json.dumps({"time": round(time.time(), 3), "stage": stage,
                                             "status": "fallback", "reason": reason}) + "\n")

    def summary(self) -> dict[str, dict]:
        return {stage: usage.model_dump() for stage, usage in sorted(self.stages.items())}
