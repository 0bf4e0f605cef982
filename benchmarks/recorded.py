"""What the scripts that read recorded benchmark runs share: the finished run folders of a
split at a budget, and a private score normalised with benchmarks/references.json."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def normalised(reference, value: float | None) -> float | None:
    """0 = the trivial baseline, 1 = the best score recorded; None where either is unknown."""
    if reference is None or reference.trivial is None or reference.best is None or value is None:
        return None
    from linguacodus.bench.references import improvement

    span = improvement(reference.best, reference.trivial, reference.higher_is_better)
    return improvement(value, reference.trivial, reference.higher_is_better) / span if span > 0 else None


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
