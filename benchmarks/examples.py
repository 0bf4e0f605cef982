"""Measure `linguacodus run` on each bundled example task.

    python benchmarks/examples.py --budget 60     # or: make bench-examples

For each task: wall time to the first valid submission, total wall time, peak memory,
CV score, and the held-out score of the submission against the private answers in
examples/answers/. Results go to benchmarks/results/examples.{json,md} with the machine,
package versions, date and the exact command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from linguacodus.bench.machine import machine_info
from linguacodus.grading import grade_against_answers
from linguacodus.spec import infer_spec
from linguacodus.task import load_task

ROOT = Path(__file__).resolve().parent.parent
TASKS = ROOT / "examples" / "tasks"
ANSWERS = ROOT / "examples" / "answers"
RESULTS = ROOT / "benchmarks" / "results"


def measure(task: str, budget: float, workdir: Path) -> dict:
    out = workdir / task
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "linguacodus", "run", str(TASKS / task), "--budget", str(budget),
         "--out", str(out)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    outside_wall = time.monotonic() - started
    row = {"task": task, "exit_code": completed.returncode,
           "process_wall_seconds": round(outside_wall, 2)}
    result_path = out / "result.json"
    if not result_path.exists():
        row["error"] = completed.stderr.strip().splitlines()[-1:] or ["no result.json"]
        return row
    result = json.loads(result_path.read_text())
    row.update({key: result[key] for key in ("metric", "higher_is_better", "valid", "cv_score",
                                             "wall_seconds", "first_valid_seconds",
                                             "peak_memory_mb", "attempts", "chosen_instruction")})
    if result["valid"]:
        loaded = load_task(TASKS / task)
        answers = pd.read_csv(ANSWERS / task / "answers.csv")
        grade = grade_against_answers(infer_spec(loaded), out / "submission.csv",
                                      loaded.sample_submission, answers)
        row["held_out_score"] = grade.cv_score if grade.valid else None
        row["held_out_valid"] = grade.valid
    return row


def to_markdown(report: dict) -> str:
    lines = [
        "# Linguacodus on the bundled example tasks",
        "",
        f"Command: `{report['command']}`  ",
        f"Date: {report['date']}  ",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"{report['machine']['memory_gb']} GB, Python {report['machine']['python']}",
        "",
        "| task | metric | valid | first valid s | total wall s | peak MB | CV score "
        "| held-out score | chosen |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in report["rows"]:
        def fmt(key: str, digits: int = 4, row: dict = row) -> str:
            value = row.get(key)
            if value is None:
                return "—"
            return f"{value:.{digits}g}" if isinstance(value, float) else str(value)
        lines.append(
            f"| {row['task']} | {row.get('metric', '—')} | {row.get('valid', False)} | "
            f"{fmt('first_valid_seconds', 3)} | {fmt('wall_seconds', 3)} | {fmt('peak_memory_mb', 4)} | "
            f"{fmt('cv_score')} | {fmt('held_out_score')} | {row.get('chosen_instruction', '—')} |"
        )
    versions = ", ".join(f"{k} {v}" for k, v in report["machine"]["packages"].items())
    lines += ["", f"Package versions: {versions}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=60)
    parser.add_argument("--tasks", default=",".join(sorted(p.name for p in TASKS.iterdir())))
    parser.add_argument("--name", default="examples", help="results file stem")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="linguacodus-bench-") as workdir:
        for task in args.tasks.split(","):
            row = measure(task, args.budget, Path(workdir))
            print(json.dumps(row), flush=True)
            rows.append(row)
    report = {
        "command": " ".join(["python", "benchmarks/examples.py", *sys.argv[1:]]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "budget_seconds": args.budget,
        "machine": machine_info(),
        "rows": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(report, indent=2) + "\n")
    (RESULTS / f"{args.name}.md").write_text(to_markdown(report))
    print(to_markdown(report))


if __name__ == "__main__":
    main()
