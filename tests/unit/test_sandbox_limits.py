"""Each of the sandbox's limits, tried by a script that must fail (docs/RELIABILITY.md)."""

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandboxing import ISOLATIONS, cmdline, needs_bwrap

from linguacodus.sandbox import Limits, readonly_copy, run_script

REMOUNT = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
MS_REMOUNT, MS_BIND = 32, 4096
status = libc.mount(b"none", os.path.abspath("input").encode(), None, MS_BIND | MS_REMOUNT, None)
print("mount", status, os.strerror(ctypes.get_errno()))
open("input/train.csv", "a").write("tampered")
"""


@needs_bwrap
def test_script_cannot_remount_its_input_writable(tmp_path, data_dir):
    execution = run_script(REMOUNT, tmp_path / "run", data_dir, Limits(30), "bwrap")
    assert "mount -1 Operation not permitted" in execution.stdout_tail
    assert not execution.ok and execution.error_type in ("OSError", "PermissionError")
    assert (data_dir / "train.csv").read_text() == "a,b\n1,2\n"


@needs_bwrap
def test_script_runs_unprivileged_without_secrets_of_etc(tmp_path, data_dir):
    script = (
        "import os\n"
        "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]\n"
        "print('uid', os.getuid(), 'caps', caps)\n"
        "for path in ('/etc/shadow', '/etc/gshadow', '/etc/ssh', '/etc/sudoers'):\n"
        "    print(path, os.path.exists(path))\n"
        "print('passwd', os.path.exists('/etc/passwd'))\n"
    )
    execution = run_script(script, tmp_path / "run", data_dir, Limits(30), "bwrap")
    assert execution.ok, execution.stderr_tail
    lines = execution.stdout_tail.splitlines()
    assert lines[0] == "uid 65534 caps 0000000000000000"
    assert all(line.endswith("False") for line in lines[1:5])
    assert lines[5] == "passwd True"  # what programs need is there


FORK_BOMB = """
import os, time
children = 0
for _ in range(1000):
    if os.fork() == 0:
        time.sleep(60)
        os._exit(0)
    children += 1
print("forked", children)
time.sleep(60)
"""


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_fork_bomb_is_stopped(tmp_path, data_dir, isolation):
    started = time.monotonic()
    execution = run_script(FORK_BOMB, tmp_path / "run", data_dir, Limits(60, processes=64),
                           isolation)
    assert not execution.ok and time.monotonic() - started < 30
    if os.geteuid() == 0:  # root is not bound by RLIMIT_NPROC; the watchdog stops it
        assert execution.stopped_for == "more than 64 processes at once (the sandbox's process limit)"
    else:  # the kernel refuses the fork
        assert execution.stopped_for or execution.error_type == "BlockingIOError"
    time.sleep(0.5)
    script = str(tmp_path / "run")
    assert not [p for p in os.listdir("/proc") if p.isdigit() and script in _cwd(p)]


def _cwd(pid: str) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_writing_past_the_disk_quota_is_stopped(tmp_path, data_dir, isolation):
    script = ("import time\nfor i in range(200):\n    open(f'part{i}', 'wb').write(b'x' * 2**20)\n"
              "time.sleep(30)\n")
    execution = run_script(script, tmp_path / "run", data_dir, Limits(60, disk_mb=50), isolation)
    assert not execution.ok
    assert execution.stopped_for == "wrote more than 50 MB into its folder (the sandbox's disk quota)"
    assert execution.wall_seconds < 20


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_one_file_past_the_size_limit_fails(tmp_path, data_dir, isolation):
    script = "open('big', 'wb').write(b'x' * (60 * 2**20))\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(60, disk_mb=50), isolation)
    assert not execution.ok
    assert "File too large" in execution.stderr_tail
    assert (tmp_path / "run" / "big").stat().st_size <= 50 * 2**20


@needs_bwrap
def test_tmp_is_bounded_under_bwrap(tmp_path, data_dir):
    script = "open('/tmp/big', 'wb').write(b'x' * (100 * 2**20))\n"
    execution = run_script(script, tmp_path / "run", data_dir, Limits(60, tmp_mb=32), "bwrap")
    assert not execution.ok and "No space left on device" in execution.stderr_tail


def test_without_bwrap_temporary_files_stay_in_the_attempt_folder(tmp_path, data_dir):
    script = ("import os, tempfile\nprint(os.environ['HOME'] == tempfile.gettempdir())\n"
              "print(tempfile.gettempdir().startswith(os.getcwd()))\n"
              "open(os.path.join(tempfile.gettempdir(), 'x'), 'w').write('x')\n")
    execution = run_script(script, tmp_path / "run", data_dir, Limits(30), "none")
    assert execution.ok and execution.stdout_tail.split() == ["True", "True"]
    assert not (tmp_path / "run" / "tmp").exists()  # removed with what the script left


@needs_bwrap
def test_double_forked_setsid_child_dies_with_the_timeout(tmp_path, data_dir):
    script = ("import os, subprocess, time\n"
              "if os.fork() == 0:\n"
              "    os.setsid()\n"
              "    subprocess.Popen(['sleep', '301'], start_new_session=True)\n"
              "    os._exit(0)\n"
              "time.sleep(300)\n")
    execution = run_script(script, tmp_path / "run", data_dir, Limits(2), "bwrap")
    assert execution.timed_out
    time.sleep(0.5)
    assert not [p for p in os.listdir("/proc") if p.isdigit() and cmdline(p) == "sleep 301"]


def test_without_bwrap_a_script_writes_to_a_copy_never_the_task_folder(tmp_path, data_dir):
    before = (data_dir / "train.csv").read_text()
    copy = readonly_copy(data_dir, tmp_path / "run" / "input-copy")
    assert stat.S_IMODE((copy / "train.csv").stat().st_mode) == 0o444
    script = ("import os\nos.chmod('input/train.csv', 0o644)\n"
              "open('input/train.csv', 'a').write('tampered')\n")
    execution = run_script(script, tmp_path / "run" / "attempt", copy, Limits(30), "none")
    assert execution.ok  # the script could change its copy ...
    assert "tampered" in (copy / "train.csv").read_text()
    assert (data_dir / "train.csv").read_text() == before  # ... never the user's file
    assert readonly_copy(data_dir, copy) == copy  # made once per run


FRAMEWORK = """
import sys
from pathlib import Path
from linguacodus.sandbox import Limits, run_script
run_script("import time\\nopen('started', 'w').write('1')\\ntime.sleep(300)\\n",
           Path(sys.argv[1]), Path(sys.argv[2]), Limits(600), sys.argv[3])
"""


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_kill_9_of_the_framework_leaves_no_script_behind(tmp_path, data_dir, isolation):
    attempt = tmp_path / "attempt"
    framework = subprocess.Popen([sys.executable, "-c", FRAMEWORK, str(attempt), str(data_dir),
                                  isolation])
    deadline = time.monotonic() + 60
    while not (attempt / "started").exists():
        assert time.monotonic() < deadline and framework.poll() is None
        time.sleep(0.05)
    assert [p for p in os.listdir("/proc") if p.isdigit() and str(attempt) in _cwd(p)]
    framework.kill()  # SIGKILL: no handler runs
    framework.wait()
    deadline = time.monotonic() + 5
    while [p for p in os.listdir("/proc") if p.isdigit() and str(attempt) in _cwd(p)]:
        assert time.monotonic() < deadline, "the script outlived the framework"
        time.sleep(0.1)


@needs_bwrap
def test_files_outside_the_attempt_can_be_neither_read_nor_written(tmp_path, data_dir):
    secret = tmp_path / "secret.txt"
    secret.write_text("the user's")
    home = Path.home()
    (home / ".linguacodus-test-secret").write_text("the user's")
    script = (
        "import os\n"
        f"for path in ({str(secret)!r}, {str(home / '.linguacodus-test-secret')!r}):\n"
        "    try:\n"
        "        print(open(path).read())\n"
        "    except OSError as error:\n"
        "        print(type(error).__name__)\n"
        f"print(sorted(os.listdir({str(home)!r})) if os.path.isdir({str(home)!r}) else [])\n"
        f"open({str(tmp_path / 'planted.txt')!r}, 'w').write('x')\n"
    )
    try:
        execution = run_script(script, tmp_path / "run", data_dir, Limits(30), "bwrap")
    finally:
        (home / ".linguacodus-test-secret").unlink()
    lines = execution.stdout_tail.splitlines()
    assert lines[:2] == ["FileNotFoundError", "FileNotFoundError"]
    # The home folder shows at most the folders the interpreter lives in (bound read-only).
    interpreter = {Path(p).relative_to(home).parts[0] for p in (sys.prefix, sys.base_prefix)
                   if Path(p).is_relative_to(home)}
    assert set(eval(lines[2])) <= interpreter
    # A write to a path outside lands, at most, in the sandbox's own /tmp: never on the host.
    assert not (tmp_path / "planted.txt").exists()
