"""report.html: the run as one self-contained page (inline SVG and CSS; no script, no
network): the task as understood, the CV score over time, the tree of attempts, the
candidate leaderboard, the chosen instruction, and the best solution's feature importance
and residuals (regression) or confusion matrix and calibration curve (classification).

report.md keeps the same facts as text. What a section can't show (no feature importance
for this model, predictions on a subsample) it says in place of the plot.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linguacodus.diagnostics import (
    calibration,
    confusion,
    importance_top,
    residuals,
    score_over_time,
    tree_order,
)
from linguacodus.instruction import Instruction, render_markdown
from linguacodus.journal import Attempt
from linguacodus.publish import atomic_write_text
from linguacodus.report import number_text, role_counts
from linguacodus.search import SearchOutcome
from linguacodus.spec import TaskSpec
from linguacodus.svg import TreeNode, bar_chart, heatmap, line_chart, scatter, tree

if TYPE_CHECKING:  # the runner imports this module; avoid the cycle at run time
    from linguacodus.runner import RunResult

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: .9em; margin: .5em 0; }
th, td { border: 1px solid #ddd; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f4f6f8; } .valid { color: #2f855a; } .invalid { color: #c53030; }
.note { color: #666; font-size: .9em; } code { background: #f4f6f8; padding: 0 .2em; }
figure { margin: 1em 0; } figcaption { color: #555; font-size: .9em; }
"""


def _table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; cells are escaped here."""
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _figure(svg: str, caption: str, name: str) -> str:
    return f'<figure data-plot="{name}">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _markdown(text: str) -> str:
    """The subset of Markdown that instructions are written in: headings, bullets, `code`."""
    html, in_list = [], False
    for line in text.splitlines():
        if line.startswith("<!--") or not line.strip():
            continue
        is_item = line.startswith("- ")
        if is_item and not in_list:
            html.append("<ul>")
        if not is_item and in_list:
            html.append("</ul>")
        in_list = is_item
        body = escape(line[2:] if is_item else line.lstrip("#").strip())
        parts = body.split("`")
        body = "".join(f"<code>{part}</code>" if number % 2 else part
                       for number, part in enumerate(parts))
        level = len(line) - len(line.lstrip("#"))
        html.append(f"<li>{body}</li>" if is_item else f"<h{min(6, level + 2)}>{body}</h{min(6, level + 2)}>"
                    if level else f"<p>{body}</p>")
    if in_list:
        html.append("</ul>")
    return "".join(html)


def _summary(spec: TaskSpec, result: RunResult) -> str:
    direction = "higher" if spec.higher_is_better else "lower"
    if result.valid:
        head = (f'<p class="valid"><b>Valid submission.</b> CV {escape(spec.metric)} = '
                f"{number_text(result.cv_score)} ({direction} is better), from "
                f"“{escape(result.chosen_instruction or '')}”.</p>")
    else:
        head = f'<p class="invalid"><b>No valid submission.</b> {escape(result.reason or "")}</p>'
    return head + _note(
        f"Wall time {result.wall_seconds:.1f} s of a {result.budget_seconds:.0f} s budget; first "
        f"valid submission after {number_text(result.first_valid_seconds)} s; {result.attempts} "
        f"attempt(s); peak memory {result.peak_memory_mb:.0f} MB; isolation: {result.isolation}; "
        f"brain: {result.brain}; seed {result.seed}.")


def _task(spec: TaskSpec) -> str:
    metric = spec.metric + (f" (from “{spec.metric_phrase}”)" if spec.metric_phrase
                            else " (default: none named)")
    rows = [["task type", spec.task_type], ["target", spec.target], ["id column", spec.id_column],
            ["metric", metric],
            ["submission", f"{spec.submission_format}: {', '.join(spec.submission_columns)}"],
            ["rows", f"{spec.n_train} train, {spec.n_test} test"],
            ["columns", role_counts(spec)],
            ["missing values", f"{spec.missing_share:.1%} of feature cells"]]
    if spec.is_classification:
        shown = ", ".join(spec.classes[:20]) + (" …" if len(spec.classes) > 20 else "")
        rows.append(["classes", f"{len(spec.classes)}: {shown}"])
    warnings = "".join(f"<li>{escape(w)}</li>" for w in spec.warnings)
    return _table(["field", "value"], rows) + (f"<p>Warnings:</p><ul>{warnings}</ul>" if warnings else "")


def _over_time(spec: TaskSpec, outcome: SearchOutcome) -> str:
    points, steps = score_over_time(outcome.attempts, spec.higher_is_better)
    if not points:
        return _note("No full attempt was valid: there is no score to plot.")
    svg = line_chart(points, steps, "seconds into the search", f"CV {spec.metric}",
                     "CV score over time")
    return _figure(svg, f"Each dot is a valid full attempt's CV {spec.metric} when it finished; "
                        "the line is the best so far.", "score-over-time")


def _node_text(attempt: Attempt) -> str:
    what = {"candidate": "", "probe": "probe", "repair": "repair", "model-fix": "model fix",
            "blend": f"blend of #{', #'.join(map(str, attempt.members))}" if attempt.members else "blend",
            "stack": f"stack of #{', #'.join(map(str, attempt.members))}",
            "more-folds": "more folds", "tune": "tuning trial", "variant": "variant",
            "repeats": "repeated folds"}[attempt.move]
    result = f"CV {attempt.score:.5g}" if attempt.valid else (attempt.failure() or "")
    if attempt.held_back:
        result += ", held back"
    seconds = f"{attempt.execution.wall_seconds:.1f} s" if attempt.execution else "not run"
    text = f"#{attempt.number} {what + ': ' if what else ''}{attempt.instruction_title} — {result}, {seconds}"
    return text if len(text) <= 100 else text[:99] + "…"


def _tree(outcome: SearchOutcome) -> str:
    if not outcome.attempts:
        return _note("No attempt ran.")
    best = outcome.best.number if outcome.best is not None else None
    nodes = [TreeNode(depth, _node_text(a), "best" if a.number == best else
                      "failed" if not a.valid else "probe" if a.purpose == "probe" else "valid")
             for depth, a in tree_order(outcome.attempts)]
    return _figure(tree(nodes, "attempts"),
                   "Every attempt in the order the search made them, under the attempt it started "
                   "from: a repair under the failure it repairs, the leader's 10-fold run and its "
                   "tuning trials under the leader, a blend under its best member. Blue: the chosen "
                   "solution; green: valid; grey: a probe (a quick run on a subsample); red: failed.",
                   "tree")


def _leaderboard(spec: TaskSpec, candidates: list[Instruction], outcome: SearchOutcome) -> str:
    rows = []
    for candidate in outcome.candidates:
        source = (candidates[candidate.index - 1].provenance.source
                  if 0 < candidate.index <= len(candidates) else "search")
        rows.append([str(candidate.index), candidate.title, source,
                     number_text(candidate.probe_score), number_text(candidate.cv_score), candidate.status])
    table = _table(["#", "instruction", "from", "probe score", "CV score", "status"], rows)
    scored = sorted(((c.title, c.cv_score) for c in outcome.candidates if c.cv_score is not None),
                    key=lambda pair: -pair[1] if spec.higher_is_better else pair[1])
    if not scored:
        return table
    direction = "higher" if spec.higher_is_better else "lower"
    chart = bar_chart(scored, "candidates", f"CV {spec.metric} ({direction} is better)", highlight=0)
    return table + _figure(chart, "Valid candidates, best first.", "leaderboard")


def _instruction(run_dir: Path, candidates: list[Instruction], outcome: SearchOutcome) -> str:
    if outcome.best is None:
        return _note("No instruction was chosen: no attempt was valid.")
    chosen = run_dir / "instructions" / "chosen.md"
    text = chosen.read_text(encoding="utf-8") if chosen.is_file() else render_markdown(
        candidates[outcome.best.candidate - 1])
    return _markdown(text)


def _importance(run_dir: Path, outcome: SearchOutcome) -> str:
    best = outcome.best
    if best is None:
        return _note("No valid solution.")
    source = best
    if best.move in ("blend", "stack"):  # the ensemble's best member (its parent in the tree)
        source = next((a for a in outcome.attempts if a.number == best.parent), best)
    path = run_dir / source.folder / "feature_importance.csv"
    if not path.is_file():
        return _note(f"“{source.instruction_title}” wrote no feature importance (a model written "
                     "by an LLM, or written before this was recorded).")
    top = importance_top(pd.read_csv(path))
    if not top:
        return _note(f"The model of “{source.instruction_title}” has no importance of its own "
                     "(neither split gains nor coefficients).")
    whose = "the blend's best member, " if source is not best else ""
    return _figure(bar_chart(top, "feature importance", "share of the model's total importance"),
                   f"The {len(top)} most important features of {whose}“{source.instruction_title}”: "
                   "split gain or counts for trees, coefficient size for linear models (on "
                   "scaled features), summed over the folds.", "importance")


def _diagnostics(spec: TaskSpec, run_dir: Path, outcome: SearchOutcome, truth: pd.Series) -> str:
    best = outcome.best
    path = run_dir / best.folder / "oof_predictions.npy" if best is not None else None
    if path is None or not path.is_file():
        return _note("The best solution saved no out-of-fold predictions.")
    raw = np.load(path)
    if len(raw) != len(truth):
        return _note(f"The out-of-fold predictions cover {len(raw)} rows, the training set "
                     f"{len(truth)} labelled rows (the solution fitted on a subsample).")
    if not spec.is_classification:
        points = residuals(truth.to_numpy(), raw)
        svg = scatter(list(zip(points.predicted, points.residual, strict=True)),
                      "out-of-fold prediction", "truth − prediction", "residuals", zero_line=True)
        sample = (f"a random {len(points.predicted)} of {points.shown_of} rows"
                  if len(points.predicted) < points.shown_of else f"all {points.shown_of} rows")
        return _figure(svg, f"Residuals of the out-of-fold predictions ({sample}); a pattern "
                            "around the dashed zero line is error the model leaves.", "residuals")
    matrix = confusion(truth.to_numpy(), raw, spec.classes)
    omitted = f"; {matrix.omitted} rarer classes not shown" if matrix.omitted else ""
    parts = [_figure(heatmap(matrix.counts, matrix.classes, matrix.classes, "confusion matrix",
                             "true class", "predicted class (most probable)"),
                     f"Out-of-fold confusion matrix; accuracy {matrix.accuracy:.4f}{omitted}.",
                     "confusion")]
    if spec.task_type == "binary" and spec.positive_label is not None:
        curve = calibration(truth.to_numpy(), raw, spec.classes, spec.positive_label)
        svg = scatter(list(zip(curve.mean_predicted, curve.observed, strict=True)),
                      f"mean predicted P({spec.positive_label})", "observed share",
                      "calibration", reference=[(0.0, 0.0), (1.0, 1.0)], connect=True)
        parts.append(_figure(svg, "Calibration of the out-of-fold probabilities in ten bins; the "
                                  "dashed diagonal is perfect calibration.", "calibration"))
    return "".join(parts)


def _attempts(outcome: SearchOutcome) -> str:
    rows = []
    for a in outcome.attempts:
        execution = a.execution
        rows.append([str(a.number), a.move, "" if a.parent is None else f"#{a.parent}",
                     a.instruction_title, a.code_source, f"{a.started_seconds:.1f}",
                     number_text(execution.wall_seconds if execution else None),
                     number_text(execution.peak_memory_mb if execution else None),
                     number_text(a.score), a.outcome()])
    return _table(["#", "move", "from", "instruction", "code", "started s", "wall s", "peak MB",
                   "CV score", "outcome"], rows)


def render_html(spec: TaskSpec, candidates: list[Instruction], outcome: SearchOutcome,
                result: RunResult, run_dir: Path, truth: pd.Series) -> str:
    """The page. ``truth``: the target of the labelled training rows, in train order."""
    run_dir = Path(run_dir)
    sections = [
        ("Task as understood", _task(spec)),
        ("CV score over time", _over_time(spec, outcome)),
        ("Tree of attempts", _tree(outcome)),
        ("Candidate leaderboard", _leaderboard(spec, candidates, outcome)),
        ("Chosen instruction", _instruction(run_dir, candidates, outcome)),
        ("Feature importance of the best solution", _importance(run_dir, outcome)),
        ("Residuals" if not spec.is_classification else "Confusion matrix and calibration",
         _diagnostics(spec, run_dir, outcome, truth)),
        ("Attempts", _attempts(outcome)),
    ]
    body = "".join(f"<h2>{escape(title)}</h2>{html}" for title, html in sections)
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Linguacodus run: {escape(spec.name)}</title><style>{STYLE}</style></head>"
            f"<body><h1>Linguacodus run: {escape(spec.name)}</h1>{_summary(spec, result)}"
            f"{body}</body></html>\n")


def write_html_report(path: Path, spec: TaskSpec, candidates: list[Instruction],
                      outcome: SearchOutcome, result: RunResult, truth: pd.Series) -> None:
    atomic_write_text(Path(path), render_html(spec, candidates, outcome, result,
                                              Path(path).parent, truth))
