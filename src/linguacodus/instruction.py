"""Instruction IR: the paper's three-part plan as structured steps plus free text.

An Instruction renders to Markdown in the style of the paper's instructions and parses
back from that Markdown after a user edits it. Structured steps carry their operation
as a trailing code span, e.g. ``- Fill missing values with the median. `impute_numeric(strategy='median')```;
bullets without one are free text, kept verbatim.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from linguacodus.errors import InstructionError
from linguacodus.ops import SECTIONS, Section, get_operation


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    op: str | None = None  # None: free text, not executed by the offline compiler
    params: dict[str, Any] = Field(default_factory=dict)

    def param(self, name: str) -> Any:
        """The step's value for a parameter, or the operation's default."""
        if name in self.params:
            return self.params[name]
        return get_operation(self.op).defaults[name] if self.op else None

    def call(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        return f"{self.op}({args})"


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str  # "rules", "user", "knowledge-base", "llm", ...
    rank: int | None = None
    score: float | None = None
    note: str = ""


class Instruction(BaseModel):
    model_config = ConfigDict(frozen=True)

    title: str
    preprocessing: tuple[Step, ...] = ()
    model: tuple[Step, ...] = ()
    training: tuple[Step, ...] = ()
    postprocess: tuple[Step, ...] = ()
    provenance: Provenance = Provenance(source="user")
    # A blend: the members' predictions averaged with these weights; sections stay empty.
    members: tuple[Instruction, ...] = ()
    weights: tuple[float, ...] = ()
    # A stack: instead of the weights, a linear model fitted on the members' out-of-fold
    # predictions combines them (stacking.py).
    stack: bool = False

    @property
    def is_blend(self) -> bool:
        return bool(self.members)

    def section(self, name: Section) -> tuple[Step, ...]:
        return getattr(self, name)

    def steps(self) -> list[Step]:
        return [step for name in SECTIONS for step in self.section(name)]

    def find(self, op: str) -> Step | None:
        return next((s for s in self.steps() if s.op == op), None)

    def model_step(self) -> Step:
        if self.is_blend:
            raise InstructionError(f"'{self.title}' is a blend; its members have the models")
        models = [s for s in self.model if s.op]
        if len(models) != 1:
            raise InstructionError(
                f"instruction '{self.title}' needs exactly one model operation in 'Model "
                f"architecture', found {len(models)}"
            )
        return models[0]

    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")[:40] or "instruction"


def make_step(op: str, **params: Any) -> Step:
    """A structured step whose sentence is written from the operation's registry entry."""
    operation = get_operation(op)
    unknown = set(params) - set(operation.defaults)
    if unknown:
        raise InstructionError(f"operation {op} has no parameter(s) {', '.join(sorted(unknown))}")
    merged = {**operation.defaults, **params}
    return Step(text=operation.describe(merged), op=op, params=params)


SECTION_TITLES: dict[Section, str] = {
    "preprocessing": "Data preprocessing",
    "model": "Model architecture",
    "training": "Model training",
    "postprocess": "Postprocessing",
}
_PROVENANCE = re.compile(r"<!--\s*linguacodus-provenance\s+(\{.*\})\s*-->")


_MEMBER = re.compile(r"^## Member (\d+): (.+)$", re.MULTILINE)
_BLEND = re.compile(r"`blend\(weights=(\[[^\]]*\])\)`")
_STACK = "`stack(model='linear')`"


def render_markdown(instruction: Instruction) -> str:
    lines = [f"# {instruction.title}", ""]
    lines.append(f"<!-- linguacodus-provenance {instruction.provenance.model_dump_json()} -->")
    if instruction.is_blend:
        return _render_blend(instruction, lines)
    for name in SECTIONS:
        steps = instruction.section(name)
        if not steps and name == "postprocess":
            continue
        lines += ["", f"## {SECTION_TITLES[name]}", ""]
        for step in steps:
            text = " ".join(step.text.split())
            lines.append(f"- {text} `{step.call()}`" if step.op else f"- {text}")
    return "\n".join(lines) + "\n"


def _render_blend(instruction: Instruction, lines: list[str]) -> str:
    lines += ["", "## Ensemble", ""]
    if instruction.stack:
        lines += [f"- {member.title}" for member in instruction.members]
        lines.append("- Fit a regularised linear model on the members' out-of-fold predictions "
                     "(cross-validated on folds of its own) and predict with it. " + _STACK)
    else:
        for weight, member in zip(instruction.weights, instruction.members, strict=True):
            lines.append(f"- {weight:.3f} × {member.title}")
        weights = [round(w, 4) for w in instruction.weights]
        lines.append("- Average the members' predictions (probabilities or values) with these "
                     f"weights, fitted on their out-of-fold predictions. `blend(weights={weights!r})`")
    for number, member in enumerate(instruction.members, start=1):
        body = render_markdown(member).splitlines()[1:]  # the member's title is in its heading
        lines += ["", f"## Member {number}: {member.title}"]
        lines += [f"#{line}" if line.startswith("## ") else line for line in body]
    return "\n".join(lines) + "\n"


def _parse_blend(text: str) -> Instruction:
    parts = _MEMBER.split(text)  # [head, number, title, body, number, title, body, ...]
    head = parse_markdown(parts[0].replace("## Ensemble", "", 1).split("\n- ")[0])
    members = []
    for title, body in zip(parts[2::3], parts[3::3], strict=True):
        promoted = "\n".join(line[1:] if line.startswith("### ") else line for line in body.splitlines())
        members.append(parse_markdown(f"# {title.strip()}\n{promoted}"))
    if _STACK in parts[0]:
        return head.model_copy(update={"members": tuple(members), "stack": True,
                                       "weights": tuple(1 / len(members) for _ in members)})
    found = _BLEND.search(parts[0])
    if found is None:
        raise InstructionError("an ensemble needs a `blend(weights=[...])` or "
                               f"{_STACK} line under '## Ensemble'")
    weights = tuple(float(w) for w in ast.literal_eval(found.group(1)))
    if len(weights) != len(members) or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise InstructionError(
            f"blend has {len(members)} member(s) but weights {list(weights)}; give one "
            "non-negative weight a member"
        )
    return head.model_copy(update={"members": tuple(members), "weights": weights})


def _section_of(heading: str) -> Section | None:
    lowered = heading.lower()
    if "preprocess" in lowered or "feature" in lowered or lowered.strip() == "data":
        return "preprocessing"
    if "architecture" in lowered or lowered.strip() in ("model", "models"):
        return "model"
    if "train" in lowered or "validat" in lowered:
        return "training"
    if "post" in lowered or "predict" in lowered or "submission" in lowered:
        return "postprocess"
    return None


_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.*?)\s*#*\s*$|^\s*\*\*(.+?):?\*\*:?\s*$|^\s*([A-Z][\w ]+):\s*$")
_CALL = re.compile(r"\s*`([a-z_][a-z0-9_]*\(.*\))`\s*$")


def parse_markdown(text: str) -> Instruction:
    """Parse an Instruction from Markdown, as rendered or as edited by hand."""
    if _MEMBER.search(text):
        return _parse_blend(text)
    title = None
    provenance = Provenance(source="user")
    sections: dict[Section, list[Step]] = {name: [] for name in SECTIONS}
    current: Section | None = None
    pending: list[str] = []  # lines of the bullet being read (bullets may wrap)

    def flush(line_no: int) -> None:
        if pending and current is not None:
            sections[current].append(_parse_step(" ".join(pending), line_no))
        pending.clear()

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        found = _PROVENANCE.search(line)
        if found:
            provenance = Provenance.model_validate(json.loads(found.group(1)))
            continue
        if title is None and line.startswith("# "):
            title = line[2:].strip()
            continue
        heading = _HEADING.match(line)
        if heading:
            flush(number)
            words = next(g for g in heading.groups() if g)
            current = _section_of(words)
            if current is None:
                raise InstructionError(
                    f"line {number}: heading '{words}' is none of: "
                    + ", ".join(SECTION_TITLES.values())
                )
            continue
        if not line.strip():
            flush(number)
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush(number)
            pending.append(bullet.group(1).strip())
        elif current is None:
            continue  # prose before the first section is commentary
        else:
            pending.append(line.strip())
    flush(len(text.splitlines()))
    if title is None:
        raise InstructionError("the instruction has no '# Title' line")
    return Instruction(title=title, provenance=provenance,
                       **{name: tuple(steps) for name, steps in sections.items()})


def _parse_step(text: str, line_no: int) -> Step:
    found = _CALL.search(text)
    if not found:
        return Step(text=text)
    call = found.group(1)
    sentence = text[: found.start()].strip()
    try:
        node = ast.parse(call, mode="eval").body
    except SyntaxError:
        raise InstructionError(f"line {line_no}: can't read the operation `{call}`") from None
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name) or node.args:
        raise InstructionError(
            f"line {line_no}: `{call}` must look like op(name=value, ...)"
        )
    try:
        operation = get_operation(node.func.id)
    except KeyError as error:
        raise InstructionError(f"line {line_no}: {error.args[0]}") from None
    params = {}
    for keyword in node.keywords:
        if keyword.arg not in operation.defaults:
            raise InstructionError(
                f"line {line_no}: {operation.name} has no parameter '{keyword.arg}' "
                f"(it takes: {', '.join(operation.defaults) or 'none'})"
            )
        try:
            params[keyword.arg] = ast.literal_eval(keyword.value)
        except ValueError:
            raise InstructionError(
                f"line {line_no}: the value of {keyword.arg} in `{call}` must be a literal"
            ) from None
    return Step(text=sentence or operation.describe({**operation.defaults, **params}),
                op=operation.name, params=params)


def save_instruction(instruction: Instruction, stem: str | Path) -> None:
    """Write ``stem``.md and ``stem``.json (stem: a path without suffix)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".md").write_text(render_markdown(instruction), encoding="utf-8")
    stem.with_suffix(".json").write_text(instruction.model_dump_json(indent=2), encoding="utf-8")


def load_instruction(path: str | Path) -> Instruction:
    """Read an instruction from .md (parsed) or .json (validated)."""
    path = Path(path)
    if not path.is_file():
        raise InstructionError(f"instruction file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return Instruction.model_validate_json(text)
        except ValueError as error:
            raise InstructionError(f"{path}: not a valid instruction ({error})") from None
    return parse_markdown(text)
