"""How well a probe predicts its candidate's full run:

    python benchmarks/probe_timing.py [--runs benchmarks/runs/linguacodus/60s] [--out FILE]

For every recorded run folder under --runs, every candidate that had a valid probe and then
a full attempt: the full run's seconds as timing.predicted_full_seconds predicted them from
the probe (with the run's own fixed cost, as the search computed it), against what the full
run took. A full run that timed out took at least its limit (a censored ratio, counted as
such). The search skips a candidate whose prediction exceeds the time left, so a ratio above
1 is a candidate started that may not finish; the quantiles say what safety factor would
have covered how many. Choose on `tune` runs only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def _ratios(run: Path) -> list[dict]:
    from linguacodus.instruction import load_instruction
    from linguacodus.journal import Journal
    from linguacodus.manifest import read_manifest
    from linguacodus.spec import TaskSpec
    from linguacodus.timing import fixed_probe_seconds, predicted_full_seconds

    spec = TaskSpec.model_validate_json((run / "spec.json").read_text(encoding="utf-8"))
    manifest = read_manifest(run)
    attempts = Journal.read(run / "journal.jsonl")
    probes = {a.candidate: a.execution.wall_seconds for a in attempts
              if a.purpose == "probe" and a.valid and a.execution is not None}
    fixed = fixed_probe_seconds(list(probes.values()))
    rows = []
    for attempt in attempts:
        if (attempt.purpose != "full" or attempt.candidate not in probes or attempt.move != "candidate"
                or attempt.execution is None or attempt.parent is not None):
            continue
        instruction = load_instruction(run / attempt.folder / "instruction.json")
        predicted = predicted_full_seconds(probes[attempt.candidate], instruction, spec.n_train,
                                           manifest.probe_rows, fixed_seconds=fixed)
        rows.append({"task": run.parent.name, "candidate": attempt.instruction_title,
                     "rows": spec.n_train, "probe_s": round(probes[attempt.candidate], 2),
                     "predicted_s": round(predicted, 2),
                     "actual_s": round(attempt.execution.wall_seconds, 2),
                     "timed_out": attempt.execution.timed_out,
                     "ratio": round(attempt.execution.wall_seconds / predicted, 3)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=ROOT / "benchmarks/runs/linguacodus/60s")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/probe_timing-tune.json")
    args = parser.parse_args()
    rows = []
    for run in sorted(args.runs.glob("*/run")):
        if (run / "journal.jsonl").is_file() and (run / "spec.json").is_file():
            rows += _ratios(run)
    if not rows:
        raise SystemExit(f"no run folder with probes under {args.runs}")
    ratios = np.array([r["ratio"] for r in rows])
    quantiles = {f"q{int(q * 100)}": round(float(np.quantile(ratios, q)), 3)
                 for q in (0.5, 0.75, 0.9, 0.95, 1.0)}
    covered = {str(factor): round(float(np.mean(ratios <= factor)), 3)
               for factor in (1.0, 1.1, 1.25, 1.5, 2.0)}
    summary = {"runs": str(args.runs.relative_to(ROOT) if args.runs.is_relative_to(ROOT) else args.runs),
               "pairs": len(rows), "timed_out": sum(r["timed_out"] for r in rows),
               "ratio_quantiles": quantiles, "share_within_factor": covered, "pairs_detail": rows}
    args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "pairs_detail"}, indent=2))
    for row in sorted(rows, key=lambda r: -r["ratio"])[:10]:
        print(f"{row['ratio']:6.2f}  {row['task']:24s} {row['candidate'][:40]:40s} "
              f"predicted {row['predicted_s']:7.1f} s, took {row['actual_s']:7.1f} s"
              + (" (timed out)" if row["timed_out"] else ""))


if __name__ == "__main__":
    main()
