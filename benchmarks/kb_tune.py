"""Choose the proposer's constants by leave-one-out on the knowledge base:

    python benchmarks/kb_tune.py [--kb PATH]

Each combination of the constants below is scored by benchmarks/kb_loo.py's leave-one-out
(every measurement of a task's data set left out), on the mean gap of the best of the top 3
to the best recipe (the search runs several candidates, so the best of them matters most),
then on the top-1's gap. Only the knowledge base's own tasks are used, never the public
suite: this is training data, like the knowledge base itself. The table of every
combination is written to benchmarks/results/kb/tune.json; the constants live in
knowledge/propose.py.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kb_loo import OUT, evaluate, load_cases, summarise  # noqa: E402

GRID = {
    "propose.NEIGHBOURS": (7, 10, 15, 20, 30),
    "propose.SIMILARITY_POWER": (1, 2, 4),
    "propose.PRIOR_WEIGHT": (0.5, 1.0, 2.0),
}


def main() -> int:
    from linguacodus.knowledge import propose
    from linguacodus.knowledge.store import PACKAGED_KB

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=PACKAGED_KB)
    parser.add_argument("--out", type=Path, default=OUT / "tune.json")
    args = parser.parse_args()
    modules = {"propose": propose}
    current = {name: getattr(modules[name.split(".")[0]], name.split(".")[1]) for name in GRID}
    with tempfile.TemporaryDirectory() as folder:
        index, cases = load_cases(args.kb, Path(folder))
    results = []
    for values in itertools.product(*GRID.values()):
        setting = dict(zip(GRID, values, strict=True))
        for name, value in setting.items():
            module, constant = name.split(".")
            setattr(modules[module], constant, value)
        summary = summarise(evaluate(index, cases))
        results.append({"constants": setting, "summary": summary,
                        "current": setting == current})
        print(json.dumps(results[-1]), file=sys.stderr)
    results.sort(key=lambda r: (r["summary"]["all"]["best_of_3_gap"], r["summary"]["all"]["top1_gap"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"command": "python benchmarks/kb_tune.py", "kb": str(args.kb),
                                    "tasks": len(cases), "results": results}, indent=2) + "\n")
    best = results[0]
    print(json.dumps({"best": best, "current": next(r for r in results if r["current"])}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
