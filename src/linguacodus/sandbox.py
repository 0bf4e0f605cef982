"""Run a generated script in a fresh attempt folder with limits on wall time, memory,
processes and disk.

Under bubblewrap (where it works) the script runs as an unprivileged user with no
capabilities, sees no network, the task data read-only at ``input/``, of /etc only the
files programs need (no password hashes, no keys), a /tmp of bounded size, and only its
attempt folder writable. Without bubblewrap it is a plain subprocess in its own process
group, and ``isolation`` says "none" so callers warn (and give it a copy of the data).
Everywhere: RLIMIT_AS bounds memory, RLIMIT_FSIZE any one file, and a watchdog polling
the process tree stops the script at the wall-time limit, past the process limit (the
kernel's RLIMIT_NPROC does not bind root, so the watchdog does) or past the disk quota of
its folder. Generated code never runs in the framework's own process.
"""

from __future__ import annotations

import functools
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
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
_SECRET = re.compile(r"KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL", re.IGNORECASE)


# An unprivileged uid inside the sandbox: the same as `nobody` on most systems.
SANDBOX_UID = 65534
# What of /etc programs read (the loader's cache, time zone, users and hosts tables,
# certificates for a system that may use the network); the rest of /etc, password hashes
# and private keys among it, is not there.
ETC_ALLOWED = (
    "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "timezone", "passwd", "group",
    "nsswitch.conf", "hosts", "host.conf", "resolv.conf", "gai.conf", "protocols", "services",
    "ssl/certs", "ca-certificates", "ca-certificates.conf", "alternatives", "fonts",
    "mime.types", "os-release", "debian_version", "matplotlibrc",
)


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


@functools.cache
def _proc_args() -> tuple[str, ...] | None:
    """How the sandbox gets its /proc, or None where bubblewrap can't run here.

    A fresh proc for the new pid namespace where the kernel allows it. Inside another
    sandbox (the benchmark runs linguacodus in one) mounting proc is refused; there the
    outer sandbox's own /proc, which shows only its processes, is bound instead.
    """
    if shutil.which("bwrap") is None:
        return None
    for proc in (("--proc", "/proc"), ("--ro-bind", "/proc", "/proc")):
        try:
            probe = subprocess.run(
                ["bwrap", *_UNPRIVILEGED, "--die-with-parent", *_system_binds(), *proc, "true"],
                capture_output=True, timeout=20,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if probe.returncode == 0:
            return proc
    return None


def bwrap_works() -> bool:
    """True where bubblewrap exists and can create its namespaces here."""
    return _proc_args() is not None


def why_unsandboxed() -> str | None:
    """Why bubblewrap can't isolate scripts here, or None where it can."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    if not bwrap_works():
        return ("bubblewrap can't create its namespaces here (user namespaces disabled, or a "
                "container that forbids them)")
    return None


# What a script can do without bubblewrap that it can't with it; the limits on time,
# memory, processes, disk and file size hold either way, and its input/ is a copy.
UNSANDBOXED_GAPS = ("it has the network", "it can read any file your user can",
                    "it can write wherever your user can")


# A new namespace of every kind, the script as an unprivileged user, no capabilities: it
# can't remount what is read-only nor read what only root may.
_UNPRIVILEGED = ("--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID),
                 "--gid", str(SANDBOX_UID), "--cap-drop", "ALL")


def _etc_binds() -> list[str]:
    args: list[str] = []
    for name in ETC_ALLOWED:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "lib32", "bin", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    return args


def _python_binds() -> list[str]:
    """Read-only binds for the interpreter and every library folder on sys.path."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    roots |= {Path(p).resolve() for p in sys.path if p and Path(p).is_dir()}  # relative: cwd
    kept: list[Path] = []
    for root in sorted(roots, key=lambda p: len(p.parts)):
        # /usr is bound whole already; anything under /tmp is bound after the fresh tmpfs.
        if str(root).startswith(("/usr", "/proc", "/dev")) or root == Path("/"):
            continue
        if not any(root.is_relative_to(k) for k in kept):
            kept.append(root)
    args = []
    for root in kept:
        args += ["--ro-bind", str(root), str(root)]
    return args


SCRATCH_FOLDER = "tmp"  # without bubblewrap: the script's HOME and TMPDIR, in its folder
CACHE_VARIABLE = "LINGUACODUS_CACHE"  # a writable folder the attempts of one run share


def _environment(threads: int | None = None, cache_dir: Path | None = None,
                 scratch: Path | None = None) -> dict[str, str]:
    """The parent's environment less anything that looks like a credential; HOME and the
    temporary folder are the sandbox's /tmp, or ``scratch`` without one."""
    env = {k: v for k, v in os.environ.items() if not _SECRET.search(k)}
    env.pop(CACHE_VARIABLE, None)
    if cache_dir is not None:
        env[CACHE_VARIABLE] = str(cache_dir)
    home = str(scratch) if scratch is not None else "/tmp"
    env.update(HOME=home, TMPDIR=home, TEMP=home, TMP=home, PYTHONHASHSEED="0",
               PYTHONUNBUFFERED="1", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    if threads is not None:
        # Scripts run side by side: OpenMP (LightGBM, XGBoost), BLAS and joblib (n_jobs=-1)
        # each take every core otherwise, and oversubscribed OpenMP spins slow all of them.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                     "LOKY_MAX_CPU_COUNT"):
            env[name] = str(threads)
    env.pop("PYTHONPATH", None)
    return env


def readonly_copy(source: Path, dest: Path) -> Path:
    """A copy of the task folder for scripts that run without bubblewrap, whose input/ is
    a symlink: what a script writes there reaches the copy, never the user's folder.
    Made once (whole or not at all: copied aside, then renamed), files read-only."""
    dest = Path(dest)
    if dest.is_dir():
        return dest
    partial = dest.with_name(dest.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial, symlinks=False, ignore_dangling_symlinks=True)
    for root, _, files in os.walk(partial):
        for name in files:
            os.chmod(os.path.join(root, name), 0o444)
    os.replace(partial, dest)
    return dest


def run_script(script: str, attempt_dir: Path, input_dir: Path, limits: Limits,
               isolation: Isolation | None = None, cache_dir: Path | None = None) -> Execution:
    """Write ``script`` to attempt_dir/solution.py and run it there, reading input/."""
    attempt_dir = Path(attempt_dir).resolve()
    input_dir = Path(input_dir).resolve()
    attempt_dir.mkdir(parents=True, exist_ok=True)
    (attempt_dir / "solution.py").write_text(script, encoding="utf-8")
    return run_sandboxed([sys.executable, "solution.py"], attempt_dir, input_dir, limits,
                         isolation=isolation, cache_dir=cache_dir)


def run_sandboxed(argv: list[str], workdir: Path, input_dir: Path, limits: Limits,
                  isolation: Isolation | None = None, hide: tuple[Path, ...] = (),
                  on_poll: Callable[[], None] | None = None, network: bool = False,
                  cache_dir: Path | None = None) -> Execution:
    """Run ``argv`` in workdir, which sees ``input_dir`` read-only at workdir/input.

    ``cache_dir`` (created here) is writable too, and named in LINGUACODUS_CACHE: what one
    attempt computes from the data alone (text embeddings) the next one reads back.
    Under bubblewrap nothing else of the machine is writable, the network is gone, and each
    path in ``hide`` (say, a folder of private answers that lies under a bound library path)
    is covered by an empty tmpfs. Without bubblewrap, input/ is a symlink and nothing is
    hidden: ``Execution.isolation`` says "none" so that callers warn. ``network`` keeps the
    host's network (a system that asks a language model over HTTP needs it).
    """
    workdir, input_dir = Path(workdir).resolve(), Path(input_dir).resolve()
    if cache_dir is not None:
        cache_dir = Path(cache_dir).resolve()
        cache_dir.mkdir(parents=True, exist_ok=True)
    use_bwrap = bwrap_works() if isolation is None else isolation == "bwrap"
    if use_bwrap:
        covered = [arg for path in hide if Path(path).exists()
                   for arg in ("--tmpfs", str(Path(path).resolve()))]
        command = [
            "bwrap", *_UNPRIVILEGED, *(("--share-net",) if network else ()),
            "--die-with-parent", "--new-session",
            *_system_binds(), *_etc_binds(), "--ro-bind", "/sys", "/sys",
            *(_proc_args() or ("--proc", "/proc")), "--dev", "/dev",
            "--size", str(limits.tmp_mb * 1024 * 1024), "--tmpfs", "/tmp",
            *_python_binds(), *covered,
            "--bind", str(workdir), str(workdir),
            *(("--bind", str(cache_dir), str(cache_dir)) if cache_dir is not None else ()),
            "--ro-bind", str(input_dir), str(workdir / "input"),
            "--chdir", str(workdir), *argv,
        ]
    else:
        link = workdir / "input"
        if not link.exists():
            link.symlink_to(input_dir, target_is_directory=True)
        # Temporary files in the attempt folder, under its disk quota, not the host's /tmp.
        scratch = workdir / SCRATCH_FOLDER
        scratch.mkdir(exist_ok=True)
        try:
            return run_command(argv, workdir, limits, isolation="none", on_poll=on_poll,
                               cache_dir=cache_dir, scratch=scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return run_command(command, workdir, limits, isolation="bwrap", on_poll=on_poll,
                       cache_dir=cache_dir)


def run_command(command: list[str], workdir: Path, limits: Limits,
                isolation: Isolation = "none", on_poll: Callable[[], None] | None = None,
                cache_dir: Path | None = None, scratch: Path | None = None) -> Execution:
    """Run a command in workdir as its own process group, with the limits; capture it.

    ``on_poll`` is called about every POLL_SECONDS while the command runs (the benchmark
    watches a system's output folder with it)."""
    workdir = Path(workdir)
    memory = limits.memory_mb * 1024 * 1024
    largest_file = limits.disk_mb * 1024 * 1024
    tasks = _task_limit(limits.processes)

    def apply_limits() -> None:  # in the child, before it runs the command
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
            env=_environment(limits.threads, cache_dir, scratch), start_new_session=True,
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
