"""What the feature and target variants would have changed in recorded runs, on the private
answers:

    python benchmarks/variant_gain.py --budget 300 --split tune [--runs benchmarks/runs/linguacodus]

For each task of the split with a finished run under RUNS/<budget>s/<task>/run: the leader is
the run's best single solution (what the search's variants start from: after the
candidates, the blend, more folds and tuning, in the time tuning leaves). Its variants
(moves.variations, the operations' offers) are run the way refinement.run_variations runs
them: one at a time, at most moves.MAX_VARIATIONS, a variant that beats the leader's CV by
more than the noise (moves.within_noise) becoming the leader the next builds on; each
compiled and run in the sandbox on the task's public files, its CV graded by the harness and
its submission by the bench grader on the private answers. The table compares the run's
final submission with what the run would have ended with had the variants run (the kept
variant where its CV beats the run's final CV, a blend's included), both on the private
answers and normalised with benchmarks/references.json. Writes
benchmarks/results/variant_gain-<split>-<budget>s.json.

It is a replay, not a run: each variant is given the time it needs, which the run may not
have had left; the run may have ended with tuning trials to spare or with none left.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from recorded import Recorded, normalised, replay_arguments, replay_runs, write_results

LEADER_MOVES = ("candidate", "repair", "model-fix", "more-folds", "tune")


def replay(task, run: Path, data: Path, reference, scratch: Path) -> dict:
    import numpy as np

    from linguacodus.instruction import load_instruction
    from linguacodus.moves import MAX_VARIATIONS, variations, within_noise
    from linguacodus.score import Score

    recorded = Recorded(task, run, data)
    spec, attempts, result = recorded.spec, recorded.attempts, recorded.result
    task_data, private = recorded.task_data, recorded.private

    def score(value: float) -> Score:
        return Score(value, spec.higher_is_better)

    singles = [(a, load_instruction(run / a.folder / "instruction.json")) for a in attempts
               if a.purpose == "full" and a.valid and a.code_source == "compiler"
               and a.move in LEADER_MOVES]
    singles = [(a, i) for a, i in singles if not i.is_blend]
    run_cv = result.get("cv_score")
    run_test = private(run / "submission.csv") if (run / "submission.csv").is_file() else None
    row = {"leader": None, "variants": [], "leader_cv": None, "leader_test": None,
           "final_cv": None, "final_test": None, "run_final_cv": run_cv, "run_final_test": run_test,
           "with_variants_test": run_test, "run_seconds_left": round(
               result["budget_seconds"] - result["wall_seconds"], 1)}
    if not singles:
        return row
    leader, instruction = max(singles, key=lambda pair: score(pair[0].score).utility)
    leader_cv, leader_test = leader.score, private(run / leader.folder / "submission.csv")
    row.update(leader=leader.instruction_title, leader_cv=leader_cv, leader_test=leader_test,
               final_cv=leader_cv, final_test=leader_test)
    target = task_data.train[spec.target]
    truth = target[target.notna()].reset_index(drop=True)
    best_cv, best_test, tried = leader_cv, leader_test, set()
    best_oof = np.load(run / leader.folder / "oof_predictions.npy")
    for number in range(MAX_VARIATIONS):
        offers = variations(instruction, spec, frozenset(tried))
        if not offers:
            break
        offer = offers[0]
        tried.add(offer.operation)
        folder = scratch / f"{task.meta.id}-{number}"
        execution, grade = recorded.run_instruction(offer.instruction, folder)
        entry = {"change": offer.change, "seconds": execution.wall_seconds,
                 "leader_seconds": leader.execution.wall_seconds, "cv": None, "test": None}
        if execution.ok and grade.valid:
            entry.update(cv=grade.cv_score, test=private(folder / "submission.csv"))
            oof = np.load(folder / "oof_predictions.npy")
            entry["held_back"] = ("no better than its parent"
                                  if not score(grade.cv_score).better_than(score(best_cv))
                                  else within_noise(spec, truth, oof, best_oof))
            if entry["held_back"] is None:
                best_cv, best_test, instruction = grade.cv_score, entry["test"], offer.instruction
                best_oof = oof
        else:
            entry["failure"] = (grade.reason or execution.stderr_tail[-200:]
                                or ("timed out" if execution.timed_out else "failed"))
        row["variants"].append(entry)
    takes = best_cv != leader_cv and run_cv is not None and score(best_cv).better_than(score(run_cv))
    row.update(final_cv=best_cv, final_test=best_test, takes_variant=takes,
               with_variants_test=best_test if takes else run_test,
               leader_normalised=normalised(reference, leader_test),
               final_normalised=normalised(reference, best_test),
               run_final_normalised=normalised(reference, run_test),
               with_variants_normalised=normalised(reference, best_test if takes else run_test))
    return row


def main() -> int:
    args = replay_arguments(__doc__.split("\n\n")[0], "tune").parse_args()
    rows = {}
    for task_id, row in replay_runs(args, replay):
        rows[task_id] = row
        changes = ", ".join(f"{v['change']} {v['cv']!s:.8}{' (held back)' * bool(v.get('held_back'))}"
                            for v in row["variants"]) or "-"
        print(f"{task_id:24s} leader {row['leader_cv']!s:>10.8} → {row['final_cv']!s:>10.8}"
              f" (private {row['leader_test']!s:>10.8} → {row['final_test']!s:>10.8};"
              f" run {row['run_final_test']!s:>10.8} → {row['with_variants_test']!s:>10.8},"
              f" {row['run_seconds_left']} s left): {changes}",
              flush=True)
    changes = [r["with_variants_normalised"] - r["run_final_normalised"] for r in rows.values()
               if r.get("with_variants_normalised") is not None
               and r.get("run_final_normalised") is not None]
    summary = {
        "tasks": len(rows),
        "tasks_with_variants": sum(bool(r["variants"]) for r in rows.values()),
        "variants_run": sum(len(r["variants"]) for r in rows.values()),
        "variants_failed": sum(v["cv"] is None for r in rows.values() for v in r["variants"]),
        "variants_held_back": sum(bool(v.get("held_back")) for r in rows.values()
                                  for v in r["variants"]),
        "leader_changed": sum(r["final_cv"] != r["leader_cv"] for r in rows.values()),
        "final_changed": sum(bool(r.get("takes_variant")) for r in rows.values()),
        "mean_normalised_change": round(statistics.mean(changes), 4) if changes else None,
        "tasks_better": sum(c > 1e-9 for c in changes),
        "tasks_worse": sum(c < -1e-9 for c in changes),
        "variant_seconds": round(sum(v["seconds"] for r in rows.values() for v in r["variants"]), 1),
    }
    write_results("variant_gain", args, summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
