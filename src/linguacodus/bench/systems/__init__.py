"""Systems the benchmark runs side by side, each a module run as its own process:

    python -m linguacodus.bench.systems.<module> WORKDIR BUDGET

WORKDIR holds input/ (the task's public files, read-only) and meta.json; the system writes
WORKDIR/submission.csv and may write WORKDIR/info.json (what it did, e.g. the metric it
optimised). The harness measures every timing itself.
"""

from __future__ import annotations

import importlib.util
import os

SYSTEMS: dict[str, str] = {
    "linguacodus": "linguacodus.bench.systems.linguacodus_system",
    "linguacodus-llm": "linguacodus.bench.systems.linguacodus_llm_system",
    "autogluon": "linguacodus.bench.systems.autogluon_system",
    "flaml": "linguacodus.bench.systems.flaml_system",
    "lgbm-default": "linguacodus.bench.systems.lgbm_default",
    "trivial": "linguacodus.bench.systems.trivial",
    # Not a competitor: tries to read the private answers, to check a machine's isolation.
    "answer-probe": "linguacodus.bench.systems.answer_probe",
}

# The systems a report compares; the others check the harness and never set a reference.
COMPETITORS = ("linguacodus", "linguacodus-llm", "autogluon", "flaml", "lgbm-default", "trivial")

# Where a system writes submissions before its final one (relative to WORKDIR, glob
# patterns): the harness watches them for the time to the first valid submission.
_LINGUACODUS_OUTPUTS = ("run/submission.csv", "run/attempts/*/submission.csv")
OUTPUTS: dict[str, tuple[str, ...]] = {
    "linguacodus": _LINGUACODUS_OUTPUTS,
    "linguacodus-llm": _LINGUACODUS_OUTPUTS,
}

# Systems that reach a server (a language model's API): their sandbox keeps the network.
NETWORKED = frozenset({"linguacodus-llm"})

# The import a system needs beyond the core install, and how to get it.
_REQUIRES = {
    "autogluon": ("autogluon.tabular", "pip install torch==2.13.0 && pip install -e '.[bench]'"),
    "flaml": ("flaml", "pip install -e '.[bench]'"),
}


def missing_requirement(system: str) -> str | None:
    """Why a system can't run here, or None when it can."""
    if system not in SYSTEMS:
        return f"unknown system {system!r}; known: {', '.join(SYSTEMS)}"
    if system == "linguacodus-llm" and not os.environ.get("LINGUACODUS_BENCH_LLM"):
        return ("linguacodus-llm needs the model to use: set LINGUACODUS_BENCH_LLM to an --llm "
                "spec, e.g. LINGUACODUS_BENCH_LLM=ollama:qwen2.5-coder")
    if system in _REQUIRES:
        module, how = _REQUIRES[system]
        if importlib.util.find_spec(module.split(".")[0]) is None or importlib.util.find_spec(module) is None:
            return f"{system} needs {module}, which is not installed: {how}"
    return None
