"""Run one system on one prepared task, isolated, with the same limits for all; time it and
grade its submission with the benchmark's own grader. Failures become invalid results.

Isolation: the system runs in the sandbox (bubblewrap) with the task's ``public/`` folder
read-only at WORKDIR/input and its own WORKDIR writable; the prepared-data folder (every
task's ``private/``) and the other systems' work folders are covered by empty tmpfs mounts,
so the answers are not in its filesystem; it has no network unless it asks a language model
(linguacodus-llm). Where bubblewrap can't run, the result says
``isolation: none`` and the report marks it.

Timings are the harness's own: wall time and peak memory of the system's process tree, and
the time to the first valid submission — when a ``submission.csv`` that the grader accepts
first appears in the system's output folder (polled twice a second), or, for a system that
writes its submission only at the end, its wall time.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from linguacodus.bench.grader import BenchGrade, grade_submission
from linguacodus.bench.machine import machine_info
from linguacodus.bench.prepare import load_meta
from linguacodus.bench.registry import TaskMeta
from linguacodus.bench.systems import NETWORKED, OUTPUTS, SYSTEMS
from linguacodus.sandbox import Isolation, Limits, run_sandboxed

GRACE_SECONDS = 60  # start-up, prediction and writing on top of the budget, for every system
BENCH_MEMORY_MB = 16384  # address space; AutoML peers map a lot of virtual memory


class SystemResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    task: str
    system: str
    split: str | None = None
    valid: bool
    reason: str | None = None
    score: float | None = None
    metric: str
    higher_is_better: bool
    budget_seconds: float
    wall_seconds: float
    first_valid_seconds: float | None = None  # measured by the harness from its launch
    peak_memory_mb: float
    timed_out: bool = False
    isolation: Isolation = "none"
    understood_metric: str | None = None  # the metric the system says it optimised, if it says
    preset: str | None = None  # the configuration a peer says it ran (AutoGluon's preset)
    # What a system says of its own choice (linguacodus: its CV score and chosen instruction):
    # beside the graded score it shows whether the CV held on the private answers.
    reported_cv_score: float | None = None
    chosen: str | None = None
    date: str
    command: str
    machine: dict


class SubmissionWatch:
    """Polls a system's output folder for submission files; remembers when the grader first
    accepted one. A file is graded once its size and mtime held still for one poll."""

    def __init__(self, workdir: Path, patterns: tuple[str, ...], meta: TaskMeta, sample: pd.DataFrame,
                 answers: pd.DataFrame, launched: float, clock=time.monotonic) -> None:
        self.workdir, self.patterns, self.meta = workdir, patterns, meta
        self.sample, self.answers, self.launched, self.clock = sample, answers, launched, clock
        self.first_valid_seconds: float | None = None
        self._seen: dict[Path, tuple[int, int]] = {}
        self._graded: set[tuple[Path, tuple[int, int]]] = set()

    def poll(self) -> None:
        if self.first_valid_seconds is not None:
            return
        now = self.clock()
        for pattern in self.patterns:
            for path in self.workdir.glob(pattern):
                try:
                    stat = path.stat()
                except OSError:
                    continue
                state = (stat.st_size, stat.st_mtime_ns)
                steady = self._seen.get(path) == state
                self._seen[path] = state
                if not steady or (path, state) in self._graded:
                    continue
                self._graded.add((path, state))
                if grade_submission(self.meta, path, self.sample, self.answers).valid:
                    self.first_valid_seconds = round(now - self.launched, 3)
                    return


def run_system(system: str, task_root: Path, budget: float, work_root: Path, command: str,
               ) -> SystemResult:
    meta = load_meta(task_root)
    task_root = Path(task_root).resolve()
    work_root = Path(work_root).resolve()
    workdir = work_root / system / f"{budget:g}s" / meta.id
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copyfile(task_root / "meta.json", workdir / "meta.json")
    answers = pd.read_csv(task_root / "private" / "answers.csv", dtype=str, keep_default_na=False)
    sample = pd.read_csv(task_root / "public" / "sample_submission.csv", dtype=str, keep_default_na=False)
    launched = time.monotonic()
    watch = SubmissionWatch(workdir, ("submission.csv", *OUTPUTS.get(system, ())), meta, sample,
                            answers, launched)
    execution = run_sandboxed(
        [sys.executable, "-m", SYSTEMS[system], str(workdir), f"{budget:g}"], workdir,
        task_root / "public", Limits(budget + GRACE_SECONDS, BENCH_MEMORY_MB),
        hide=(task_root.parent, work_root), on_poll=watch.poll, network=system in NETWORKED)
    info = _read_info(workdir)
    common = dict(task=meta.id, system=system, split=meta.split, metric=meta.metric,
                  higher_is_better=meta.higher_is_better, budget_seconds=budget,
                  wall_seconds=execution.wall_seconds, peak_memory_mb=execution.peak_memory_mb,
                  timed_out=execution.timed_out, isolation=execution.isolation,
                  understood_metric=info.get("metric"), preset=info.get("preset"),
                  reported_cv_score=info.get("cv_score"), chosen=info.get("chosen_instruction"),
                  date=datetime.now(UTC).isoformat(timespec="seconds"),
                  command=command, machine=machine_info())
    if not execution.ok:
        last = (execution.traceback or execution.stderr_tail or "").strip().splitlines()
        reason = (f"timed out after {execution.wall_seconds:.0f} s" if execution.timed_out
                  else f"crashed: {last[-1][:300] if last else execution.exit_code}")
        return SystemResult(valid=False, reason=reason, **common)
    grade: BenchGrade = grade_submission(meta, workdir / "submission.csv", sample, answers)
    first_valid = watch.first_valid_seconds if watch.first_valid_seconds is not None \
        else execution.wall_seconds
    return SystemResult(valid=grade.valid, reason=grade.reason, score=grade.score,
                        first_valid_seconds=first_valid if grade.valid else None, **common)


def _read_info(workdir: Path) -> dict:
    try:
        return json.loads((workdir / "info.json").read_text())
    except (OSError, ValueError):
        return {}


def result_path(results_dir: Path, system: str, budget: float, task: str) -> Path:
    return Path(results_dir) / "runs" / f"{budget:g}s" / system / f"{task}.json"


def save_result(result: SystemResult, results_dir: Path) -> Path:
    path = result_path(results_dir, result.system, result.budget_seconds, result.task)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def load_results(results_dir: Path) -> list[SystemResult]:
    return [SystemResult.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted((Path(results_dir) / "runs").glob("*/*/*.json"))]
