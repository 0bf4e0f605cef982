"""How a fine-tuned instruction model does on held-out tasks (`finetune eval`).

For each row of validation.jsonl (tasks the model was not trained on, as `finetune dataset`
split them) the model answers the row's prompt. Reported:

- **parses**: the answer is an instruction linguacodus can use — in the ``ir`` style it
  parses into the Instruction IR with one model operation; in the ``paper`` style its prose
  names a model family the portfolio has (what `--llm-propose places` grounds it in);
- **agrees**: it names the reference answer's model family;
- **quality**, for first-place rows of knowledge-base tasks: the answer grounded as at run
  time (the family's first applicable portfolio recipe) and scored by that recipe's measured,
  normalised outcome on the task (1 = the task's best recipe, 0 = a constant prediction),
  against the retrieval proposer's first choice with the task's data set left out
  (knowledge/loo.py, as benchmarks/kb_loo.py does). The outcomes were measured by running
  each recipe in the sandbox when the knowledge base was built. With ``run``, an IR answer
  is itself compiled for the task and run in the sandbox under the same protocol (a seeded
  subsample, 3 folds), its CV put on the task's normalised scale; a prose answer is its
  family's recipe either way (the compiler does not execute prose).
"""

from __future__ import annotations

import json
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from linguacodus.instruction import InstructionError, parse_markdown
from linguacodus.knowledge.paper_corpus import model_in_text


@dataclass(frozen=True)
class EvalRow:
    task: str
    place: int
    parses: bool
    family: str | None  # the model family the answer names
    reference_family: str | None
    model_normalised: float | None = None  # knowledge-base tasks, first place
    retrieval_normalised: float | None = None
    note: str = ""
    answer: str = ""


def answer_family(text: str, style: str) -> str | None:
    """The model family an answer names, where it is an instruction linguacodus can use."""
    if style == "ir":
        try:
            return parse_markdown(text).model_step().op
        except InstructionError:
            return None
    return model_in_text(text)


def evaluate(data: Path, ask: Callable[[list[dict]], str], kb: Path | None, limit: int | None,
             on_event: Callable[[str], None] = lambda line: None, run: bool = False) -> dict:
    """Score the model's answers to validation.jsonl; the summary (rows in it too)."""
    summary_file = data / "dataset.json"
    style = json.loads(summary_file.read_text())["style"] if summary_file.is_file() else "paper"
    rows = [json.loads(line) for line in (data / "validation.jsonl").read_text(encoding="utf-8")
            .splitlines() if line.strip()][:limit]
    results: list[EvalRow] = []
    for number, row in enumerate(rows, start=1):
        messages, reference = row["messages"][:-1], row["messages"][-1]["content"]
        try:
            answer, note = ask(messages), ""
        except Exception as error:  # noqa: BLE001 - any failure of the model is a row that failed
            answer, note = "", f"no answer: {error}"
        family = answer_family(answer, style)
        results.append(EvalRow(task=row["task"], place=int(row.get("place", 0)),
                               parses=family is not None, family=family,
                               reference_family=answer_family(reference, style), note=note,
                               answer=answer))
        on_event(f"[{number}/{len(rows)}] {row['task']} place {row.get('place')}: "
                 f"{family or 'no usable instruction'}")
    if kb is not None:
        results = _with_quality(results, kb, run and style == "ir", on_event)
    return _summary(results, style)


def _with_quality(results: list[EvalRow], kb: Path, run: bool,
                  on_event: Callable[[str], None]) -> list[EvalRow]:
    from linguacodus.knowledge.loo import load_cases
    from linguacodus.knowledge.portfolio import applicable, recipe_of
    from linguacodus.knowledge.propose import propose

    wanted = {r.task.removeprefix("kb:") for r in results if r.task.startswith("kb:") and r.place == 1}
    if not wanted:
        return results
    with tempfile.TemporaryDirectory() as folder:
        index, cases = load_cases(kb, Path(folder), only=wanted)
        by_task = {f"kb:{case.task['source_id']}": case for case in cases}
        scored = []
        for result in results:
            case = by_task.get(result.task)
            if case is None or result.place != 1:
                scored.append(result)
                continue
            retrieved = recipe_of(propose(case.spec, case.description, 1, index,
                                          exclude=case.left_out).instructions[0])
            if run and result.parses:
                quality, note = _run_answer(case, result.answer, Path(folder) / "attempt")
                on_event(f"{result.task}: the answer ran: {note}")
            else:
                recipes = applicable(case.spec)
                grounded = next((rid for rid, ins in recipes.items()
                                 if result.family and ins.model_step().op == result.family), None)
                quality = case.normalized.get(grounded, 0.0) if grounded else 0.0
                note = result.note
            scored.append(EvalRow(**{**asdict(result), "model_normalised": quality, "note": note,
                                     "retrieval_normalised": case.normalized.get(retrieved, 0.0)}))
    return scored


def _run_answer(case, answer: str, attempt: Path) -> tuple[float, str]:
    """An IR answer compiled for the task and run in the sandbox as the knowledge base
    measured its recipes (a seeded subsample, 3 folds); its CV on the task's normalised
    scale. A failure scores 0, as a failed recipe does."""
    import shutil

    from linguacodus.codegen.compiler import compile_solution
    from linguacodus.codegen.layout import CompileOptions
    from linguacodus.grading import grade_attempt
    from linguacodus.knowledge.build import BuildSettings
    from linguacodus.sandbox import Limits, run_script
    from linguacodus.task import load_task

    defaults = BuildSettings(work_dir=attempt)
    rows = int((case.task.get("meta") or {}).get("rows") or defaults.probe_rows)
    try:
        script = compile_solution(case.spec, parse_markdown(answer),
                                  CompileOptions(probe_rows=rows, probe_folds=defaults.probe_folds)).script
    except InstructionError as error:
        return 0.0, f"can't compile: {error}"
    shutil.rmtree(attempt, ignore_errors=True)
    execution = run_script(script, attempt, case.folder, Limits(defaults.timeout, defaults.memory_mb))
    task = load_task(case.folder)
    grade = grade_attempt(case.spec, attempt, task.train, task.sample_submission,
                          check_submission_file=False)
    if not (execution.ok and grade.valid):
        return 0.0, f"failed: {grade.reason or execution.error_type or 'timed out'}"
    normalised = case.normalise(grade.cv_score)
    return (normalised if normalised is not None else 0.0), f"CV {grade.cv_score:.5g}"


def _summary(results: list[EvalRow], style: str) -> dict:
    def share(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    quality = [r for r in results if r.model_normalised is not None]
    return {
        "style": style, "rows": len(results), "tasks": len({r.task for r in results}),
        "parse_share": share([r.parses for r in results]),
        "family_agreement": share([r.family == r.reference_family for r in results
                                   if r.reference_family is not None]),
        "quality_tasks": len(quality),
        "model_mean_normalised": (round(statistics.mean(r.model_normalised for r in quality), 4)
                                  if quality else None),
        "retrieval_mean_normalised": (round(statistics.mean(r.retrieval_normalised for r in quality), 4)
                                      if quality else None),
        "results": [asdict(r) for r in results],
    }
