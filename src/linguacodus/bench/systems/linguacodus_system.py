"""Linguacodus itself, through its CLI, exactly as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

from linguacodus.bench.systems._common import Inputs, run


def fit_predict(inputs: Inputs) -> dict:
    out = inputs.workdir / "run"
    command = [sys.executable, "-m", "linguacodus", "run", str(inputs.workdir / "input"),
               "--budget", str(inputs.budget), "--out", str(out)]
    completed = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    (inputs.workdir / "linguacodus.log").write_text(completed.stdout + completed.stderr)
    result = json.loads((out / "result.json").read_text()) if (out / "result.json").exists() else {}
    if result.get("valid"):
        shutil.copyfile(out / "submission.csv", inputs.workdir / "submission.csv")
    first_valid_at = None
    if result.get("first_valid_seconds") is not None and result.get("started_at"):
        # A Unix time: the harness measures it from its own launch of this process, as it
        # measures the peers' wall time, interpreter start-ups included.
        first_valid_at = result["started_at"] + result["first_valid_seconds"]
    return {"first_valid_at": first_valid_at, "first_valid_seconds": result.get("first_valid_seconds"),
            "cv_score": result.get("cv_score"), "chosen_instruction": result.get("chosen_instruction"),
            "exit_code": completed.returncode}


if __name__ == "__main__":
    run(fit_predict)
