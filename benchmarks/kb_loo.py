"""Leave-one-out on the knowledge base itself:

    python benchmarks/kb_loo.py [--kb PATH]

For each corpus task in the knowledge base: propose the top 3 from all the *other* data
sets (the task, the other measurements of its data set — the subsample and the data at its
own size — and their outcomes left out of retrieval and of the recipe means), and measure
the normalised gap of the top-1 and of the best of the top 3 to the best recipe on that
task, and whether the best recipe's model family is among the top 3's. This is where the
proposer's constants (neighbours, similarity sharpening, prior weight, description/meta
balance) may be chosen (benchmarks/kb_tune.py); the public suite
(benchmarks/kb_proposals.py) only reports. Figures are given for all tasks and for each
kind of measurement (subsample, at size).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from linguacodus.knowledge.loo import Case, load_cases  # noqa: F401  (kb_tune imports them here)

ROOT = Path(__file__).resolve().parent.parent

OUT = ROOT / "benchmarks" / "results" / "kb"


def evaluate(index, cases: list[Case]) -> list[dict]:
    """A row a case: what was proposed and its gaps (with the proposer's constants as set)."""
    from linguacodus.knowledge.portfolio import RECIPES, recipe_of
    from linguacodus.knowledge.propose import normalized_gap, propose, recipe_means

    rows = []
    for case in cases:
        proposal = propose(case.spec, case.description, 3, index, exclude=case.left_out)
        proposed = [recipe_of(i) for i in proposal.instructions]
        means = recipe_means(index, case.left_out)
        global_order = [r for r in sorted(means, key=lambda r: -means[r]) if r in case.normalized]
        best = max(case.normalized, key=lambda r: case.normalized[r])

        def gap(recipes, normalized=case.normalized) -> float:
            return normalized_gap(normalized, recipes)

        def families(recipes, spec=case.spec) -> set[str]:
            built = (RECIPES[r].build(spec) for r in recipes if r in RECIPES)
            return {instruction.model_step().op for instruction in built if instruction}

        rows.append({"task": case.task["source_id"],
                     "measured": "at size" if "@" in case.task["source_id"] else "subsample",
                     "rows": (case.task["meta"] or {}).get("rows"), "best": best,
                     "proposed": proposed,
                     "top1_gap": gap(proposed[:1]), "best_of_3_gap": gap(proposed),
                     "default_gap": gap(["lgbm-default"]),
                     "global_top1_gap": gap(global_order[:1]),
                     "global_best_of_3_gap": gap(global_order[:3]),
                     "best_family_in_top3": families([best]) <= families(proposed),
                     "global_best_family_in_top3": families([best]) <= families(global_order[:3])})
    return rows


def summarise(rows: list[dict]) -> dict:
    """Mean gaps and shares, for all tasks and for each kind of measurement."""
    def mean_of(chosen: list[dict]) -> dict:
        summary = {key: round(statistics.fmean(float(r[key]) for r in chosen), 4)
                   for key in chosen[0] if key.endswith(("gap", "in_top3"))}
        summary["tasks"] = len(chosen)
        return summary

    summary = {"all": mean_of(rows)}
    for kind in ("subsample", "at size"):
        chosen = [r for r in rows if r["measured"] == kind]
        if chosen:
            summary[kind] = mean_of(chosen)
    return summary


def main() -> int:
    from linguacodus.knowledge.store import PACKAGED_KB

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=PACKAGED_KB)
    parser.add_argument("--out", type=Path, default=OUT / "loo.json")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        index, cases = load_cases(args.kb, Path(folder))
    rows = evaluate(index, cases)
    if not args.quiet:
        for row in rows:
            print(row, file=sys.stderr)
    summary = summarise(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": "python benchmarks/kb_loo.py", "kb": str(args.kb),
                                    "summary": summary, "tasks": rows}, indent=2) + "\n")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
