"""Chat-format training data: task descriptions → the Nth-place instruction.

Two sources: the paper's corpus (its Llama-2 rows: a Kaggle task and the instruction
extracted from the notebook that placed N-th) and a knowledge base (a built task's recipes,
ranked by their measured CV score). Two styles of answer: ``paper`` (the instruction's
prose, as the paper trains) and ``ir`` (the instruction as linguacodus's Markdown, which
parses back into the Instruction IR; corpus rows whose prose names no model are left out).
The prompt is the one `--llm-propose places` asks at run time (llm/prompts/propose_place.md),
so a model trained here is asked what it was trained on.

Rows are split by task, never by row: every instruction of a task is in train.jsonl or in
validation.jsonl, by a stable hash of the task's name, so a validation score measures tasks
the model has not seen.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from linguacodus.instruction import Instruction, render_markdown
from linguacodus.knowledge.paper_corpus import parse_row, place_word, to_instruction
from linguacodus.knowledge.store import KnowledgeStore
from linguacodus.llm.prompts import render

Style = Literal["paper", "ir"]
MAX_DESCRIPTION = 4000  # characters of a task description in a prompt (llm/context.py's cut)


@dataclass(frozen=True)
class Example:
    """One task's Nth-place instruction, from one source."""

    task: str  # the split key: a task's examples stay together
    source: str  # "paper" or "kb"
    place: int  # 1 = the best
    description: str  # title and description, as the prompt shows them
    data_kind: str  # "tabular", "text", ... (the paper's "data type")
    metric: str
    prose: str  # the instruction as text
    instruction: Instruction | None  # as IR, where it parses into one with a model


@dataclass(frozen=True)
class DatasetSummary:
    rows: dict[str, int]  # split → rows
    tasks: dict[str, int]  # split → tasks
    sources: dict[str, int]  # source → rows
    data_kinds: dict[str, int]  # data kind → rows
    places: dict[str, int]  # place → rows
    style: str
    validation_share: float
    skipped: dict[str, int]  # reason → rows left out


def paper_examples(csv_path: Path, skipped: Counter) -> Iterator[Example]:
    """The paper's corpus rows that parse (the reasons for the others counted in skipped)."""
    frame = pd.read_csv(csv_path)
    missing = {"prompt", "kaggle_id"} - set(frame.columns)
    if missing:
        raise ValueError(f"{csv_path} lacks column(s) {', '.join(sorted(missing))}")
    for prompt, notebook in zip(frame["prompt"], frame["kaggle_id"], strict=True):
        parsed = parse_row(prompt, notebook)
        if isinstance(parsed, str):
            skipped[f"paper corpus: {parsed}"] += 1
            continue
        instruction = to_instruction(parsed)
        has_model = any(step.op for step in instruction.model)
        yield Example(task=f"paper:{parsed.title}", source="paper", place=parsed.rank,
                      description=f"{parsed.title}\n{parsed.description}".strip(),
                      data_kind=parsed.data_type.lower() or "tabular", metric=parsed.metric,
                      prose=parsed.text, instruction=instruction if has_model else None)


def kb_examples(store: KnowledgeStore, places: int) -> Iterator[Example]:
    """A built knowledge base's tasks, each with its best ``places`` measured recipes."""
    for task in store.tasks():
        ranked = store.ranked_outcome_instructions(int(task["id"]), places)
        kind = "text" if task["meta"].get("text_share", 0) > 0 else "tabular"
        for place, (_, instruction) in enumerate(ranked, start=1):
            yield Example(task=f"kb:{task['source_id']}", source="kb", place=place,
                          description=f"{task['title']}\n{task['description']}".strip(),
                          data_kind=kind, metric=str(task["metric"] or "unknown"),
                          prose=_prose(instruction), instruction=instruction)


def _prose(instruction: Instruction) -> str:
    """An instruction's steps under the paper's three headings, as its answers read."""
    parts = []
    for heading, steps in (("Data preprocessing", instruction.preprocessing),
                           ("Model architecture", instruction.model),
                           ("Model training", instruction.training + instruction.postprocess)):
        if steps:
            parts.append(f"{heading}:\n" + "\n".join(f"- {' '.join(s.text.split())}" for s in steps))
    return "\n\n".join(parts)


def chat_row(example: Example, style: Style) -> dict | None:
    """{"messages": [...], "task": ...} for one example, or None where the style can't
    answer it (ir: an instruction without a model)."""
    description = example.description
    if len(description) > MAX_DESCRIPTION:
        description = description[:MAX_DESCRIPTION] + "\n[… cut …]"
    _, messages = render("propose_place", place=place_word(example.place), description=description,
                         data_kind=example.data_kind, metric=example.metric)
    if style == "ir":
        if example.instruction is None:
            return None
        answer = render_markdown(example.instruction.model_copy(update={"title": _ir_title(example)}))
        answer = "\n".join(line for line in answer.splitlines()
                           if not line.startswith("<!-- linguacodus-provenance"))
        answer = re.sub(r"\n{3,}", "\n\n", answer)
    else:
        answer = example.prose
    return {"messages": [*messages, {"role": "assistant", "content": answer.strip()}],
            "task": example.task, "place": example.place, "source": example.source}


def _ir_title(example: Example) -> str:
    return (example.instruction.title if example.source == "kb" and example.instruction
            else f"Place {example.place} instruction")


def in_validation(task: str, share: float) -> bool:
    """A stable, seedless choice by the task's name: the same on every machine and run."""
    digest = int(hashlib.sha256(task.encode("utf-8")).hexdigest()[:8], 16)
    return digest / 0xFFFFFFFF < share


def build_dataset(examples: Iterable[Example], out: Path, style: Style, validation_share: float,
                  skipped: Counter) -> DatasetSummary:
    """Write out/train.jsonl, out/validation.jsonl and out/dataset.json; the summary."""
    out.mkdir(parents=True, exist_ok=True)
    rows: Counter = Counter()
    tasks: dict[str, set[str]] = {"train": set(), "validation": set()}
    sources: Counter = Counter()
    kinds: Counter = Counter()
    places: Counter = Counter()
    partial = {name: out / f".{name}.jsonl.partial" for name in ("train", "validation")}
    streams = {name: path.open("w", encoding="utf-8") for name, path in partial.items()}
    try:
        for example in examples:
            row = chat_row(example, style)
            if row is None:
                skipped["ir style: the instruction names no model linguacodus knows"] += 1
                continue
            split = "validation" if in_validation(example.task, validation_share) else "train"
            streams[split].write(json.dumps(row, ensure_ascii=False) + "\n")
            rows[split] += 1
            tasks[split].add(example.task)
            sources[example.source] += 1
            kinds[example.data_kind] += 1
            places[str(example.place)] += 1
    finally:
        for stream in streams.values():
            stream.close()
    for name, path in partial.items():  # whole files or none
        path.replace(out / f"{name}.jsonl")
    summary = DatasetSummary(
        rows={split: rows[split] for split in ("train", "validation")},
        tasks={split: len(names) for split, names in tasks.items()},
        sources=dict(sources), data_kinds=dict(kinds.most_common()),
        places=dict(sorted(places.items(), key=lambda item: int(item[0]))), style=style,
        validation_share=validation_share, skipped=dict(skipped))
    (out / "dataset.json").write_text(json.dumps(asdict(summary), indent=1) + "\n", encoding="utf-8")
    return summary
