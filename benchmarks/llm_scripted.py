"""The LLM brain on an example task against the scripted chat-completions server of the
test suite (127.0.0.1; no real model can be had on this machine):

    python benchmarks/llm_scripted.py [--task examples/tasks/churn] [--budget 120]

1. a run with every stage on the model: calls, cached answers and tokens per stage;
2. the same run again with the same cache and server: the HTTP requests it made;
3. one run a scripted failure (the stage it hits in brackets): a code bug [code], a model
   that can't fix it [fix], a refusal [propose], a 429 [understand], a hang past the
   timeout [select], a dropped connection [code], malformed JSON [propose]; for each, what
   the pipeline did (from llm_calls.jsonl, journal.jsonl and result.json).

Token counts are the scripted server's (a quarter of the characters), not a tokenizer's.
Writes benchmarks/results/llm/scripted.md and .json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "llm"))
OUT = ROOT / "benchmarks" / "results" / "llm"

from linguacodus.journal import Journal  # noqa: E402
from linguacodus.knowledge.store import default_kb_path  # noqa: E402
from linguacodus.llm.config import LLMSettings, brain_config  # noqa: E402
from linguacodus.runner import run_task  # noqa: E402
from linguacodus.search import SearchSettings  # noqa: E402
from responders import STILL_BROKEN, default_answer, with_bug  # noqa: E402
from scripted_server import ScriptedLLM  # noqa: E402

FAILURES = {  # name → (default responder, scripted events by stage)
    "code bug": (with_bug, {}),
    "model can't fix it": (with_bug, {"fix": [{"content": STILL_BROKEN}] * 2}),
    "refusal": (default_answer, {"propose": [{"refusal": "I can't help with that."}]}),
    "429 then success": (default_answer, {"understand": [{"status": 429, "retry_after": "0"}]}),
    "hang past the timeout": (default_answer, {"select": [{"hang": 3.0}]}),
    "dropped connection": (default_answer, {"code": [{"drop": True}]}),
    "malformed JSON": (default_answer, {"propose": [{"content": "Sure! {instructions: [...]"}]}),
}


def run(server: ScriptedLLM, task: Path, out: Path, budget: float, cache: Path, k: int):
    settings = LLMSettings(timeout=2.0, max_retries=2, backoff=0.05, cache_dir=cache)
    return run_task(task, out, SearchSettings(budget=budget), k=k, kb=default_kb_path(),
                    llm=brain_config(server.spec(), [], settings))


def what_happened(run_dir: Path, result) -> str:
    attempts = Journal.read(run_dir / "journal.jsonl")
    calls = [json.loads(line) for line in (run_dir / "llm_calls.jsonl").read_text().splitlines()]
    errors = [f"{c['stage']}: {c['error'][:60]}" for c in calls if c.get("status") == "error"]
    fallbacks = [f"{c['stage']}: {c['reason'][:90]}" for c in calls if c.get("status") == "fallback"]
    reasks = [c["stage"] for c in calls if c.get("attempt") == 1 and c.get("messages")
              and "can't be used" in c["messages"][-1]["content"]]
    path = " → ".join(f"#{a.number} {a.code_source} {'valid' if a.valid else 'failed'}"
                      + (f" ({a.repair})" if a.repair else "") for a in attempts if a.purpose == "full")
    return "; ".join(filter(None, [
        ("errors retried: " + ", ".join(errors)) if errors else "",
        ("re-asked after an unusable answer: " + ", ".join(reasks)) if reasks else "",
        ("handed to the offline brain: " + " | ".join(fallbacks)) if fallbacks else "",
        f"full attempts: {path}",
        f"valid {result.valid}, CV {result.cv_score:.4f}" if result.valid else "NOT VALID"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", type=Path, default=ROOT / "examples" / "tasks" / "churn")
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("-k", type=int, default=3)
    args = parser.parse_args()
    report: dict = {"task": args.task.name, "budget": args.budget, "k": args.k,
                    "machine": f"{platform.machine()}, {platform.python_version()}"}
    with tempfile.TemporaryDirectory() as scratch, ScriptedLLM() as server:
        scratch = Path(scratch)
        started = time.monotonic()
        result, run_dir = run(server, args.task, scratch / "first", args.budget, scratch / "cache", args.k)
        report["first"] = {"valid": result.valid, "cv_score": result.cv_score,
                           "first_valid_seconds": result.first_valid_seconds,
                           "wall_seconds": round(time.monotonic() - started, 1),
                           "requests": server.calls(), "stages": result.llm}
        before = server.calls()
        started = time.monotonic()
        again, _ = run(server, args.task, scratch / "again", args.budget, scratch / "cache", args.k)
        report["rerun"] = {"valid": again.valid, "cv_score": again.cv_score,
                           "wall_seconds": round(time.monotonic() - started, 1),
                           "requests": server.calls() - before,
                           "cached": sum(u["cached"] for u in again.llm.values())}
    report["failures"] = {}
    for name, (responder, events) in FAILURES.items():
        with tempfile.TemporaryDirectory() as scratch, ScriptedLLM(responder) as server:
            for stage, scripted in events.items():
                server.script(stage, *scripted)
            result, run_dir = run(server, args.task, Path(scratch) / "run", args.budget,
                                  Path(scratch) / "cache", 1)
            report["failures"][name] = what_happened(run_dir, result)
            print(f"{name}: {report['failures'][name]}", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "scripted.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    lines = [f"# LLM brain against the scripted server — {args.task.name}", "",
             f"`python benchmarks/llm_scripted.py --task {args.task.relative_to(ROOT)} "
             f"--budget {args.budget:g} -k {args.k}`; {report['machine']}. Tokens are the scripted "
             "server's counts (characters / 4).", "",
             f"First run: valid {report['first']['valid']}, CV {report['first']['cv_score']:.4f}, "
             f"{report['first']['wall_seconds']} s, first valid submission after "
             f"{report['first']['first_valid_seconds']} s (the compiler's), "
             f"{report['first']['requests']} HTTP requests.", "",
             "| stage | HTTP calls | cached | prompt tokens | completion tokens | fallbacks |",
             "|---|---|---|---|---|---|"]
    for stage, usage in report["first"]["stages"].items():
        lines.append(f"| {stage} | {usage['calls']} | {usage['cached']} | {usage['prompt_tokens']} | "
                     f"{usage['completion_tokens']} | {len(usage['fallbacks'])} |")
    rerun = report["rerun"]
    lines += ["", f"Re-run with the same cache: {rerun['requests']} HTTP requests, {rerun['cached']} "
              f"answers from the cache, CV {rerun['cv_score']:.4f}, {rerun['wall_seconds']} s.", "",
              "| scripted failure | what the pipeline did |", "|---|---|"]
    lines += [f"| {name} | {text.replace('|', '/')} |" for name, text in report["failures"].items()]
    (OUT / "scripted.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
