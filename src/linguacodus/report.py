"""report.md: the spec, the candidates and their scores, the chosen plan, every attempt."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from linguacodus.instruction import Instruction, render_markdown
from linguacodus.search import SearchOutcome
from linguacodus.spec import TaskSpec

if TYPE_CHECKING:  # the runner imports this module; avoid the cycle at run time
    from linguacodus.runner import RunResult


def number_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.5g}"


def write_report(path: Path, spec: TaskSpec, candidates: list[Instruction],
                 outcome: SearchOutcome, result: RunResult) -> None:
    lines = [f"# Linguacodus run: {spec.name}", ""]
    if result.valid:
        lines.append(f"**Valid submission.** CV {spec.metric} = {number_text(result.cv_score)} "
                     f"({'higher' if spec.higher_is_better else 'lower'} is better), from "
                     f"'{result.chosen_instruction}'.")
    else:
        lines.append(f"**No valid submission.** {result.reason}")
    lines += [
        "",
        f"Wall time {result.wall_seconds:.1f} s (budget {result.budget_seconds:.0f} s); first valid "
        f"submission after {number_text(result.first_valid_seconds)} s; {result.attempts} attempt(s); "
        f"peak memory {result.peak_memory_mb:.0f} MB; isolation: {result.isolation}; "
        f"brain: {result.brain}; seed {result.seed}.",
        "",
        "## Task",
        "",
        "| field | value |",
        "|---|---|",
        f"| task type | {spec.task_type} |",
        f"| target | `{spec.target}` |",
        f"| id column | `{spec.id_column}` |",
        f"| metric | {spec.metric}"
        + (f" (from “{spec.metric_phrase}”)" if spec.metric_phrase else " (default: none named)")
        + " |",
        f"| submission | {spec.submission_format}: {', '.join(spec.submission_columns)} |",
        f"| rows | {spec.n_train} train, {spec.n_test} test |",
        f"| columns | {role_counts(spec)} |",
        f"| missing values | {spec.missing_share:.1%} of feature cells |",
    ]
    if spec.warnings:
        lines += ["", "Warnings:", ""] + [f"- {w}" for w in spec.warnings]
    lines += ["", "## Candidates", "", "| # | instruction | from | probe score | CV score | status |",
              "|---|---|---|---|---|---|"]
    for candidate in outcome.candidates:
        source = (candidates[candidate.index - 1].provenance.source
                  if 0 < candidate.index <= len(candidates) else "search")
        lines.append(f"| {candidate.index} | {candidate.title} | {source} | "
                     f"{number_text(candidate.probe_score)} | {number_text(candidate.cv_score)} | "
                     f"{candidate.status} |")
    lines += ["", "Where each candidate came from:", ""]
    lines += [f"{number}. {c.title}: {c.provenance.source}"
              + (f" — {c.provenance.note}" if c.provenance.note else "")
              for number, c in enumerate(candidates, start=1)]
    lines += ["", "## Attempts", "",
              "| # | candidate | purpose | code | started s | wall s | peak MB | CV score | outcome |",
              "|---|---|---|---|---|---|---|---|---|"]
    for attempt in outcome.attempts:
        execution = attempt.execution
        outcome_text = attempt.outcome()
        if attempt.repair:
            outcome_text = f"repair of #{attempt.parent} ({attempt.repair}); {outcome_text}"
        lines.append(
            f"| {attempt.number} | {attempt.candidate} | {attempt.purpose} | "
            f"{attempt.code_source} | {attempt.started_seconds:.1f} | "
            f"{number_text(execution.wall_seconds if execution else None)} | "
            f"{number_text(execution.peak_memory_mb if execution else None)} | "
            f"{number_text(attempt.score)} | {outcome_text.replace('|', '/')} |"
        )
    if result.llm:
        lines += ["", "## LLM calls", "", "Every request is in llm_calls.jsonl.", "",
                  "| stage | HTTP calls | from cache | prompt tokens | completion tokens | cost $ | "
                  "handed to the offline brain |", "|---|---|---|---|---|---|---|"]
        for stage, usage in result.llm.items():
            fallbacks = "; ".join(usage["fallbacks"]).replace("|", "/") or "—"
            lines.append(f"| {stage} | {usage['calls']} | {usage['cached']} | "
                         f"{usage['prompt_tokens']} | {usage['completion_tokens']} | "
                         f"{usage['cost_usd']:.4f} | {fallbacks[:500]} |")
    if outcome.best is not None:
        chosen = Path(path).parent / "instructions" / "chosen.md"
        lines += ["", "## Chosen instruction", ""]
        body = chosen.read_text(encoding="utf-8") if chosen.exists() else render_markdown(
            candidates[outcome.best.candidate - 1])
        lines += [line.replace("# ", "### ", 1) if line.startswith("#") else line
                  for line in body.splitlines() if not line.startswith("<!--")]
    Path(path).write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def role_counts(spec: TaskSpec) -> str:
    counts: dict[str, int] = {}
    for role in spec.columns.values():
        counts[role.value] = counts.get(role.value, 0) + 1
    return ", ".join(f"{n} {role}" for role, n in sorted(counts.items()))
