"""The improvement loop within a budget: first a valid submission, then the best CV score.

1. Candidates are tried cheapest first until one gives a valid submission (repairing
   failures on the way), so a valid result exists as early as possible.
2. The remaining candidates are ranked by a quick probe (subsample, fewer folds, no
   submission) when the data is large enough for that to save time.
3. They get full runs in that order while the budget allows; a candidate whose probe
   predicts a full run longer than the time left is skipped, not started.
4. Where a weighted blend of the valid solutions beats the best of them on out-of-fold
   predictions by more than the bootstrap noise of that gain, and time allows, the blend
   runs as one more solution.
5. Where time allows, the best single solution runs again with 10 folds, then its model's
   hyperparameters are refined, trial by trial; in the time tuning leaves, feature and
   target variants of the (tuned) leader run, each kept only where it beats the leader by
   more than the noise (refinement.py); last, the leader's folds are drawn again with
   other seeds, as often as the time left covers, its models' predictions averaged.
The best CV score wins.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from linguacodus.codegen.compiler import Solution, compile_solution
from linguacodus.codegen.layout import CompileOptions
from linguacodus.grading import grade_attempt
from linguacodus.instruction import (
    Instruction,
    InstructionError,
    save_instruction,
)
from linguacodus.journal import Attempt, Journal, Move, Purpose
from linguacodus.llm.ledger import LLMError
from linguacodus.moves import MAX_REPEATS, MAX_VARIATIONS
from linguacodus.planning import first_valid_order
from linguacodus.publish import publish_best
from linguacodus.refinement import (
    run_ensemble,
    run_more_folds,
    run_repeats,
    run_tuning,
    run_variations,
)
from linguacodus.repair import Diagnosis, Repair, diagnose, propose_repair
from linguacodus.sandbox import Isolation, Limits, bwrap_works, readonly_copy, run_script
from linguacodus.score import Score
from linguacodus.spec import TaskSpec
from linguacodus.task import TaskData
from linguacodus.timing import (
    MIN_ATTEMPT_SECONDS,
    RESERVE_SECONDS,
    fixed_probe_seconds,
    predicted_full_seconds,
)
from linguacodus.tuning import MAX_TRIALS

if TYPE_CHECKING:
    from linguacodus.brain import Brain

MAX_REPAIRS = 2
FIRST_ATTEMPT_SHARE = 0.6  # the first attempt leaves room for one repaired retry
CACHE_FOLDER = "cache"  # under the run folder: what attempts compute from the data alone
INPUT_COPY_FOLDER = "input-copy"  # under the run folder, without bubblewrap: the task's data


@dataclass(frozen=True)
class SearchSettings:
    budget: float
    seed: int = 42
    memory_mb: int = 4096
    probe_rows: int = 2000
    isolation: Isolation | None = None  # None: bubblewrap where it works
    tune_trials: int = MAX_TRIALS  # at most this many tuning trials of the leader; 0: none
    variants: int = MAX_VARIATIONS  # at most this many feature and target variants; 0: none
    repeats: int = MAX_REPEATS  # the leader's folds drawn at most this many times; 1: once


class CandidateResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    title: str
    probe_score: float | None = None
    cv_score: float | None = None
    status: str  # "valid", "failed: ...", "not run: ..."
    attempt: int | None = None  # the valid full attempt


class SearchOutcome(BaseModel):
    model_config = ConfigDict(frozen=True)

    candidates: tuple[CandidateResult, ...]
    best: Attempt | None
    first_valid_seconds: float | None
    attempts: tuple[Attempt, ...]


class Search:
    """One run's loop over candidates; writes attempt folders and the journal."""

    def __init__(self, task: TaskData, spec: TaskSpec, run_dir: Path, settings: SearchSettings,
                 on_event: Callable[[str], None] = lambda message: None,
                 brain: Brain | None = None,
                 clock: Callable[[], float] = time.monotonic, elapsed_before: float = 0.0) -> None:
        self.brain = brain  # None, or one whose code stage is offline: the compiler writes code
        self.task = task
        self.spec = spec
        self.run_dir = Path(run_dir)
        self.settings = settings
        self.on_event = on_event
        self.journal = Journal(self.run_dir / "journal.jsonl")
        self.clock = clock  # injectable: the budget arithmetic is tested without waiting
        self.started = clock() - elapsed_before  # a resumed run's search continues its clock
        self.best: Attempt | None = None  # the best valid full attempt so far, published

    # --- clock ---
    def elapsed(self) -> float:
        return self.clock() - self.started

    def remaining(self) -> float:
        return self.settings.budget - self.elapsed()

    # --- one attempt ---
    def attempt(self, index: int, instruction: Instruction, purpose: Purpose,
                timeout: float, parent: int | None = None, repair: str | None = None,
                written: Solution | None = None, move: Move = "candidate",
                members: tuple[int, ...] = (),
                hold_back: Callable[[Attempt], str | None] | None = None) -> Attempt:
        """Compile the instruction (or take the script a model wrote) and run it.
        ``hold_back``: for a valid attempt, why the search may not pick it (None: it may)."""
        number = len(self.journal.attempts) + 1
        folder = f"attempts/{number:02d}-{purpose}-{instruction.slug()}"
        started = round(self.elapsed(), 3)
        options = CompileOptions(seed=self.settings.seed,
                                 probe_rows=self.settings.probe_rows if purpose == "probe" else None)
        common = dict(number=number, candidate=index, instruction_title=instruction.title,
                      purpose=purpose, folder=folder, started_seconds=started, parent=parent,
                      repair=repair, code_source="llm" if written is not None else "compiler",
                      move="probe" if purpose == "probe" else move, members=members)
        save_instruction(instruction, self.run_dir / folder / "instruction")
        try:
            solution = written or compile_solution(self.spec, instruction, options)
        except InstructionError as error:
            record = Attempt(**common, compile_error=str(error))
            self.journal.append(record)
            self.on_event(f"#{number} {instruction.title}: can't compile: {error}")
            return record
        execution = run_script(solution.script, self.run_dir / folder, self._input_dir(),
                               Limits(timeout, self.settings.memory_mb), self.settings.isolation,
                               cache_dir=self.run_dir / CACHE_FOLDER)
        grade = grade_attempt(self.spec, self.run_dir / folder, self.task.train,
                              self.task.sample_submission, check_submission_file=purpose == "full")
        record = Attempt(**common, execution=execution, grade=grade)
        if record.valid and hold_back is not None:
            record = record.model_copy(update={"held_back": hold_back(record)})
        # Published before the journal line is written: an attempt the journal holds as the
        # best is in the run folder's top-level files, whenever the run is stopped.
        if purpose == "full" and record.valid and not record.held_back and self.score_of(record).better_than(
                None if self.best is None else self.score_of(self.best)):
            self.best = record
            publish_best(self.run_dir, self.run_dir / folder)
        self.journal.append(record)
        outcome = (f"CV {grade.cv_score:.5g}" if record.valid else record.failure())
        if record.held_back:
            outcome += f", held back: {record.held_back}"
        self.on_event(f"#{number} {purpose} {instruction.title}: {outcome} "
                      f"({execution.wall_seconds:.1f} s, {execution.peak_memory_mb:.0f} MB)"
                      f"{self._standing()}")
        return record

    def _input_dir(self) -> Path:
        """The task folder; without bubblewrap a read-only copy of it in the run folder, so
        that a script writing into its input/ never reaches the user's data."""
        isolation = self.settings.isolation
        if isolation == "none" or (isolation is None and not bwrap_works()):
            return readonly_copy(self.task.path, self.run_dir / INPUT_COPY_FOLDER)
        return self.task.path

    def _standing(self) -> str:
        """The best CV score so far and the time left, for the progress line."""
        best = f"best {self.best.score:.5g}, " if self.best is not None else ""
        return f" — {best}{max(0.0, self.remaining()):.0f} s left"

    def _timeout(self, first: bool, parent: int | None) -> float | None:
        """Seconds the next attempt may take; None when too little is left to start one."""
        available = self.remaining() - RESERVE_SECONDS
        if available < MIN_ATTEMPT_SECONDS:
            return None
        if first and parent is None and self.settings.budget > 20:
            return min(available, FIRST_ATTEMPT_SHARE * self.settings.budget)
        return available

    def _repair(self, instruction: Instruction, diagnosis: Diagnosis | None) -> Repair | None:
        """The catalogue's repair of a diagnosed failure; None where there is none, or where
        the repaired instruction can't be made (said, and the candidate is given up)."""
        if diagnosis is None:
            return None
        try:
            return propose_repair(instruction, self.spec, diagnosis)
        except InstructionError as error:
            self.on_event(f"   no repair of '{instruction.title}' ({diagnosis.signature}): {error}")
            return None

    def run_written(self, index: int, instruction: Instruction, first: bool,
                    move: Move = "candidate") -> Attempt | None:
        """The model's script for a candidate, fixed by the model from each failure up to
        the configured number of times. The last attempt (valid or not), or None where the
        model wrote nothing usable."""
        brain = self.brain
        assert brain is not None
        seed = self.settings.seed
        try:
            solution = brain.write_code(self.task, self.spec, instruction, seed)
        except LLMError as error:
            brain.fall_back("code", error, f"the offline compiler writes '{instruction.title}'")
            return None
        # With the fix stage offline, a failure goes straight to the offline repairs.
        allowed = brain.config.settings.max_fixes if "fix" in brain.clients else 0
        record = None
        for fixes in range(allowed + 1):
            timeout = self._timeout(first, record.number if record else None)
            if timeout is None:
                return record
            record = self.attempt(index, instruction, "full", timeout,
                                  parent=record.number if record else None,
                                  repair=f"LLM fix {fixes}" if fixes else None, written=solution,
                                  move="model-fix" if fixes else move)
            if record.valid or fixes == allowed:
                return record
            failure = failure_text(record, self.run_dir / record.folder)
            try:
                script = brain.fix_code(self.spec, instruction, solution.script, failure, seed)
            except LLMError as error:
                brain.fall_back("fix", error, "the offline repairs take over")
                return record
            self.on_event(f"   LLM fix {fixes + 1} of '{instruction.title}'")
            solution = solution.model_copy(update={"script": script})
        return record

    def run_candidate(self, index: int, instruction: Instruction, purpose: Purpose,
                      first: bool = False, offline: bool = False, move: Move = "candidate",
                      origin: int | None = None, members: tuple[int, ...] = ()) -> Attempt | None:
        """Run a candidate, repairing failures; the valid attempt, or None.

        With a model writing code (full runs, unless offline): the model's script and its
        fixes first; then the offline repair catalogue on the instruction and the offline
        compiler. ``move``, ``origin`` and ``members`` place the first attempt in the tree
        (the attempt it starts from, a blend's members); each repair's parent is the attempt
        it repairs."""
        parent, repair = origin, None
        if purpose == "full" and not offline and self.brain is not None and self.brain.writes_code:
            record = self.run_written(index, instruction, first, move)
            if record is not None and record.valid:
                return record
            if record is not None:
                diagnosis = diagnose(record.execution, record.grade)
                fix = self._repair(instruction, diagnosis)
                parent, move = record.number, "repair"
                repair = "the model's script failed; offline compiler"
                if fix is not None:
                    instruction, repair = fix.instruction, f"{repair}, {fix.description}"
                self.brain.ledger.fallback("code", f"'{instruction.title}': {record.failure()}")
                self.on_event(f"   {repair}")
        for _ in range(1 + MAX_REPAIRS):
            timeout = self._timeout(first, parent)
            if timeout is None:
                return None
            record = self.attempt(index, instruction, purpose, timeout, parent, repair,
                                  move=move, members=members)
            if record.valid:
                return record
            diagnosis = diagnose(record.execution, record.grade)
            fix = self._repair(instruction, diagnosis)
            if fix is None:
                return None
            self.on_event(f"   repair ({fix.signature}): {fix.description}")
            instruction, parent, repair = fix.instruction, record.number, fix.description
            move, members = "repair", ()
        return None

    def score_of(self, what: Attempt | float) -> Score:
        """A valid attempt's CV score (or a value of the task's metric) with its direction."""
        value = what.score if isinstance(what, Attempt) else what
        return Score(float(value), self.spec.higher_is_better)

    # --- the loop ---
    def probe(self, candidates: dict[int, Instruction]) -> dict[int, Score]:
        """Probe scores of the given candidates that gave a valid probe."""
        scores = {}
        for index, instruction in candidates.items():
            record = self.run_candidate(index, instruction, "probe")
            if record is not None:
                scores[index] = self.score_of(record)
        return scores

    def _written_too(self, first_round: dict[int, Instruction], full: list[Attempt],
                     results: dict[int, dict]) -> None:
        """The model's own script for the candidates the compiler ran first, time allowing;
        a candidate keeps the better of its two CV scores."""
        for index, instruction in first_round.items():
            typical = statistics.median(a.execution.wall_seconds for a in full) if full else 0.0
            if self.remaining() - RESERVE_SECONDS < max(MIN_ATTEMPT_SECONDS, 1.2 * typical):
                self.on_event(f"skipping the model's script for '{instruction.title}': "
                              f"{self.remaining():.0f} s left")
                continue
            record = self.run_written(index, instruction, first=False)
            if record is None or not record.valid:
                if record is not None:
                    self.brain.ledger.fallback("code", f"'{instruction.title}': {record.failure()}; "
                                                       "the compiler's script stands")
                continue
            full.append(record)
            before = results[index].get("cv_score")
            if self.score_of(record).better_than(None if before is None else self.score_of(before)):
                results[index].update(status="valid", cv_score=record.score, attempt=record.number)

    def _continue_from(self, previous: tuple[Attempt, ...], results: dict[int, dict],
                       pending: dict[int, Instruction], finish) -> set[int]:
        """Take a resumed run's attempts as done: the journal goes on from them, each
        candidate with a finished full attempt leaves ``pending``, and the best valid one is
        published again (a kill may have come between its journal line and its copy). The
        candidate indices that are done, blends and moves included.

        The one exception: a candidate whose last full attempt failed while it was the one
        being worked on (the journal's last full attempt) may have been cut off between a
        failure and its repair; it is run again, repairs and all."""
        self.journal.attempts.extend(previous)
        fulls = [a for a in previous if a.purpose == "full"]
        cut_off = fulls[-1].candidate if fulls and not fulls[-1].valid and not any(
            a.valid for a in fulls if a.candidate == fulls[-1].candidate) else None
        done: set[int] = set()
        for record in fulls:
            if record.candidate == cut_off:
                continue
            done.add(record.candidate)
            pending.pop(record.candidate, None)
            results.setdefault(record.candidate, {"title": record.instruction_title})
            if record.valid and not record.held_back:
                finish(record.candidate, record)
            elif record.held_back:
                if results[record.candidate].get("status") != "valid":
                    results[record.candidate]["status"] = f"held back: {record.held_back}"
            elif results[record.candidate].get("status") != "valid":
                results[record.candidate]["status"] = f"failed: {record.failure()}"
        valid = [a for a in previous if a.purpose == "full" and a.valid and not a.held_back]
        if valid:
            self.best = max(valid, key=lambda a: self.score_of(a).utility)
            publish_best(self.run_dir, self.run_dir / self.best.folder)
        return done

    def solve(self, candidates: list[Instruction],
              previous: tuple[Attempt, ...] = ()) -> SearchOutcome:
        """The loop. ``previous``: a resumed run's attempts (its journal); a candidate with a
        finished full attempt there is done (valid, or failed as far as it got) and is not
        run again, nor a probe, blend or move that was run."""
        results: dict[int, dict] = {i: {"title": c.title, "status": "not run: budget spent"}
                                    for i, c in enumerate(candidates, start=1)}
        pending = dict(enumerate(candidates, start=1))
        first_valid: float | None = None
        full: list[Attempt] = []

        def finish(index: int, record: Attempt | None) -> None:
            if record is None:
                last = self.journal.attempts[-1] if self.journal.attempts else None
                spent = last is None or last.candidate != index
                results[index]["status"] = ("not run: budget spent" if spent
                                            else f"failed: {last.failure()}")
            else:
                results[index].update(status="valid", cv_score=record.score, attempt=record.number)
                full.append(record)

        done = self._continue_from(previous, results, pending, finish)
        valid = [a for a in previous if a.purpose == "full" and a.valid]
        if valid:
            first = min(valid, key=lambda a: a.number)
            first_valid = round(first.started_seconds + first.execution.wall_seconds, 3)
        first_round: dict[int, Instruction] = {}
        while pending and first_valid is None and self.remaining() > MIN_ATTEMPT_SECONDS:
            # Gradient boosting first on larger tabular data, else the cheapest candidate
            # (prior order breaks ties): the first valid submission should come early and
            # be worth having; the other candidates follow. The offline
            # compiler writes it even where a model writes code: a model's latency (or
            # its failures) must not delay the first valid submission.
            index = min(pending, key=lambda i: (first_valid_order(pending[i], self.spec), i))
            first_round[index] = pending.pop(index)
            record = self.run_candidate(index, first_round[index], "full", first=True, offline=True)
            finish(index, record)
            if record is not None:
                first_valid = round(self.elapsed(), 3)

        if len(pending) > 1 and self.spec.n_train > self.settings.probe_rows:
            probed_before = {a.candidate: self.score_of(a) for a in previous
                             if a.purpose == "probe" and a.valid}
            unprobed = {i: c for i, c in pending.items()
                        if not any(a.candidate == i and a.purpose == "probe" for a in previous)}
            if unprobed:
                self.on_event(f"probing {len(unprobed)} candidates on {self.settings.probe_rows} rows")
            scores = {**{i: s for i, s in probed_before.items() if i in pending},
                      **self.probe(unprobed)}
            for index, probed in scores.items():
                results[index]["probe_score"] = probed.value
            order = sorted(pending, key=lambda i: -scores[i].utility if i in scores else float("inf"))
            pending = {i: pending[i] for i in order}

        probed = {a.candidate: a.execution.wall_seconds for a in self.journal.attempts
                  if a.purpose == "probe" and a.valid}
        fixed = fixed_probe_seconds(list(probed.values()))
        for index, instruction in pending.items():
            typical = statistics.median(a.execution.wall_seconds for a in full) if full else 0.0
            left = self.remaining() - RESERVE_SECONDS
            if left < max(MIN_ATTEMPT_SECONDS, 1.2 * typical):
                self.on_event(f"skipping '{instruction.title}': {self.remaining():.0f} s left")
                continue
            if index in probed:
                needed = predicted_full_seconds(probed[index], instruction, self.spec.n_train,
                                                self.settings.probe_rows, fixed_seconds=fixed)
                if needed > left:
                    self.on_event(f"skipping '{instruction.title}': about {needed:.0f} s by its "
                                  f"probe, {left:.0f} s left")
                    continue
            finish(index, self.run_candidate(index, instruction, "full"))

        if self.brain is not None and self.brain.writes_code:
            self._written_too(first_round, full, results)

        def moved(record: Attempt | None) -> None:
            """A move's valid attempt: a solution of the search, listed under its index."""
            if record is not None:
                results[record.candidate] = _valid_result(record)
                full.append(record)

        moved(None if len(candidates) + 1 in done
              else run_ensemble(self, full, index=len(candidates) + 1))
        moved(None if len(candidates) + 2 in done
              else run_more_folds(self, full, index=len(candidates) + 2))

        # Tuning takes the time that is left, trial by trial; a resumed run goes on with it.
        trials = run_tuning(self, full, index=len(candidates) + 3, previous=previous)
        if trials:
            tuned = max(trials, key=lambda a: self.score_of(a).utility)
            results[tuned.candidate] = _valid_result(tuned)
            full.extend(trials)

        # Feature and target variants of the leader (tuned, where tuning ran) in the time
        # tuning leaves; a resumed run goes on with them.
        varied = run_variations(self, full, index=len(candidates) + 4, previous=previous)
        for record in varied:
            before = results.get(record.candidate, {}).get("cv_score")
            if self.score_of(record).better_than(None if before is None else self.score_of(before)):
                results[record.candidate] = _valid_result(record)
        full.extend(varied)

        # The leader's folds drawn again with other seeds, in the time the rest leaves.
        moved(None if len(candidates) + 5 in done
              else run_repeats(self, full, index=len(candidates) + 5))

        best = max(full, key=lambda a: self.score_of(a).utility) if full else None
        return SearchOutcome(
            candidates=tuple(CandidateResult(index=i, **r) for i, r in results.items()),
            best=best, first_valid_seconds=first_valid, attempts=tuple(self.journal.attempts),
        )


def _valid_result(record: Attempt) -> dict:
    """A candidate's entry in the outcome for its valid attempt."""
    return {"title": record.instruction_title, "status": "valid", "cv_score": record.score,
            "attempt": record.number}


def failure_text(record: Attempt, folder: Path) -> str:
    """Why an attempt failed, for a model to fix: the traceback or the grader's reason, with
    the attempt's own folder written as '.' so that the text (and the cache key made from
    it) is the same on every run."""
    if record.compile_error:
        text = f"The script could not be prepared: {record.compile_error}"
    elif record.execution is not None and record.execution.stopped_for:
        text = (f"The script was stopped: it {record.execution.stopped_for}. It must stay "
                "within the sandbox's limits.")
    elif record.execution is not None and record.execution.timed_out:
        text = (f"The script was killed after {record.execution.wall_seconds:.0f} s (time limit). "
                "Make it faster: fewer trees or folds, or fit on a subsample.")
    elif record.execution is not None and not record.execution.ok:
        shown = record.execution.traceback or record.execution.stderr_tail
        text = f"The script crashed (exit {record.execution.exit_code}):\n{shown.strip()[-3000:]}"
    else:
        reason = record.grade.reason if record.grade is not None else "unknown"
        text = f"The script ran, but its output is invalid: {reason}"
    return text.replace(str(folder.resolve()), ".")
