"""The run folder's top-level files, written so that a reader never sees half of one.

The best valid attempt's solution.py, submission.csv and oof.csv are copied up as soon as it
is the best so far, not only when the run ends: after a kill -9 or a crash the run folder
still holds the best submission made until then. Each file is written beside its place and
renamed into it (an atomic rename on one file system), so a full disk or a kill leaves the
previous complete file or none, never a truncated one that looks complete.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

BEST_FILES = ("solution.py", "submission.csv", "oof.csv")


def atomic_copy(source: Path, target: Path) -> None:
    _replace_with(target, lambda stream: shutil.copyfileobj(source.open("rb"), stream))


def atomic_write_text(target: Path, text: str) -> None:
    _replace_with(target, lambda stream: stream.write(text.encode("utf-8")))


def _replace_with(target: Path, write) -> None:
    target = Path(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial",
                                         dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it private; the run's files are not
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def publish_best(run_dir: Path, attempt_folder: Path) -> None:
    """Copy the best attempt's files to the top of the run folder (submission.csv last: a
    submission present means its solution and out-of-fold file are there too)."""
    for name in sorted(BEST_FILES, key=lambda name: name == "submission.csv"):
        source = Path(attempt_folder) / name
        if source.is_file():
            atomic_copy(source, Path(run_dir) / name)
