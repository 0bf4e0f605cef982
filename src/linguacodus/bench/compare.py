"""Aggregate benchmark results, per budget and per split: the task × system table, valid
rate, normalised score (fixed references: 0 = trivial, 1 = best recorded), timings,
linguacodus's wins/ties/losses against each peer, and where it falls below lgbm-default."""

from __future__ import annotations

import statistics

from linguacodus.bench.harness import SystemResult
from linguacodus.bench.references import Reference, normalized

SYSTEM_ORDER = ["linguacodus", "linguacodus-llm", "autogluon", "flaml", "lgbm-default", "trivial"]
SPLIT_ORDER = ["tune", "check"]
TIE = 1e-3  # normalised-score difference below which two systems tie
OURS = "linguacodus"
FLOOR = "lgbm-default"


def latest(results: list[SystemResult]) -> dict[tuple[float, str, str], SystemResult]:
    """The newest result per (budget, task, system)."""
    table: dict[tuple[float, str, str], SystemResult] = {}
    for result in sorted(results, key=lambda r: r.date):
        table[(result.budget_seconds, result.task, result.system)] = result
    return table


def _ordered_systems(names: set[str]) -> list[str]:
    return [s for s in SYSTEM_ORDER if s in names] + sorted(names - set(SYSTEM_ORDER))


def _versus(norm: dict[tuple[str, str], float | None], tasks: list[str], peer: str) -> dict:
    wins = ties = losses = 0
    for task in tasks:
        ours, theirs = norm.get((task, OURS)), norm.get((task, peer))
        if ours is None or theirs is None:
            continue
        if abs(ours - theirs) < TIE:
            ties += 1
        elif ours > theirs:
            wins += 1
        else:
            losses += 1
    return {"wins": wins, "ties": ties, "losses": losses}


def _block(rows: dict[tuple[str, str], SystemResult], references: dict[str, Reference]) -> dict:
    """One budget and split: every aggregate the report shows."""
    tasks = sorted({t for t, _ in rows})
    systems = _ordered_systems({s for _, s in rows})
    norm = {key: normalized(references.get(key[0]), result) for key, result in rows.items()}
    aggregates = {}
    for system in systems:
        mine = [rows[(t, system)] for t in tasks if (t, system) in rows]
        values = [norm[(t, system)] for t in tasks if norm.get((t, system)) is not None]
        firsts = [r.first_valid_seconds for r in mine if r.first_valid_seconds is not None]
        aggregates[system] = {
            "tasks": len(mine),
            "valid_rate": sum(r.valid for r in mine) / len(mine) if mine else None,
            "mean_normalized_score": statistics.fmean(values) if values else None,
            "median_wall_seconds": statistics.median(r.wall_seconds for r in mine) if mine else None,
            "median_first_valid_seconds": statistics.median(firsts) if firsts else None,
            "median_peak_memory_mb": statistics.median(r.peak_memory_mb for r in mine) if mine else None,
            "not_isolated": sum(r.isolation != "bwrap" for r in mine),
        }
    versus = {peer: _versus(norm, tasks, peer) for peer in systems if peer != OURS} \
        if OURS in systems else {}
    below_floor = [t for t in tasks if norm.get((t, OURS)) is not None and norm.get((t, FLOOR)) is not None
                   and norm[(t, OURS)] < norm[(t, FLOOR)] - TIE]
    misread = {t: rows[(t, OURS)].understood_metric for t in tasks if (t, OURS) in rows
               and rows[(t, OURS)].understood_metric not in (None, rows[(t, OURS)].metric)}
    presets = {system: sorted({r.preset for (_, s), r in rows.items() if s == system and r.preset})
               for system in systems}
    held = _cv_held(rows, references, tasks)
    return {"tasks": tasks, "systems": systems, "presets": presets, "aggregates": aggregates,
            "versus": versus,
            "below_lgbm_default": below_floor, "misread_metric": misread, "cv_held": held,
            "normalized": {f"{t}|{s}": v for (t, s), v in norm.items()},
            "results": [r.model_dump() for r in rows.values()]}


# A CV score more than this far (in normalised units) above the graded one did not hold.
CV_HELD_GAP = 0.2


def _cv_held(rows: dict[tuple[str, str], SystemResult], references: dict[str, Reference],
             tasks: list[str]) -> list[dict]:
    """For each task where linguacodus reported a CV score: the CV, the graded score, both
    normalised, and whether the CV held (the graded score within CV_HELD_GAP of it)."""
    held = []
    for task in tasks:
        result = rows.get((task, OURS))
        if result is None or not result.valid or result.reported_cv_score is None:
            continue
        as_cv = result.model_copy(update={"score": result.reported_cv_score})
        cv, graded = normalized(references.get(task), as_cv), normalized(references.get(task), result)
        gap = None if cv is None or graded is None else round(cv - graded, 4)
        held.append({"task": task, "chosen": result.chosen, "cv_score": result.reported_cv_score,
                     "score": result.score, "normalized_gap": gap,
                     "held": gap is None or gap <= CV_HELD_GAP})
    return held


def summarize(results: list[SystemResult], references: dict[str, Reference],
              splits: list[str] | None = None) -> dict:
    """{"budgets": {"60": {"tune": block, "check": block}}} for the splits asked (all seen)."""
    table = latest(results)
    budgets: dict[str, dict] = {}
    for budget in sorted({b for b, _, _ in table}):
        per_split = {}
        seen = {r.split or "unsplit" for (b, _, _), r in table.items() if b == budget}
        for split in [s for s in SPLIT_ORDER if s in seen] + sorted(seen - set(SPLIT_ORDER)):
            if splits and split not in splits:
                continue
            rows = {(t, s): r for (b, t, s), r in table.items()
                    if b == budget and (r.split or "unsplit") == split}
            per_split[split] = _block(rows, references)
        budgets[f"{budget:g}"] = per_split
    return {"budgets": budgets}


def _cell(result: SystemResult | None) -> str:
    if result is None:
        return "not run"
    mark = "" if result.isolation == "bwrap" else " (not isolated)"
    if not result.valid:
        return f"✗ {(result.reason or '')[:60]} · {result.wall_seconds:.0f} s{mark}"
    first = "" if result.first_valid_seconds is None or result.first_valid_seconds >= result.wall_seconds \
        else f" (first {result.first_valid_seconds:.0f} s)"
    return f"{result.score:.4g} · {result.wall_seconds:.0f} s{first} · {result.peak_memory_mb:.0f} MB{mark}"


def _fmt(value, pattern: str) -> str:
    return "—" if value is None else format(value, pattern)


def _label(system: str, presets: list[str]) -> str:
    """A system's column name, with the preset(s) its runs recorded (AutoGluon's)."""
    return f"{system} ({', '.join(presets)})" if presets else system


def recorded_machines(results: list[SystemResult]) -> list[str]:
    """Each distinct machine and package set that the runs recorded, with how many runs: the
    versions that produced the numbers, not those of the process writing the report."""
    counts: dict[str, int] = {}
    for result in results:
        m = result.machine
        line = (f"{m.get('cpu')}, {m.get('cores')} cores, {m.get('memory_gb')} GB, Python "
                f"{m.get('python')}; " + ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items()))
        counts[line] = counts.get(line, 0) + 1
    return [f"{line} ({n} runs)" for line, n in sorted(counts.items(), key=lambda kv: -kv[1])]


def block_markdown(block: dict, references: dict[str, Reference]) -> list[str]:
    table = {(r["task"], r["system"]): SystemResult(**r) for r in block["results"]}
    systems, tasks = block["systems"], block["tasks"]
    presets = block.get("presets", {})
    lines = ["| task | metric | " + " | ".join(_label(s, presets.get(s, [])) for s in systems) + " |",
             "|---|---|" + "---|" * len(systems)]
    for task in tasks:
        ref = references.get(task)
        any_row = next(r for (t, _), r in table.items() if t == task)
        metric = any_row.metric + (" ↑" if any_row.higher_is_better else " ↓")
        cells = " | ".join(_cell(table.get((task, s))) for s in systems)
        reference = "" if ref is None or ref.best is None else f" (best {ref.best:.4g}, {ref.best_system})"
        lines.append(f"| {task} | {metric}{reference} | {cells} |")
    lines += ["", "| system | tasks | valid rate | mean normalized score | median wall s | "
              "median first valid s | median peak MB |", "|---|---|---|---|---|---|---|"]
    for system in systems:
        a = block["aggregates"][system]
        isolation = "" if not a["not_isolated"] else f" ({a['not_isolated']} not isolated)"
        name = _label(system, presets.get(system, []))
        lines.append(f"| {name}{isolation} | {a['tasks']} | {_fmt(a['valid_rate'], '.0%')} | "
                     f"{_fmt(a['mean_normalized_score'], '.3f')} | {_fmt(a['median_wall_seconds'], '.1f')} | "
                     f"{_fmt(a['median_first_valid_seconds'], '.1f')} | "
                     f"{_fmt(a['median_peak_memory_mb'], '.0f')} |")
    if block["versus"]:
        lines += ["", f"{OURS} against each peer (normalized score, ties within {TIE}):", "",
                  "| peer | wins | ties | losses |", "|---|---|---|---|"]
        for peer, record in block["versus"].items():
            lines.append(f"| {peer} | {record['wins']} | {record['ties']} | {record['losses']} |")
        below = block["below_lgbm_default"]
        if FLOOR in systems:
            lines += ["", f"Tasks where {OURS} scores below {FLOOR}: "
                      + (", ".join(below) if below else "none") + "."]
        else:
            lines += ["", f"({FLOOR} was not run at this budget.)"]
        if block["misread_metric"]:
            lines += ["", f"Tasks where {OURS} optimised another metric than the declared one: "
                      + ", ".join(f"{t} ({m})" for t, m in block["misread_metric"].items()) + "."]
        lines += _cv_held_markdown(block.get("cv_held", []))
    return lines


def _cv_held_markdown(held: list[dict]) -> list[str]:
    if not held:
        return []
    lines = ["", f"{OURS}'s own CV score against the private answers (gap in normalised units; "
             f"a gap above {CV_HELD_GAP} means the CV did not hold):", "",
             "| task | chosen | CV | private | gap |", "|---|---|---|---|---|"]
    for row in held:
        gap = "" if row["normalized_gap"] is None else f"{row['normalized_gap']:+.3f}"
        lines.append(f"| {row['task']} | {row['chosen'] or ''} | {row['cv_score']:.4g} | "
                     f"{row['score']:.4g} | {gap}{'' if row['held'] else ' ✗'} |")
    failed = [row["task"] for row in held if not row["held"]]
    lines += ["", "Tasks where the CV did not hold: " + (", ".join(failed) if failed else "none") + "."]
    return lines


def to_markdown(summary: dict, header: list[str], references: dict[str, Reference]) -> str:
    lines = list(header)
    lines += ["", "Each cell: score on the private answers · wall seconds (first valid submission, "
              "where earlier) · peak MB (✗: invalid, with the reason). Normalized score: 0 = the "
              "trivial baseline, 1 = the best score any recorded run reached (the metric column's "
              "\"best\"), from `benchmarks/references.json`."]
    for budget, per_split in summary["budgets"].items():
        for split, block in per_split.items():
            lines += ["", f"## {budget} s · {split} ({len(block['tasks'])} tasks)", ""]
            lines += block_markdown(block, references)
    return "\n".join(lines) + "\n"
