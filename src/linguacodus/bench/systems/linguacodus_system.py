"""Linguacodus itself, through its CLI, exactly as a user runs it.

Standard library only: this wrapper's own start-up counts in the time to the first valid
submission, so it imports nothing heavy before launching the command.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path


def main(argv: list[str], extra: tuple[str, ...] = ()) -> None:
    """Run `linguacodus run` on WORKDIR/input with the budget (and extra options)."""
    if len(argv) != 3:
        raise SystemExit(f"usage: {argv[0]} WORKDIR BUDGET")
    started = time.monotonic()
    workdir, budget = Path(argv[1]), argv[2]
    out = workdir / "run"
    command = [sys.executable, "-m", "linguacodus", "run", str(workdir / "input"),
               "--budget", budget, "--out", str(out), *extra]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    (workdir / "linguacodus.log").write_text(completed.stdout + completed.stderr)
    result = json.loads((out / "result.json").read_text()) if (out / "result.json").exists() else {}
    if result.get("valid"):
        shutil.copyfile(out / "submission.csv", workdir / "submission.csv")
    # What linguacodus says of itself, for the report; the harness times and grades it.
    info = {"metric": result.get("metric"), "cv_score": result.get("cv_score"),
            "reported_first_valid_seconds": result.get("first_valid_seconds"),
            "chosen_instruction": result.get("chosen_instruction"),
            "exit_code": completed.returncode,
            "wall_seconds": round(time.monotonic() - started, 3)}
    (workdir / "info.json").write_text(json.dumps(info, indent=2) + "\n")


if __name__ == "__main__":
    main(sys.argv)
