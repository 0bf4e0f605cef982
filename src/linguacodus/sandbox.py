"""Run a generated script in a fresh attempt folder, isolated, with limits on wall time,
memory, processes and disk (supervise.py applies those).

Under bubblewrap (where it works) the script runs as an unprivileged user with no
capabilities, sees no network, the task data read-only at ``input/``, of /etc only the
files programs need (no password hashes, no keys), a /tmp of bounded size, and only its
attempt folder writable. Without bubblewrap it is a plain subprocess in its own process
group, and ``isolation`` says "none" so callers warn (and give it a copy of the data).
Generated code never runs in the framework's own process.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from linguacodus.supervise import Execution, Isolation, Limits, run_command

__all__ = ["Execution", "Isolation", "Limits", "bwrap_works", "readonly_copy", "run_sandboxed",
           "run_script", "why_unsandboxed"]

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
            return run_command(argv, workdir, limits, _environment(limits.threads, cache_dir, scratch),
                               isolation="none", on_poll=on_poll)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return run_command(command, workdir, limits, _environment(limits.threads, cache_dir),
                       isolation="bwrap", on_poll=on_poll)


