"""`finetune train`: a few LoRA steps on a tiny random-init Llama (trained from scratch in the
test, nothing downloaded), checkpoints, resume, the adapter reloaded by `--llm hf:` in the
propose stage, where its (untrained, garbage) answers fall back with a logged reason."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from conftest import make_task
from linguacodus.brain import Brain
from linguacodus.llm.config import brain_config
from linguacodus.llm.prompts import render
from linguacodus.planning import propose as rules_proposals
from linguacodus.spec import infer_spec
from linguacodus.task import load_task
from tiny_model import train_tiny_model

pytest.importorskip("trl", reason="fine-tuning needs trl (linguacodus[finetune])")
pytest.importorskip("peft", reason="fine-tuning needs peft (linguacodus[finetune])")


def _finetune(*args):
    return subprocess.run([sys.executable, "-m", "linguacodus", "finetune", *map(str, args)],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("finetune")
    data = root / "data"
    data.mkdir()
    rows = []
    for number in range(12):
        _, messages = render("propose_place", place=("first", "second", "third")[number % 3],
                             description=f"Task {number}\nPredict churn.", data_kind="tabular",
                             metric="roc_auc")
        answer = f"Model architecture:\n- A LightGBM model with {100 + number} trees."
        rows.append({"messages": [*messages, {"role": "assistant", "content": answer}],
                     "task": f"t{number}"})
    (data / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:10]))
    (data / "validation.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[10:]))
    base = train_tiny_model(root / "base", [(r["messages"][:-1], "x") for r in rows[:2]], steps=2)
    out = root / "out"
    first = _finetune("train", base, "--data", data, "--out", out, "--max-steps", 4,
                      "--save-steps", 2, "--logging-steps", 1, "--rank", 4, "--alpha", 8,
                      "--batch-size", 2, "--max-length", 256)
    return root, base, data, out, first


def test_a_few_steps_save_an_adapter_checkpoints_and_metrics(trained):
    _, base, _, out, first = trained
    assert first.returncode == 0, first.stderr[-3000:]
    assert "4 steps in" in first.stderr and "on cpu" in first.stderr
    assert {p.name for p in (out / "checkpoints").glob("checkpoint-*")} == {"checkpoint-2", "checkpoint-4"}
    adapter = json.loads((out / "adapter" / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and adapter["lora_alpha"] == 8 and adapter["lora_dropout"] == 0.1
    assert adapter["base_model_name_or_path"] == str(base)
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    losses = [m for m in metrics if "loss" in m]
    assert [m["step"] for m in losses] == [1, 2, 3, 4] and all(m["loss"] > 0 for m in losses)
    assert any("eval_loss" in m for m in metrics)
    summary = json.loads((out / "train.json").read_text())
    assert summary["steps"] == 4 and summary["rows"] == {"train": 10, "validation": 2}
    assert summary["settings"]["learning_rate"] == 2e-4 and summary["four_bit"] is False
    assert summary["wall_seconds"] > 0 and summary["peak_memory_mb"] > 100


def test_training_resumes_from_its_last_checkpoint(trained):
    _, base, data, out, first = trained
    assert first.returncode == 0
    again = _finetune("train", base, "--data", data, "--out", out, "--max-steps", 6,
                      "--save-steps", 2, "--logging-steps", 1, "--rank", 4, "--alpha", 8,
                      "--batch-size", 2, "--max-length", 256, "--resume")
    assert again.returncode == 0, again.stderr[-3000:]
    metrics = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics if "loss" in m] == [1, 2, 3, 4, 5, 6]  # 1-4 not redone
    assert json.loads((out / "train.json").read_text())["steps"] == 6
    refused = _finetune("train", base, "--data", data, "--out", out, "--max-steps", 2)
    assert refused.returncode == 2 and "exists and is not empty" in refused.stderr


def test_the_adapter_generates_and_its_garbage_falls_back(trained, tmp_path, llm_settings):
    _, _, _, out, first = trained
    assert first.returncode == 0
    task = load_task(make_task(tmp_path, "binary_proba", n=120))
    spec = infer_spec(task)
    settings = dataclasses.replace(llm_settings, propose_style="places", local_max_tokens=24,
                                   cache_dir=None)
    config = brain_config(None, [f"propose=hf:{out / 'adapter'}"], settings)
    brain = Brain(config, tmp_path / "llm_calls.jsonl")
    offline = rules_proposals(spec, 1)
    assert brain.propose(task, spec, 1, offline, []) == offline  # four steps teach it nothing usable
    usage = brain.usage()["propose"]
    assert usage["calls"] >= 1 and usage["completion_tokens"] > 0  # it did load and generate
    assert usage["fallbacks"] and "names no model this task can use" in usage["fallbacks"][0]
    logged = [json.loads(line) for line in (tmp_path / "llm_calls.jsonl").read_text().splitlines()]
    assert logged and all(entry["stage"] == "propose" for entry in logged)


def test_bad_inputs_are_one_line(trained, tmp_path):
    root, base, data, _, _ = trained
    for args, message in (
            (("train", base, "--data", tmp_path, "--out", tmp_path / "o"), "has no train.jsonl"),
            (("train", tmp_path, "--data", data, "--out", tmp_path / "o2"), "is not a model folder"),
            (("train", base, "--data", data, "--out", tmp_path / "o3", "--resume"),
             "holds no checkpoint to resume from"),
            (("train", base, "--data", data, "--out", tmp_path / "o4", "--four-bit", "maybe"),
             "--four-bit must be auto, on or off")):
        result = _finetune(*args)
        assert result.returncode == 2 and message in result.stderr, result.stderr[-500:]


def test_eval_asks_the_adapter_the_held_out_rows(trained, tmp_path):
    _, _, data, out, first = trained
    assert first.returncode == 0
    result = _finetune("eval", "--data", data, "--llm", f"hf:{out / 'adapter'}", "--no-quality",
                       "--max-tokens", 16, "--out", tmp_path / "eval.json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((tmp_path / "eval.json").read_text())
    assert summary["rows"] == 2 and summary["parse_share"] == 0.0  # four steps of training
    assert all(r["reference_family"] == "lightgbm" for r in summary["results"])
