"""What the model is shown: the task, a data preview, the script contract, instructions as
JSON, and the parsing of instructions back from JSON with the checks that keep them usable.

Everything here is deterministic given the task, so that prompts (and the cache keys made
from them) are the same on a re-run.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from linguacodus.instruction import Instruction, InstructionError, Provenance, Step, render_markdown
from linguacodus.ops import OPERATIONS, SECTIONS
from linguacodus.spec import TaskSpec
from linguacodus.task import TaskData

MAX_DESCRIPTION = 6000  # characters of the competition page a prompt carries
PREVIEW_ROWS = 5
MAX_CELL = 40

INSTRUCTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        **{section: {"type": "array", "items": {
            "type": "object",
            "properties": {"text": {"type": "string"},
                           "op": {"type": ["string", "null"]},
                           "params": {"type": "object"}},
            "required": ["text"]}} for section in SECTIONS},
    },
    "required": ["title", "preprocessing", "model", "training"],
}


def description_text(task: TaskData) -> str:
    text = task.description.strip()
    return text if len(text) <= MAX_DESCRIPTION else text[:MAX_DESCRIPTION] + "\n[… cut …]"


def _cell(value: object) -> str:
    text = "" if pd.isna(value) else str(value)
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def data_preview(task: TaskData) -> str:
    """Files, shapes, each train column's type, missing share and examples, a few rows."""
    train, test, sample = task.train, task.test, task.sample_submission
    lines = [f"train.csv: {len(train)} rows × {len(train.columns)} columns; "
             f"test.csv: {len(test)} rows × {len(test.columns)} columns; "
             f"sample_submission.csv columns: {', '.join(map(str, sample.columns))}", "",
             "| column | dtype | missing | distinct | examples | in test |", "|---|---|---|---|---|---|"]
    for column in train.columns:
        series = train[column]
        examples = ", ".join(_cell(v) for v in series.dropna().unique()[:3])
        lines.append(f"| {column} | {series.dtype} | {series.isna().mean():.0%} | "
                     f"{series.nunique()} | {examples} | {'yes' if column in test.columns else 'no'} |")
    head = train.head(PREVIEW_ROWS).map(_cell)
    lines += ["", "First rows of train.csv:", "```", head.to_csv(index=False).strip(), "```",
              "First rows of sample_submission.csv:", "```",
              sample.head(3).to_csv(index=False).strip(), "```"]
    return "\n".join(lines)


def task_summary(spec: TaskSpec) -> str:
    direction = "higher is better" if spec.higher_is_better else "lower is better"
    lines = [f"- name: {spec.name}", f"- task type: {spec.task_type}",
             f"- target column: {spec.target}", f"- id column: {spec.id_column}"
             + ("" if spec.train_has_id else " (test only; train rows are numbered 0, 1, …)"),
             f"- metric: {spec.metric} ({direction})",
             f"- submission: columns {', '.join(spec.submission_columns)} hold "
             + {"value": "the predicted value",
                "label": "the predicted class label",
                "binary_probability": f"the probability that {spec.target} is "
                                      f"{spec.positive_label!r}",
                "class_probabilities": "one probability a class: "
                                       + ", ".join(f"{c!r} → {col}" for c, col in spec.class_columns.items()),
                "ranking": "space-separated class labels, most likely first"}[spec.submission_format],
             f"- rows: {spec.n_train} train, {spec.n_test} test; missing cells {spec.missing_share:.1%}"]
    if spec.classes:
        shown = ", ".join(spec.classes[:20]) + (" …" if len(spec.classes) > 20 else "")
        lines.append(f"- classes: {shown}" + (f"; smallest class {spec.minority_share:.1%}"
                                               if spec.minority_share is not None else ""))
    by_role: dict[str, list[str]] = {}
    for column, role in spec.columns.items():
        by_role.setdefault(str(role), []).append(column)
    for role, columns in by_role.items():
        lines.append(f"- {role} columns: {', '.join(columns)}")
    validation = validation_advice(spec)
    if validation:
        lines.append(f"- validation: {validation}")
    return "\n".join(lines)


def validation_advice(spec: TaskSpec) -> str | None:
    """How the test rows relate to the training rows, and the folds that follow from it."""
    if spec.forward_column:
        return (f"the test rows lie after the training rows in {spec.forward_column!r}: validate "
                f"forward in time (kfold order_by={spec.forward_column!r}) and refit on all rows "
                "(final_model method='refit')")
    if spec.group_column and spec.group_days:
        return (f"the test rows fall on days of {spec.group_column!r} that training lacks: hold out "
                f"blocks of whole days (kfold group_by={spec.group_column!r}, "
                f"group_days={spec.group_days})")
    if spec.group_column:
        return (f"the test rows come from {spec.group_column!r} values that training lacks: keep "
                f"each value in one fold (kfold group_by={spec.group_column!r})")
    return None


def script_contract(spec: TaskSpec, seed: int = 42) -> str:
    rows = (f"the id column {spec.id_column!r}" if spec.train_has_id
            else "a column 'row' with the 0-based row number of train.csv")
    return "\n".join([
        "- Read the data from input/train.csv, input/test.csv and input/sample_submission.csv "
        "(relative paths; the folder is read-only). Read and write no other paths; there is no network.",
        *([f"- Not UTF-8: read {', '.join(f'{n} with encoding={e!r}' for n, e in spec.encodings.items())}."]
          if spec.encodings else []),
        f"- Rows of train.csv whose {spec.target!r} is missing are not used.",
        "- Write submission.csv to the working directory: exactly the columns of "
        "sample_submission.csv, one row for each test row, in test.csv's order.",
        f"- Write oof.csv: {rows}, then the submission's prediction columns in the same format, "
        "holding out-of-fold (cross-validated) predictions for every labelled training row"
        + (" that a forward fold predicted (the earliest block has none). " if spec.forward_column
           else ". ") +
        "The harness computes the score from oof.csv; a number the script prints is not trusted.",
        f"- Use random seed {seed} wherever randomness enters; use at most 2 CPU threads.",
        "- Use pandas, numpy, scikit-learn, lightgbm or xgboost only; print short progress lines.",
    ])


def instruction_format() -> str:
    """The INSTRUCTION object, with the operations the offline compiler can implement."""
    lines = ['INSTRUCTION = {"title": "...", "preprocessing": [STEP, ...], "model": [STEP, ...], '
             '"training": [STEP, ...], "postprocess": [STEP, ...]}',
             'STEP = {"text": "one sentence", "op": OPERATION or null, "params": {...}}', "",
             "Use an operation for every step it covers (params override its defaults); a step "
             "no operation covers is free text (op null) and is implemented from its text. "
             '"model" holds exactly one operation. Operations (section: name(defaults)):']
    for operation in OPERATIONS.values():
        defaults = ", ".join(f"{key}={value!r}" for key, value in operation.defaults.items())
        lines.append(f"- {operation.section}: {operation.name}({defaults})")
    return "\n".join(lines)


def instruction_json(instruction: Instruction) -> str:
    return json.dumps(instruction.model_dump(include={"title", *SECTIONS}), ensure_ascii=False)


def numbered_candidates(candidates: list[Instruction]) -> str:
    return "\n\n".join(f"## Candidate {number}\n\n{_without_comment(render_markdown(c))}"
                       for number, c in enumerate(candidates, start=1))


def _without_comment(markdown: str) -> str:
    return "\n".join(line for line in markdown.splitlines() if not line.startswith("<!--"))


def plain_markdown(instruction: Instruction) -> str:
    """The instruction as the user reads it, without the provenance comment."""
    return _without_comment(render_markdown(instruction))


def instruction_from_json(data: object, provenance: Provenance, require_model: bool = True
                          ) -> Instruction:
    """An Instruction from a model's INSTRUCTION object; InstructionError says what is wrong
    (the message goes back to the model on a re-ask)."""
    if not isinstance(data, dict):
        raise InstructionError("an instruction must be a JSON object")
    title = str(data.get("title") or "").strip()
    if not title:
        raise InstructionError("the instruction needs a non-empty 'title'")
    sections: dict[str, list[Step]] = {name: [] for name in SECTIONS}
    for name in SECTIONS:
        raw = data.get(name) or []
        if not isinstance(raw, list):
            raise InstructionError(f"'{name}' must be a list of steps")
        for item in raw:
            step = _step(item, name)
            home = OPERATIONS[step.op].section if step.op else name
            sections[home].append(step)  # an operation listed under the wrong heading moves
    instruction = Instruction(title=title[:120], provenance=provenance,
                              **{name: tuple(steps) for name, steps in sections.items()})
    if require_model:
        instruction.model_step()  # exactly one model operation, or InstructionError
    return instruction


def _step(item: object, section: str) -> Step:
    if isinstance(item, str):
        return Step(text=item)
    if not isinstance(item, dict):
        raise InstructionError(f"a step in '{section}' must be an object with 'text', 'op', 'params'")
    text = str(item.get("text") or "").strip()
    op = item.get("op") or None
    params = item.get("params") or {}
    if op is None:
        if not text:
            raise InstructionError(f"a free-text step in '{section}' has no text")
        return Step(text=text)
    if op not in OPERATIONS:
        raise InstructionError(f"unknown operation {op!r} in '{section}'; use one of "
                               f"{', '.join(OPERATIONS)} or op null for free text")
    if not isinstance(params, dict):
        raise InstructionError(f"params of {op} must be an object")
    unknown = set(params) - set(OPERATIONS[op].defaults)
    if unknown:
        raise InstructionError(f"operation {op} has no parameter(s) {', '.join(sorted(unknown))}; "
                               f"it takes {', '.join(OPERATIONS[op].defaults) or 'none'}")
    merged = {**OPERATIONS[op].defaults, **params}
    return Step(text=text or OPERATIONS[op].describe(merged), op=op, params=params)
