"""Would the variants' noise rule have helped tuning? A replay of recorded runs, nothing run:

    python benchmarks/tuning_noise.py --budget 300 --split tune

For each task of the split whose recorded run ended with a tuning trial: the trial is kept
only where its out-of-fold predictions beat its parent's (the leader it tuned) by more than
the paired-bootstrap noise (moves.within_noise), else the run ends with its best attempt
before tuning. Both submissions are graded by the bench grader on the private answers and
normalised with benchmarks/references.json. Writes
benchmarks/results/tuning_noise-<split>-<budget>s.json.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from recorded import ROOT, Recorded, finished_runs, normalised, replay_arguments, write_results


def replay(task, run: Path, data: Path, reference) -> dict | None:
    from linguacodus.moves import within_noise
    from linguacodus.score import Score

    recorded = Recorded(task, run, data)
    spec, attempts, private = recorded.spec, recorded.attempts, recorded.private

    valid = [a for a in attempts if a.purpose == "full" and a.valid]
    best = max(valid, key=lambda a: Score(a.score, spec.higher_is_better).utility, default=None)
    if best is None or best.move != "tune":
        return None
    untuned = max((a for a in valid if a.move != "tune"),
                  key=lambda a: Score(a.score, spec.higher_is_better).utility)
    leader = next(a for a in attempts if a.number == best.parent)
    target = recorded.task_data.train[spec.target]
    truth = target[target.notna()].reset_index(drop=True)
    reason = within_noise(spec, truth, np.load(run / best.folder / "oof_predictions.npy"),
                          np.load(run / leader.folder / "oof_predictions.npy"))
    final_test = private(run / "submission.csv")
    rule_test = final_test if reason is None else private(run / untuned.folder / "submission.csv")
    return {"tuned_cv": best.score, "leader_cv": leader.score, "untuned_cv": untuned.score,
            "untuned_move": untuned.move, "held_back": reason, "run_test": final_test,
            "rule_test": rule_test, "run_normalised": normalised(reference, final_test),
            "rule_normalised": normalised(reference, rule_test)}


def main() -> int:
    from linguacodus.bench.references import load_references

    args = replay_arguments(__doc__.split("\n\n")[0], "tune").parse_args()
    references = load_references(ROOT / "benchmarks" / "references.json")
    rows, tasks = {}, 0
    for task, run in finished_runs(args.split, args.budget, args.runs,
                                   args.tasks.split(",") if args.tasks else None):
        tasks += 1
        row = replay(task, run, args.data / task.meta.id, references.get(task.meta.id))
        if row is None:
            continue
        rows[task.meta.id] = row
        print(f"{task.meta.id:24s} private {row['run_test']:.6g} → {row['rule_test']:.6g}  "
              f"({row['held_back'] or 'clear'})", flush=True)
    changes = [r["rule_normalised"] - r["run_normalised"] for r in rows.values()]
    summary = {"tasks": tasks, "ended_with_tuning": len(rows),
               "held_back": sum(r["held_back"] is not None for r in rows.values()),
               "mean_normalised_change": round(sum(changes) / tasks, 4) if tasks else None,
               "tasks_better": sum(c > 1e-9 for c in changes),
               "tasks_worse": sum(c < -1e-9 for c in changes)}
    write_results("tuning_noise", args, summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
