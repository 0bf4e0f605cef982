import sqlite3
import subprocess
import sys

import pandas as pd
import pytest

from conftest import REPO
from linguacodus.instruction import Instruction
from linguacodus.knowledge.paper_corpus import import_corpus, parse_place, parse_row, to_instruction
from linguacodus.knowledge.store import SCHEMA_VERSION, InstructionRecord, KnowledgeStore, TaskRecord

CORPUS = REPO.parent / "shared" / "data" / "linguacodus_instructions.csv"
SYSTEM = "<s>[INST] <<SYS>>\nBe helpful.\n<</SYS>>\n\n"


def row(place="third", data="The tabular data data", metric="auc", answer=None):
    answer = answer if answer is not None else (
        "Data preprocessing:\n- Missing values are filled with the median.\n- One-hot encoding.\n\n"
        "Model architecture:\n- A LightGBM classifier.\n\nModel training:\n- 5-fold cross-validation.")
    return (f"{SYSTEM}Imagine that you are is an data analyst. Your objective is writing the {place} "
            "place instruction for solving this machine learning task. Task: Predict churn\n"
            f"Customers leave; predict who.\n{data} is used for the problem. The metric type is "
            f"{metric} for the problem. Your response contains the main information about data "
            f"preprocessing, model architecture and model training. [/INST]\n{answer}</s>")


def test_parse_place_words():
    assert parse_place("ninth") == 9 and parse_place("21.0st") == 21 and parse_place("33rd") == 33
    assert parse_place("best") is None


def test_rows_parse_and_map():
    example = parse_row(row(), "123")
    assert example.rank == 3 and example.title == "Predict churn" and example.metric == "auc"
    assert example.description == "Customers leave; predict who." and example.data_type == "tabular"
    instruction = to_instruction(example)
    ops = {s.op for s in instruction.steps() if s.op}
    assert ops == {"impute_numeric", "encode_categorical", "lightgbm", "kfold"}
    assert instruction.model[-1].text == example.text  # the full text is kept
    assert instruction.provenance.rank == 3 and "123" in instruction.provenance.note
    variant = parse_row(row(place="22.0nd", data="The audio data"), "9")
    assert variant.rank == 22 and variant.data_type == "audio"


@pytest.mark.parametrize("prompt,reason", [
    ("", "empty prompt"),
    ("<s>[INST] hello [/INST] world</s>", "does not follow the paper's template"),
    (row(place="best"), "unknown place word 'best'"),
    (row(answer=""), "no instruction after [/INST]"),
])
def test_unreadable_rows_say_why(prompt, reason):
    assert reason in parse_row(prompt, "1")


def test_import_reports_and_is_idempotent(tmp_path):
    csv = tmp_path / "corpus.csv"
    pd.DataFrame({"prompt": [row(), row(place="first"), "garbage", row(answer="Nothing known here.")],
                  "kaggle_id": [1, 2, 3, 4]}).to_csv(csv)
    store = KnowledgeStore(tmp_path / "kb.sqlite").open()
    report = import_corpus(csv, store)
    assert (report.rows, report.parsed, report.mapped, report.tasks) == (4, 3, 2, 1)
    assert report.skipped == {"prompt does not follow the paper's template": 1}
    import_corpus(csv, store)
    assert store.counts() == {"tasks": 1, "instructions": 3, "outcomes": 0}
    ranked = store.instructions_of("Predict churn")
    assert [rank for rank, _ in ranked] == [1, 3, 3]


def test_store_migrates_and_refuses_newer_schemas(tmp_path):
    path = tmp_path / "kb.sqlite"
    store = KnowledgeStore(path).open()
    with store.connect() as connection:
        assert KnowledgeStore.version(connection) == SCHEMA_VERSION
    store.add_task(TaskRecord(source="s", source_id="t", title="T", description="d"),
                   [InstructionRecord(source_key="k", rank=1, text="x",
                                      instruction=Instruction(title="x"))])
    KnowledgeStore(path).open()  # reopening keeps the data
    assert store.counts() == {"tasks": 1, "instructions": 1, "outcomes": 0}
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(RuntimeError, match="newer than this"):
        KnowledgeStore(path).open()


def test_readers_see_committed_data_while_a_write_is_open(tmp_path):
    store = KnowledgeStore(tmp_path / "kb.sqlite").open()
    store.add_task(TaskRecord(source="s", source_id="a", title="A", description="d"), [])
    writer = sqlite3.connect(store.path)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO tasks (source, source_id, title, description) VALUES ('s','b','B','d')")
    assert store.counts()["tasks"] == 1  # WAL: the reader is not blocked and sees no half write
    writer.commit()
    writer.close()
    assert store.counts()["tasks"] == 2


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/data/linguacodus_instructions.csv is absent")
def test_the_papers_corpus_imports(tmp_path):
    result = subprocess.run([sys.executable, "-m", "linguacodus", "kb", "import-linguacodus", str(CORPUS),
                             "--db", str(tmp_path / "kb.sqlite")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = KnowledgeStore(tmp_path / "kb.sqlite").counts()
    assert report["instructions"] >= 1200 and report["tasks"] >= 80
    assert "rows 1330: parsed" in result.stderr


def test_retrieval_returns_the_planted_nearest_task_first(tmp_path):
    from linguacodus.knowledge.retrieval import TaskIndex

    store = KnowledgeStore(tmp_path / "kb.sqlite").open()
    planted = {
        "Bird songs": "Classify bird species from audio recordings of their songs.",
        "Telecom churn": "Predict which telecom customers cancel their phone contract next month.",
        "House rents": "Estimate the monthly rent of apartments from size and location.",
    }
    for number, (title, description) in enumerate(planted.items()):
        records = [InstructionRecord(source_key=f"k{number}-{rank}", rank=rank, text=f"{title} plan {rank}",
                                     instruction=Instruction(title=title)) for rank in (2, 1)]
        store.add_task(TaskRecord(source="test", source_id=title, title=title, description=description),
                       records)
    index = TaskIndex(store, "tfidf")
    hits = index.nearest("which customers will cancel their phone contract", k=2)
    assert [h.title for h in hits][0] == "Telecom churn"
    assert hits[0].similarity > hits[1].similarity
    assert [rank for rank, _ in store.instruction_texts(hits[0].task_id, 3)] == [1, 2]
    assert index.nearest("   ") == []
    # Leave-one-out leaves out every measurement of a data set: several ids at once.
    others = index.nearest("which customers will cancel their phone contract", k=3,
                           exclude={hits[0].task_id, hits[1].task_id})
    assert [h.task_id for h in others] == [t["id"] for t in index.tasks
                                           if t["id"] not in {hits[0].task_id, hits[1].task_id}]


SOLUTIONS = REPO / "tests" / "knowledge" / "solutions"


def _extraction_scores():
    import json

    from linguacodus.knowledge.extract import extract_file

    expected = json.loads((SOLUTIONS / "expected.json").read_text())
    counts = {"models": [0, 0, 0], "steps": [0, 0, 0]}  # true positives, predicted, expected
    for name, truth in expected.items():
        instruction = extract_file(SOLUTIONS / name)
        found = {
            "models": {s.op or s.text.split(" (")[0].removeprefix("Model: ") for s in instruction.model},
            "steps": {s.op for s in instruction.preprocessing + instruction.training if s.op},
        }
        for kind in counts:
            counts[kind][0] += len(found[kind] & set(truth[kind]))
            counts[kind][1] += len(found[kind])
            counts[kind][2] += len(truth[kind])
    return {kind: (tp / max(pred, 1), tp / max(exp, 1)) for kind, (tp, pred, exp) in counts.items()}


def test_extraction_precision_and_recall_on_fifteen_solutions():
    scores = _extraction_scores()
    print(scores)
    precision, recall = scores["models"]
    assert precision >= 0.95 and recall >= 0.95, scores
    precision, recall = scores["steps"]
    assert precision >= 0.85 and recall >= 0.85, scores


def test_extraction_keeps_parameters_and_reads_notebooks():
    from linguacodus.knowledge.extract import extract_file

    instruction = extract_file(SOLUTIONS / "s01_lgbm_kfold.py")
    model = instruction.model[0]
    assert model.op == "lightgbm" and model.params == {"n_estimators": 2000, "learning_rate": 0.03,
                                                       "num_leaves": 63}
    assert instruction.find("kfold").params == {"stratified": True, "n_splits": 5}
    # lgb.early_stopping(...) as a callback is not the early_stopping_rounds keyword: not claimed.
    assert not any("Stop boosting early" in s.text for s in instruction.training)
    notebook = extract_file(SOLUTIONS / "s14_notebook_lgbm.ipynb")
    assert notebook.find("class_weight") is not None
    # A family's own names for its parameters (CatBoost's iterations, depth) are read as ours.
    catboost = extract_file(SOLUTIONS / "s07_catboost.py").model[0]
    assert catboost.op == "catboost" and catboost.params == {"n_estimators": 3000,
                                                            "learning_rate": 0.05, "max_depth": 6}


def test_extract_cli_and_errors(tmp_path):
    result = subprocess.run([sys.executable, "-m", "linguacodus", "kb", "extract",
                             str(SOLUTIONS / "s05_tfidf_text.py")], capture_output=True, text=True)
    assert result.returncode == 0 and "`tfidf_text(" in result.stdout
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    result = subprocess.run([sys.executable, "-m", "linguacodus", "kb", "extract", str(broken)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "can't parse the code" in result.stderr


def _write_many(path, worker: int) -> None:
    store = KnowledgeStore(path).open()
    for number in range(40):  # half the tasks both processes write, half their own
        source_id = f"shared-{number}" if number % 2 == 0 else f"own-{worker}-{number}"
        store.add_task(TaskRecord(source="s", source_id=source_id, title=source_id,
                                  description=f"written by {worker}"), [])


def test_two_processes_writing_one_knowledge_base_do_not_collide(tmp_path):
    import multiprocessing

    path = tmp_path / "kb.sqlite"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_many, args=(path, worker)) for worker in (1, 2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0, 0]
    assert KnowledgeStore(path).open().counts()["tasks"] == 20 + 2 * 20
