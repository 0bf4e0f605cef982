"""The two brains behind one interface, mixed stage by stage.

Each stage of the pipeline — understand, extract, propose, select, code, fix — runs on the
offline brain (rules, knowledge base, compiler, repair catalogue) unless BrainConfig gives
it a model. A stage on a model that can't get a usable answer (an error, a refusal, an
answer that never validates, the budget spent) hands the work to the offline stage and the
reason is logged (llm_calls.jsonl, the run's events, result.json's llm usage): the LLM
brain adds breadth and never lowers validity.

`code` and `fix` return what the model wrote or raise LLMError; the search (search.py)
decides when to hand a candidate to the offline compiler and its repairs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from linguacodus.codegen.compiler import Solution
from linguacodus.instruction import Instruction
from linguacodus.knowledge.extract import extract_instruction
from linguacodus.llm.cache import ResponseCache
from linguacodus.llm.client import LLMClient
from linguacodus.llm.config import OFFLINE_BRAIN, BrainConfig
from linguacodus.llm.ledger import Ledger, LLMError
from linguacodus.spec import TaskSpec, infer_spec
from linguacodus.task import TaskData, TaskError

Events = Callable[[str], None]
FEW_SHOT_NEIGHBOURS = 4  # nearest knowledge-base tasks whose instructions the prompt shows
FEW_SHOT_PER_TASK = 2


def _quiet(message: str) -> None:
    pass


class Brain:
    """The stages of one run. Holds the run's clients and ledger; makes no request until a
    stage asks."""

    def __init__(self, config: BrainConfig = OFFLINE_BRAIN, log_path: Path | None = None,
                 on_event: Events = _quiet) -> None:
        self.config = config
        self.on_event = on_event
        settings = config.settings
        self.ledger = Ledger(log_path, settings.max_calls, settings.max_cost)
        cache = ResponseCache(settings.cache_dir) if settings.cache_dir is not None else None
        clients: dict[object, LLMClient] = {}
        self.clients = {stage: clients.setdefault(endpoint, LLMClient(endpoint, settings,
                                                                      self.ledger, cache))
                        for stage, endpoint in config.stages.items()}

    @property
    def label(self) -> str:
        return self.config.label()

    @property
    def writes_code(self) -> bool:
        return "code" in self.clients

    def fall_back(self, stage: str, error: LLMError | str, instead: str) -> None:
        """Log why a stage gives its work to the offline brain."""
        self.ledger.fallback(stage, str(error))
        self.on_event(f"warning: LLM {stage}: {error}; {instead}")

    # --- (a) understand ---
    def understand(self, task: TaskData, rules: TaskSpec | None = None) -> TaskSpec:
        """The rules' TaskSpec (given, or inferred here), with the model's checked reading.

        Where the rules find no target (the sample submission's column is not in train.csv),
        a train-only column the model names is taken; otherwise their TaskError stands."""
        client = self.clients.get("understand")
        failure = None
        if rules is None:
            try:
                rules = infer_spec(task)
            except TaskError as error:
                if client is None:
                    raise
                failure = error
        if client is None:
            return rules
        from linguacodus.llm.understand import ask_understanding, merge_understanding

        try:
            answer = ask_understanding(task, client)
        except LLMError as error:
            if failure is not None:
                raise TaskError(f"{failure} (and the LLM could not help: {error})") from None
            self.fall_back("understand", error, "the rules' reading of the task is used")
            return rules
        if failure is not None:
            try:
                rules = infer_spec(task, target_hint=answer.target)
            except TaskError as error:
                raise TaskError(f"{error} (the LLM named target {answer.target!r})") from None
        return merge_understanding(task, rules, answer)

    # --- (b) extract ---
    def extract(self, source: str, title: str, origin: str = "") -> Instruction:
        client = self.clients.get("extract")
        if client is not None:
            from linguacodus.llm.planning import extract

            try:
                return extract(client, source, title)
            except LLMError as error:
                self.fall_back("extract", error, "static extraction is used")
        return extract_instruction(source, title=title, origin=origin)

    # --- (c) propose ---
    def propose(self, task: TaskData, spec: TaskSpec, k: int, offline: list[Instruction],
                examples: list[tuple[str, Instruction]]) -> list[Instruction]:
        """k candidates: the model's first, the offline proposer's filling the rest."""
        client = self.clients.get("propose")
        if client is None:
            return offline[:k]
        from linguacodus.llm.planning import propose_few_shot, propose_places

        try:
            if self.config.settings.propose_style == "places":
                written, dropped = propose_places(client, task, spec, k)
                if not written:
                    raise LLMError("no place instruction was usable: " + "; ".join(dropped))
            else:
                written, dropped = propose_few_shot(
                    client, task, spec, k, examples or [(f"offline proposal {n}", c)
                                                        for n, c in enumerate(offline, start=1)])
        except LLMError as error:
            self.fall_back("propose", error, "the offline proposals are used")
            return offline[:k]
        for reason in dropped:
            self.ledger.fallback("propose", f"dropped {reason}")
            self.on_event(f"warning: LLM propose: dropped {reason}")
        self.on_event(f"LLM proposed {len(written)} instruction(s): "
                      + "; ".join(c.title for c in written))
        return _distinct(written + offline)[:k]

    # --- (d) select and refine ---
    def select(self, spec: TaskSpec, candidates: list[Instruction],
               budget: float | None) -> list[Instruction]:
        client = self.clients.get("select")
        if client is None or not candidates:
            return candidates  # offline: the critics and refinements already applied
        from linguacodus.llm.planning import select_and_refine

        try:
            return select_and_refine(client, spec, candidates, self.config.settings.review_top,
                                     budget, self.on_event)
        except LLMError as error:
            self.fall_back("select", error, "the candidates keep their order")
            return candidates

    # --- (e) code and (f) fix: raise LLMError; the search falls back ---
    def write_code(self, task: TaskData, spec: TaskSpec, instruction: Instruction,
                   seed: int) -> Solution:
        from linguacodus.llm.coding import write_code

        return write_code(self.clients["code"], task, spec, instruction, seed, self.on_event)

    def fix_code(self, spec: TaskSpec, instruction: Instruction, script: str, failure: str,
                 seed: int) -> str:
        client = self.clients.get("fix")
        if client is None:
            raise LLMError("the fix stage is offline")
        from linguacodus.llm.coding import fix_code

        return fix_code(client, spec, instruction, script, failure, seed)

    def usage(self) -> dict[str, dict]:
        return self.ledger.summary()


def _distinct(instructions: list[Instruction]) -> list[Instruction]:
    seen, kept = set(), []
    for instruction in instructions:
        signature = instruction.model_dump_json(include={"preprocessing", "model", "training",
                                                         "postprocess"})
        if signature not in seen:
            seen.add(signature)
            kept.append(instruction)
    return kept


def few_shot_examples(index, neighbours) -> list[tuple[str, Instruction]]:
    """The ranked instructions of the nearest knowledge-base tasks, labelled for a prompt."""
    examples = []
    for hit in neighbours[:FEW_SHOT_NEIGHBOURS]:
        for rank, instruction in index.store.ranked_instructions(hit.task_id, FEW_SHOT_PER_TASK):
            place = f"place {rank}" if rank is not None else "unranked"
            examples.append((f"{place} on '{hit.title}' (similarity {hit.similarity:.2f})",
                             instruction))
    return examples
