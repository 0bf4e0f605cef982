"""Retrieval latency at scale: synthetic knowledge bases of 1k and 100k instruction records.

    python benchmarks/kb_latency.py [--sizes 1000,100000] [--queries 50]

Each synthetic task has 20 instruction records with outcomes (so 100k records = 5,000
tasks) and a 150-word description drawn from a 3,000-word vocabulary; meta-features are
random. Reported: the time to build the index once (load tasks, fit TF-IDF), and per query
the median and 95th percentile of (a) nearest tasks only and (b) a full top-3 proposal for
the churn example (retrieval, outcome aggregation, adaptation, critics), TF-IDF backend.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "kb"
PER_TASK = 20


def synthetic_store(path: Path, records: int, seed: int = 0):
    from linguacodus.instruction import render_markdown
    from linguacodus.knowledge.features import meta_features
    from linguacodus.knowledge.portfolio import applicable
    from linguacodus.knowledge.store import KnowledgeStore
    from linguacodus.runner import load

    _, spec = load(ROOT / "examples" / "tasks" / "churn")
    built = list(applicable(spec).items())[:PER_TASK]
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}" for i in range(3000)])
    store = KnowledgeStore(path).open()
    n_tasks = records // PER_TASK
    base = meta_features(spec)
    with sqlite3.connect(path) as connection:
        for task_id in range(1, n_tasks + 1):
            meta = {**base, "rows": int(rng.integers(100, 100_000)),
                    "numeric_share": float(rng.random()), "task_type": str(rng.choice(
                        ["binary", "multiclass", "regression"]))}
            connection.execute(
                "INSERT INTO tasks (id, source, source_id, title, description, data_type, metric,"
                " meta_json) VALUES (?, 'synthetic', ?, ?, ?, ?, ?, ?)",
                (task_id, f"t{task_id}", f"Task {task_id}", " ".join(rng.choice(vocabulary, 150)),
                 meta["task_type"], meta["metric"], json.dumps(meta)))
            scores = rng.random(len(built))
            order = np.argsort(-scores)
            for position, (recipe, instruction) in enumerate(built):
                instruction_id = (task_id - 1) * PER_TASK + position + 1
                rank = int(np.where(order == position)[0][0]) + 1
                connection.execute(
                    "INSERT INTO instructions (id, task_id, rank, text, ir_json, provenance_json,"
                    " source_key) VALUES (?, ?, ?, ?, ?, '{}', ?)",
                    (instruction_id, task_id, rank, render_markdown(instruction),
                     instruction.model_dump_json(exclude_defaults=True), f"s{instruction_id}"))
                connection.execute(
                    "INSERT INTO outcomes (task_id, recipe, instruction_id, status, cv_score,"
                    " normalized, rank) VALUES (?, ?, ?, 'valid', ?, ?, ?)",
                    (task_id, recipe, instruction_id, float(scores[position]),
                     float(scores[position] / scores.max()), rank))
    return store, spec


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def main() -> int:
    from linguacodus.bench.machine import machine_info
    from linguacodus.knowledge.features import meta_features
    from linguacodus.knowledge.propose import propose
    from linguacodus.knowledge.retrieval import TaskIndex

    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    results = []
    rng = np.random.default_rng(1)
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as folder:
            tick = time.perf_counter()
            store, spec = synthetic_store(Path(folder) / "kb.sqlite", size)
            fill = time.perf_counter() - tick
            tick = time.perf_counter()
            index = TaskIndex(store, "tfidf")
            build = time.perf_counter() - tick
            meta = meta_features(spec)
            nearest, proposals = [], []
            for _ in range(args.queries):
                query = " ".join(f"w{i}" for i in rng.integers(0, 3000, 60))
                tick = time.perf_counter()
                index.nearest(query, meta, 7)
                nearest.append(time.perf_counter() - tick)
                tick = time.perf_counter()
                propose(spec, query, 3, index)
                proposals.append(time.perf_counter() - tick)
            row = {"records": size, "tasks": size // PER_TASK, "fill_seconds": round(fill, 1),
                   "index_build_seconds": round(build, 3),
                   "nearest_ms_median": round(statistics.median(nearest) * 1000, 2),
                   "nearest_ms_p95": round(percentile(nearest, 95) * 1000, 2),
                   "propose_ms_median": round(statistics.median(proposals) * 1000, 2),
                   "propose_ms_p95": round(percentile(proposals, 95) * 1000, 2)}
            print(row, file=sys.stderr, flush=True)
            results.append(row)
    OUT.mkdir(parents=True, exist_ok=True)
    report = {"command": "python benchmarks/kb_latency.py", "machine": machine_info(),
              "queries": args.queries, "results": results}
    (OUT / "latency.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    lines = ["# Retrieval latency (synthetic scale-up, TF-IDF backend)", "",
             f"`{report['command']}`; {args.queries} queries per size.", "",
             "| records | tasks | index build s | nearest ms median | nearest ms p95 | "
             "top-3 proposal ms median | top-3 proposal ms p95 |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['records']} | {r['tasks']} | {r['index_build_seconds']} | "
                     f"{r['nearest_ms_median']} | {r['nearest_ms_p95']} | {r['propose_ms_median']} | "
                     f"{r['propose_ms_p95']} |")
    (OUT / "latency.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
