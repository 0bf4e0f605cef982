"""LoRA fine-tuning of a local causal LM on `finetune dataset`'s rows (transformers, peft, trl).

The paper's settings are the defaults: rank 64, alpha 16, dropout 0.1, learning rate 2e-4
held constant after a 3% warm-up, one epoch, sequences of at most 1,024 tokens. The loss is
on the answer only (prompt-completion rows). Where a GPU and bitsandbytes are present the
base is loaded in 4 bits (QLoRA) unless told otherwise; on CPU it trains in full precision.

OUT holds checkpoints/ (every save_steps, the last few kept; `--resume` goes on from the
newest), metrics.jsonl (every logged step: loss, learning rate, evaluation loss),
adapter/ (the adapter and the tokenizer: `run --llm hf:OUT/adapter` loads it on its base)
and train.json (settings, rows, wall time, peak memory, final losses).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

FourBit = Literal["auto", "on", "off"]


class FinetuneError(Exception):
    """Bad input to a fine-tune: one line for the user."""


@dataclass(frozen=True)
class TrainSettings:
    base: Path  # a local model folder (weights, config, tokenizer with a chat template)
    data: Path  # `finetune dataset`'s folder: train.jsonl, validation.jsonl
    out: Path
    rank: int = 64
    alpha: int = 16
    dropout: float = 0.1
    learning_rate: float = 2e-4
    warmup: float = 0.03  # share of the steps
    scheduler: str = "constant_with_warmup"
    epochs: float = 1.0
    max_steps: int = -1  # set: stop after this many optimiser steps
    max_length: int = 1024
    batch_size: int = 4
    gradient_accumulation: int = 1
    save_steps: int = 200
    logging_steps: int = 10
    seed: int = 42
    four_bit: FourBit = "auto"
    target_modules: str = "all-linear"


def read_rows(path: Path) -> list[dict]:
    """A JSONL file of chat rows as prompt-completion rows (the loss on the answer only)."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            messages = json.loads(line)["messages"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise FinetuneError(f"{path} line {number} is not a row of `finetune dataset` "
                                "(a JSON object with messages)") from None
        if not messages or messages[-1].get("role") != "assistant":
            raise FinetuneError(f"{path} line {number}: the last message is not the assistant's answer")
        rows.append({"prompt": messages[:-1], "completion": messages[-1:]})
    return rows


def _uses_four_bit(choice: FourBit) -> bool:
    import torch

    if choice == "off":
        return False
    has_gpu = torch.cuda.is_available()
    try:
        import bitsandbytes  # noqa: F401
        has_bnb = True
    except ImportError:
        has_bnb = False
    if choice == "on" and not (has_gpu and has_bnb):
        raise FinetuneError("--four-bit on needs a CUDA GPU and bitsandbytes "
                            f"(GPU: {'yes' if has_gpu else 'no'}, bitsandbytes: "
                            f"{'yes' if has_bnb else 'no'})")
    return has_gpu and has_bnb


def train(settings: TrainSettings, resume: bool = False,
          on_log: Callable[[str], None] = lambda line: None) -> dict:
    """Fine-tune; the summary written to OUT/train.json."""
    train_file, validation_file = settings.data / "train.jsonl", settings.data / "validation.jsonl"
    if not train_file.is_file():
        raise FinetuneError(f"{settings.data} has no train.jsonl; make it with `linguacodus "
                            "finetune dataset`")
    if not (settings.base / "config.json").is_file():
        raise FinetuneError(f"{settings.base} is not a model folder (no config.json)")
    train_rows = read_rows(train_file)
    validation_rows = read_rows(validation_file) if validation_file.is_file() else []
    if not train_rows:
        raise FinetuneError(f"{train_file} has no rows")
    checkpoints = settings.out / "checkpoints"
    if resume and not any(checkpoints.glob("checkpoint-*")):
        raise FinetuneError(f"{checkpoints} holds no checkpoint to resume from")
    if not resume and settings.out.exists() and any(settings.out.iterdir()):
        raise FinetuneError(f"{settings.out} exists and is not empty; choose another --out, "
                            "or --resume to go on from its last checkpoint")
    # The libraries take seconds to import: bad input is said before.
    try:
        import torch
        from datasets import Dataset
        from peft import LoraConfig
        from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
        from transformers.trainer_callback import PrinterCallback
        from trl import SFTConfig, SFTTrainer
    except ImportError as error:
        raise FinetuneError(f"fine-tuning needs torch, transformers, peft and trl ({error}); "
                            "pip install torch==2.13.0 'linguacodus[finetune]'") from None
    settings.out.mkdir(parents=True, exist_ok=True)

    tokenizer = AutoTokenizer.from_pretrained(settings.base, local_files_only=True)
    if not getattr(tokenizer, "chat_template", None):
        raise FinetuneError(f"{settings.base}: the tokenizer has no chat template; the rows are "
                            "chats")
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    four_bit = _uses_four_bit(settings.four_bit)
    gpu = torch.cuda.is_available()
    bf16 = gpu and torch.cuda.is_bf16_supported()
    model_options: dict = {"local_files_only": True}
    if four_bit:
        from transformers import BitsAndBytesConfig

        model_options["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if bf16 else torch.float16)
    model = AutoModelForCausalLM.from_pretrained(settings.base, **model_options)
    config = SFTConfig(
        output_dir=str(checkpoints), learning_rate=settings.learning_rate,
        lr_scheduler_type=settings.scheduler, warmup_steps=settings.warmup,
        num_train_epochs=settings.epochs, max_steps=settings.max_steps,
        max_length=settings.max_length, per_device_train_batch_size=settings.batch_size,
        per_device_eval_batch_size=settings.batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation,
        save_steps=settings.save_steps, save_total_limit=3, logging_steps=settings.logging_steps,
        eval_strategy="steps" if validation_rows else "no",
        eval_steps=settings.save_steps if validation_rows else None,
        seed=settings.seed, report_to="none", use_cpu=not gpu, bf16=bf16,
        completion_only_loss=True, disable_tqdm=True,
    )
    peft = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, lora_dropout=settings.dropout,
                      target_modules=settings.target_modules, task_type="CAUSAL_LM")
    metrics_path = settings.out / "metrics.jsonl"

    class Log(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            record = {"step": state.global_step, **(logs or {})}
            with metrics_path.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(record) + "\n")
            shown = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                              for k, v in record.items())
            on_log(f"step {state.global_step}/{state.max_steps}: {shown}")

    trainer = SFTTrainer(model=model, args=config, train_dataset=Dataset.from_list(train_rows),
                         eval_dataset=Dataset.from_list(validation_rows) if validation_rows else None,
                         processing_class=tokenizer, peft_config=peft, callbacks=[Log()])
    trainer.remove_callback(PrinterCallback)  # Log says it, once
    started = time.monotonic()
    result = trainer.train(resume_from_checkpoint=True if resume else None)
    wall = time.monotonic() - started
    adapter = settings.out / "adapter"
    trainer.model.save_pretrained(adapter)
    tokenizer.save_pretrained(adapter)
    evaluation = trainer.evaluate() if validation_rows else {}
    summary = {
        "settings": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()},
        "four_bit": four_bit, "device": "cuda" if gpu else "cpu",
        "rows": {"train": len(train_rows), "validation": len(validation_rows)},
        "steps": trainer.state.global_step, "train_loss": result.training_loss,
        "eval_loss": evaluation.get("eval_loss"), "wall_seconds": round(wall, 3),
        "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_gpu_memory_mb": (round(torch.cuda.max_memory_allocated() / 2**20, 1) if gpu else None),
        "adapter": str(adapter),
    }
    (settings.out / "train.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


if __name__ == "__main__":  # pragma: no cover - `linguacodus finetune train` is the entry point
    sys.exit("use: linguacodus finetune train")
