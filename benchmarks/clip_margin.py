"""How far beyond the training target's range regression predictions may go:

    python benchmarks/clip_margin.py [--split tune] [--runs benchmarks/runs/linguacodus/60s]

For each regression task of the split whose recorded solution clips its predictions, run
that solution.py again in the sandbox, keeping its raw test predictions, then grade them
clipped to the training range widened on each side by a margin (a share of the range), and
not clipped at all. Same model, same folds: only the clipping differs. Choose on `tune`
only; `check` is for reporting. Writes benchmarks/results/clip_margin-<split>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
MARGINS = (0.0, 0.02, 0.05, 0.1, 0.25, math.inf)  # inf: no clipping
SUBMIT = "submission = to_submission_columns(test_predictions)"


def replay(task, run: Path, data: Path, work: Path) -> dict | None:
    """The task's test score at each margin, or None where its solution does not clip."""
    from linguacodus.bench.grader import grade_submission
    from linguacodus.sandbox import Limits, run_script

    script = (run / "solution.py").read_text()
    if "LOWER, UPPER = " not in script or SUBMIT not in script:
        return None
    script = script.replace(SUBMIT, 'np.save("test_raw.npy", test_predictions)\n' + SUBMIT)
    execution = run_script(script, work, data / "public", Limits(600))
    if not execution.ok:
        raise RuntimeError(f"{task.meta.id}: the solution failed again: {execution.stderr_tail}")
    train = pd.read_csv(data / "public" / "train.csv")
    target = train[task.meta.target].dropna().to_numpy(dtype=float)
    low, high = target.min(), target.max()
    floor = 0.0 if "max(y.min(), 0)" in script else -math.inf
    raw = np.load(work / "test_raw.npy")
    test = pd.read_csv(data / "public" / "test.csv")
    sample = pd.read_csv(data / "public" / "sample_submission.csv")
    answers = pd.read_csv(data / "private" / "answers.csv")
    scores = {}
    for margin in MARGINS:
        spread = (high - low) * margin if math.isfinite(margin) else math.inf
        clipped = np.clip(raw, max(low - spread, floor), high + spread)
        path = work / f"margin-{margin}.csv"
        pd.DataFrame({task.meta.id_column: test[task.meta.id_column],
                      task.meta.target: clipped})[sample.columns].to_csv(path, index=False)
        grade = grade_submission(task.meta, path, sample, answers)
        scores[str(margin)] = grade.score if grade.valid else None
    outside = float(np.mean((raw < low) | (raw > high)))
    return {"metric": task.meta.metric, "scores": scores, "share_outside_range": round(outside, 4)}


def main() -> int:
    from linguacodus.bench.registry import get_tasks

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="tune", choices=("tune", "check"))
    parser.add_argument("--runs", type=Path, default=ROOT / "benchmarks/runs/linguacodus/60s")
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks/data")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for task in get_tasks(None, split=args.split):
            if task.meta.task_type != "regression":
                continue
            run = args.runs / task.meta.id / "run"
            if not (run / "solution.py").is_file():
                print(f"{task.meta.id}: no recorded run in {run}; skipped", file=sys.stderr)
                continue
            outcome = replay(task, run, args.data / task.meta.id, Path(scratch) / task.meta.id)
            if outcome is None:
                print(f"{task.meta.id}: its solution does not clip", flush=True)
                continue
            results[task.meta.id] = outcome
            print(f"{task.meta.id}: {outcome}", flush=True)
    out = ROOT / "benchmarks" / "results" / f"clip_margin-{args.split}.json"
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
