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
  each recipe in the sandbox when the knowledge base was built; an IR answer's own
  parameters are not run here, only its family's recipe.
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


def answer_family(text: str, style: str) -> str | None:
    """The model family an answer names, where it is an instruction linguacodus can use."""
    if style == "ir":
        try:
            return parse_markdown(text).model_step().op
        except InstructionError:
            return None
    return model_in_text(text)


def evaluate(data: Path, ask: Callable[[list[dict]], str], kb: Path | None, limit: int | None,
             on_event: Callable[[str], None] = lambda line: None) -> dict:
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
                               reference_family=answer_family(reference, style), note=note))
        on_event(f"[{number}/{len(rows)}] {row['task']} place {row.get('place')}: "
                 f"{family or 'no usable instruction'}")
    if kb is not None:
        results = _with_quality(results, kb)
    return _summary(results, style)


def _with_quality(results: list[EvalRow], kb: Path) -> list[EvalRow]:
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
        recipes = applicable(case.spec)
        grounded = next((rid for rid, ins in recipes.items()
                         if result.family and ins.model_step().op == result.family), None)
        retrieved = recipe_of(propose(case.spec, case.description, 1, index,
                                      exclude=case.left_out).instructions[0])
        scored.append(EvalRow(**{**asdict(result),
                                 "model_normalised": case.normalized.get(grounded, 0.0) if grounded else 0.0,
                                 "retrieval_normalised": case.normalized.get(retrieved, 0.0)}))
    return scored


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
