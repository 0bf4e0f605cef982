"""Linguacodus with the LLM brain, through its CLI: `linguacodus run --llm SPEC` with SPEC
from $LINGUACODUS_BENCH_LLM (e.g. ollama:qwen2.5-coder), so that a model's runs are recorded
under their own system name beside the offline brain's. The answer cache is off: every
bench run asks the model afresh.
"""

from __future__ import annotations

import os
import sys

from linguacodus.bench.systems.linguacodus_system import main

LLM_ENV = "LINGUACODUS_BENCH_LLM"

if __name__ == "__main__":
    spec = os.environ.get(LLM_ENV)
    if not spec:
        raise SystemExit(f"set {LLM_ENV} to an --llm spec, e.g. ollama:qwen2.5-coder")
    main(sys.argv, ("--llm", spec, "--no-llm-cache"))
