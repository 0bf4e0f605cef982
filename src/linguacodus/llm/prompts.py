"""Prompt templates: versioned files under llm/prompts/, one a stage step.

A template is a `version: N` line, then `--- system` and `--- user` parts; `${name}`
placeholders are filled by `render`, which fails loudly on a missing value. The name and
version of each prompt go to llm_calls.jsonl, and the rendered text is part of the cache
key, so changing a template never serves a stale answer.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from string import Template

FOLDER = Path(__file__).resolve().parent / "prompts"
_PART = re.compile(r"^--- (system|user)\s*$", re.M)


@cache
def _load(name: str) -> tuple[str, dict[str, str]]:
    path = FOLDER / f"{name}.md"
    text = path.read_text(encoding="utf-8")
    header, _, body = text.partition("\n")
    version = header.removeprefix("version:").strip()
    if not header.startswith("version:") or not version:
        raise RuntimeError(f"prompt template {path} must start with a 'version: N' line")
    pieces = _PART.split(body)
    parts = {role: content.strip() for role, content in zip(pieces[1::2], pieces[2::2], strict=True)}
    if "user" not in parts:
        raise RuntimeError(f"prompt template {path} has no '--- user' part")
    return version, parts


def render(name: str, **values: object) -> tuple[str, list[dict]]:
    """(name@version, chat messages) of a template with its placeholders filled."""
    version, parts = _load(name)
    messages = [{"role": role, "content": Template(parts[role]).substitute(
        {key: str(value) for key, value in values.items()})}
        for role in ("system", "user") if role in parts]
    return f"{name}@{version}", messages


def names() -> list[str]:
    return sorted(path.stem for path in FOLDER.glob("*.md"))
