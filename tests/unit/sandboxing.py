"""What the sandbox tests share: the isolations to try and a process lookup (their task
data folder is the `data_dir` fixture of tests/conftest.py)."""

import pytest

from linguacodus.sandbox import bwrap_works

needs_bwrap = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap is not usable here")
ISOLATIONS = [pytest.param("bwrap", marks=needs_bwrap), "none"]


def cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as stream:
            return stream.read().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""
