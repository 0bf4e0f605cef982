"""linguacodus kb …: the knowledge base (issue #4). So far: importing the paper's corpus."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

kb_app = typer.Typer(help="Knowledge base of ranked instructions.", no_args_is_help=True)
console = Console(stderr=True)
DEFAULT_DB = Path.home() / ".cache" / "linguacodus" / "knowledge.sqlite"

Db = Annotated[Path, typer.Option("--db", help="Knowledge base file (SQLite).")]


@kb_app.command("import-linguacodus")
def import_linguacodus(
    csv: Annotated[Path, typer.Argument(help="The paper's corpus: a CSV with prompt and kaggle_id "
                                        "columns (Llama-2 chat-format examples).")],
    db: Db = DEFAULT_DB,
) -> None:
    """Import the Linguacodus paper's ranked instructions; report parsed, mapped, skipped."""
    from linguacodus.knowledge.paper_corpus import import_corpus
    from linguacodus.knowledge.store import KnowledgeStore

    if not csv.is_file():
        console.print(f"error: {csv} does not exist", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    try:
        store = KnowledgeStore(db).open()
        report = import_corpus(csv, store)
    except (ValueError, RuntimeError) as error:
        console.print(f"error: {error}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for line in report.lines():
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    counts = store.counts()
    console.print(f"{db}: {counts['tasks']} tasks, {counts['instructions']} instructions",
                  markup=False, highlight=False, soft_wrap=True)


@kb_app.command("search")
def search(query: Annotated[str, typer.Argument(help="A task description, or words from one.")],
           db: Db = DEFAULT_DB,
           k: Annotated[int, typer.Option("-k", min=1, help="How many tasks.")] = 5) -> None:
    """The stored tasks most like the query, with their best-ranked instructions."""
    from linguacodus.knowledge.retrieval import nearest_tasks
    from linguacodus.knowledge.store import KnowledgeStore

    if not db.is_file():
        console.print(f"error: no knowledge base at {db}; run `linguacodus kb import-linguacodus` "
                      "first", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    for hit in nearest_tasks(KnowledgeStore(db).open(), query, k):
        console.rule(f"{hit.title} — similarity {hit.similarity:.3f} ({hit.data_type}, {hit.metric})")
        for rank, text in hit.instructions:
            first = " ".join(text.split())[:300]
            console.print(f"place {rank}: {first}", markup=False, highlight=False, soft_wrap=True)


@kb_app.command("extract")
def extract(path: Annotated[Path, typer.Argument(help="A solution: .py script or .ipynb notebook.")],
            out: Annotated[Path | None, typer.Option("--out", help="Write the instruction here "
                                                     "(.md and .json) instead of printing it.")] = None,
            ) -> None:
    """Read a solution's code statically (AST) and print the instruction it implements."""
    from linguacodus.instruction import InstructionError, render_markdown, save_instruction
    from linguacodus.knowledge.extract import extract_file

    if not path.is_file():
        console.print(f"error: {path} does not exist", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    try:
        instruction = extract_file(path)
    except (InstructionError, UnicodeDecodeError) as error:
        console.print(f"error: {error}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if out is not None:
        save_instruction(instruction, out.with_suffix(""))
        console.print(f"wrote {out.with_suffix('.md')} and .json", markup=False, soft_wrap=True)
    else:
        print(render_markdown(instruction))
