"""Leave-one-out cases of the knowledge base: each built corpus task with its spec, its
description and every recipe's normalised outcome on it, and the ids of every measurement of
its data set (left out when proposing for it). benchmarks/kb_loo.py scores the retrieval
proposer on them; `finetune eval` scores a fine-tuned model's instructions on them too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Case:
    """One stored corpus task, read once: what leave-one-out proposes for and scores."""

    task: dict
    spec: object  # TaskSpec
    description: str
    normalized: dict[str, float]  # recipe → normalised outcome on the task
    left_out: frozenset[int]  # the task ids of every measurement of its data set
    folder: Path | None = None  # its task folder, written under load_cases' folder
    scores: dict[str, float] | None = None  # recipe → CV score (valid outcomes)

    def normalise(self, score: float) -> float | None:
        """A CV score on the task's scale of normalised outcomes (linear in the score: 0 the
        baseline, 1 the best recipe), from two of its outcomes; None where they don't say."""
        pairs = sorted({(self.scores[r], self.normalized[r]) for r in (self.scores or {})
                        if r in self.normalized})
        if len(pairs) < 2 or pairs[0][0] == pairs[-1][0]:
            return None
        (low, low_n), (high, high_n) = pairs[0], pairs[-1]
        return low_n + (score - low) * (high_n - low_n) / (high - low)


def load_cases(kb: Path, folder: Path, only: set[str] | None = None) -> tuple[object, list[Case]]:
    """The index over the knowledge base and every built corpus task in it (or those whose
    source_id is in ``only``), their data written under ``folder``."""
    from linguacodus.knowledge.build import data_set_of
    from linguacodus.knowledge.corpus import ENTRIES, write_task
    from linguacodus.knowledge.retrieval import TaskIndex
    from linguacodus.knowledge.store import KnowledgeStore
    from linguacodus.spec import infer_spec
    from linguacodus.task import load_task

    store = KnowledgeStore(kb, read_only=True).open()
    index = TaskIndex(store, "tfidf")
    by_source = {e.source: e for e in ENTRIES}
    siblings: dict[str, set[int]] = {}
    for task in index.tasks:
        siblings.setdefault(data_set_of(task["source_id"]), set()).add(task["id"])
    cases, specs = [], {}
    for task in index.tasks:
        data_set = data_set_of(task["source_id"])
        entry = by_source.get(data_set)
        outcomes = store.outcomes([task["id"]])
        if task["source"] != "kb-build" or entry is None or not any(o["rank"] for o in outcomes):
            continue  # not a corpus task, or not built (yet)
        if only is not None and task["source_id"] not in only:
            continue
        if data_set not in specs:
            write_task(entry, folder / entry.slug)
            loaded = load_task(folder / entry.slug)
            specs[data_set] = (infer_spec(loaded), loaded.description)
        spec, description = specs[data_set]
        normalized = {o["recipe"]: (o["normalized"] if o["normalized"] is not None else 0.0)
                      for o in outcomes}
        scores = {o["recipe"]: o["cv_score"] for o in outcomes
                  if o["status"] == "valid" and o["cv_score"] is not None and o["normalized"] is not None}
        cases.append(Case(task, spec, description, normalized, frozenset(siblings[data_set]),
                          folder / entry.slug, scores))
    return index, cases
