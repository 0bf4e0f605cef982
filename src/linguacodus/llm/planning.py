"""Stages (b)-(d) with a model: extract an instruction from a solution's code, propose the
top-k instructions, and select and refine them with the paper's researcher and resolver.

Every instruction a model writes is checked the way a user's edit is: known operations
with known parameters, exactly one model operation, and the offline compiler able to
implement it (so the offline path can always take over). An answer that fails is shown
its error and asked again; what still fails is dropped, with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import BaseModel

from linguacodus.codegen.compiler import compile_solution
from linguacodus.instruction import Instruction, InstructionError, Provenance, Step
from linguacodus.knowledge.paper_corpus import model_in_text
from linguacodus.knowledge.portfolio import applicable
from linguacodus.knowledge.selection import critique
from linguacodus.llm.client import LLMClient, parse_json_object
from linguacodus.llm.context import (
    INSTRUCTION_SCHEMA,
    description_text,
    instruction_format,
    instruction_from_json,
    numbered_candidates,
    plain_markdown,
    task_summary,
)
from linguacodus.llm.ledger import LLMError
from linguacodus.llm.prompts import render
from linguacodus.spec import ColumnRole, TaskSpec
from linguacodus.task import TaskData

PLACES = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
MAX_SOLUTION_CHARS = 12000


def checked(spec: TaskSpec, data: object, provenance: Provenance) -> Instruction:
    """An instruction from a model's JSON that the offline compiler can implement."""
    instruction = instruction_from_json(data, provenance)
    compile_solution(spec, instruction)  # raises InstructionError with the reason
    return instruction


# --- (b) extract ---
def extract(client: LLMClient, source: str, title: str) -> Instruction:
    code = source if len(source) <= MAX_SOLUTION_CHARS else source[:MAX_SOLUTION_CHARS] + "\n# [… cut …]"
    prompt, messages = render("extract", code=code, instruction_format=instruction_format())
    provenance = Provenance(source="llm-extracted", note=f"summarised by {client.endpoint.model}")

    def parse(text: str) -> Instruction:
        data = parse_json_object(text)
        data["title"] = data.get("title") or title
        return instruction_from_json(data, provenance, require_model=False)

    return client.ask("extract", prompt, messages, parse, schema=INSTRUCTION_SCHEMA)


# --- (c) propose ---
def propose_few_shot(client: LLMClient, task: TaskData, spec: TaskSpec, k: int,
                     examples: list[tuple[str, Instruction]]) -> tuple[list[Instruction], list[str]]:
    """k instructions from the model, shown ranked examples (label, instruction); and the
    reasons any it wrote were dropped."""
    shown = "\n\n".join(f"## {label}\n\n{plain_markdown(example)}"
                        for label, example in examples) or "(none known)"
    prompt, messages = render("propose", task=task_summary(spec), description=description_text(task),
                              examples=shown, k=k, instruction_format=instruction_format())
    schema = {"type": "object", "properties": {"instructions": {"type": "array",
                                                                "items": INSTRUCTION_SCHEMA}},
              "required": ["instructions"]}
    source = f"few-shot from {len(examples)} ranked instruction(s), by {client.endpoint.model}"

    def parse(text: str) -> tuple[list[Instruction], list[str]]:
        raw = parse_json_object(text).get("instructions")
        if not isinstance(raw, list) or not raw:
            raise ValueError('expected {"instructions": [INSTRUCTION, ...]} with at least one')
        kept, dropped = [], []
        for rank, item in enumerate(raw[:k], start=1):
            try:
                kept.append(checked(spec, item, Provenance(source="llm", rank=rank, note=source)))
            except InstructionError as error:
                dropped.append(f"instruction {rank}: {error}")
        if not kept:
            raise ValueError("no instruction is usable: " + "; ".join(dropped))
        return kept, dropped

    return client.ask("propose", prompt, messages, parse, schema=schema)


def propose_places(client: LLMClient, task: TaskData, spec: TaskSpec, k: int
                   ) -> tuple[list[Instruction], list[str]]:
    """The paper's prompts for a fine-tuned instruction model: one a place, prose answers;
    each is grounded in the portfolio recipe of the model family it names, its prose kept
    as free-text steps."""
    data_kind = "text" if spec.columns_with(ColumnRole.TEXT) else "tabular"
    recipes = list(applicable(spec).values())
    kept, dropped = [], []
    for rank, place in enumerate(PLACES[:k], start=1):
        prompt, messages = render("propose_place", place=place, description=description_text(task),
                                  data_kind=data_kind, metric=spec.metric)
        try:
            kept.append(client.ask("propose", prompt, messages,
                                   lambda text, r=rank: _grounded(text, spec, recipes, r, client)))
        except LLMError as error:
            dropped.append(f"{place} place: {error}")
    return kept, dropped


_HEADINGS = {"preprocessing": r"data preprocessing|preprocessing", "model": r"model architecture|model",
             "training": r"model training|training"}


def _grounded(text: str, spec: TaskSpec, recipes: list[Instruction], rank: int,
              client: LLMClient) -> Instruction:
    op = model_in_text(text)
    base = next((r for r in recipes if op and r.model_step().op == op), None)
    if base is None:
        raise ValueError("the instruction names no model this task can use "
                         "(LightGBM, XGBoost, random forest, extra trees, logistic regression, ridge)")
    prose: dict[str, list[Step]] = {name: [] for name in _HEADINGS}
    section = "preprocessing"
    for line in text.splitlines():
        stripped = line.strip().lstrip("#").strip()
        heading = next((name for name, pattern in _HEADINGS.items()
                        if re.fullmatch(rf"(?:{pattern})\s*:?", stripped, re.I)), None)
        if heading:
            section = heading
        elif stripped.startswith(("-", "*")) and len(stripped) > 2:
            prose[section].append(Step(text=stripped.lstrip("-* ").strip()))
    updates = {name: base.section(name) + tuple(steps) for name, steps in prose.items()}
    return base.model_copy(update={**updates, "title": f"{base.title} (place {rank} instruction)",
                                   "provenance": Provenance(
                                       source="llm", rank=rank,
                                       note=f"place-{rank} instruction by {client.endpoint.model}, "
                                            f"grounded in the portfolio's {op} recipe")})


# --- (d) select and refine ---
class _Review(BaseModel):
    candidate: int
    flaws: list[str] = []


def research(client: LLMClient, spec: TaskSpec, candidates: list[Instruction]) -> list[_Review]:
    prompt, messages = render("research", task=task_summary(spec),
                              candidates=numbered_candidates(candidates))

    def parse(text: str) -> list[_Review]:
        reviews = [_Review.model_validate(r) for r in parse_json_object(text).get("reviews", [])]
        if not reviews or any(not 1 <= r.candidate <= len(candidates) for r in reviews):
            raise ValueError(f"expected one review for each candidate 1..{len(candidates)}")
        return reviews

    return client.ask("select", prompt, messages, parse)


def resolve(client: LLMClient, spec: TaskSpec, candidates: list[Instruction],
            reviews: list[_Review], budget: float | None) -> tuple[int, Instruction]:
    """(the chosen candidate's number, the instruction improved)."""
    reviews_text = "\n".join(f"- candidate {r.candidate}: " + ("; ".join(r.flaws) or "no flaws found")
                             for r in reviews) or "(no review)"
    critics = []
    for number, candidate in enumerate(candidates, start=1):
        _, reasons = critique(candidate, spec, budget)
        critics.append(f"- candidate {number}: " + ("; ".join(reasons) or "no charges"))
    prompt, messages = render("resolve", task=task_summary(spec),
                              candidates=numbered_candidates(candidates), reviews=reviews_text,
                              critics="\n".join(critics), instruction_format=instruction_format())

    def parse(text: str) -> tuple[int, Instruction]:
        data = parse_json_object(text)
        chosen = data.get("chosen")
        if not isinstance(chosen, int) or not 1 <= chosen <= len(candidates):
            raise ValueError(f"'chosen' must be a candidate number 1..{len(candidates)}")
        original = candidates[chosen - 1]
        flaws = next((r.flaws for r in reviews if r.candidate == chosen), [])
        note = (f"the resolver's pick of candidate {chosen} ('{original.title}'), improved: "
                f"{str(data.get('reason') or '').strip()}"
                + (f"; researcher's flaws: {'; '.join(flaws)}" if flaws else ""))
        provenance = Provenance(source="llm-resolver", rank=1, score=original.provenance.score,
                                note=note[:1000])
        return chosen, checked(spec, data.get("instruction"), provenance)

    schema = {"type": "object", "properties": {"chosen": {"type": "integer"},
                                               "reason": {"type": "string"},
                                               "instruction": INSTRUCTION_SCHEMA},
              "required": ["chosen", "instruction"]}
    return client.ask("select", prompt, messages, parse, schema=schema)


def select_and_refine(client: LLMClient, spec: TaskSpec, candidates: list[Instruction],
                      top: int, budget: float | None,
                      on_event: Callable[[str], None]) -> list[Instruction]:
    """The resolver's improved pick first, then the other candidates in their order."""
    reviewed = candidates[:top]
    try:
        reviews = research(client, spec, reviewed)
    except LLMError as error:  # the resolver can still choose without the review
        on_event(f"LLM researcher: {error}; the resolver decides without a review")
        reviews = []
    for review in reviews:
        if review.flaws:
            on_event(f"   researcher on candidate {review.candidate}: {'; '.join(review.flaws)[:200]}")
    chosen, improved = resolve(client, spec, reviewed, reviews, budget)
    on_event(f"LLM resolver chose candidate {chosen} and improved it as '{improved.title}'")
    original = candidates[chosen - 1]
    if improved.model_dump(exclude={"provenance"}) == original.model_dump(exclude={"provenance"}):
        return [original] + [c for c in candidates if c is not original]
    return [improved] + candidates  # the original stays, in case the improvement fails
