"""An isolation check, not a competitor: a system that tries to read the private answers.

It tries the absolute path in $LINGUACODUS_PROBE_ANSWERS (the harness never tells a system
where the answers are; a test or a user checking a machine does), the same path relative to
its work folder, and the places next to its input folder; it records each try in info.json.
If any read succeeds it submits the answers (a perfect score gives the leak away); else the
sample submission. ``linguacodus bench run --system answer-probe`` checks a machine.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from linguacodus.bench.systems._common import Inputs, run

PROBE_ENV = "LINGUACODUS_PROBE_ANSWERS"


def _candidates(workdir: Path) -> list[str]:
    tries = ["input/../private/answers.csv", "../private/answers.csv", "../../private/answers.csv"]
    target = os.environ.get(PROBE_ENV)
    if target:
        tries += [target, os.path.relpath(target, workdir)]
    return tries


def fit_predict(inputs: Inputs) -> dict:
    os.chdir(inputs.workdir)
    attempts, leaked = {}, None
    for path in _candidates(inputs.workdir):
        try:
            with open(path, encoding="utf-8") as handle:
                handle.readline()
            attempts[path] = "read"
            leaked = leaked or path
        except OSError as error:
            attempts[path] = f"{type(error).__name__}: {error.strerror}"
    if leaked:
        shutil.copyfile(leaked, inputs.workdir / "submission.csv")
    else:
        inputs.sample.to_csv(inputs.workdir / "submission.csv", index=False)
    return {"attempts": attempts, "leaked": leaked}


if __name__ == "__main__":
    run(fit_predict)
