"""linguacodus finetune …: training data for an instruction model (and, next, its training)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

finetune_app = typer.Typer(help="Fine-tune an instruction model on ranked instructions "
                                "(the paper's Phase 1).", no_args_is_help=True)
console = Console(stderr=True)


def _error(message: str) -> None:
    console.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(2)


@finetune_app.command("dataset")
def dataset(
    out: Annotated[Path, typer.Option("--out", help="Folder for train.jsonl, validation.jsonl "
                                                    "and dataset.json.")],
    paper_corpus: Annotated[Path | None, typer.Option(
        "--paper-corpus", help="The paper's corpus CSV (linguacodus_instructions.csv, MIT).")] = None,
    kb: Annotated[Path | None, typer.Option(
        "--kb", help="A knowledge base: its tasks' best measured recipes (default: yours if "
                     "present, else the shipped one).")] = None,
    no_kb: Annotated[bool, typer.Option("--no-kb", help="Use the paper's corpus only.")] = False,
    style: Annotated[str, typer.Option(
        "--style", help="paper: the instruction's prose as the answer (as the paper trains); "
                        "ir: linguacodus Markdown that parses into the Instruction IR.")] = "paper",
    places: Annotated[int, typer.Option("--places", min=1, max=8,
                                        help="A knowledge-base task's best this many recipes.")] = 3,
    validation_share: Annotated[float, typer.Option(
        "--validation-share", min=0.0, max=0.9,
        help="Share of tasks (never of rows) held out in validation.jsonl.")] = 0.1,
) -> None:
    """Write chat-format rows ({"messages": [...], "task": ...}): a task's description in
    the paper's prompt, its Nth-place instruction as the answer; split by task."""
    from linguacodus.finetune.dataset import build_dataset, kb_examples, paper_examples
    from linguacodus.knowledge.store import KnowledgeStore, default_kb_path

    if style not in ("paper", "ir"):
        _error(f"--style must be paper or ir, not {style!r}")
    if paper_corpus is not None and not paper_corpus.is_file():
        _error(f"--paper-corpus {paper_corpus}: no such file")
    kb_path = None if no_kb else (kb or default_kb_path())
    if kb is not None and not kb.is_file():
        _error(f"--kb {kb}: no such file")
    if paper_corpus is None and kb_path is None:
        _error("nothing to read: give --paper-corpus FILE, or a knowledge base (--kb)")
    if out.exists() and any(out.iterdir()):
        _error(f"{out} exists and is not empty; choose another --out")
    skipped: Counter = Counter()

    def examples():
        if paper_corpus is not None:
            yield from paper_examples(paper_corpus, skipped)
        if kb_path is not None:
            yield from kb_examples(KnowledgeStore(kb_path, read_only=True).open(), places)

    try:
        summary = build_dataset(examples(), out, style, validation_share, skipped)  # type: ignore[arg-type]
    except (ValueError, RuntimeError) as error:
        _error(str(error))
    console.print(f"train.jsonl: {summary.rows['train']} rows of {summary.tasks['train']} tasks; "
                  f"validation.jsonl: {summary.rows['validation']} rows of "
                  f"{summary.tasks['validation']} tasks; by source {summary.sources}",
                  markup=False, soft_wrap=True)
    for reason, count in sorted(summary.skipped.items(), key=lambda item: -item[1]):
        console.print(f"  left out {count}: {reason}", markup=False, soft_wrap=True)
    console.print(f"wrote {out}/train.jsonl, validation.jsonl, dataset.json", markup=False)
