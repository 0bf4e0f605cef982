"""Aggregate benchmark results: the task × system table, valid rate, normalized score
(0 = the trivial baseline, 1 = the best score of any system in the run), wins/ties/losses."""

from __future__ import annotations

import statistics

from linguacodus.bench.harness import SystemResult

SYSTEM_ORDER = ["linguacodus", "autogluon", "flaml", "lgbm-default", "trivial"]
TIE = 1e-3  # normalized-score difference below which two systems tie


def latest(results: list[SystemResult]) -> dict[tuple[str, str], SystemResult]:
    table: dict[tuple[str, str], SystemResult] = {}
    for result in sorted(results, key=lambda r: r.date):
        table[(result.task, result.system)] = result
    return table


def normalized(table: dict[tuple[str, str], SystemResult]) -> dict[tuple[str, str], float | None]:
    """Per task: 0 at the trivial baseline's score, 1 at the best score; invalid counts 0."""
    scores: dict[tuple[str, str], float | None] = {}
    for task in {t for t, _ in table}:
        rows = {s: r for (t, s), r in table.items() if t == task}
        trivial = rows.get("trivial")
        valid = [r for r in rows.values() if r.valid]
        if trivial is None or not trivial.valid or not valid:
            scores.update({(task, s): None for s in rows})
            continue
        sign = 1 if trivial.higher_is_better else -1
        best = max(sign * r.score for r in valid)
        base = sign * trivial.score
        for system, result in rows.items():
            if not result.valid:
                scores[(task, system)] = 0.0
            elif best == base:
                scores[(task, system)] = 1.0
            else:
                scores[(task, system)] = (sign * result.score - base) / (best - base)
    return scores


def summarize(results: list[SystemResult]) -> dict:
    table = latest(results)
    tasks = sorted({t for t, _ in table})
    systems = [s for s in SYSTEM_ORDER if any(k[1] == s for k in table)]
    systems += sorted({s for _, s in table} - set(systems))
    norm = normalized(table)
    aggregates = {}
    for system in systems:
        rows = [table[(t, system)] for t in tasks if (t, system) in table]
        values = [norm[(t, system)] for t in tasks if norm.get((t, system)) is not None]
        firsts = [r.first_valid_seconds for r in rows if r.first_valid_seconds is not None]
        aggregates[system] = {
            "tasks": len(rows),
            "valid_rate": sum(r.valid for r in rows) / len(rows) if rows else None,
            "mean_normalized_score": statistics.fmean(values) if values else None,
            "median_wall_seconds": statistics.median(r.wall_seconds for r in rows) if rows else None,
            "median_first_valid_seconds": statistics.median(firsts) if firsts else None,
            "median_peak_memory_mb": statistics.median(r.peak_memory_mb for r in rows) if rows else None,
        }
    versus = {}
    if "linguacodus" in systems:
        for peer in systems:
            if peer == "linguacodus":
                continue
            wins = ties = losses = 0
            for task in tasks:
                ours, theirs = norm.get((task, "linguacodus")), norm.get((task, peer))
                if ours is None or theirs is None:
                    continue
                if abs(ours - theirs) < TIE:
                    ties += 1
                elif ours > theirs:
                    wins += 1
                else:
                    losses += 1
            versus[peer] = {"wins": wins, "ties": ties, "losses": losses}
    return {"tasks": tasks, "systems": systems, "aggregates": aggregates, "versus": versus,
            "normalized": {f"{t}|{s}": v for (t, s), v in norm.items()},
            "results": [r.model_dump() for r in table.values()]}


def _cell(result: SystemResult | None) -> str:
    if result is None:
        return "not run"
    if not result.valid:
        return f"✗ {(result.reason or '')[:60]} · {result.wall_seconds:.0f} s"
    return f"{result.score:.4g} · {result.wall_seconds:.0f} s · {result.peak_memory_mb:.0f} MB"


def to_markdown(summary: dict, header: list[str]) -> str:
    table = {(r["task"], r["system"]): SystemResult(**r) for r in summary["results"]}
    systems, tasks = summary["systems"], summary["tasks"]
    lines = header + ["", "Each cell: score on the private answers · wall seconds · peak MB "
                      "(✗: invalid, with the reason).", ""]
    lines.append("| task | metric | " + " | ".join(systems) + " |")
    lines.append("|---|---|" + "---|" * len(systems))
    for task in tasks:
        metric = next(r.metric + (" ↑" if r.higher_is_better else " ↓")
                      for (t, _), r in table.items() if t == task)
        cells = " | ".join(_cell(table.get((task, s))) for s in systems)
        lines.append(f"| {task} | {metric} | {cells} |")
    lines += ["", "| system | tasks | valid rate | mean normalized score | median wall s | "
              "median first valid s | median peak MB |", "|---|---|---|---|---|---|---|"]

    def fmt(value, pattern):
        return "—" if value is None else format(value, pattern)

    for system in systems:
        a = summary["aggregates"][system]
        lines.append(f"| {system} | {a['tasks']} | {fmt(a['valid_rate'], '.0%')} | "
                     f"{fmt(a['mean_normalized_score'], '.3f')} | {fmt(a['median_wall_seconds'], '.1f')} | "
                     f"{fmt(a['median_first_valid_seconds'], '.1f')} | "
                     f"{fmt(a['median_peak_memory_mb'], '.0f')} |")
    if summary["versus"]:
        lines += ["", "linguacodus against each peer (normalized score, ties within 0.001):", "",
                  "| peer | wins | ties | losses |", "|---|---|---|---|"]
        for peer, record in summary["versus"].items():
            lines.append(f"| {peer} | {record['wins']} | {record['ties']} | {record['losses']} |")
    return "\n".join(lines) + "\n"
