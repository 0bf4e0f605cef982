"""What keeping the 60 s candidates in a longer run would have changed in recorded runs, on
the private answers:

    python benchmarks/reference_candidates_gain.py --budget 300 --split tune

For each task of the split with a finished run under RUNS/<budget>s/<task>/run: the
candidates the reference budget (runner.REFERENCE_BUDGET, 60 s) would propose whose title
the run's own list (its instructions/candidate-*.json) lacks — what runner.propose_candidates
now adds above that budget — each compiled and run in full in the sandbox on the task's
public files, its CV graded by the harness and its submission by the bench grader on the
private answers.

The search runs candidates before its moves, so the added ones take their time from the
end of the run: where they need more than the run had left, the run's attempts that ended
in the last (their time - time left) seconds are dropped (tuning trials, variants: the moves
the search would have had less time for). What the run ends with is then the best CV among
the rest and the added candidates; the table compares it with the run's final submission,
both normalised with benchmarks/references.json. Writes
benchmarks/results/reference_candidates_gain-<split>-<budget>s.json.

It is a replay, not a run: a blend or stack that would include an added candidate is not
built (it can only gain), and a move that would have started from an added candidate that
leads is not run.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from recorded import Recorded, normalised, replay_arguments, replay_runs, write_results


def _run_titles(run: Path) -> set[str]:
    return {json.loads(path.read_text())["title"]
            for path in (run / "instructions").glob("candidate-*.json")}


def replay(task, run: Path, data: Path, reference, scratch: Path) -> dict:
    from linguacodus.knowledge.store import default_kb_path
    from linguacodus.manifest import read_manifest
    from linguacodus.runner import REFERENCE_BUDGET, propose_candidates
    from linguacodus.score import Score

    recorded = Recorded(task, run, data)
    spec, attempts, result, private = recorded.spec, recorded.attempts, recorded.result, recorded.private

    def score(value: float) -> Score:
        return Score(value, spec.higher_is_better)

    run_cv = result.get("cv_score")
    run_test = private(run / "submission.csv") if (run / "submission.csv").is_file() else None
    wall, budget = result["wall_seconds"], result["budget_seconds"]
    row: dict = {"run_final_cv": run_cv, "run_final_test": run_test,
                 "run_final_normalised": normalised(reference, run_test),
                 "seconds_left": round(budget - wall, 1), "added": {}}
    every = [a for a in attempts if a.purpose == "full" and a.valid and not a.held_back]
    row["rule_gives_run_final"] = run_cv is not None and any(
        a.score == run_cv for a in every) and not any(
        score(a.score).better_than(score(run_cv)) for a in every)
    titles = _run_titles(run)
    k = read_manifest(run).k
    reference_list = propose_candidates(recorded.task_data, spec, k, default_kb_path(),
                                        REFERENCE_BUDGET)
    added = [c for c in reference_list if c.title not in titles]
    if not added:
        return row
    for number, instruction in enumerate(added, start=1):
        row["added"][instruction.title] = recorded.outcome(instruction,
                                                           scratch / f"{task.meta.id}-{number}")
    extra = sum(entry["seconds"] for entry in row["added"].values())
    shortfall = max(0.0, extra - (budget - wall))
    kept = [a for a in every if a.started_seconds + a.execution.wall_seconds <= wall - shortfall]
    pool = [(score(a.score), private(run / a.folder / "submission.csv"), a.instruction_title)
            for a in kept]
    pool += [(score(e["cv"]), e["test"], title) for title, e in row["added"].items()
             if e["cv"] is not None]
    row.update(added_seconds=round(extra, 1), dropped_seconds=round(shortfall, 1),
               attempts_dropped=len(every) - len(kept))
    if pool:
        best, test, title = max(pool, key=lambda entry: entry[0].utility)
        row.update(final=title, final_cv=best.value, final_test=test,
                   final_normalised=normalised(reference, test))
    return row


def main() -> int:
    args = replay_arguments(__doc__.split("\n\n")[0], "tune").parse_args()
    rows = {}
    for task_id, row in replay_runs(args, replay):
        rows[task_id] = row
        added = ", ".join(f"'{t}' CV {e['cv']!s:.8} private {e['test']!s:.8} ({e['seconds']:.0f} s)"
                          for t, e in row["added"].items()) or "-"
        print(f"{task_id:24s} run final CV {row['run_final_cv']!s:>10.8} private "
              f"{row['run_final_test']!s:>10.8}, {row['seconds_left']} s left; added: {added}; "
              f"ends with {row.get('final', '-')!r} CV {row.get('final_cv')!s:.8} private "
              f"{row.get('final_test')!s:.8}", flush=True)
    changed = {t: r["final_normalised"] - r["run_final_normalised"] for t, r in rows.items()
               if r["added"] and r.get("final_normalised") is not None
               and r["run_final_normalised"] is not None}
    summary = {
        "tasks": len(rows),
        "tasks_with_added_candidates": sum(bool(r["added"]) for r in rows.values()),
        "added_candidates": sum(len(r["added"]) for r in rows.values()),
        "final_from_an_added_candidate": sum(r.get("final") in r["added"] for r in rows.values()),
        "mean_normalised_change": round(sum(changed.values()) / len(rows), 4) if rows else None,
        "mean_over_tasks_with_added": round(statistics.mean(changed.values()), 4) if changed else None,
        "tasks_better": sum(c > 1e-9 for c in changed.values()),
        "tasks_worse": sum(c < -1e-9 for c in changed.values()),
        "tasks_where_best_cv_is_not_the_run_final": sorted(
            t for t, r in rows.items() if not r["rule_gives_run_final"]),
        "added_seconds": round(sum(r.get("added_seconds", 0) for r in rows.values()), 1),
    }
    write_results("reference_candidates_gain", args, summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
