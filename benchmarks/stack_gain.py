"""What the level-2 stack would have changed in recorded runs, on the private answers:

    python benchmarks/stack_gain.py --budget 300 --split tune [--runs benchmarks/runs/linguacodus]

For each task of the split with a finished run under RUNS/<budget>s/<task>/run (recorded by a
linguacodus that blended only): the candidates' valid solutions the ensemble move weighed
(their oof_predictions.npy) are planned again with ensemble.plan_ensemble, which may now
pick a stack. Where it does, the stack's script is compiled from the members' own
instructions and run in the sandbox on the task's public files (this costs what the members
cost again); its CV is graded by the harness and its submission by the bench grader on the
private answers. The final pick is the stack where its CV beats the run's best CV, else the
run's own; the table compares that with the run's final submission, normalised with
benchmarks/references.json. The run's own blend (if any) is shown beside. Writes
benchmarks/results/stack_gain-<split>-<budget>s.json.

It is a replay, not a run: the stack is given the time it needs, which the run may not have
had left; every other move (more folds, tuning) is the run's.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from recorded import ROOT, Recorded, finished_runs, normalised, replay_arguments, write_results

ENSEMBLE_INPUT_MOVES = ("candidate", "repair", "model-fix")


def replay(task, run: Path, data: Path, reference) -> dict:
    from linguacodus.diagnostics import predicted_rows
    from linguacodus.ensemble import plan_ensemble
    from linguacodus.instruction import Instruction, load_instruction
    from linguacodus.score import Score

    recorded = Recorded(task, run, data)
    spec, attempts, result = recorded.spec, recorded.attempts, recorded.result
    task_data, private = recorded.task_data, recorded.private

    ensembles = [a for a in attempts if a.move in ("blend", "stack")]
    row = {"run_final_cv": result.get("cv_score"),
           "run_final_test": private(run / "submission.csv") if (run / "submission.csv").is_file() else None,
           "run_blend_cv": ensembles[0].score if ensembles else None,
           "run_blend_test": (private(run / ensembles[0].folder / "submission.csv")
                              if ensembles and ensembles[0].valid else None)}
    members = [a for a in attempts if a.purpose == "full" and a.valid and a.code_source == "compiler"
               and a.move in ENSEMBLE_INPUT_MOVES
               and (run / a.folder / "oof_predictions.npy").exists()]
    raws = [np.load(run / a.folder / "oof_predictions.npy") for a in members]
    truth = task_data.train.loc[task_data.train[spec.target].notna(), spec.target]
    plan, why_not = None, "fewer than two members of one shape"
    if len(members) >= 2 and len({r.shape for r in raws}) == 1 and len(truth) == len(raws[0]):
        predicted = np.logical_and.reduce([predicted_rows(r) for r in raws])
        if not predicted.all():
            raws, truth = [r[predicted] for r in raws], truth[predicted]
        plan, why_not = plan_ensemble(spec, raws, truth, 42, all_rows=bool(predicted.all()))
    row.update(plan=plan.kind if plan else None, plan_note=plan.note if plan else why_not,
               stack_cv=None, stack_test=None, stack_seconds=None)
    if plan is not None and plan.kind == "stack":
        chosen = [members[i] for i in plan.members]
        stack = Instruction(title=f"Stack of {len(chosen)} solutions", stack=True,
                            members=tuple(load_instruction(run / a.folder / "instruction.json")
                                          for a in chosen),
                            weights=plan.weights)
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch) / "stack"
            execution, grade = recorded.run_instruction(stack, folder)
            row["stack_seconds"] = execution.wall_seconds
            if execution.ok and grade.valid:
                row["stack_cv"] = grade.cv_score
                row["stack_test"] = private(folder / "submission.csv")
            else:
                row["plan_note"] += f"; the stack failed: {grade.reason or execution.stderr_tail[-200:]}"
    takes_stack = (row["stack_cv"] is not None and row["run_final_cv"] is not None
                   and Score(row["stack_cv"], spec.higher_is_better).better_than(
                       Score(row["run_final_cv"], spec.higher_is_better)))
    row["final_with_stack_test"] = row["stack_test"] if takes_stack else row["run_final_test"]
    row["takes_stack"] = takes_stack
    row["run_final_normalised"] = normalised(reference, row["run_final_test"])
    row["final_with_stack_normalised"] = normalised(reference, row["final_with_stack_test"])
    return row


def main() -> int:
    from linguacodus.bench.references import load_references

    parser = replay_arguments(__doc__.split("\n\n")[0], "tune")
    args = parser.parse_args()
    references = load_references(ROOT / "benchmarks" / "references.json")
    rows = {}
    tasks = args.tasks.split(",") if args.tasks else None
    for task, run in finished_runs(args.split, args.budget, args.runs, tasks):
        row = replay(task, run, args.data / task.meta.id, references.get(task.meta.id))
        rows[task.meta.id] = row
        print(f"{task.meta.id:24s} {row['plan'] or '-':6s} run {row['run_final_test']!s:>10.8} → "
              f"{row['final_with_stack_test']!s:>10.8}  ({row['plan_note']})", flush=True)
    changes = [r["final_with_stack_normalised"] - r["run_final_normalised"] for r in rows.values()
               if r["final_with_stack_normalised"] is not None and r["run_final_normalised"] is not None]
    summary = {
        "tasks": len(rows),
        "stack_planned": sum(r["plan"] == "stack" for r in rows.values()),
        "stack_taken": sum(r["takes_stack"] for r in rows.values()),
        "mean_normalised_change": round(statistics.mean(changes), 4) if changes else None,
        "tasks_better": sum(c > 1e-9 for c in changes),
        "tasks_worse": sum(c < -1e-9 for c in changes),
    }
    write_results("stack_gain", args, summary, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
