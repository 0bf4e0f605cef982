"""Run one system on one prepared task, in its own process with the same limits for all,
and grade its submission against the private answers. Failures become invalid results."""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from linguacodus.bench.machine import machine_info
from linguacodus.bench.prepare import load_meta
from linguacodus.bench.systems import SYSTEMS
from linguacodus.grading import grade_against_answers
from linguacodus.metrics import get_metric
from linguacodus.sandbox import Limits, run_command
from linguacodus.spec import TaskSpec, infer_spec
from linguacodus.task import load_task

GRACE_SECONDS = 60  # start-up, prediction and writing on top of the budget, for every system
BENCH_MEMORY_MB = 16384  # address space; AutoML peers map a lot of virtual memory


class SystemResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    task: str
    system: str
    valid: bool
    reason: str | None = None
    score: float | None = None
    metric: str
    higher_is_better: bool
    budget_seconds: float
    wall_seconds: float
    first_valid_seconds: float | None = None
    peak_memory_mb: float
    timed_out: bool = False
    date: str
    command: str
    machine: dict


def grading_spec(task_root: Path) -> TaskSpec:
    """The spec the grader uses: understood from public/, with the declared metadata enforced."""
    meta = load_meta(task_root)
    spec = infer_spec(load_task(task_root / "public"))
    if (spec.target, spec.id_column, spec.task_type) != (meta.target, meta.id_column, meta.task_type):
        raise ValueError(f"{meta.id}: public files read as target {spec.target!r}, id {spec.id_column!r}, "
                         f"{spec.task_type}; the task declares {meta.target!r}, {meta.id_column!r}, "
                         f"{meta.task_type}")
    metric = get_metric(meta.metric)
    return spec.model_copy(update={
        "metric": metric.name, "higher_is_better": metric.higher_is_better,
        "prediction_kind": metric.prediction,
        "positive_label": meta.positive_label or spec.positive_label,
    })


def run_system(system: str, task_root: Path, budget: float, work_root: Path, command: str,
               ) -> SystemResult:
    meta = load_meta(task_root)
    workdir = (Path(work_root) / system / meta.id).resolve()
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    shutil.copytree(task_root / "public", workdir / "input")
    shutil.copyfile(task_root / "meta.json", workdir / "meta.json")
    launched = time.time()
    execution = run_command(
        [sys.executable, "-m", SYSTEMS[system], str(workdir), str(budget)], workdir,
        Limits(budget + GRACE_SECONDS, BENCH_MEMORY_MB))
    info = json.loads((workdir / "info.json").read_text()) if (workdir / "info.json").exists() else {}
    common = dict(task=meta.id, system=system, metric=meta.metric,
                  higher_is_better=get_metric(meta.metric).higher_is_better, budget_seconds=budget,
                  wall_seconds=execution.wall_seconds, peak_memory_mb=execution.peak_memory_mb,
                  timed_out=execution.timed_out,
                  date=datetime.now(UTC).isoformat(timespec="seconds"),
                  command=command, machine=machine_info())
    if not execution.ok:
        last = (execution.traceback or execution.stderr_tail or "").strip().splitlines()
        reason = (f"timed out after {execution.wall_seconds:.0f} s" if execution.timed_out
                  else f"crashed: {last[-1][:300] if last else execution.exit_code}")
        return SystemResult(valid=False, reason=reason, **common)
    spec = grading_spec(task_root)
    answers = pd.read_csv(task_root / "private" / "answers.csv")
    sample = pd.read_csv(task_root / "public" / "sample_submission.csv")
    grade = grade_against_answers(spec, workdir / "submission.csv", sample, answers)
    # Time to the first valid submission: when the system reports the moment, from the
    # launch; otherwise its whole wall time (a submission exists only at the end).
    first_valid = (round(info["first_valid_at"] - launched, 3) if info.get("first_valid_at")
                   else execution.wall_seconds)
    return SystemResult(valid=grade.valid, reason=grade.reason, score=grade.cv_score,
                        first_valid_seconds=first_valid if grade.valid else None, **common)


def save_result(result: SystemResult, results_dir: Path) -> Path:
    path = Path(results_dir) / "runs" / result.system / f"{result.task}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def load_results(results_dir: Path) -> list[SystemResult]:
    return [SystemResult.model_validate_json(p.read_text(encoding="utf-8"))
            for p in sorted((Path(results_dir) / "runs").glob("*/*.json"))]
