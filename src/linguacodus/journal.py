"""The journal: every attempt of a run, appended as one JSON line each.

It is also the search's tree: each attempt names the move that made it and, where that move
started from other attempts, its parent (the attempt it repairs, the leader it runs again
with more folds, the best member of a blend) and a blend's members.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from linguacodus.grading import Grade
from linguacodus.sandbox import Execution

Purpose = Literal["full", "probe"]
# candidate: a candidate's full run; probe: its quick run on a subsample; repair: the offline
# repair of the parent's failure; model-fix: the model's fix of its own failed script;
# blend: the weighted blend of ``members``; more-folds: the parent (the leader) with 10 folds;
# tune: the parent (the leader) with model parameters that Optuna proposed; variant: the
# parent (the leader) with a feature or target step added, widened or taken out; repeats: the
# parent (the leader) with its folds drawn several times with other seeds.
Move = Literal["candidate", "probe", "repair", "model-fix", "blend", "stack", "more-folds", "tune",
               "variant", "repeats"]


class Attempt(BaseModel):
    model_config = ConfigDict(frozen=True)

    number: int
    candidate: int  # 1-based index into the run's candidates
    instruction_title: str
    purpose: Purpose
    folder: str  # relative to the run folder
    started_seconds: float  # since the run started
    move: Move = "candidate"
    parent: int | None = None  # the attempt this one repairs or refines (see Move)
    members: tuple[int, ...] = ()  # a blend's member attempts
    repair: str | None = None  # what the repair changed
    code_source: str = "compiler"  # "compiler" (offline) or "llm" (written or fixed by a model)
    # Valid, yet not a solution the search may pick, and why (a variant whose gain over its
    # parent lies within the noise).
    held_back: str | None = None
    compile_error: str | None = None
    execution: Execution | None = None
    grade: Grade | None = None

    @model_validator(mode="before")
    @classmethod
    def _move_of_older_journals(cls, data: Any) -> Any:
        """Journals written before moves were recorded: the move follows from the rest."""
        if isinstance(data, dict) and "move" not in data:
            move = ("probe" if data.get("purpose") == "probe"
                    else "repair" if data.get("parent") is not None else "candidate")
            data = {**data, "move": move}
        return data

    @property
    def valid(self) -> bool:
        return self.grade is not None and self.grade.valid

    @property
    def score(self) -> float | None:
        return self.grade.cv_score if self.valid else None

    def outcome(self) -> str:
        """One line: valid (and why it was held back, if it was), or why it is not."""
        if self.valid:
            return f"valid, held back: {self.held_back}" if self.held_back else "valid"
        return self.failure() or ""

    def failure(self) -> str | None:
        """One line saying why the attempt is not valid."""
        if self.compile_error:
            return f"compile: {self.compile_error}"
        if self.execution is not None and self.execution.stopped_for:
            return f"stopped: {self.execution.stopped_for}"
        if self.execution is not None and self.execution.timed_out:
            return f"timed out after {self.execution.wall_seconds:.0f} s"
        if self.execution is not None and not self.execution.ok:
            last = (self.execution.traceback or self.execution.stderr_tail).strip().splitlines()
            detail = last[-1] if last else f"exit {self.execution.exit_code}"
            return f"crashed: {detail[:200]}"
        if self.grade is not None and not self.grade.valid:
            return f"invalid: {self.grade.reason}"
        return None


class Journal:
    """Append-only: each attempt is written the moment it ends."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.attempts: list[Attempt] = []

    def append(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)
        with self.path.open("a", encoding="utf-8") as stream:
            stream.write(attempt.model_dump_json() + "\n")

    @staticmethod
    def read(path: Path) -> list[Attempt]:
        return [Attempt.model_validate_json(line)
                for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
