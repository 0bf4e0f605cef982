"""Fixed per-task references for the normalised score, stored with the suite.

0 is the trivial baseline's score and 1 the best score any recorded system reached on the
task. They move only when ``bench run`` records a result (a trivial run, or a new best), so
adding a system to a report, or leaving one out, moves nobody's normalised score.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from linguacodus.bench.harness import SystemResult

DEFAULT_REFERENCES = Path("benchmarks/references.json")
TRIVIAL = "trivial"


class Reference(BaseModel):
    model_config = ConfigDict(frozen=True)

    task: str
    metric: str
    higher_is_better: bool
    trivial: float | None = None
    best: float | None = None
    best_system: str | None = None
    best_budget_seconds: float | None = None
    best_date: str | None = None


def improvement(value: float, over: float, higher_is_better: bool) -> float:
    """How much better ``value`` is than ``over`` in the metric's own direction (> 0: better)."""
    return value - over if higher_is_better else over - value


def load_references(path: Path) -> dict[str, Reference]:
    path = Path(path)
    if not path.is_file():
        return {}
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {task: Reference(task=task, **row) for task, row in rows.items()}


def save_references(path: Path, references: dict[str, Reference]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = {task: ref.model_dump(exclude={"task"}) for task, ref in sorted(references.items())}
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def updated(references: dict[str, Reference], result: SystemResult) -> dict[str, Reference]:
    """The references after recording ``result`` (unchanged unless it sets one)."""
    if not result.valid or result.score is None:
        return references
    current = references.get(result.task) or Reference(
        task=result.task, metric=result.metric, higher_is_better=result.higher_is_better)
    if current.metric != result.metric:
        raise ValueError(f"{result.task}: the references are for {current.metric}, the result "
                         f"is scored on {result.metric}; rebuild benchmarks/references.json")
    changes: dict = {}
    if result.system == TRIVIAL:
        changes["trivial"] = result.score
    if current.best is None or improvement(result.score, current.best, current.higher_is_better) > 0:
        changes.update(best=result.score, best_system=result.system,
                       best_budget_seconds=result.budget_seconds, best_date=result.date)
    if not changes:
        return references
    return {**references, result.task: current.model_copy(update=changes)}


def normalized(reference: Reference | None, result: SystemResult) -> float | None:
    """0 at the trivial score, 1 at the best recorded one; an invalid result counts 0;
    None where the task has no references yet."""
    if reference is None or reference.trivial is None or reference.best is None:
        return None
    if not result.valid or result.score is None:
        return 0.0
    span = improvement(reference.best, reference.trivial, reference.higher_is_better)
    if span <= 0:  # nobody beat the trivial baseline: matching it is the best there is
        return 1.0 if improvement(result.score, reference.trivial, reference.higher_is_better) >= 0 else 0.0
    return improvement(result.score, reference.trivial, reference.higher_is_better) / span
