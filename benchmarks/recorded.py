"""What the scripts that read recorded benchmark runs share: the finished run folders of a
split at a budget, and a private score normalised with benchmarks/references.json."""

from __future__ import annotations

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
