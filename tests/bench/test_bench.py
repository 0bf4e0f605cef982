"""The benchmark: deterministic preparation, no leaks, graders, the harness end to end."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from linguacodus.bench.compare import normalized, summarize
from linguacodus.bench.harness import SystemResult, grading_spec, run_system
from linguacodus.bench.prepare import checksums, prepare_task
from linguacodus.bench.registry import discover, get_tasks
from linguacodus.bench.systems import missing_requirement
from linguacodus.grading import grade_against_answers
from linguacodus.metrics import METRICS

TINY = ["penguins-species", "wine-cultivar"]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench-data")
    return {task.meta.id: prepare_task(task, root) for task in discover("public")}


def test_public_suite_covers_the_required_kinds():
    tasks = discover("public")
    assert len(tasks) >= 12
    metas = [t.meta for t in tasks]
    kinds = " | ".join(m.kind for m in metas)
    for needed in ("missing values", "imbalanced", "3 classes", "10 classes", "text classification",
                   "text + tabular", "time-based split", "log-scale metric", "plain metric"):
        assert needed in kinds, needed
    assert all(m.metric in METRICS for m in metas)


def test_no_reserved_data_set_is_used():
    banned = ("titanic", "ames", "house", "bike", "adult", "census", "sms", "spam", "tweet", "diamond",
              "credit_data", "lending_club", "attrition", "mlc_churn", "hitters", "college", "caravan",
              "boston", "pima", "birthwt", "affairs", "creditcard", "hmda", "mpg")
    for task in discover(None):
        assert not any(word in task.meta.source.lower() for word in banned), task.meta.source


def test_prepare_is_deterministic(tmp_path):
    for task in get_tasks(TINY):
        first = prepare_task(task, tmp_path / "a")
        second = prepare_task(task, tmp_path / "b")
        recorded = json.loads((first / "checksums.json").read_text())
        assert recorded == checksums(first) == checksums(second)
        assert set(recorded) == {"meta.json", "private/answers.csv", "public/description.md",
                                 "public/sample_submission.csv", "public/test.csv", "public/train.csv"}


def test_private_answers_never_reach_public(prepared):
    for task_id, root in prepared.items():
        meta = json.loads((root / "meta.json").read_text())
        test = pd.read_csv(root / "public" / "test.csv")
        train = pd.read_csv(root / "public" / "train.csv")
        answers = pd.read_csv(root / "private" / "answers.csv")
        assert meta["target"] not in test.columns, task_id
        assert sorted(answers[meta["id_column"]]) == sorted(test[meta["id_column"]]), task_id
        assert not set(train[meta["id_column"]]) & set(test[meta["id_column"]]), task_id
        assert not list((root / "public").glob("answers*")), task_id


def test_every_task_is_understood_as_declared(prepared):
    """Linguacodus reads each public folder to the metadata the task declares."""
    from linguacodus.spec import infer_spec
    from linguacodus.task import load_task

    for task_id, root in prepared.items():
        meta = json.loads((root / "meta.json").read_text())
        spec = infer_spec(load_task(root / "public"))
        assert spec.metric == meta["metric"], task_id
        assert spec.task_type == meta["task_type"] and spec.target == meta["target"], task_id
        if meta["positive_label"]:
            assert spec.positive_label == meta["positive_label"], task_id
        grading_spec(root)  # consistent with the declared metadata, or it raises


def test_time_split_puts_the_latest_days_in_test(prepared):
    root = prepared["chicago-ridership-time"]
    train = pd.read_csv(root / "public" / "train.csv")
    test = pd.read_csv(root / "public" / "test.csv")
    assert pd.to_datetime(train["date"]).max() < pd.to_datetime(test["date"]).min()


def test_graders_reject_bad_submissions_with_a_reason(prepared, tmp_path):
    root = prepared["penguins-species"]
    spec = grading_spec(root)
    sample = pd.read_csv(root / "public" / "sample_submission.csv")
    answers = pd.read_csv(root / "private" / "answers.csv")
    bad = {
        "wrong labels": sample.assign(species="Emperor"),
        "missing rows": sample.iloc[:-3],
        "extra column": sample.assign(extra=1),
        "empty label": sample.assign(species=""),
    }
    for name, frame in bad.items():
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        grade = grade_against_answers(spec, path, sample, answers)
        assert not grade.valid and grade.reason, name
    answers.to_csv(tmp_path / "perfect.csv", index=False)
    assert grade_against_answers(spec, tmp_path / "perfect.csv", sample, answers).cv_score == 1.0


def test_a_crashing_system_is_recorded_as_invalid(prepared, tmp_path, monkeypatch):
    from linguacodus.bench import systems

    monkeypatch.setitem(systems.SYSTEMS, "broken", "linguacodus.bench.systems.no_such_module")
    result = run_system("broken", prepared["wine-cultivar"], 10, tmp_path, "test")
    assert not result.valid and "crashed" in result.reason and "No module named" in result.reason


@pytest.mark.parametrize("task_id", ["wine-cultivar", "food-reviews-meta", "default-imbalanced"])
def test_lgbm_default_baseline_is_valid(prepared, tmp_path, task_id):
    result = run_system("lgbm-default", prepared[task_id], 30, tmp_path, "test")
    assert result.valid, result.reason
    assert result.first_valid_seconds == result.wall_seconds  # a submission only at the end


def test_missing_peers_are_explained(monkeypatch):
    assert missing_requirement("nope").startswith("unknown system")
    assert missing_requirement("trivial") is None
    monkeypatch.delenv("LINGUACODUS_BENCH_LLM", raising=False)
    assert "LINGUACODUS_BENCH_LLM" in missing_requirement("linguacodus-llm")


def test_linguacodus_with_the_llm_brain_as_a_bench_system(prepared, tmp_path, monkeypatch, scripted):
    monkeypatch.setenv("LINGUACODUS_BENCH_LLM", scripted.spec())
    result = run_system("linguacodus-llm", prepared["wine-cultivar"], 60, tmp_path, "test")
    assert result.valid, result.reason
    assert scripted.calls("understand") == 1 and scripted.calls("code") > 0


def _result(task, system, score, valid=True, higher=True):
    return SystemResult(task=task, system=system, valid=valid, score=score if valid else None,
                        metric="accuracy", higher_is_better=higher, budget_seconds=10,
                        wall_seconds=1, peak_memory_mb=1, date="2026-01-01T00:00:00", command="c",
                        machine={}, first_valid_seconds=1 if valid else None)


def test_normalized_scores_and_wins():
    results = [_result("t", "trivial", 0.5), _result("t", "linguacodus", 0.9),
               _result("t", "autogluon", 0.7), _result("t", "flaml", 0.0, valid=False),
               _result("u", "trivial", 10.0, higher=False), _result("u", "linguacodus", 6.0, higher=False),
               _result("u", "autogluon", 2.0, higher=False)]
    norm = normalized({(r.task, r.system): r for r in results})
    assert norm[("t", "linguacodus")] == 1.0 and norm[("t", "autogluon")] == pytest.approx(0.5)
    assert norm[("t", "flaml")] == 0.0 and norm[("t", "trivial")] == 0.0
    assert norm[("u", "autogluon")] == 1.0 and norm[("u", "linguacodus")] == pytest.approx(0.5)
    summary = summarize(results)
    assert summary["versus"]["autogluon"] == {"wins": 1, "ties": 0, "losses": 1}
    assert summary["aggregates"]["flaml"]["valid_rate"] == 0.0


@pytest.mark.e2e
def test_bench_run_and_report_end_to_end(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "linguacodus", "bench", *map(str, args)],
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)

    common = ["--data-dir", tmp_path / "data", "--results-dir", tmp_path / "results"]
    run = cli("run", "--system", "linguacodus,trivial", "--budget", 20, "--tasks", ",".join(TINY),
              "--work-dir", tmp_path / "work", *common)
    assert run.returncode == 0, run.stderr
    report = cli("report", "--results-dir", tmp_path / "results")
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "results" / "report.md").read_text()
    for task in TINY:
        assert f"| {task} |" in text
    summary = json.loads((tmp_path / "results" / "report.json").read_text())
    assert summary["aggregates"]["linguacodus"]["valid_rate"] == 1.0
    assert summary["aggregates"]["linguacodus"]["mean_normalized_score"] == 1.0  # beats trivial
    assert summary["versus"]["trivial"]["wins"] == 2
    for result in summary["results"]:
        if result["system"] == "linguacodus":  # measured from the harness's launch
            assert 0 < result["first_valid_seconds"] < result["wall_seconds"]
    unknown = cli("run", "--system", "nope", *common)
    assert unknown.returncode == 2 and "unknown system" in unknown.stderr
