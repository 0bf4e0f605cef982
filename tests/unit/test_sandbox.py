import os
import socket
import threading
import time

import pytest
from sandboxing import ISOLATIONS, cmdline, needs_bwrap

from linguacodus.sandbox import Limits, run_script


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_reads_input_and_writes_its_folder(tmp_path, data_dir, isolation):
    script = "print(open('input/train.csv').read().splitlines()[1])\nopen('out.txt', 'w').write('x')\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(30), isolation)
    assert execution.ok and execution.isolation == isolation
    assert execution.stdout_tail.strip() == "1,2"
    assert (tmp_path / "run" / "out.txt").read_text() == "x"


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_exception_is_captured(tmp_path, data_dir, isolation):
    script = "def f():\n    raise ValueError('boom here')\nf()\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(30), isolation)
    assert execution.exit_code == 1 and not execution.ok
    assert execution.error_type == "ValueError"
    assert "boom here" in execution.traceback and "line 2" in execution.traceback


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_timeout_kills_the_whole_group(tmp_path, data_dir, isolation):
    # The script starts a grandchild that would outlive it; the timeout must take both. The
    # grandchild's sleep is one no other process on the machine has (its pid inside the
    # sandbox's namespace is not the host's, so it is found by its command line).
    duration = f"300.{os.getpid()}{time.monotonic_ns() % 10**6:06d}"
    script = (
        "import subprocess, time\n"
        f"child = subprocess.Popen(['sleep', '{duration}'])\n"
        "time.sleep(300)\n"
    )
    started = time.monotonic()
    execution = run_script(script, tmp_path / "run", data_dir, Limits(2), isolation)
    assert execution.timed_out and not execution.ok
    assert time.monotonic() - started < 15
    time.sleep(0.5)
    leftover = [p for p in os.listdir("/proc") if p.isdigit() and cmdline(p) == f"sleep {duration}"]
    assert leftover == []


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_memory_limit_hits(tmp_path, data_dir, isolation):
    script = "import numpy as np\nblock = np.ones(600 * 1024 * 1024 // 8)\nprint(block.sum())\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(60, memory_mb=400), isolation)
    assert not execution.ok
    assert "MemoryError" in (execution.error_type or "") or "Unable to allocate" in execution.stderr_tail


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_peak_memory_is_measured(tmp_path, data_dir, isolation):
    script = "import numpy as np\nblock = np.ones(300 * 1024 * 1024 // 8)\nprint(block.sum())\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(60), isolation)
    assert execution.ok
    assert execution.peak_memory_mb > 290


@needs_bwrap
def test_no_network_under_bwrap(tmp_path, data_dir):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    threading.Thread(target=lambda: server.accept(), daemon=True).start()
    script = (
        "import socket\n"
        f"s = socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
        "print('connected')\n"
    )
    try:
        outside = run_script(script, tmp_path / "outside", data_dir, Limits(30), "none")
        inside = run_script(script, tmp_path / "inside", data_dir, Limits(30), "bwrap")
    finally:
        server.close()
    assert outside.ok and "connected" in outside.stdout_tail  # the server was reachable
    assert not inside.ok and inside.error_type in ("ConnectionRefusedError", "OSError", "TimeoutError")


@needs_bwrap
def test_task_data_is_read_only_under_bwrap(tmp_path, data_dir):
    script = "open('input/train.csv', 'a').write('tampered')\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(30), "bwrap")
    assert not execution.ok and execution.error_type in ("OSError", "PermissionError")
    assert "tampered" not in (data_dir / "train.csv").read_text()


def test_secrets_are_not_passed_to_scripts(tmp_path, data_dir, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-leak")
    script = "import os\nprint(os.environ.get('OPENAI_API_KEY', 'absent'))\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(30), "none")
    assert execution.stdout_tail.strip() == "absent"
