"""linguacodus bench prepare | run | report."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from linguacodus.bench.compare import recorded_machines, summarize, to_markdown
from linguacodus.bench.harness import load_results, result_path, run_system, save_result
from linguacodus.bench.prepare import prepare_task
from linguacodus.bench.references import DEFAULT_REFERENCES, load_references, save_references, updated
from linguacodus.bench.registry import get_tasks
from linguacodus.bench.systems import COMPETITORS, missing_requirement
from linguacodus.sandbox import bwrap_works

bench_app = typer.Typer(
    help="MLE-bench-style benchmark: prepare the task suite, run systems side by side, report.",
    no_args_is_help=True,
)
console = Console(stderr=True)

DataDir = Annotated[Path, typer.Option("--data-dir", help="Where prepared tasks live.")]
ResultsDir = Annotated[Path, typer.Option("--results-dir", help="Where results are written.")]
Tasks = Annotated[str | None, typer.Option("--tasks", help="Comma-separated task ids (default: the suite).")]
SplitOption = Annotated[str, typer.Option(
    "--split", help="tune (defaults are chosen here), check (only ever reported) or all.")]
References = Annotated[Path, typer.Option(
    "--references", help="Per-task reference scores (0 = trivial, 1 = best recorded); "
    "`run` updates them, `report` normalises with them.")]
DEFAULT_DATA = Path("benchmarks/data")
DEFAULT_RESULTS = Path("benchmarks/results/bench")


def _fail(message: str) -> None:
    console.print(f"error: {message}", style="red", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(2)


def _tasks(ids: str | None, suite: str, split: str = "all"):
    try:
        return get_tasks([i.strip() for i in ids.split(",") if i.strip()] if ids else None, suite, split)
    except ValueError as error:
        _fail(str(error))


@bench_app.command()
def prepare(suite: Annotated[str, typer.Option("--suite", help="Task suite.")] = "public",
            data_dir: DataDir = DEFAULT_DATA, tasks: Tasks = None, split: SplitOption = "all",
            force: Annotated[bool, typer.Option("--force", help="Prepare again even if present.")] = False,
            ) -> None:
    """Build each task's public/ and private/ folders from its labelled source."""
    for task in _tasks(tasks, suite, split):
        root = prepare_task(task, data_dir, force=force)
        console.print(f"{task.meta.split:5s} {task.meta.id:24s} {task.meta.kind:45s} → {root}",
                      highlight=False, soft_wrap=True)


@bench_app.command()
def run(system: Annotated[str, typer.Option("--system", help="linguacodus, linguacodus-llm "
                                            "(--llm $LINGUACODUS_BENCH_LLM), autogluon, flaml, "
                                            "lgbm-default or trivial; several comma-separated.")],
        budget: Annotated[float, typer.Option("--budget", min=5, help="Seconds per task and system.")] = 60,
        tasks: Tasks = None, suite: Annotated[str, typer.Option("--suite")] = "public",
        split: SplitOption = "all",
        data_dir: DataDir = DEFAULT_DATA, results_dir: ResultsDir = DEFAULT_RESULTS,
        references: References = DEFAULT_REFERENCES,
        work_dir: Annotated[Path, typer.Option("--work-dir", help="Systems' scratch folders.")]
        = Path("benchmarks/runs"),
        missing_only: Annotated[bool, typer.Option(
            "--missing-only", help="Skip a system on a task where a result at this budget is "
            "recorded already (to finish an interrupted run).")] = False) -> None:
    """Run systems on prepared tasks (preparing any that are missing), each isolated in the
    sandbox with only the task's public files, and grade them with the benchmark's grader."""
    systems = [s.strip() for s in system.split(",") if s.strip()]
    if budget != budget or budget == float("inf"):
        _fail(f"--budget must be a finite number of seconds, not {budget}")
    for name in systems:
        problem = missing_requirement(name)
        if problem:
            _fail(problem)
    if not bwrap_works():
        console.print("warning: bubblewrap can't run here: systems are NOT isolated from the "
                      "private answers; results are marked 'not isolated'", style="yellow")
    command = shlex.join(["linguacodus", "bench", *sys.argv[sys.argv.index("run"):]]) \
        if "run" in sys.argv else "linguacodus bench run"
    chosen = _tasks(tasks, suite, split)
    total = len(chosen) * len(systems)
    done = 0
    for task in chosen:
        root = prepare_task(task, data_dir)
        for name in systems:
            done += 1
            if missing_only and result_path(results_dir, name, budget, task.meta.id).exists():
                console.print(f"[{done}/{total}] {task.meta.id:24s} {name:14s} recorded already",
                              highlight=False, markup=False)
                continue
            with console.status(f"[{done}/{total}] {name} on {task.meta.id} (budget {budget:g} s)"):
                result = run_system(name, root, budget, work_dir, command)
            save_result(result, results_dir)
            if name in COMPETITORS:  # an isolation probe never sets a reference
                save_references(references, updated(load_references(references), result))
            outcome = (f"{result.score:.5g}" if result.valid else f"invalid: {result.reason}")
            console.print(f"[{done}/{total}] {task.meta.split:5s} {task.meta.id:24s} {name:14s} "
                          f"{outcome}  ({result.wall_seconds:.1f} s, {result.peak_memory_mb:.0f} MB)",
                          highlight=False, markup=False)


@bench_app.command()
def report(results_dir: ResultsDir = DEFAULT_RESULTS, references: References = DEFAULT_REFERENCES,
           split: SplitOption = "all",
           out: Annotated[Path | None, typer.Option("--out", help="Report stem (default: "
                                                    "RESULTS_DIR/report).")] = None) -> None:
    """Per budget and split: task × system table, valid rate, normalised score,
    wins/ties/losses, and the tasks where linguacodus falls below lgbm-default."""
    if split not in ("tune", "check", "all"):
        _fail(f"unknown split {split!r}; known: tune, check, all")
    results = load_results(results_dir)
    if not results:
        _fail(f"no results under {results_dir / 'runs'}; run `linguacodus bench run` first")
    refs = load_references(references)
    summary = summarize(results, refs, None if split == "all" else [split])
    commands = sorted({r.command for r in results})
    machines = recorded_machines(results)
    header = [
        "# Linguacodus benchmark",
        "",
        "Machines and versions, as the runs recorded them:",
        "",
        *[f"- {line}" for line in machines],
        "",
        "Rule: defaults, priors, thresholds and knowledge-base choices are chosen on the `tune` "
        "half only; the `check` half is only reported (benchmarks/README.md).",
        "",
        "Commands: " + "; ".join(f"`{c}`" for c in commands),
    ]
    markdown = to_markdown(summary, header, refs)
    stem = out or results_dir / "report"
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".md").write_text(markdown, encoding="utf-8")
    stem.with_suffix(".json").write_text(
        json.dumps({"machines": machines, **summary}, indent=2) + "\n")
    print(markdown)
