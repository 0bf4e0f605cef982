"""Leave-one-out check of the proposer on the knowledge base itself.

    python benchmarks/kb_loo.py [--kb PATH]

For each corpus task in the knowledge base: propose the top 3 from all the *other* tasks
(the task itself and its outcomes left out of retrieval and of the recipe means), and
measure the normalised gap of the top-1 and of the best of the top 3 to the best recipe
on that task. This is where the proposer's constants (neighbours, similarity sharpening,
prior weight, description/meta balance) may be chosen; the public suite
(benchmarks/kb_proposals.py) only reports.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "kb"


def main() -> int:
    from linguacodus.knowledge.corpus import ENTRIES, write_task
    from linguacodus.knowledge.portfolio import recipe_of
    from linguacodus.knowledge.propose import normalized_gap, propose, recipe_means
    from linguacodus.knowledge.retrieval import TaskIndex
    from linguacodus.knowledge.store import PACKAGED_KB, KnowledgeStore
    from linguacodus.spec import infer_spec
    from linguacodus.task import load_task

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=PACKAGED_KB)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    store = KnowledgeStore(args.kb, read_only=True).open()
    index = TaskIndex(store, "tfidf")
    by_source = {e.source: e for e in ENTRIES}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for task in index.tasks:
            entry = by_source.get(task["source_id"])
            outcomes = store.outcomes([task["id"]])
            if task["source"] != "kb-build" or entry is None or not any(o["rank"] for o in outcomes):
                continue  # not a corpus task, or not built (yet)
            write_task(entry, Path(folder) / entry.slug)
            loaded = load_task(Path(folder) / entry.slug)
            spec = infer_spec(loaded)
            normalized = {o["recipe"]: (o["normalized"] if o["normalized"] is not None else 0.0)
                          for o in outcomes}
            proposal = propose(spec, loaded.description, 3, index, exclude=task["id"])
            proposed = [recipe_of(i) for i in proposal.instructions]
            means = recipe_means(index, task["id"])
            global_order = [r for r in sorted(means, key=lambda r: -means[r]) if r in normalized]

            def gap(recipes, normalized=normalized) -> float:
                return normalized_gap(normalized, recipes)

            rows.append({"task": entry.source, "proposed": proposed,
                         "top1_gap": gap(proposed[:1]), "best_of_3_gap": gap(proposed),
                         "default_gap": gap(["lgbm-default"]),
                         "global_top1_gap": gap(global_order[:1]),
                         "global_best_of_3_gap": gap(global_order[:3])})
            if not args.quiet:
                print(rows[-1], file=sys.stderr)
    summary = {key: round(statistics.fmean(r[key] for r in rows), 4) for key in rows[0] if
               key.endswith("gap")}
    summary["tasks"] = len(rows)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "loo.json").write_text(json.dumps({"command": "python benchmarks/kb_loo.py",
                                              "summary": summary, "tasks": rows}, indent=2) + "\n")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
