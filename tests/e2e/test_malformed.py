"""Every case of the malformed-input catalogue (tests/e2e/malformed.py): the exit code, one
line saying what is wrong (or the warning, where the input is read anyway), no traceback,
and the task folder byte for byte as it was."""

import pytest
from malformed import CASES, run_case

pytestmark = pytest.mark.e2e


def _snapshot(folder):
    if not folder.is_dir():
        return None
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_input(case, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    from malformed import good_task
    task = good_task(tmp_path / case.task_name)
    if case.break_task is not None:
        case.break_task(task)
    before = _snapshot(task)
    outcome, _ = run_case(case, tmp_path, prepared=task)
    assert outcome.code == case.code, outcome.stderr[-2000:]
    assert "Traceback" not in outcome.stderr
    if case.code == 2:
        lines = [line for line in outcome.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), outcome.stderr
        assert case.message in lines[0]
    else:
        assert case.message in outcome.stderr + outcome.stdout
    assert _snapshot(task) == before
