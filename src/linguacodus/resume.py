"""`linguacodus run --resume RUN_DIR`: continue a run after Ctrl-C, kill -9 or a crash.

The journal is the source of truth: every attempt it holds is done and is not run again;
an attempt folder it does not hold was cut off mid-run and is removed, to be redone. The
task, the settings (run.json), what was understood (spec.json) and the candidates
(instructions/candidate-N.json) are read back, not worked out again, so the resumed run
goes on exactly where the first stopped, with the time its planning and attempts took
counted against the budget. The result is of the same kind as an uninterrupted run's.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from linguacodus.brain import Brain
from linguacodus.instruction import Instruction, load_instruction
from linguacodus.journal import Attempt
from linguacodus.llm.config import OFFLINE_BRAIN, BrainConfig
from linguacodus.manifest import read_manifest
from linguacodus.publish import atomic_write_text
from linguacodus.runner import RunResult, claim_run_dir, search_and_finish, stopped_by
from linguacodus.search import SearchSettings
from linguacodus.spec import TaskSpec
from linguacodus.task import TaskError, load_task

JOURNAL = "journal.jsonl"


def read_journal(run_dir: Path) -> tuple[Attempt, ...]:
    """The attempts the journal holds. A last line cut off by a kill is dropped (and the
    file rewritten without it); any other unreadable line is an error."""
    path = Path(run_dir) / JOURNAL
    if not path.is_file():
        return ()
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    attempts = []
    for number, line in enumerate(lines, start=1):
        try:
            attempts.append(Attempt.model_validate_json(line))
        except (ValidationError, json.JSONDecodeError):
            if number < len(lines):
                raise TaskError(f"{path}, line {number}: not a journal entry; the run can't "
                                "be resumed") from None
            atomic_write_text(path, "".join(f"{kept}\n" for kept in lines[:-1]))
    return tuple(attempts)


def remove_unfinished(run_dir: Path, attempts: tuple[Attempt, ...]) -> list[str]:
    """Remove the attempt folders the journal does not hold (cut off mid-run); their names."""
    finished = {Path(a.folder).name for a in attempts}
    folder = Path(run_dir) / "attempts"
    removed = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.is_dir() and path.name not in finished:
            shutil.rmtree(path)
            removed.append(path.name)
    return removed


def _candidates(run_dir: Path) -> list[Instruction]:
    files = sorted(Path(run_dir, "instructions").glob("candidate-*.json"),
                   key=lambda p: int(re.sub(r"\D", "", p.stem) or 0))
    if not files:
        raise TaskError(f"{run_dir} holds no candidate instructions: its run stopped during "
                        "planning; start it again instead")
    return [load_instruction(path) for path in files]


def resume_task(run_dir: Path, on_event: Callable[[str], None] = lambda message: None,
                llm: BrainConfig = OFFLINE_BRAIN) -> tuple[RunResult, Path]:
    """Continue the run in ``run_dir``; its result and folder, as run_task returns them."""
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    if (run_dir / "result.json").is_file():
        raise TaskError(f"{run_dir} has finished (result.json exists); nothing to resume")
    claim_run_dir(run_dir)  # not while the run, or another resume of it, goes on
    if manifest.planning_seconds is None or not (run_dir / "spec.json").is_file():
        raise TaskError(f"{run_dir} stopped during planning; start the run again instead")
    task = load_task(Path(manifest.task_dir))
    spec = TaskSpec.model_validate_json((run_dir / "spec.json").read_text(encoding="utf-8"))
    candidates = _candidates(run_dir)
    previous = read_journal(run_dir)
    for name in remove_unfinished(run_dir, previous):
        on_event(f"redoing the attempt cut off in {name}")
    search_seconds = max((a.started_seconds + (a.execution.wall_seconds if a.execution else 0.0)
                          for a in previous), default=0.0)
    spent = manifest.planning_seconds + search_seconds
    on_event(f"resuming {spec.name}: {len(previous)} attempt(s) done, {spent:.0f} s of the "
             f"{manifest.budget:.0f} s budget spent")
    settings = SearchSettings(budget=manifest.budget, seed=manifest.seed,
                              memory_mb=manifest.memory_mb, probe_rows=manifest.probe_rows,
                              **({} if manifest.tune_trials is None
                                 else {"tune_trials": manifest.tune_trials}),
                              variants=manifest.variants or 0, repeats=manifest.repeats or 1)
    brain = Brain(llm, run_dir / "llm_calls.jsonl" if llm.uses_llm else None, on_event)
    started = time.monotonic() - spent  # wall_seconds: both sessions' working time
    brain.ledger.deadline = started + manifest.budget
    try:
        return search_and_finish(task, spec, run_dir, candidates, settings, brain,
                                 manifest.isolation or "none", manifest.planning_seconds,
                                 started, manifest.started_at or time.time() - spent, on_event,
                                 previous=previous,
                                 search_seconds=search_seconds)
    except (KeyboardInterrupt, OSError) as error:
        stop = stopped_by(error, run_dir)
        if stop is None:
            raise
        raise stop from None
