"""The jobs behind the CLI: run_task (plan or take the given instructions, code, execute,
grade; `run` and `code`) and plan_task (`plan`).

Each writes a run folder as the run-folder contract says and returns its records; the CLI
only parses arguments and prints.
"""

from __future__ import annotations

import errno
import fcntl
import json
import resource
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from linguacodus.brain import Brain, few_shot_examples
from linguacodus.codegen.notebook import script_to_notebook
from linguacodus.instruction import Instruction, load_instruction, save_instruction
from linguacodus.journal import Attempt
from linguacodus.knowledge.propose import Proposal, propose
from linguacodus.knowledge.selection import refine
from linguacodus.llm.config import OFFLINE_BRAIN, BrainConfig
from linguacodus.manifest import RunManifest, write_manifest
from linguacodus.planning import (
    boosting_anchor,
    is_linear,
    is_tabular_boosting,
    linear_anchor,
    with_matching_validation,
)
from linguacodus.publish import atomic_write_text, publish_best
from linguacodus.report import write_report
from linguacodus.report_html import write_html_report
from linguacodus.sandbox import UNSANDBOXED_GAPS, bwrap_works, why_unsandboxed
from linguacodus.search import Search, SearchOutcome, SearchSettings
from linguacodus.spec import TaskSpec, infer_spec
from linguacodus.task import TaskData, TaskError, load_task

if TYPE_CHECKING:
    from linguacodus.knowledge.retrieval import TaskIndex

BRAIN = "offline"
PLANNING_SHARE = 0.5  # of the budget, at most, for the model's understand/propose/select
# A longer budget than this also tries the candidates this one would (the short budget the
# benchmark measures against AutoGluon medium; `run`'s default is 300 s).
REFERENCE_BUDGET = 60.0


class RunResult(BaseModel):
    """result.json (contract): the first eleven fields; the rest are extras."""

    model_config = ConfigDict(frozen=True)

    task: str
    metric: str
    higher_is_better: bool
    cv_score: float | None
    valid: bool
    submission: str | None
    wall_seconds: float
    first_valid_seconds: float | None
    peak_memory_mb: float
    attempts: int
    brain: str = BRAIN  # offline, llm (every stage of the command on a model) or mixed
    reason: str | None = None
    chosen_instruction: str | None = None
    isolation: str
    seed: int
    budget_seconds: float
    warnings: tuple[str, ...] = ()
    started_at: float | None = None  # Unix time the run began
    llm: dict[str, dict] = {}  # per LLM stage: calls, cached, tokens, cost, fallbacks


def default_run_dir(task_dir: Path) -> Path:
    """runs/<task>-<time>, or -2, -3, ... after it where a run started in the same second."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path("runs") / f"{Path(task_dir).resolve().name}-{stamp}"
    for number in range(1, 1000):
        candidate = base if number == 1 else base.with_name(f"{base.name}-{number}")
        if not candidate.exists():
            return candidate
    return base  # a thousand runs in one second: claim_run_dir refuses the clash


LOCK_FILE = ".lock"
_held_locks: list[object] = []  # open lock files: held until this process ends, kill -9 too


def claim_run_dir(run_dir: Path) -> None:
    """Hold the run folder for this process, or raise TaskError where another linguacodus
    process holds it (two runs, or a run and a resume, on one folder at once)."""
    handle = open(Path(run_dir) / LOCK_FILE, "a")  # noqa: SIM115 - held for the process
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise TaskError(f"run folder {run_dir} is in use by another linguacodus process; "
                        "choose another --out") from None
    _held_locks.append(handle)


def prepare_run_dir(out: Path | None, task_dir: Path) -> Path:
    """Create the run folder (it must be new or empty) and hold it for this process."""
    run_dir = Path(out) if out is not None else default_run_dir(task_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise TaskError(f"run folder {run_dir} is a file; choose another --out")
    if run_dir.exists() and any(run_dir.iterdir()):
        raise TaskError(f"run folder {run_dir} exists and is not empty; choose another --out")
    task_path = Path(task_dir).resolve()
    if run_dir.resolve().is_relative_to(task_path):
        raise TaskError("the run folder can't be inside the task folder (task folders are read-only)")
    run_dir.mkdir(parents=True, exist_ok=True)
    claim_run_dir(run_dir)
    # Another process may have claimed it and written to it between the check and the lock.
    if any(p.name != LOCK_FILE for p in run_dir.iterdir()):
        raise TaskError(f"run folder {run_dir} exists and is not empty; choose another --out")
    return run_dir


def load(task_dir: Path) -> tuple[TaskData, TaskSpec]:
    """The task and the rules' TaskSpec of it."""
    task = load_task(task_dir)
    return task, infer_spec(task)


def _understood_by_rules(task_dir: Path, llm: BrainConfig) -> tuple[TaskData, TaskSpec | None]:
    """The task and the rules' TaskSpec; None where the rules fail but a model will read the
    task (Brain.understand then tries with the model's reading, or raises the rules' error)."""
    task = load_task(task_dir)
    try:
        return task, infer_spec(task)
    except TaskError:
        if "understand" not in llm.stages:
            raise
        return task, None


def _only_of_its_kind(candidate: Instruction, candidates: list[Instruction]) -> bool:
    """The one gradient-boosting or the one linear candidate of the list (an anchor keeps it)."""
    return any(kind(candidate) and sum(map(kind, candidates)) == 1
               for kind in (is_tabular_boosting, is_linear))


def _offline_candidates(spec: TaskSpec, description: str, k: int, index: TaskIndex | None,
                        budget: float | None, on_event: Callable[[str], None]
                        ) -> tuple[Proposal, list[Instruction]]:
    """The knowledge base's (or the rules') top-k at this budget, refined, with the anchors."""
    proposal = propose(spec, description, k, index, budget)
    on_event(("knowledge base: " if proposal.used_knowledge else "rules: ") + proposal.reason)
    refined = []
    for instruction in proposal.instructions:
        instruction, changes = refine(instruction, spec, budget)
        for change in changes:
            on_event(f"   refined '{instruction.title}': {change}")
        refined.append(instruction)
    # Anchors: a family every candidate list of the kind must hold. Each joins a list shorter
    # than k, else takes the place of the last candidate that is not the only one of the
    # other anchored family.
    for kind, anchor, why in (
            (is_tabular_boosting, boosting_anchor(spec),
             f"no candidate was gradient boosting on {spec.n_train} tabular rows"),
            (is_linear, linear_anchor(spec, k), "no candidate was a linear model")):
        if anchor is None or any(kind(c) for c in refined):
            continue
        anchor, _ = refine(anchor, spec, budget)
        if len(refined) < k:
            refined = refined + [anchor]
        else:
            replaced = max((i for i, c in enumerate(refined)
                            if not _only_of_its_kind(c, refined)), default=len(refined) - 1)
            refined = refined[:replaced] + [anchor] + refined[replaced + 1:]
        on_event(f"   added '{anchor.title}': {why}")
    return proposal, refined


def propose_candidates(task: TaskData, spec: TaskSpec, k: int, kb: Path | None,
                       budget: float | None,
                       on_event: Callable[[str], None] = lambda message: None,
                       backend: str = "tfidf", brain: Brain | None = None) -> list[Instruction]:
    """Phase 1: the top-k from the knowledge base at kb (rules where it has nothing close,
    or kb is None), each refined where the data calls for it, and above REFERENCE_BUDGET
    also those the reference budget would choose; then, with a model on those stages, the
    model's proposals first and the researcher/resolver's pick on top."""
    index = None
    if kb is not None:
        from linguacodus.knowledge.retrieval import TaskIndex
        from linguacodus.knowledge.store import KnowledgeStore

        try:
            index = TaskIndex(KnowledgeStore(kb, read_only=True).open(), backend)  # type: ignore[arg-type]
        except (RuntimeError, sqlite3.DatabaseError) as error:
            raise TaskError(f"knowledge base {kb}: {error}") from None
    proposal, refined = _offline_candidates(spec, task.description, k, index, budget, on_event)
    kept: list[Instruction] = []
    if budget is not None and budget > REFERENCE_BUDGET:
        # The critics charge a slow recipe against a short budget, so a longer one lets slow
        # recipes push fast ones out of the top-k; but the fast ones are often the best (on
        # the check half, gss-income and movielens-ratings scored worse at 300 s than at
        # 60 s, each the 300 s run's own CV too, for lack of the 60 s list's LightGBM). A
        # longer budget keeps them: a superset of the reference budget's candidates.
        _, reference = _offline_candidates(spec, task.description, k, index, REFERENCE_BUDGET,
                                           lambda message: None)
        kept = _missing_from(refined, reference)
        for candidate in kept:
            on_event(f"   added '{candidate.title}': a candidate at a "
                     f"{REFERENCE_BUDGET:.0f} s budget, kept at {budget:.0f} s")
    if brain is None:
        return refined + kept
    examples = few_shot_examples(index, proposal.neighbours) if index is not None else []
    proposed = brain.propose(task, spec, k, refined, examples)
    chosen = []
    for candidate in brain.select(spec, proposed + _missing_from(proposed, kept), budget):
        candidate, change = with_matching_validation(candidate, spec)
        if change is not None:
            on_event(f"   refined '{candidate.title}': {change}")
        chosen.append(candidate)
    return chosen


def _missing_from(candidates: list[Instruction], others: list[Instruction]) -> list[Instruction]:
    """The others whose title no candidate has (a recipe keeps its title at any budget)."""
    titles = {candidate.title for candidate in candidates}
    return [other for other in others if other.title not in titles]


def run_task(task_dir: Path, out: Path | None, settings: SearchSettings, k: int = 6,
             instructions: list[Instruction] | None = None,
             on_event: Callable[[str], None] = lambda message: None,
             kb: Path | None = None, kb_backend: str = "tfidf",
             llm: BrainConfig = OFFLINE_BRAIN) -> tuple[RunResult, Path]:
    """Plan (unless instructions are given), code, execute, grade; write the run folder."""
    started, started_at = time.monotonic(), time.time()
    task, rules = _understood_by_rules(task_dir, llm)  # bad input fails before a run folder
    run_dir = prepare_run_dir(out, task_dir)
    manifest = RunManifest(task_dir=str(Path(task_dir).resolve()), budget=settings.budget,
                           seed=settings.seed, memory_mb=settings.memory_mb,
                           probe_rows=settings.probe_rows, k=k, started_at=round(started_at, 3),
                           tune_trials=settings.tune_trials, variants=settings.variants,
                           repeats=settings.repeats)
    write_manifest(run_dir, manifest)
    try:
        return _plan_and_search(task, rules, run_dir, manifest, settings, instructions, on_event,
                                kb, kb_backend, llm, started, started_at)
    except (KeyboardInterrupt, OSError) as error:
        stop = stopped_by(error, run_dir)
        if stop is None:
            raise
        raise stop from None


def _plan_and_search(task: TaskData, rules: TaskSpec | None, run_dir: Path, manifest: RunManifest,
                     settings: SearchSettings, instructions: list[Instruction] | None,
                     on_event: Callable[[str], None], kb: Path | None, kb_backend: str,
                     llm: BrainConfig, started: float, started_at: float) -> tuple[RunResult, Path]:
    k = manifest.k
    brain = Brain(llm, run_dir / "llm_calls.jsonl" if llm.uses_llm else None, on_event)
    # The model's planning stages may use part of the budget; the search gets the rest.
    brain.ledger.deadline = started + PLANNING_SHARE * settings.budget
    spec = brain.understand(task, rules)
    (run_dir / "spec.json").write_text(spec.model_dump_json(indent=2), encoding="utf-8")
    for warning in spec.warnings:
        on_event(f"warning: {warning}")
    isolation = _isolation(settings)
    if isolation == "none":
        on_event(f"warning: {why_unsandboxed() or 'the sandbox is off'}: generated code runs "
                 f"as a plain subprocess — {', '.join(UNSANDBOXED_GAPS)}; its input is a copy "
                 "of the task folder. Install bubblewrap to isolate it, or pass "
                 "--require-sandbox to refuse to run without it.")
    candidates = instructions if instructions is not None else propose_candidates(
        task, spec, k, kb, settings.budget, on_event, kb_backend, brain)
    for number, candidate in enumerate(candidates, start=1):
        save_instruction(candidate, run_dir / "instructions" / f"candidate-{number}")
    on_event(f"task {spec.name}: {spec.task_type}, target {spec.target!r}, metric {spec.metric}; "
             f"{len(candidates)} candidate instruction(s)")
    planning_seconds = time.monotonic() - started
    write_manifest(run_dir, manifest.model_copy(update={
        "planning_seconds": round(planning_seconds, 3), "isolation": isolation}))
    brain.ledger.deadline = started + settings.budget
    return search_and_finish(task, spec, run_dir, candidates, settings, brain, isolation,
                             planning_seconds, started, started_at, on_event)


class RunInterrupted(Exception):
    """A run stopped before its end — Ctrl-C (exit 130) or a full disk (exit 1) — whose run
    folder can be resumed."""

    def __init__(self, run_dir: Path, why: str = "interrupted", exit_code: int = 130) -> None:
        super().__init__(f"{why}; continue with: linguacodus run --resume {run_dir}")
        self.run_dir = run_dir
        self.exit_code = exit_code


def stopped_by(error: BaseException, run_dir: Path) -> RunInterrupted | None:
    """The resumable stop that an error during a run is, or None for any other error."""
    if isinstance(error, KeyboardInterrupt):
        return RunInterrupted(run_dir)
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return RunInterrupted(run_dir, f"no space left on the disk of {run_dir} "
                                       f"({error.filename or 'writing the run folder'}); free "
                                       "some space", exit_code=1)
    return None


def search_and_finish(task: TaskData, spec: TaskSpec, run_dir: Path, candidates: list[Instruction],
                      settings: SearchSettings, brain: Brain, isolation: str,
                      planning_seconds: float, started: float, started_at: float,
                      on_event: Callable[[str], None], previous: tuple[Attempt, ...] = (),
                      search_seconds: float = 0.0) -> tuple[RunResult, Path]:
    """The search over the candidates, then the run folder's top-level files, result.json,
    report.md and report.html. A resumed run passes the attempts its journal holds
    (``previous``) and the seconds its search had run (``search_seconds``): they are not
    redone, nor their time given again."""
    search = Search(task, spec, run_dir, SearchSettings(
        budget=settings.budget - planning_seconds, seed=settings.seed,
        memory_mb=settings.memory_mb, probe_rows=settings.probe_rows, isolation=isolation,
        tune_trials=settings.tune_trials, variants=settings.variants, repeats=settings.repeats),
        on_event=on_event, brain=brain, elapsed_before=search_seconds)
    outcome = search.solve(candidates, previous=previous)
    if outcome.first_valid_seconds is not None:  # the search's clock starts after planning
        outcome = outcome.model_copy(update={
            "first_valid_seconds": round(outcome.first_valid_seconds + planning_seconds, 3)})
    chosen = None
    if outcome.best is not None:
        # The attempt's own copy: where repairs changed the instruction, this is what ran.
        chosen = load_instruction(run_dir / outcome.best.folder / "instruction.json")
        save_instruction(chosen, run_dir / "instructions" / "chosen")
        folder = run_dir / outcome.best.folder
        publish_best(run_dir, folder)  # the search published it already; the same files
        notebook = script_to_notebook((folder / "solution.py").read_text(encoding="utf-8"))
        atomic_write_text(run_dir / "solution.ipynb", notebook)
    result = _result(spec, outcome, chosen, started, settings, isolation).model_copy(
        update={"started_at": round(started_at, 3), "brain": brain.label, "llm": brain.usage()})
    atomic_write_text(run_dir / "result.json", result.model_dump_json(indent=2))
    write_report(run_dir / "report.md", spec, candidates, outcome, result)
    truth = task.train.loc[task.train[spec.target].notna(), spec.target].reset_index(drop=True)
    write_html_report(run_dir / "report.html", spec, candidates, outcome, result, truth)
    return result, run_dir


def _isolation(settings: SearchSettings) -> str:
    if settings.isolation is not None:
        return settings.isolation
    return "bwrap" if bwrap_works() else "none"


def _result(spec: TaskSpec, outcome: SearchOutcome, chosen: Instruction | None, started: float,
            settings: SearchSettings, isolation: str) -> RunResult:
    best = outcome.best
    peaks = [a.execution.peak_memory_mb for a in outcome.attempts if a.execution is not None]
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reason = None
    if best is None:
        failures = [a.failure() for a in outcome.attempts if a.failure()]
        reason = ("no valid submission: " + failures[-1]) if failures else (
            "no valid submission: the budget ran out before any attempt finished")
    return RunResult(
        task=spec.name, metric=spec.metric, higher_is_better=spec.higher_is_better,
        cv_score=best.score if best else None, valid=best is not None,
        submission="submission.csv" if best else None,
        wall_seconds=round(time.monotonic() - started, 3),
        first_valid_seconds=outcome.first_valid_seconds,
        peak_memory_mb=round(max(peaks + [own]), 1),
        attempts=len(outcome.attempts), reason=reason,
        chosen_instruction=chosen.title if chosen else None, isolation=isolation,
        seed=settings.seed, budget_seconds=settings.budget, warnings=spec.warnings,
    )


def plan_task(task_dir: Path, out: Path | None, k: int, settings: SearchSettings | None,
              on_event: Callable[[str], None] = lambda message: None, kb: Path | None = None,
              kb_backend: str = "auto", llm: BrainConfig = OFFLINE_BRAIN
              ) -> tuple[TaskSpec, list[Instruction], Path]:
    """Top-k instructions; ranked by a quick probe of each when settings are given."""
    task, rules = _understood_by_rules(task_dir, llm)  # bad input fails before a run folder
    run_dir = prepare_run_dir(out, task_dir)
    brain = Brain(llm, run_dir / "llm_calls.jsonl" if llm.uses_llm else None, on_event)
    spec = brain.understand(task, rules)
    (run_dir / "spec.json").write_text(spec.model_dump_json(indent=2), encoding="utf-8")
    candidates = propose_candidates(task, spec, k, kb, None, on_event, kb_backend, brain)
    if settings is not None:
        search = Search(task, spec, run_dir, settings, on_event=on_event)
        scores = search.probe(dict(enumerate(candidates, start=1)))
        order = sorted(range(1, len(candidates) + 1),
                       key=lambda i: -scores[i].utility if i in scores else float("inf"))
        candidates = [_probed(candidates[i - 1], rank, scores[i].value if i in scores else None)
                      for rank, i in enumerate(order, start=1)]
    for number, candidate in enumerate(candidates, start=1):
        save_instruction(candidate, run_dir / "instructions" / f"candidate-{number}")
    if llm.uses_llm:
        (run_dir / "llm_usage.json").write_text(json.dumps(brain.usage(), indent=2), encoding="utf-8")
    return spec, candidates, run_dir


def _probed(instruction: Instruction, rank: int, probe_score: float | None) -> Instruction:
    """Provenance after the probe: its rank and score; the proposer's score moves to the note."""
    before = instruction.provenance
    note = before.note + (f"; proposer score {before.score:g}" if before.score is not None else "")
    return instruction.model_copy(update={"provenance": before.model_copy(update={
        "rank": rank, "score": probe_score, "note": note})})
