"""Run a command as its own process group under limits, and say what happened.

RLIMIT_AS bounds memory, RLIMIT_FSIZE any one file, RLIMIT_NPROC processes where the kernel
applies it (not to root); a watchdog polling the process tree stops the command at its wall
time, past the process limit (for root too) or past the disk quota of its folder, and
measures the peak memory. The child dies with the framework, kill -9 included. Isolation
(what the command can see and reach) is sandbox.py's.
"""

from __future__ import annotations

import ctypes
import os
import re
import resource
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

Isolation = Literal["bwrap", "none"]
_TAIL = 4000
_POLL_INTERVAL = 0.02
POLL_SECONDS = 0.5
_POLLS_PER_CALLBACK = round(POLL_SECONDS / _POLL_INTERVAL)


@dataclass(frozen=True)
class Limits:
    wall_seconds: float
    memory_mb: int = 4096  # address space; ML libraries together need about 2 GB
    threads: int | None = None  # set: cap the script's native threads (parallel callers)
    processes: int = 256  # processes at once (a fork bomb is stopped)
    disk_mb: int = 8192  # what the script may write into its folder; also the largest file
    tmp_mb: int = 512  # the in-memory /tmp under bubblewrap


class Execution(BaseModel):
    """What happened when a script ran."""

    model_config = ConfigDict(frozen=True)

    exit_code: int | None  # None: killed by a signal
    signal: int | None = None
    timed_out: bool = False
    wall_seconds: float
    peak_memory_mb: float
    stdout_tail: str = ""
    stderr_tail: str = ""
    traceback: str | None = None
    error_type: str | None = None
    isolation: Isolation
    stopped_for: str | None = None  # a limit other than time that the script was stopped at

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out and self.stopped_for is None


def run_command(command: list[str], workdir: Path, limits: Limits, env: dict[str, str],
                isolation: Isolation = "none",
                on_poll: Callable[[], None] | None = None) -> Execution:
    """Run a command in workdir as its own process group, with the limits and the
    environment ``env``; capture its output and what stopped it.

    ``on_poll`` is called about every POLL_SECONDS while the command runs (the benchmark
    watches a system's output folder with it)."""
    workdir = Path(workdir)
    memory = limits.memory_mb * 1024 * 1024
    largest_file = limits.disk_mb * 1024 * 1024
    tasks = _task_limit(limits.processes)

    def apply_limits() -> None:  # in the child, before it runs the command
        _die_with_parent()
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (largest_file, largest_file))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # SIGXFSZ would dump one
        if tasks is not None:
            resource.setrlimit(resource.RLIMIT_NPROC, (tasks, tasks))

    stdout_path, stderr_path = workdir / "stdout.txt", workdir / "stderr.txt"
    start = time.monotonic()
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        process = subprocess.Popen(
            command, cwd=workdir, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
            env=env, start_new_session=True,
            preexec_fn=apply_limits,
        )
        try:
            watched = _wait(process, start + limits.wall_seconds, limits, workdir, on_poll)
        except BaseException:
            # Ctrl-C or any error here: the process is in its own session and would
            # outlive us, so take its whole group down before going.
            _kill_group(process.pid)
            raise
    wall = time.monotonic() - start
    stdout = _tail(stdout_path)
    stderr = _tail(stderr_path)
    exit_code = os.waitstatus_to_exitcode(watched.status)
    killed_by = -exit_code if exit_code < 0 else None
    stopped_for = watched.stopped_for
    if stopped_for is None and killed_by == signal.SIGXFSZ:
        stopped_for = f"a file grew past {limits.disk_mb} MB (the sandbox's file-size limit)"
    traceback = _traceback(stderr)
    return Execution(
        exit_code=None if killed_by else exit_code,
        signal=killed_by,
        timed_out=watched.timed_out,
        wall_seconds=round(wall, 3),
        peak_memory_mb=round(watched.peak_mb, 1),
        stdout_tail=stdout,
        stderr_tail=stderr,
        traceback=traceback,
        error_type=_error_type(traceback) if traceback else None,
        isolation=isolation,
        stopped_for=stopped_for,
    )


_PR_SET_PDEATHSIG = 1
try:  # looked up here, not in the forked child: dlopen there could wait on a lock forever
    _PRCTL = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: the process group is killed on errors only
    _PRCTL = None


def _die_with_parent() -> None:
    """The child gets SIGKILL when the framework dies (kill -9 included), so that no script
    outlives it; bubblewrap passes it on into the sandbox (--die-with-parent)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _task_limit(processes: int) -> int | None:
    """RLIMIT_NPROC for the script, or None where the kernel would not apply it (root).

    The kernel counts every thread of the user, not only the script's: the user's tasks
    now plus room for the script's processes and their native threads."""
    if os.geteuid() == 0:
        return None
    uid = str(os.getuid())
    running = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
            except (OSError, ValueError):
                continue
            if fields.get("Uid", "").split()[:1] == [uid]:
                running += int(fields.get("Threads", "1"))
    wanted = running + 8 * processes
    _, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


@dataclass(frozen=True)
class _Watched:
    status: int
    timed_out: bool
    peak_mb: float
    stopped_for: str | None


def _wait(process: subprocess.Popen, deadline: float, limits: Limits, workdir: Path,
          on_poll: Callable[[], None] | None = None) -> _Watched:
    """Wait for the process, killing its whole group at the deadline, past the process
    limit or past the folder's disk quota.

    The peak resident memory is polled from /proc because the kernel's rusage does not
    reach through bubblewrap's pid namespace.
    """
    timed_out = False
    stopped_for: str | None = None
    peak_kb = 0
    polls = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid == process.pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return _Watched(status, timed_out, max(peak_kb, usage.ru_maxrss) / 1024, stopped_for)
        if polls % 5 == 0:
            tree = _process_tree(process.pid)
            peak_kb = max(peak_kb, _peak_kb(tree))
            if len(tree) > limits.processes + 2 and stopped_for is None:  # + bwrap's two
                stopped_for = (f"more than {limits.processes} processes at once "
                               "(the sandbox's process limit)")
                _kill_group(process.pid)
        if polls % _POLLS_PER_CALLBACK == 0:
            if stopped_for is None and _folder_mb(workdir) > limits.disk_mb:
                stopped_for = (f"wrote more than {limits.disk_mb} MB into its folder "
                               "(the sandbox's disk quota)")
                _kill_group(process.pid)
            if on_poll is not None:
                on_poll()
        polls += 1
        if time.monotonic() >= deadline and not timed_out and stopped_for is None:
            timed_out = True
            _kill_group(process.pid)
        time.sleep(_POLL_INTERVAL)


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _folder_mb(folder: Path) -> float:
    """Disk the folder's files take, not following links (input/ is one, or a mount)."""
    used = 0
    for root, folders, files in os.walk(folder):
        for name in files:
            try:
                used += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                continue
        if root == str(folder) and "input" in folders:
            folders.remove("input")
    return used / (1024 * 1024)


def _process_tree(root: int) -> set[int]:
    """``root`` and its live descendants."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    tree, frontier = {root}, [root]
    while frontier:
        for child in children.get(frontier.pop(), ()):
            if child not in tree:
                tree.add(child)
                frontier.append(child)
    return tree


def _peak_kb(tree: set[int]) -> int:
    """Sum of the peak resident sizes (VmHWM) of the processes."""
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total


def _tail(path: Path) -> str:
    data = path.read_bytes()
    return data[-_TAIL:].decode("utf-8", errors="replace")


def _traceback(stderr: str) -> str | None:
    marker = stderr.rfind("Traceback (most recent call last):")
    if marker >= 0:
        return stderr[marker:].strip()
    for line in reversed(stderr.strip().splitlines()):  # native crashes print no traceback
        if "bad_alloc" in line or "MemoryError" in line:
            return line.strip()
    return None


def _error_type(traceback: str) -> str | None:
    for line in reversed(traceback.splitlines()):
        found = re.match(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|bad_alloc))\b", line)
        if found:
            return found.group(1).rsplit(".", 1)[-1]
    return None
