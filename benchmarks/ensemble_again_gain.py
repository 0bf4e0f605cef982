"""What weighing the ensemble again after tuning would have changed in recorded runs, on the
private answers:

    python benchmarks/ensemble_again_gain.py --budget 300 --split tune [--runs benchmarks/runs/linguacodus]

A move tried and not adopted: on tune at 300 s it made the result worse on average
(benchmarks/README.md). For each task of the split with a finished run under
RUNS/<budget>s/<task>/run: the members such a move would weigh — the candidates' solutions
and the best single solution more folds or tuning made, every member at that solution's
folds (a member with fewer folds runs with more in the ensemble's script) — are planned
with ensemble.plan_ensemble on their recorded out-of-fold predictions. Where a blend or
stack is planned, its script is compiled and run in the sandbox on the task's public files;
its CV is graded by the harness and its submission by the bench grader on the private
answers. The run would have ended with it where its CV beats the run's final CV and its
expected seconds fit the time the run had left; the table compares that with the run's
final submission, normalised with benchmarks/references.json (also as if every planned
ensemble had had the time). Writes benchmarks/results/ensemble_again_gain-<split>-<budget>s.json.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np
from recorded import Recorded, normalised, replay_arguments, replay_runs, write_results

INPUTS, REFINEMENTS = ("candidate", "repair", "model-fix"), ("more-folds", "tune", "variant")


def replay(task, run: Path, data: Path, reference, scratch: Path) -> dict:
    from linguacodus.diagnostics import predicted_rows
    from linguacodus.ensemble import plan_ensemble
    from linguacodus.instruction import Instruction, load_instruction
    from linguacodus.moves import more_folds_seconds, with_more_folds
    from linguacodus.score import Score
    from linguacodus.timing import STARTUP_SECONDS

    recorded = Recorded(task, run, data)
    spec, attempts, result = recorded.spec, recorded.attempts, recorded.result
    task_data, private = recorded.task_data, recorded.private

    def score(value: float) -> Score:
        return Score(value, spec.higher_is_better)

    def folds_of(instruction) -> int | None:
        kfold = instruction.find("kfold")
        return int(kfold.param("n_splits")) if kfold is not None else None

    run_cv, left = result.get("cv_score"), result["budget_seconds"] - result["wall_seconds"]
    run_test = private(run / "submission.csv") if (run / "submission.csv").is_file() else None
    row = {"run_final_cv": run_cv, "run_final_test": run_test, "seconds_left": round(left, 1),
           "plan": None, "note": None, "expected_seconds": None, "cv": None, "test": None,
           "fits": False}
    usable = [a for a in attempts if a.purpose == "full" and a.valid and a.code_source == "compiler"
              and (run / a.folder / "oof_predictions.npy").exists()]
    instructions = {a.number: load_instruction(run / a.folder / "instruction.json") for a in usable}
    refined = [a for a in usable if a.move in REFINEMENTS and not instructions[a.number].is_blend]
    if not refined:
        row["note"] = "no refined solution"
        return _finish(row, reference, run_test, spec.higher_is_better)
    best = max(refined, key=lambda a: score(a.score).utility)
    folds = folds_of(instructions[best.number])

    def in_ensemble(attempt):
        ran = instructions[attempt.number]
        return (with_more_folds(ran, folds) or ran) if folds is not None else ran

    inputs = [a for a in usable if a.move in INPUTS and folds_of(in_ensemble(a)) == folds]
    members = [*inputs, best]
    raws = [np.load(run / a.folder / "oof_predictions.npy") for a in members]
    target = task_data.train[spec.target]
    truth = target[target.notna()]
    if len(members) < 2 or len({r.shape for r in raws}) != 1 or len(truth) != len(raws[0]):
        row["note"] = "fewer than two members of one shape"
        return _finish(row, reference, run_test, spec.higher_is_better)
    predicted = np.logical_and.reduce([predicted_rows(r) for r in raws])
    if not predicted.all():
        raws, truth = [r[predicted] for r in raws], truth[predicted]
    plan, why_not = plan_ensemble(spec, raws, truth, 42, all_rows=bool(predicted.all()))
    row.update(plan=plan.kind if plan else None, note=plan.note if plan else why_not)
    if plan is None:
        return _finish(row, reference, run_test, spec.higher_is_better)
    chosen = [members[i] for i in plan.members]
    walls = [more_folds_seconds(a.execution.wall_seconds)
             if in_ensemble(a) is not instructions[a.number] else a.execution.wall_seconds
             for a in chosen]
    row["expected_seconds"] = round(1.1 * (sum(walls) - STARTUP_SECONDS * (len(walls) - 1)), 1)
    row["fits"] = row["expected_seconds"] <= left
    ensemble = Instruction(title="again", stack=plan.kind == "stack", weights=plan.weights,
                           members=tuple(in_ensemble(a) for a in chosen))
    folder = scratch / task.meta.id
    execution, grade = recorded.run_instruction(ensemble, folder)
    row["seconds"] = execution.wall_seconds
    if execution.ok and grade.valid:
        row.update(cv=grade.cv_score, test=private(folder / "submission.csv"))
    else:
        row["note"] += f"; it failed: {grade.reason or execution.stderr_tail[-200:]}"
    return _finish(row, reference, run_test, spec.higher_is_better)


def _finish(row: dict, reference, run_test, higher: bool) -> dict:
    from linguacodus.score import Score

    better = (row["cv"] is not None and row["run_final_cv"] is not None
              and Score(row["cv"], higher).better_than(Score(row["run_final_cv"], higher)))
    row["takes_if_time"] = better
    row["takes"] = better and row["fits"]
    row["run_normalised"] = normalised(reference, run_test)
    row["with_again_normalised"] = normalised(reference, row["test"] if row["takes"] else run_test)
    row["with_time_normalised"] = normalised(reference, row["test"] if better else run_test)
    return row


def main() -> int:
    args = replay_arguments(__doc__.split("\n\n")[0], "tune").parse_args()
    rows = {}
    for task_id, row in replay_runs(args, replay):
        rows[task_id] = row
        print(f"{task_id:24s} {row['plan'] or '-':6s} CV {row['run_final_cv']!s:.8} → "
              f"{row['cv']!s:.8}  private {row['run_final_test']!s:.8} → {row['test']!s:.8}  "
              f"({row['expected_seconds']} s of {row['seconds_left']} s left; "
              f"{'taken' if row['takes'] else 'not taken'}) {row['note']}", flush=True)

    def changes(key: str) -> list[float]:
        return [r[key] - r["run_normalised"] for r in rows.values()
                if r[key] is not None and r["run_normalised"] is not None]

    summary = {"tasks": len(rows), "planned": sum(r["plan"] is not None for r in rows.values()),
               "taken": sum(r["takes"] for r in rows.values()),
               "taken_if_time": sum(r["takes_if_time"] for r in rows.values())}
    for name, key in (("", "with_again_normalised"), ("_if_time", "with_time_normalised")):
        found = changes(key)
        summary.update({f"mean_normalised_change{name}": round(statistics.mean(found), 4) if found else None,
                        f"tasks_better{name}": sum(c > 1e-9 for c in found),
                        f"tasks_worse{name}": sum(c < -1e-9 for c in found)})
    write_results("ensemble_again_gain", args, summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
