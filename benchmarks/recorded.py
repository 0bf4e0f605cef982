"""What the scripts that read recorded benchmark runs share: the finished run folders of a
split at a budget, and a private score normalised with benchmarks/references.json."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def normalised(reference, value: float | None) -> float | None:
    """0 = the trivial baseline, 1 = the best score recorded; None where either is unknown."""
    if reference is None or reference.trivial is None or reference.best is None or value is None:
        return None
    from linguacodus.bench.references import improvement

    span = improvement(reference.best, reference.trivial, reference.higher_is_better)
    return improvement(value, reference.trivial, reference.higher_is_better) / span if span > 0 else None


@dataclass(frozen=True)
class Recorded:
    """One finished run folder of a task and the task's prepared data (DATA/<task>/public and
    private): what the run understood, did and ended with, and a grader of any submission
    on the private answers."""

    task: object  # linguacodus.bench.registry's task (its meta grades)
    run: Path
    data: Path

    @cached_property
    def spec(self):
        from linguacodus.spec import TaskSpec

        return TaskSpec.model_validate_json((self.run / "spec.json").read_text(encoding="utf-8"))

    @cached_property
    def attempts(self) -> list:
        from linguacodus.journal import Journal

        return Journal.read(self.run / "journal.jsonl")

    @cached_property
    def result(self) -> dict:
        return json.loads((self.run / "result.json").read_text())

    @property
    def public(self) -> Path:
        return self.data / "public"

    @cached_property
    def task_data(self):
        from linguacodus.task import load_task

        return load_task(self.public)

    @cached_property
    def _grading(self):
        import pandas as pd

        return (pd.read_csv(self.public / "sample_submission.csv"),
                pd.read_csv(self.data / "private" / "answers.csv"))

    def run_instruction(self, instruction, folder: Path, seconds: float = 900):
        """(execution, grade): the instruction compiled for the task, run in the sandbox on
        its public files in ``folder`` and graded by the harness, as a search's attempt."""
        from linguacodus.codegen.compiler import compile_solution
        from linguacodus.grading import grade_attempt
        from linguacodus.sandbox import Limits, run_script

        execution = run_script(compile_solution(self.spec, instruction).script, folder,
                               self.public, Limits(seconds))
        return execution, grade_attempt(self.spec, folder, self.task_data.train,
                                        self.task_data.sample_submission)

    def outcome(self, instruction, folder: Path) -> dict:
        """{seconds, cv, test} of the instruction run as run_instruction runs it (cv and test
        None, and a "failure", where it failed or gave no valid submission)."""
        execution, grade = self.run_instruction(instruction, folder)
        outcome = {"seconds": execution.wall_seconds, "cv": None, "test": None}
        if execution.ok and grade.valid:
            outcome.update(cv=grade.cv_score, test=self.private(folder / "submission.csv"))
        else:
            outcome["failure"] = (grade.reason or execution.stderr_tail[-200:]
                                  or ("timed out" if execution.timed_out else "failed"))
        return outcome

    def private(self, path: Path) -> float | None:
        """The bench grader's score of a submission on the private answers; None if invalid
        or missing."""
        from linguacodus.bench.grader import grade_submission

        if not Path(path).is_file():
            return None
        grade = grade_submission(self.task.meta, path, *self._grading)
        return grade.score if grade.valid else None


def finished_runs(split: str, budget: int, runs: Path, tasks: list[str] | None = None
                  ) -> Iterator[tuple[object, Path]]:
    """(task, its run folder) for each task of the split with a finished run at the budget;
    the others are named on stderr."""
    from linguacodus.bench.registry import get_tasks

    for task in get_tasks(tasks, split=split):
        run = runs / f"{budget}s" / task.meta.id / "run"
        if not (run / "journal.jsonl").is_file() or not (run / "result.json").is_file():
            print(f"{task.meta.id}: no finished run in {run}; skipped", file=sys.stderr)
            continue
        yield task, run


def replay_runs(args: argparse.Namespace,
                replay: Callable[[object, Path, Path, object, Path], dict]) -> Iterator[tuple[str, dict]]:
    """(task id, row) for each finished run of ``args``' split and budget (--tasks: those
    only): ``replay(task, run folder, task data, reference, scratch folder)``, the scratch
    folder a temporary one the rows' runs share, removed at the end."""
    from linguacodus.bench.references import load_references

    references = load_references(ROOT / "benchmarks" / "references.json")
    tasks = args.tasks.split(",") if args.tasks else None
    with tempfile.TemporaryDirectory() as scratch:
        for task, run in finished_runs(args.split, args.budget, args.runs, tasks):
            yield task.meta.id, replay(task, run, args.data / task.meta.id,
                                       references.get(task.meta.id), Path(scratch))


def replay_arguments(description: str, split: str) -> argparse.ArgumentParser:
    """--budget, --split, --runs, --data and --tasks, as every replay script takes them."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--budget", type=int, required=True)
    parser.add_argument("--split", default=split, choices=("tune", "check"))
    parser.add_argument("--runs", type=Path, default=ROOT / "benchmarks/runs/linguacodus")
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks/data")
    parser.add_argument("--tasks", help="comma-separated task ids (default: the split's)")
    return parser


def write_results(name: str, args: argparse.Namespace, summary: dict, rows: dict) -> Path:
    """benchmarks/results/<name>-<split>-<budget>s.json (…-some.json for a --tasks subset),
    the summary printed."""
    out = ROOT / "benchmarks" / "results" / f"{name}-{args.split}-{args.budget}s.json"
    if args.tasks:
        out = out.with_name(out.stem + "-some.json")
    out.write_text(json.dumps({"summary": summary, "tasks": rows}, indent=1) + "\n")
    print(json.dumps(summary, indent=1))
    print(f"wrote {out}")
    return out
