"""Systems the benchmark runs side by side, each a module run as its own process:

    python -m linguacodus.bench.systems.<module> WORKDIR BUDGET

WORKDIR holds input/ (a copy of the task's public files) and meta.json; the system writes
WORKDIR/submission.csv and may write WORKDIR/info.json (e.g. first_valid_seconds).
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
}

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
