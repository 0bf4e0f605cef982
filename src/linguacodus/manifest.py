"""run.json: what a run was started with, so that `run --resume` can continue it.

Written when the run folder is made, and again when planning ends (with the seconds it took);
the journal holds the rest of the run's state.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from linguacodus.publish import atomic_write_text
from linguacodus.task import TaskError

MANIFEST = "run.json"


class RunManifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_dir: str  # absolute
    budget: float
    seed: int
    memory_mb: int
    probe_rows: int
    k: int
    started_at: float | None = None  # Unix time the run began
    planning_seconds: float | None = None  # set when planning has ended
    isolation: str | None = None  # set with planning_seconds: what the search ran under
    tune_trials: int | None = None  # None: a run from before tuning (it tunes by default)
    variants: int | None = None  # None: a run from before variants (it tries none)
    repeats: int | None = None  # None: a run from before repeated folds (it draws them once)


def write_manifest(run_dir: Path, manifest: RunManifest) -> None:
    atomic_write_text(Path(run_dir) / MANIFEST, manifest.model_dump_json(indent=2))


def read_manifest(run_dir: Path) -> RunManifest:
    """The run's manifest, or a TaskError that says why the folder can't be resumed."""
    path = Path(run_dir) / MANIFEST
    if not Path(run_dir).is_dir():
        raise TaskError(f"{run_dir} is not a run folder (no such folder)")
    if not path.is_file():
        raise TaskError(f"{run_dir} has no {MANIFEST}: it is not a run folder, or one made "
                        "before runs could be resumed")
    try:
        return RunManifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, UnicodeDecodeError) as error:
        raise TaskError(f"{path} is not a readable run manifest: {error}") from None
