"""Python literals in the house style, for every value that reaches generated code."""

from __future__ import annotations

import json


def py(value: object) -> str:
    """A Python literal in the house style (double-quoted strings)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items()) + "}"
    return repr(value)


def assign(name: str, value: object, width: int = 96) -> str:
    """``NAME = literal``, one item a line when it would be too long."""
    line = f"{name} = {py(value)}"
    if len(line) <= width or not isinstance(value, list | tuple | dict):
        return line
    if isinstance(value, dict):
        items = [f"    {py(k)}: {py(v)}," for k, v in value.items()]
        return f"{name} = {{\n" + "\n".join(items) + "\n}"
    return f"{name} = [\n" + "\n".join(f"    {py(v)}," for v in value) + "\n]"


def _escaped(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


def _printable(char: str) -> bool:
    return char.isprintable() and char not in "\u2028\u2029"


def docstring_text(text: str) -> str:
    """Text that stays text inside a triple-quoted docstring, whatever it holds: quotes and
    backslashes escaped (a title ending the docstring would run as code), control
    characters other than newlines and tabs written as escapes."""
    return "".join("\\" + char if char in '\\"' else
                   char if char in "\n\t" or _printable(char) else _escaped(char)
                   for char in str(text))


def comment_text(text: str) -> str:
    """Text on one comment line: every run of whitespace (line breaks too) one space, other
    control characters written as escapes."""
    return "".join(char if _printable(char) else _escaped(char)
                   for char in " ".join(str(text).split()))
