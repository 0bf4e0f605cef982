"""The integrated script as a Jupyter notebook: one Markdown and one code cell a component."""

from __future__ import annotations

import json
import re

_RULE = "# " + "=" * 78
_TITLE = re.compile(r"^# (\d+)\. (.+)$")


def script_to_notebook(script: str) -> str:
    """nbformat-4 JSON whose cells, run in order, do exactly what the script does."""
    lines = script.splitlines()
    cells: list[dict] = []
    code: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        title = _TITLE.match(lines[index + 1]) if line == _RULE and index + 1 < len(lines) else None
        if title is None:
            code.append(line)
            index += 1
            continue
        _flush(cells, code)
        quotes = []
        index += 2
        while index < len(lines) and lines[index] != _RULE:
            text = lines[index][1:].strip()
            if text.startswith("- "):
                quotes.append(text)
            elif quotes:
                quotes[-1] += " " + text
            index += 1
        index += 1  # the closing rule
        cells.append(_cell("markdown", [f"## {title.group(1)}. {title.group(2)}", ""] + quotes))
    _flush(cells, code)
    for number, cell in enumerate(cells, start=1):
        cell["id"] = f"cell-{number}"
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def _flush(cells: list[dict], code: list[str]) -> None:
    while code and not code[0].strip():
        code.pop(0)
    while code and not code[-1].strip():
        code.pop()
    if code:
        cells.append(_cell("code", code))
    code.clear()


def _cell(kind: str, lines: list[str]) -> dict:
    source = [line + "\n" for line in lines[:-1]] + lines[-1:]
    cell = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell
