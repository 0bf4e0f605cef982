"""`finetune dataset`: chat rows from the paper's corpus and a knowledge base, split by task."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from conftest import REPO
from linguacodus.finetune.dataset import in_validation
from linguacodus.instruction import Instruction, make_step, parse_markdown
from linguacodus.knowledge.paper_corpus import parse_place, place_word
from linguacodus.knowledge.store import InstructionRecord, KnowledgeStore, OutcomeRecord, TaskRecord

CORPUS = REPO.parent / "shared" / "data" / "linguacodus_instructions.csv"
SYSTEM = "<s>[INST] <<SYS>>\nBe helpful.\n<</SYS>>\n\n"


def _paper_row(title: str, place: str, answer: str) -> str:
    return (f"{SYSTEM}Imagine that you are is an data analyst. Your objective is writing the {place} "
            f"place instruction for solving this machine learning task. Task: {title}\nPredict it well.\n"
            "The tabular data is used for the problem. The metric type is auc for the problem. Your "
            "response contains the main information about data preprocessing, model architecture "
            f"and model training. [/INST]\n{answer}</s>")


@pytest.fixture
def sources(tmp_path):
    """A corpus of 30 tasks × 3 places (one answer names no model) and a knowledge base of
    12 tasks × 4 ranked recipes."""
    rows = []
    for number in range(30):
        for place, model in (("first", "LightGBM"), ("second", "XGBoost"), ("third", "a neural net")):
            answer = f"Data preprocessing:\n- Fill missing values.\n\nModel architecture:\n- A {model}."
            rows.append({"prompt": _paper_row(f"Task {number}", place, answer),
                         "kaggle_id": f"nb-{number}-{place}"})
    rows.append({"prompt": "not the template", "kaggle_id": "odd"})
    corpus = tmp_path / "corpus.csv"
    pd.DataFrame(rows).to_csv(corpus, index=False)
    store = KnowledgeStore(tmp_path / "kb.sqlite").open()
    for number in range(12):
        task_id = store.add_task(TaskRecord(source="kb-build", source_id=f"data:{number}",
                                            title=f"Data {number}", description="Rows of things.",
                                            data_type="binary", metric="roc_auc",
                                            meta={"text_share": 0.5 if number % 4 == 0 else 0.0}), [])
        for rank, trees in enumerate((100, 200, 300, 400), start=1):
            instruction = Instruction(title=f"Forest of {trees}",
                                      model=(make_step("random_forest", n_estimators=trees),))
            store.add_outcome(task_id, OutcomeRecord(recipe=f"rf{trees}", status="valid",
                                                     cv_score=0.9 - rank / 100),
                              InstructionRecord(source_key=f"{number}:{trees}", rank=None,
                                                text=instruction.title, instruction=instruction))
        store.rank_task(task_id, higher_is_better=True, trivial=0.5)
    return corpus, tmp_path / "kb.sqlite"


def _finetune(*args):
    return subprocess.run([sys.executable, "-m", "linguacodus", "finetune", "dataset", *map(str, args)],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def _read(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_paper_style_rows_are_split_by_task_and_ask_the_run_time_prompt(sources, tmp_path):
    corpus, kb = sources
    out = tmp_path / "data"
    result = _finetune("--out", out, "--paper-corpus", corpus, "--kb", kb, "--validation-share", 0.3)
    assert result.returncode == 0, result.stderr
    train, validation = _read(out / "train.jsonl"), _read(out / "validation.jsonl")
    assert len(train) + len(validation) == 30 * 3 + 12 * 3  # --places 3 of the four recipes
    assert not {r["task"] for r in train} & {r["task"] for r in validation}  # never split a task
    assert validation and all(in_validation(r["task"], 0.3) for r in validation)
    row = next(r for r in train + validation if r["task"] == "paper:Task 1" and r["place"] == 2)
    roles = [m["role"] for m in row["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert "writing the second place instruction" in row["messages"][1]["content"]
    assert "Task: Task 1\nPredict it well." in row["messages"][1]["content"]
    assert row["messages"][2]["content"].endswith("- A XGBoost.")
    summary = json.loads((out / "dataset.json").read_text())
    assert summary["rows"] == {"train": len(train), "validation": len(validation)}
    assert summary["sources"] == {"paper": 90, "kb": 36}
    assert summary["data_kinds"] == {"tabular": 90 + 27, "text": 9}
    assert summary["skipped"] == {"paper corpus: prompt does not follow the paper's template": 1}
    kb_best = next(r for r in train + validation if r["task"] == "kb:data:3" and r["place"] == 1)
    assert "Random forest of 100 trees" in kb_best["messages"][2]["content"]  # rank 1 first


def test_ir_style_answers_parse_into_instructions(sources, tmp_path):
    corpus, kb = sources
    out = tmp_path / "data"
    result = _finetune("--out", out, "--paper-corpus", corpus, "--kb", kb, "--style", "ir")
    assert result.returncode == 0, result.stderr
    rows = _read(out / "train.jsonl") + _read(out / "validation.jsonl")
    assert len(rows) == 30 * 2 + 12 * 3  # "a neural net" names no model linguacodus knows
    for row in rows:
        instruction = parse_markdown(row["messages"][-1]["content"])
        assert instruction.model_step().op in ("lightgbm", "xgboost", "random_forest")
    assert "left out 30: ir style: the instruction names no model linguacodus knows" in result.stderr


def test_bad_arguments_are_one_line(sources, tmp_path):
    corpus, kb = sources
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    for args, message in (
            (("--out", tmp_path / "a", "--no-kb"), "nothing to read"),
            (("--out", tmp_path / "b", "--paper-corpus", tmp_path / "none.csv"), "no such file"),
            (("--out", tmp_path / "full", "--kb", kb), "exists and is not empty"),
            (("--out", tmp_path / "c", "--kb", kb, "--style", "poem"), "--style must be paper or ir")):
        result = _finetune(*args)
        assert result.returncode == 2 and message in result.stderr
        assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_place_words_round_trip():
    for place in (1, 2, 3, 9, 11, 12, 13, 20, 21, 22, 23, 31, 111):
        assert parse_place(place_word(place)) == place
    assert place_word(3) == "third" and place_word(22) == "22nd" and place_word(111) == "111th"


@pytest.mark.skipif(not CORPUS.exists(), reason="../shared/data/linguacodus_instructions.csv is absent")
def test_the_papers_corpus_becomes_1330_rows(tmp_path):
    result = _finetune("--out", tmp_path / "data", "--paper-corpus", CORPUS, "--no-kb")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "data" / "dataset.json").read_text())
    assert sum(summary["rows"].values()) == 1330 and summary["skipped"] == {}
    assert summary["tasks"]["validation"] > 0
