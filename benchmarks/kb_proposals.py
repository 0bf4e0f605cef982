"""How good are the knowledge base's proposals on tasks it has never seen?

    python benchmarks/kb_proposals.py [--kb PATH] [--workers 2] [--split tune|check|all]

1. Runs the whole recipe portfolio on every public benchmark task (their public train.csv
   only; `linguacodus bench prepare` writes them), with the protocol of `kb build`
   (seeded 2,000-row subsample, 3-fold CV, in the sandbox), into
   benchmarks/results/kb/public_portfolio.sqlite (resumable; not committed).
2. Asks the proposer for the top 3 on each task from the knowledge base (by default the one
   shipped inside the package, which never saw these data sets).
3. Reports, per task and on average, the normalised gap of the top-1 and of the best of the
   top 3 to the portfolio's best recipe on that task (normalised: 0 = a constant
   prediction, 1 = the portfolio's best; gap = 1 − normalised score). Two references run
   side by side: always the same recipe (`lgbm-default`, the usual default), and the
   recipes with the best mean over the whole knowledge base (no retrieval).

Proposals are measured as proposed, before refinement (refinement changes rarely apply on
this suite; the search's probe and full runs decide among them in `linguacodus run`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "kb"


def main() -> int:
    from linguacodus.bench.machine import machine_info
    from linguacodus.bench.prepare import prepare_task
    from linguacodus.bench.registry import get_tasks
    from linguacodus.knowledge.build import BuildSettings, TaskFolder, run_portfolio
    from linguacodus.knowledge.portfolio import recipe_of
    from linguacodus.knowledge.propose import normalized_gap, propose, recipe_means
    from linguacodus.knowledge.retrieval import TaskIndex
    from linguacodus.knowledge.store import PACKAGED_KB, KnowledgeStore
    from linguacodus.spec import infer_spec
    from linguacodus.task import load_task

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, default=PACKAGED_KB)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--split", choices=["tune", "check", "all"], default="tune",
                        help="the suite's half (knowledge-base choices are made on tune only; "
                        "see benchmarks/README.md)")
    parser.add_argument("--backend", choices=["auto", "tfidf", "minilm"], default="auto",
                        help="description similarity (auto: MiniLM where installed)")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    tasks = get_tasks(None, "public", args.split)
    folders = [TaskFolder(f"bench:{t.meta.id}", t.meta.title, prepare_task(t, args.data) / "public")
               for t in tasks]
    portfolio = KnowledgeStore(OUT / "public_portfolio.sqlite").open()
    started = time.monotonic()
    run_portfolio(portfolio, folders, BuildSettings(work_dir=OUT / "work", workers=args.workers),
                  on_event=lambda message: print(message, file=sys.stderr, flush=True))
    portfolio_seconds = time.monotonic() - started

    index = TaskIndex(KnowledgeStore(args.kb, read_only=True).open(), args.backend)
    means = recipe_means(index)
    global_order = sorted(means, key=lambda r: -means[r])
    rows = []
    latencies = []
    for folder in folders:
        task = load_task(folder.folder)
        spec = infer_spec(task)
        task_id = portfolio.task_id("kb-build", folder.source_id)
        normalized = {o["recipe"]: (o["normalized"] if o["normalized"] is not None else 0.0)
                      for o in portfolio.outcomes([task_id])}
        tick = time.perf_counter()
        proposal = propose(spec, task.description, 3, index)
        latencies.append(time.perf_counter() - tick)
        proposed = [recipe_of(i) for i in proposal.instructions]
        available = [r for r in global_order if r in normalized]

        def gap(recipes: list[str | None], normalized: dict[str, float] = normalized) -> float:
            return normalized_gap(normalized, recipes)

        rows.append({
            "task": folder.source_id.removeprefix("bench:"), "metric": spec.metric,
            "portfolio_best": max(normalized, key=normalized.get),
            "proposed": proposed, "used_knowledge": proposal.used_knowledge,
            "nearest": [h.title for h in proposal.neighbours[:3]],
            "top1_gap": gap(proposed[:1]), "best_of_3_gap": gap(proposed[:3]),
            "default_gap": gap(["lgbm-default"]),
            "global_top1_gap": gap(available[:1]), "global_best_of_3_gap": gap(available[:3]),
        })
    summary = {
        key: round(statistics.fmean(r[key] for r in rows), 4)
        for key in ("top1_gap", "best_of_3_gap", "default_gap", "global_top1_gap",
                    "global_best_of_3_gap")
    }
    report = {
        "command": f"python benchmarks/kb_proposals.py --split {args.split}", "machine": machine_info(),
        "split": args.split,
        "knowledge_base": str(args.kb), "backend": index.backend,
        "portfolio_seconds": round(portfolio_seconds, 1),
        "proposal_seconds_median": round(statistics.median(latencies), 4),
        "summary": summary, "tasks": rows,
    }
    stem = f"proposals-{index.backend}" + ("" if args.kb == PACKAGED_KB else f"-{args.kb.stem}") \
        + ("" if args.split == "tune" else f"-{args.split}")
    (OUT / f"{stem}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = [
        "# Knowledge-base proposals on the public suite",
        "",
        f"`{report['command']} --backend {index.backend}` on {report['machine'].get('cpu', '?')}; "
        f"knowledge base `{Path(args.kb).name}`, description similarity {index.backend}. "
        "Gap = 1 − normalised score (0 = constant prediction, 1 = the "
        "portfolio's best recipe on the task), same protocol for every recipe.",
        "",
        "| task | metric | portfolio best | proposed top 3 | top-1 gap | best-of-3 gap | "
        "lgbm-default gap | global top-1 gap | global best-of-3 gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['task']} | {r['metric']} | {r['portfolio_best']} | "
                     f"{', '.join(str(p) for p in r['proposed'])} | {r['top1_gap']:.4f} | "
                     f"{r['best_of_3_gap']:.4f} | {r['default_gap']:.4f} | "
                     f"{r['global_top1_gap']:.4f} | {r['global_best_of_3_gap']:.4f} |")
    lines.append(f"| **mean** | | | | **{summary['top1_gap']:.4f}** | "
                 f"**{summary['best_of_3_gap']:.4f}** | {summary['default_gap']:.4f} | "
                 f"{summary['global_top1_gap']:.4f} | {summary['global_best_of_3_gap']:.4f} |")
    lines += ["", f"Portfolio on the suite: {portfolio_seconds:.0f} s; median proposal time "
              f"{report['proposal_seconds_median'] * 1000:.0f} ms (index built once)."]
    (OUT / f"{stem}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
