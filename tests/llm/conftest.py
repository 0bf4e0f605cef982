"""Fixtures of the LLM tests: a scripted chat-completions server on 127.0.0.1, and the
settings a run against it uses (short timeouts, no backoff, a cache in tmp_path)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scripted_server import ScriptedLLM  # noqa: E402

from linguacodus.llm.config import LLMSettings  # noqa: E402


@pytest.fixture
def scripted():
    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def llm_settings(tmp_path: Path) -> LLMSettings:
    return LLMSettings(timeout=1.0, max_retries=2, backoff=0.01, cache_dir=tmp_path / "llm-cache")
