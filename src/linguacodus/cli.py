"""Command line: linguacodus run | plan | code (the CLI contract)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

from linguacodus.bench.cli import bench_app
from linguacodus.codegen.compiler import compile_solution
from linguacodus.instruction import InstructionError, load_instruction, render_markdown
from linguacodus.knowledge.cli import kb_app
from linguacodus.runner import load, plan_task, prepare_run_dir, run_task
from linguacodus.search import SearchSettings
from linguacodus.task import TaskError

app = typer.Typer(
    help="Linguacodus: a Kaggle-style task folder → ranked instructions → one readable "
         "script → a validated submission with a harness-computed CV score. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(bench_app, name="bench")
app.add_typer(kb_app, name="kb")
console = Console(stderr=True)

TaskDir = Annotated[Path, typer.Argument(
    help="Task folder: description.md, train.csv, test.csv, sample_submission.csv. Never written to.")]
Out = Annotated[Path | None, typer.Option(
    "--out", help="Run folder to create (default: runs/<task>-<timestamp>/).")]
Budget = Annotated[float, typer.Option(
    "--budget", min=5, help="Wall-clock seconds for the whole run, planning to report.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed of every generated script.")]
Llm = Annotated[str | None, typer.Option(
    "--llm", help="LLM brain spec (e.g. openai:gpt-4o-mini). Not implemented yet: the offline "
                  "brain is the only one; giving this flag is an error.")]
Kb = Annotated[Path | None, typer.Option(
    "--kb", help="Knowledge base to propose instructions from (default: your own from `kb "
                 "build`/`kb import-linguacodus` if present, else the one shipped inside the "
                 "package).")]
NoKb = Annotated[bool, typer.Option(
    "--no-kb", help="Propose from the built-in rules only, without the knowledge base.")]
def _backend_option(default: str) -> object:
    return typer.Option(
        "--kb-backend", help="Description similarity for retrieval: tfidf, minilm (needs "
                             "'linguacodus\\[embeddings]'; about 4 s and 500 MB more to start), or "
                             f"auto (MiniLM where installed). Default here: {default}.")


Memory = Annotated[int, typer.Option(
    "--memory-mb", min=512, help="Address-space limit of each generated script, in MB.")]


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _reject_llm(llm: str | None) -> None:
    if llm is not None:
        _fail("the LLM brain (--llm) is not implemented yet; run without --llm for the offline brain")


def _printer(status):
    def on_event(message: str) -> None:
        style = "yellow" if message.startswith("warning") else None
        console.print(message, style=style, highlight=False, markup=False, soft_wrap=True)
        status.update(f"[bold]working[/bold] — {message[:80]}")
    return on_event


def _knowledge_base(kb: Path | None, no_kb: bool) -> Path | None:
    from linguacodus.knowledge.store import default_kb_path

    if no_kb:
        return None
    if kb is not None:
        if not kb.is_file():
            _fail(f"--kb {kb}: no such file; build one with `linguacodus kb build`")
        return kb
    return default_kb_path()


def _check_backend(backend: str) -> None:
    if backend not in ("auto", "tfidf", "minilm"):
        _fail(f"--kb-backend must be auto, tfidf or minilm, not {backend!r}")


def _finish(result, run_dir: Path) -> None:
    table = Table(show_header=False, box=None)
    for key in ("task", "metric", "cv_score", "valid", "wall_seconds", "first_valid_seconds",
                "peak_memory_mb", "attempts", "chosen_instruction"):
        table.add_row(key, str(getattr(result, key)))
    console.print(table)
    console.print(f"run folder: {run_dir}", highlight=False)
    if not result.valid:
        _fail(result.reason or "no valid submission", code=1)


@app.command()
def run(task_dir: TaskDir, out: Out = None, budget: Budget = 300.0, seed: Seed = 42,
        llm: Llm = None, memory_mb: Memory = 4096,
        k: Annotated[int, typer.Option("-k", min=1, help="Candidate instructions to consider.")] = 6,
        kb: Kb = None, no_kb: NoKb = False,
        kb_backend: Annotated[str, _backend_option("tfidf")] = "tfidf") -> None:
    """Plan, write, run, repair and grade a solution; write submission.csv and result.json."""
    _reject_llm(llm)
    _check_backend(kb_backend)
    settings = SearchSettings(budget=budget, seed=seed, memory_mb=memory_mb)
    try:
        with console.status("starting") as status:
            result, run_dir = run_task(task_dir, out, settings, k=k, on_event=_printer(status),
                                       kb=_knowledge_base(kb, no_kb), kb_backend=kb_backend)
    except (TaskError, InstructionError) as error:
        _fail(str(error))
    except OSError as error:  # e.g. an --out folder that can't be created
        _fail(f"{error.filename or ''}: {error.strerror or error}")
    _finish(result, run_dir)


@app.command()
def plan(task_dir: TaskDir, out: Out = None,
         k: Annotated[int, typer.Option("-k", min=1, help="How many instructions.")] = 3,
         probe: Annotated[bool, typer.Option(
             help="Rank the candidates by a quick run on a subsample (in the sandbox).")] = True,
         budget: Budget = 120.0, seed: Seed = 42, llm: Llm = None, kb: Kb = None,
         no_kb: NoKb = False,
         kb_backend: Annotated[str, _backend_option("auto")] = "auto") -> None:
    """Propose the top-k instructions (Markdown you can edit and pass to `code`)."""
    _reject_llm(llm)
    _check_backend(kb_backend)
    settings = SearchSettings(budget=budget, seed=seed) if probe else None
    try:
        with console.status("planning") as status:
            spec, candidates, run_dir = plan_task(task_dir, out, k, settings,
                                                  on_event=_printer(status),
                                                  kb=_knowledge_base(kb, no_kb),
                                                  kb_backend=kb_backend)
    except (TaskError, InstructionError) as error:
        _fail(str(error))
    except OSError as error:  # e.g. an --out folder that can't be created
        _fail(f"{error.filename or ''}: {error.strerror or error}")
    for warning in spec.warnings:
        console.print(f"warning: {warning}", style="yellow", highlight=False, markup=False)
    for number, candidate in enumerate(candidates, start=1):
        score = candidate.provenance.score
        source = candidate.provenance.source
        console.rule(f"candidate {number} ({source})" + (
            f" — {'probe ' + spec.metric if probe else 'expected normalised score'} {score:.5g}"
            if score is not None else ""))
        console.print(f"provenance: {candidate.provenance.note}", style="dim", highlight=False,
                      markup=False, soft_wrap=True)
        console.print(Markdown(render_markdown(candidate)))
    console.print(f"instructions written to {run_dir / 'instructions'}", highlight=False)


@app.command()
def code(task_dir: TaskDir,
         instruction: Annotated[Path, typer.Option(
             "--instruction", help="Instruction file (.md as `plan` writes it, edited or not; or .json).")],
         out: Out = None, budget: Budget = 300.0, seed: Seed = 42, llm: Llm = None,
         memory_mb: Memory = 4096,
         execute: Annotated[bool, typer.Option(
             "--run/--no-run", help="Run, repair and grade the code (default), or only write it.")] = True,
         ) -> None:
    """Write the script for an (edited) instruction, then run, repair and grade it."""
    _reject_llm(llm)
    try:
        chosen = load_instruction(instruction)
        if not execute:
            _, spec = load(task_dir)
            solution = compile_solution(spec, chosen)
            run_dir = prepare_run_dir(out, task_dir)
            (run_dir / "solution.py").write_text(solution.script, encoding="utf-8")
            for note in solution.notes:
                console.print(f"warning: {note}", style="yellow", highlight=False, markup=False)
            console.print(f"wrote {run_dir / 'solution.py'}", highlight=False)
            return
        settings = SearchSettings(budget=budget, seed=seed, memory_mb=memory_mb)
        with console.status("starting") as status:
            result, run_dir = run_task(task_dir, out, settings, instructions=[chosen],
                                       on_event=_printer(status))
    except (TaskError, InstructionError) as error:
        _fail(str(error))
    except OSError as error:  # e.g. an --out folder that can't be created
        _fail(f"{error.filename or ''}: {error.strerror or error}")
    _finish(result, run_dir)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted", style="red")
        sys.exit(130)
