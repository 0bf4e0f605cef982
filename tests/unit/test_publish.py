"""The best submission so far is in the run folder at once, and never half-written."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from conftest import EXAMPLES
from linguacodus.grading import grade_attempt
from linguacodus.publish import atomic_copy, atomic_write_text
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path):
    target = tmp_path / "submission.csv"
    atomic_write_text(target, "id,y\n1,0.5\n")

    class Broken:
        def open(self, mode):
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_copy(Broken(), target)
    assert target.read_text() == "id,y\n1,0.5\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["submission.csv"]  # no partial file


def test_after_kill_9_the_run_folder_holds_the_best_submission_so_far(task_factory, tmp_path):
    task_dir = task_factory("binary", n=400)
    run_dir = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "linguacodus", "run", str(task_dir), "--out", str(run_dir),
         "--budget", "300", "-k", "6", "--tune-trials", "2"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    journal = run_dir / "journal.jsonl"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            lines = journal.read_text().splitlines() if journal.exists() else []
            if any(json.loads(line)["purpose"] == "full" and json.loads(line)["grade"]
                   and json.loads(line)["grade"]["valid"] for line in lines):
                break
            assert process.poll() is None, "the run ended before it was killed"
            time.sleep(0.2)
        else:
            pytest.fail("no valid attempt within 120 s")
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert not (run_dir / "result.json").exists()  # it really was cut short
    task = load_task(task_dir)
    spec = infer_spec(task)
    # The top-level files are a complete, valid solution: graded as an attempt folder is.
    assert grade_attempt(spec, run_dir, task.train, task.sample_submission).valid
    submitted = pd.read_csv(run_dir / "submission.csv")
    assert len(submitted) == len(task.test)
    assert not list(run_dir.glob(".*.partial"))


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap makes the small disk")
def test_a_full_disk_stops_the_run_in_one_line_with_no_partial_submission(tmp_path):
    """The run folder on a 150 kB file system: the run stops with one line saying how to
    resume, and the top-level submission.csv, if any, is a whole attempt's."""
    disk, snapshot = tmp_path / "disk", tmp_path / "snapshot"
    disk.mkdir()
    inner = (f"{sys.executable} -m linguacodus run {EXAMPLES / 'churn'} --budget 30 --out {disk}/run "
             f"--tune-trials 0 --no-kb 2>{tmp_path}/stderr.txt; echo $? >{tmp_path}/exit; "
             f"cp -r {disk}/run {snapshot}")
    probe = subprocess.run(["bwrap", "--bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--size",
                            str(150_000), "--tmpfs", str(disk), "bash", "-c", inner],
                           capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    if not (tmp_path / "exit").exists():
        pytest.skip(f"bubblewrap can't mount a small disk here: {probe.stderr.strip()[:200]}")
    assert (tmp_path / "exit").read_text().strip() == "1"
    lines = [line for line in (tmp_path / "stderr.txt").read_text().splitlines()
             if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith(f"error: no space left on the disk of {disk}/run")
    assert lines[0].endswith(f"continue with: linguacodus run --resume {disk}/run")
    assert not list(snapshot.glob(".*.partial"))
    top = snapshot / "submission.csv"
    if top.exists():
        attempts = {p.read_bytes() for p in snapshot.glob("attempts/*/submission.csv")}
        assert top.read_bytes() in attempts
