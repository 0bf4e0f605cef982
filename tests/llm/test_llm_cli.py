"""`linguacodus run --llm URL#scripted` and `kb extract --llm` as a user runs them: real
subprocesses against the scripted server; a re-run is answered from the cache."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from conftest import EXAMPLES
from linguacodus.grading import check_submission
from linguacodus.runner import load


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "linguacodus", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_run_with_the_llm_then_a_rerun_from_the_cache(scripted, tmp_path):
    task = EXAMPLES / "churn"
    # No tuning trials or variants: the model's stages are tested; they would take the rest of the
    # budget.
    common = ["--llm", scripted.spec(), "--llm-cache", tmp_path / "cache", "-k", "2",
              "--budget", "120", "--tune-trials", "0", "--variants", "0"]
    first = cli("run", task, "--out", tmp_path / "first", *common)
    assert first.returncode == 0, first.stderr
    result = json.loads((tmp_path / "first" / "result.json").read_text())
    assert result["valid"] and result["brain"] == "llm"
    stages = {stage for stage, usage in result["llm"].items() if usage["calls"]}
    assert stages == {"understand", "propose", "select", "code"}
    journal = [json.loads(line) for line in (tmp_path / "first" / "journal.jsonl").read_text().splitlines()]
    assert journal[0]["code_source"] == "compiler"  # the first valid comes from the compiler
    written = [a for a in journal if a["code_source"] == "llm"]
    assert written and all(a["grade"]["valid"] for a in written)
    script = tmp_path / "first" / written[0]["folder"] / "solution.py"
    assert "# written by the scripted model" in script.read_text()
    _, spec = load(task)
    check_submission(spec, tmp_path / "first" / "submission.csv",
                     pd.read_csv(task / "sample_submission.csv"))
    logged = [json.loads(line) for line in (tmp_path / "first" / "llm_calls.jsonl").read_text().splitlines()]
    assert len(logged) == scripted.calls() > 0

    requests = scripted.calls()
    again = cli("run", task, "--out", tmp_path / "again", *common)
    assert again.returncode == 0, again.stderr
    assert scripted.calls() == requests  # zero HTTP requests
    repeat = json.loads((tmp_path / "again" / "result.json").read_text())
    assert repeat["cv_score"] == result["cv_score"]
    assert all(usage["calls"] == 0 for usage in repeat["llm"].values())
    assert sum(usage["cached"] for usage in repeat["llm"].values()) == requests


def test_kb_extract_with_the_llm(scripted, tmp_path):
    solution = tmp_path / "solution.py"
    solution.write_text("import xgboost as xgb\nmodel = xgb.XGBClassifier(max_depth=4)\n")
    done = cli("kb", "extract", solution, "--llm", scripted.spec(), "--llm-cache", tmp_path / "c",
               "--out", tmp_path / "extracted.md")
    assert done.returncode == 0, done.stderr
    assert "Extracted by the scripted model" in (tmp_path / "extracted.md").read_text()
    assert (tmp_path / "extracted.llm_calls.jsonl").exists() and scripted.calls("extract") == 1
    static = cli("kb", "extract", solution)
    assert static.returncode == 0 and "xgboost" in static.stdout


def test_an_unreachable_server_leaves_the_offline_brain_in_charge(tmp_path):
    done = cli("run", EXAMPLES / "churn", "--out", tmp_path / "run", "--llm",
               "http://127.0.0.1:9/v1#nobody", "--no-llm-cache", "--llm-timeout", "1",
               "--budget", "60", "-k", "1", "--tune-trials", "0", "--variants", "0")
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert result["valid"] and all(u["fallbacks"] for u in result["llm"].values())
    assert "connection" in done.stderr


def test_plan_and_code_with_the_llm(scripted, tmp_path):
    task = EXAMPLES / "carseats"
    planned = cli("plan", task, "--out", tmp_path / "plan", "--no-probe", "--llm", scripted.spec(),
                  "--llm-cache", tmp_path / "cache")
    assert planned.returncode == 0, planned.stderr
    first = (tmp_path / "plan" / "instructions" / "candidate-1.md").read_text()
    assert "Resolver's LightGBM" in first and "llm-resolver" in first
    usage = json.loads((tmp_path / "plan" / "llm_usage.json").read_text())
    assert set(usage) == {"understand", "propose", "select"} and scripted.calls("code") == 0
    assert "llm: 4 requests, 0 from the cache" in planned.stderr
    coded = cli("code", task, "--instruction", tmp_path / "plan" / "instructions" / "candidate-1.md",
                "--out", tmp_path / "code", "--llm", scripted.spec(), "--llm-cache", tmp_path / "cache",
                "--budget", "120")
    assert coded.returncode == 0, coded.stderr
    result = json.loads((tmp_path / "code" / "result.json").read_text())
    assert result["valid"] and result["brain"] == "llm"  # every stage `code` has
    assert result["llm"].get("code", {}).get("calls") == 5, coded.stderr
    refused = cli("code", task, "--instruction", tmp_path / "plan" / "instructions" / "candidate-1.md",
                  "--no-run", "--out", tmp_path / "x", "--llm", scripted.spec())
    assert refused.returncode == 2 and "drop --no-run" in refused.stderr
