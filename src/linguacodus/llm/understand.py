"""Stage (a), understand: the model reads the page and a data preview and fills TaskSpec
fields; the rules check every field against the data before it is used.

The rules' reading comes first (it rests on the sample submission and the data); the
model's answer can name a metric the rules did not recognise, reassign column roles the
data allows, and name the positive class where the page says it. A disagreement the data
does not support is kept as a warning, never applied.
"""

from __future__ import annotations

import pandas as pd
from pydantic import BaseModel

from linguacodus.llm.client import LLMClient, parse_json_object
from linguacodus.llm.context import data_preview, description_text
from linguacodus.llm.prompts import render
from linguacodus.metrics import METRICS
from linguacodus.spec import ColumnRole, TaskSpec, infer_spec
from linguacodus.task import TaskData

MIN_TEXT_WORDS = 3.0  # mean words a value for a column to be free text
MAX_CATEGORIES = 50  # distinct integers a numeric column may have to be read as categories
MIN_IDENTIFIER_SHARE = 0.5  # distinct values / rows for a column to be an identifier


class Understanding(BaseModel):
    target: str | None = None
    id_column: str | None = None
    task_type: str | None = None
    metric: str | None = None
    positive_label: str | None = None
    column_roles: dict[str, str] = {}
    notes: str | None = None


def ask_understanding(task: TaskData, client: LLMClient) -> Understanding:
    prompt, messages = render("understand", description=description_text(task),
                              preview=data_preview(task), metrics=", ".join(METRICS))
    return client.ask("understand", prompt, messages,
                      lambda text: Understanding.model_validate(parse_json_object(text)),
                      schema=Understanding.model_json_schema())


def merge_understanding(task: TaskData, rules: TaskSpec, answer: Understanding) -> TaskSpec:
    """The rules' spec with the model's checked suggestions applied; every decision is
    in the spec's warnings."""
    notes: list[str] = []
    spec = rules
    for field, said in (("target", answer.target), ("id_column", answer.id_column),
                        ("task_type", answer.task_type)):
        if said is not None and said != getattr(rules, field):
            notes.append(f"LLM read the {field.replace('_', ' ')} as {said!r}; the data says "
                         f"{getattr(rules, field)!r}; kept the data's")
    if answer.metric is not None and answer.metric != rules.metric:
        if answer.metric not in METRICS:
            notes.append(f"LLM named metric {answer.metric!r}, which is not in the registry; ignored")
        elif rules.metric_phrase is not None:
            notes.append(f"LLM read the metric as {answer.metric}; the page says "
                         f"{rules.metric_phrase!r} ({rules.metric}); kept {rules.metric}")
        elif rules.task_type not in METRICS[answer.metric].task_types or METRICS[answer.metric].takes_k:
            notes.append(f"LLM named metric {answer.metric}, which does not fit a "
                         f"{rules.task_type} task here; kept {rules.metric}")
        else:
            spec = infer_spec(task, metric_hint=answer.metric)
            notes.append(f"metric {answer.metric} from the LLM (the rules found none named)")
    roles = dict(spec.columns)
    for column, role in answer.column_roles.items():
        if column not in roles or role == roles[column]:
            continue
        reason = _role_refused(task.train[column], role)
        if reason:
            notes.append(f"LLM called {column!r} {role}; kept {roles[column]}: {reason}")
        else:
            notes.append(f"column {column!r}: {role} (LLM), not {roles[column]}")
            roles[column] = ColumnRole(role)
    positive = spec.positive_label
    said = answer.positive_label
    if spec.task_type == "binary" and said is not None and said != positive:
        if said in spec.classes and said.lower() in task.description.lower():
            notes.append(f"positive class {said!r} (LLM, named on the page), not {positive!r}")
            positive = said
        else:
            notes.append(f"LLM named positive class {said!r}; kept {positive!r} (not a class "
                         "named on the page)")
    if answer.notes:
        notes.append(f"LLM's note on the task: {answer.notes.strip()[:300]}")
    if not any(r not in (ColumnRole.IDENTIFIER, ColumnRole.CONSTANT) for r in roles.values()):
        notes.append("LLM's column roles leave no usable feature; kept the rules' roles")
        roles = dict(spec.columns)
    return spec.model_copy(update={"columns": roles, "positive_label": positive,
                                   "warnings": spec.warnings + tuple(notes)})


def _role_refused(series: pd.Series, role: str) -> str | None:
    """Why the data does not allow the role (None: it does)."""
    values = series.dropna()
    if role not in {r.value for r in ColumnRole}:
        return f"{role!r} is not a column role"
    if values.empty:
        return "the column is empty"
    numeric = pd.api.types.is_numeric_dtype(series)
    if role == ColumnRole.TEXT:
        words = values.astype(str).str.split().str.len().mean()
        return None if not numeric and words >= MIN_TEXT_WORDS else "its values are not prose"
    if role == ColumnRole.CATEGORICAL:
        integral = numeric and bool((values == values.round()).all())
        if not numeric or (integral and values.nunique() <= MAX_CATEGORIES):
            return None
        return "a continuous numeric column"
    if role == ColumnRole.NUMERIC:
        parsed = pd.to_numeric(values, errors="coerce")
        return None if parsed.notna().mean() >= 0.95 else "its values are not numbers"
    if role == ColumnRole.DATETIME:
        if numeric:
            return "its values are numbers, not dates"
        parsed = pd.to_datetime(values.astype(str).head(200), errors="coerce", format="mixed")
        return None if parsed.notna().mean() >= 0.9 else "its values do not parse as dates"
    if role == ColumnRole.IDENTIFIER:
        if numeric and not bool((values == values.round()).all()):
            return "continuous values are a measurement, not an identifier"
        share = values.nunique() / len(values)
        return None if share >= MIN_IDENTIFIER_SHARE else f"only {share:.0%} of its values are distinct"
    if role == ColumnRole.CONSTANT:
        return None if values.nunique() <= 1 else "it has more than one value"
    return None
