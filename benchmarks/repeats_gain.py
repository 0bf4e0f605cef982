"""What repeated folds for the leader would have changed in recorded runs, on the private
answers:

    python benchmarks/repeats_gain.py --budget 300 --split tune [--most 3,5,10]

For each task of the split with a finished run under RUNS/<budget>s/<task>/run: the leader is
the run's best single solution (what refinement.run_repeats starts from, the last move). For
each ceiling M of ``--most``, the search would draw the leader's folds R times, R the most
(2 to M) whose expected time (moves.repeats_seconds) fits in the time the run had left at
its end; each such R is compiled (moves.with_repeats), run in the sandbox on the task's
public files, its CV graded by the harness and its submission by the bench grader on the
private answers. Two rules for what the run ends with are compared, both normalised with
benchmarks/references.json against the run's final submission:

- ``better``: the repeated leader where its CV beats the run's final CV (what the search does);
- ``replace``: the repeated leader in place of the leader wherever the leader was final.

Writes benchmarks/results/repeats_gain-<split>-<budget>s.json. A replay, not a run: the time
left is the recorded run's, which moves added since may have used.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from recorded import Recorded, normalised, replay_arguments, replay_runs, write_results

LEADER_MOVES = ("candidate", "repair", "model-fix", "more-folds", "tune", "variant")
RULES = ("better", "replace")


def replay(task, run: Path, data: Path, reference, scratch: Path, ceilings: list[int]) -> dict:
    from linguacodus.instruction import load_instruction
    from linguacodus.moves import affordable_repeats, with_repeats
    from linguacodus.score import Score

    recorded = Recorded(task, run, data)
    spec, attempts, result, private = recorded.spec, recorded.attempts, recorded.result, recorded.private

    def score(value: float) -> Score:
        return Score(value, spec.higher_is_better)

    singles = [(a, load_instruction(run / a.folder / "instruction.json")) for a in attempts
               if a.purpose == "full" and a.valid and not a.held_back
               and a.code_source == "compiler" and a.move in LEADER_MOVES]
    singles = [(a, i) for a, i in singles if not i.is_blend]
    run_cv = result.get("cv_score")
    run_test = private(run / "submission.csv") if (run / "submission.csv").is_file() else None
    left = round(result["budget_seconds"] - result["wall_seconds"], 1)
    row = {"leader": None, "run_final_cv": run_cv, "run_final_test": run_test,
           "run_final_normalised": normalised(reference, run_test), "seconds_left": left,
           "draws": {}, "by_ceiling": {}}
    if not singles:
        return row
    leader, instruction = max(singles, key=lambda pair: score(pair[0].score).utility)
    leader_is_final = run_cv is not None and leader.score == run_cv
    row.update(leader=leader.instruction_title, leader_cv=leader.score,
               leader_seconds=leader.execution.wall_seconds, leader_is_final=leader_is_final)
    for most in ceilings:
        repeats = affordable_repeats(leader.execution.wall_seconds, left, most)
        repeated = with_repeats(instruction, spec, repeats) if repeats else None
        if repeated is None:
            row["by_ceiling"][str(most)] = {"repeats": 0}
            continue
        if str(repeats) not in row["draws"]:
            row["draws"][str(repeats)] = recorded.outcome(repeated,
                                                          scratch / f"{task.meta.id}-{repeats}")
        draw = row["draws"][str(repeats)]
        entry = {"repeats": repeats}
        if draw["cv"] is not None:
            ends = {"better": draw["test"] if run_cv is not None
                    and score(draw["cv"]).better_than(score(run_cv)) else run_test,
                    "replace": draw["test"] if leader_is_final else run_test}
            entry.update({rule: normalised(reference, test) for rule, test in ends.items()})
        row["by_ceiling"][str(most)] = entry
    return row


def main() -> int:
    parser = replay_arguments(__doc__.split("\n\n")[0], "tune")
    parser.add_argument("--most", default="3,5,10",
                        help="comma-separated ceilings on the repeats to compare")
    args = parser.parse_args()
    ceilings = [int(m) for m in args.most.split(",")]
    rows = {}
    for task_id, row in replay_runs(args, lambda *where: replay(*where, ceilings)):
        rows[task_id] = row
        draws = ", ".join(f"{r}× CV {d['cv']!s:.8} private {d['test']!s:.8} ({d['seconds']:.0f} s)"
                          for r, d in row["draws"].items()) or "-"
        print(f"{task_id:24s} leader CV {row.get('leader_cv')!s:>10.8}, run final CV "
              f"{row['run_final_cv']!s:>10.8} private {row['run_final_test']!s:>10.8}, "
              f"{row['seconds_left']} s left: {draws}", flush=True)
    summary: dict = {"tasks": len(rows)}
    for most in ceilings:
        for rule in RULES:
            changes = [r["by_ceiling"][str(most)][rule] - r["run_final_normalised"]
                       for r in rows.values()
                       if r["by_ceiling"].get(str(most), {}).get(rule) is not None
                       and r["run_final_normalised"] is not None]
            summary[f"most {most}, {rule}"] = {
                "tasks_run": sum(r["by_ceiling"].get(str(most), {}).get("repeats", 0) > 0
                                 for r in rows.values()),
                "mean_normalised_change": round(sum(changes) / len(rows), 4) if rows else None,
                "mean_over_tasks_run": round(statistics.mean(changes), 4) if changes else None,
                "tasks_better": sum(c > 1e-9 for c in changes),
                "tasks_worse": sum(c < -1e-9 for c in changes),
            }
    summary["repeat_seconds"] = round(sum(d["seconds"] for r in rows.values()
                                          for d in r["draws"].values()), 1)
    write_results("repeats_gain", args, summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
