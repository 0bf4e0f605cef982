"""What the search's time bought: the first valid submission against the final one, on the
private answers, from recorded run folders:

    python benchmarks/tree_gain.py --budget 300 [--split check] [--runs benchmarks/runs/linguacodus]

For each task of the split with a run folder under RUNS/<budget>s/<task>/run: the first valid
full attempt's submission.csv and the run's final submission.csv, each graded by the bench
grader against the private answers and normalised with benchmarks/references.json; the wall
time against the budget; how many attempts, tuning trials among them, and which move made
the final solution; and the best solution before tuning — what the run would have ended with
at `--tune-trials 0`, since tuning comes last and changes nothing before it — graded the same
way. Writes benchmarks/results/tree_gain-<split>-<budget>s.json.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

import pandas as pd
from recorded import ROOT, finished_runs, normalised, replay_arguments, write_results


def measure(task, run: Path, data: Path, reference) -> dict:
    from linguacodus.bench.grader import grade_submission
    from linguacodus.journal import Journal

    attempts = Journal.read(run / "journal.jsonl")
    valid = [a for a in attempts if a.purpose == "full" and a.valid]
    result = json.loads((run / "result.json").read_text())
    sample = pd.read_csv(data / "public" / "sample_submission.csv")
    answers = pd.read_csv(data / "private" / "answers.csv")

    def score(path: Path) -> float | None:
        grade = grade_submission(task.meta, path, sample, answers)
        return grade.score if grade.valid else None

    def utility(attempt) -> float:
        return attempt.score if result["higher_is_better"] else -attempt.score

    first = min(valid, key=lambda a: a.number) if valid else None
    best = max(valid, key=utility) if valid else None
    # Without tuning the run would have ended with the best of the rest (the same attempts:
    # tuning comes last and changes nothing before it).
    untuned = [a for a in valid if a.move != "tune"]
    before_tuning = max(untuned, key=utility) if untuned else None
    first_score = score(run / first.folder / "submission.csv") if first else None
    final_score = score(run / "submission.csv") if (run / "submission.csv").is_file() else None
    untuned_score = (score(run / before_tuning.folder / "submission.csv")
                     if before_tuning is not None else None)
    return {
        "first_valid_attempt": first.number if first else None,
        "first_cv": first.score if first else None, "final_cv": result.get("cv_score"),
        "first_test": first_score, "final_test": final_score,
        "first_normalised": normalised(reference, first_score),
        "final_normalised": normalised(reference, final_score),
        "final_move": best.move if best else None,
        "untuned_cv": before_tuning.score if before_tuning else None,
        "untuned_test": untuned_score, "untuned_normalised": normalised(reference, untuned_score),
        "wall_seconds": result.get("wall_seconds"), "budget_seconds": result.get("budget_seconds"),
        "attempts": len(attempts), "tune_trials": sum(a.move == "tune" for a in attempts),
    }


def main() -> int:
    from linguacodus.bench.references import load_references

    parser = replay_arguments(__doc__.split("\n\n")[0], "check")
    args = parser.parse_args()
    references = load_references(ROOT / "benchmarks" / "references.json")
    rows = {}
    for task, run in finished_runs(args.split, args.budget, args.runs,
                                   args.tasks.split(",") if args.tasks else None):
        rows[task.meta.id] = measure(task, run, args.data / task.meta.id, references.get(task.meta.id))
        row = rows[task.meta.id]
        print(f"{task.meta.id:24s} first {row['first_test']!s:>10.8} → final {row['final_test']!s:>10.8}"
              f"  ({row['final_move']}, {row['tune_trials']} trials, "
              f"{row['wall_seconds']:.0f}/{row['budget_seconds']:.0f} s)", flush=True)
    gains = [r["final_normalised"] - r["first_normalised"] for r in rows.values()
             if r["final_normalised"] is not None and r["first_normalised"] is not None]
    tuning = [r["final_normalised"] - r["untuned_normalised"] for r in rows.values()
              if r["final_normalised"] is not None and r["untuned_normalised"] is not None]
    summary = {
        "tasks": len(rows),
        "mean_normalised_gain": round(statistics.mean(gains), 4) if gains else None,
        "tasks_better_than_first": sum(g > 1e-9 for g in gains),
        "tasks_worse_than_first": sum(g < -1e-9 for g in gains),
        "tuning_mean_normalised_gain": round(statistics.mean(tuning), 4) if tuning else None,
        "tuning_tasks_better": sum(g > 1e-9 for g in tuning),
        "tuning_tasks_worse": sum(g < -1e-9 for g in tuning),
        "tuning_tasks_changed_pick": sum(r["final_move"] == "tune" for r in rows.values()),
        "median_wall_share_of_budget": round(statistics.median(
            r["wall_seconds"] / r["budget_seconds"] for r in rows.values()), 3) if rows else None,
    }
    write_results("tree_gain", args, summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
