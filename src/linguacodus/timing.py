"""What a script will take: a full run's seconds predicted from its quick probe's.

The search uses these to skip a candidate that can't finish in the time left, and to cost
a blend; they are plain arithmetic, tested without running anything.
"""

from __future__ import annotations

from linguacodus.codegen.layout import CompileOptions
from linguacodus.instruction import Instruction

STARTUP_SECONDS = 1.0  # a script's interpreter and library imports, paid once a script
RESERVE_SECONDS = 1.0  # of the budget, kept back for writing the run folder
MIN_ATTEMPT_SECONDS = 3.0  # less than this left: not worth starting a script


def fixed_probe_seconds(probe_seconds: list[float]) -> float:
    """What every probe pays whatever its model: the interpreter, the imports, reading the
    full CSV files and writing the outputs. The quickest of several probes spent little
    more than that; one probe alone can't tell its fitting from its fixed cost."""
    if len(probe_seconds) < 2:
        return STARTUP_SECONDS
    return max(STARTUP_SECONDS, min(probe_seconds))


def predicted_full_seconds(probe_seconds: float, instruction: Instruction, n_train: int,
                           probe_rows: int, probe_folds: int = CompileOptions.probe_folds,
                           fixed_seconds: float = STARTUP_SECONDS) -> float:
    """A full run's seconds from its probe's: the fixed part as it was, the fitting part
    scaled by rows and folds (linear in rows: optimistic for forests, so a candidate is
    skipped only where even that does not fit)."""
    kfold = instruction.find("kfold") if not instruction.is_blend else None
    folds = int(kfold.param("n_splits")) if kfold is not None else 5
    fixed = min(fixed_seconds, probe_seconds)
    fitting = max(0.0, probe_seconds - fixed)
    return fixed + fitting * max(1.0, n_train / probe_rows) * max(1.0, folds / probe_folds)
