"""linguacodus finetune …: training data for an instruction model, and its LoRA training."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

finetune_app = typer.Typer(help="Fine-tune an instruction model on ranked instructions "
                                "(the paper's Phase 1).", no_args_is_help=True)
console = Console(stderr=True)


def _error(message: str) -> None:
    console.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(2)


@finetune_app.command("dataset")
def dataset(
    out: Annotated[Path, typer.Option("--out", help="Folder for train.jsonl, validation.jsonl "
                                                    "and dataset.json.")],
    paper_corpus: Annotated[Path | None, typer.Option(
        "--paper-corpus", help="The paper's corpus CSV (linguacodus_instructions.csv, MIT).")] = None,
    kb: Annotated[Path | None, typer.Option(
        "--kb", help="A knowledge base: its tasks' best measured recipes (default: yours if "
                     "present, else the shipped one).")] = None,
    no_kb: Annotated[bool, typer.Option("--no-kb", help="Use the paper's corpus only.")] = False,
    style: Annotated[str, typer.Option(
        "--style", help="paper: the instruction's prose as the answer (as the paper trains); "
                        "ir: linguacodus Markdown that parses into the Instruction IR.")] = "paper",
    places: Annotated[int, typer.Option("--places", min=1, max=8,
                                        help="A knowledge-base task's best this many recipes.")] = 3,
    validation_share: Annotated[float, typer.Option(
        "--validation-share", min=0.0, max=0.9,
        help="Share of tasks (never of rows) held out in validation.jsonl.")] = 0.1,
) -> None:
    """Write chat-format training rows: task description → its Nth-place instruction.

    Each row is {"messages": [...], "task": ...}: the task in the paper's prompt (the one
    `--llm-propose places` asks), its Nth-place instruction as the answer; train.jsonl and
    validation.jsonl split by task, never by row."""
    from linguacodus.finetune.dataset import build_dataset, kb_examples, paper_examples
    from linguacodus.knowledge.store import KnowledgeStore, default_kb_path

    if style not in ("paper", "ir"):
        _error(f"--style must be paper or ir, not {style!r}")
    if paper_corpus is not None and not paper_corpus.is_file():
        _error(f"--paper-corpus {paper_corpus}: no such file")
    kb_path = None if no_kb else (kb or default_kb_path())
    if kb is not None and not kb.is_file():
        _error(f"--kb {kb}: no such file")
    if paper_corpus is None and kb_path is None:
        _error("nothing to read: give --paper-corpus FILE, or a knowledge base (--kb)")
    if out.exists() and any(out.iterdir()):
        _error(f"{out} exists and is not empty; choose another --out")
    skipped: Counter = Counter()

    def examples():
        if paper_corpus is not None:
            yield from paper_examples(paper_corpus, skipped)
        if kb_path is not None:
            yield from kb_examples(KnowledgeStore(kb_path, read_only=True).open(), places)

    try:
        summary = build_dataset(examples(), out, style, validation_share, skipped)  # type: ignore[arg-type]
    except (ValueError, RuntimeError) as error:
        _error(str(error))
    console.print(f"train.jsonl: {summary.rows['train']} rows of {summary.tasks['train']} tasks; "
                  f"validation.jsonl: {summary.rows['validation']} rows of "
                  f"{summary.tasks['validation']} tasks; by source {summary.sources}",
                  markup=False, soft_wrap=True)
    for reason, count in sorted(summary.skipped.items(), key=lambda item: -item[1]):
        console.print(f"  left out {count}: {reason}", markup=False, soft_wrap=True)
    console.print(f"wrote {out}/train.jsonl, validation.jsonl, dataset.json", markup=False)


@finetune_app.command("train")
def train(
    base: Annotated[Path, typer.Argument(help="A local causal-LM folder (weights, config, a "
                                              "tokenizer with a chat template). Nothing is downloaded.")],
    data: Annotated[Path, typer.Option("--data", help="`finetune dataset`'s folder.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for checkpoints/, metrics.jsonl, "
                                                    "adapter/ and train.json.")],
    rank: Annotated[int, typer.Option("--rank", min=1, help="LoRA rank (the paper: 64).")] = 64,
    alpha: Annotated[int, typer.Option("--alpha", min=1, help="LoRA alpha (the paper: 16).")] = 16,
    dropout: Annotated[float, typer.Option("--dropout", min=0.0, max=0.9)] = 0.1,
    learning_rate: Annotated[float, typer.Option("--learning-rate", min=0.0)] = 2e-4,
    warmup: Annotated[float, typer.Option("--warmup", min=0.0, max=0.99,
                                          help="Share of the steps to warm up over.")] = 0.03,
    epochs: Annotated[float, typer.Option("--epochs", min=0.0)] = 1.0,
    max_steps: Annotated[int, typer.Option("--max-steps", help="Stop after this many steps "
                                                               "(-1: the epochs decide).")] = -1,
    max_length: Annotated[int, typer.Option("--max-length", min=16)] = 1024,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 4,
    gradient_accumulation: Annotated[int, typer.Option("--gradient-accumulation", min=1)] = 1,
    save_steps: Annotated[int, typer.Option("--save-steps", min=1)] = 200,
    logging_steps: Annotated[int, typer.Option("--logging-steps", min=1)] = 10,
    four_bit: Annotated[str, typer.Option(
        "--four-bit", help="auto: QLoRA (4-bit base) where a GPU and bitsandbytes are present; "
                           "on; off.")] = "auto",
    seed: Annotated[int, typer.Option("--seed")] = 42,
    resume: Annotated[bool, typer.Option("--resume", help="Go on from OUT's newest checkpoint.")] = False,
) -> None:
    """LoRA-fine-tune a local model on `finetune dataset`'s rows (the paper's settings).

    The loss is on the answers only; 4-bit QLoRA where a GPU and bitsandbytes are present.
    `run --llm-stage propose=hf:OUT/adapter --llm-propose places` then uses it."""
    from linguacodus.finetune.train import FinetuneError, TrainSettings
    from linguacodus.finetune.train import train as run_training

    if four_bit not in ("auto", "on", "off"):
        _error(f"--four-bit must be auto, on or off, not {four_bit!r}")
    settings = TrainSettings(
        base=base, data=data, out=out, rank=rank, alpha=alpha, dropout=dropout,
        learning_rate=learning_rate, warmup=warmup, epochs=epochs, max_steps=max_steps,
        max_length=max_length, batch_size=batch_size, gradient_accumulation=gradient_accumulation,
        save_steps=save_steps, logging_steps=logging_steps, seed=seed,
        four_bit=four_bit)  # type: ignore[arg-type]
    try:
        summary = run_training(settings, resume=resume,
                               on_log=lambda line: console.print(line, markup=False, soft_wrap=True))
    except FinetuneError as error:
        _error(str(error))
    except KeyboardInterrupt:
        _error(f"interrupted; go on with: linguacodus finetune train {base} --data {data} "
               f"--out {out} --resume")
    console.print(f"{summary['steps']} steps in {summary['wall_seconds']:.0f} s on "
                  f"{summary['device']}; train loss {summary['train_loss']:.4g}"
                  + (f", validation loss {summary['eval_loss']:.4g}" if summary["eval_loss"] else "")
                  + f"; adapter in {summary['adapter']}", markup=False, soft_wrap=True)


@finetune_app.command("eval")
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="`finetune dataset`'s folder: its "
                                                      "validation.jsonl is asked.")],
    llm: Annotated[str, typer.Option("--llm", help="The model: hf:PATH (a folder, or a "
                                                   "`finetune train` adapter), or any --llm spec.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write the results here (JSON).")] = None,
    kb: Annotated[Path | None, typer.Option(
        "--kb", help="Knowledge base whose measured outcomes score first-place answers on its "
                     "tasks, against retrieval (default: yours if present, else the shipped one).")] = None,
    no_quality: Annotated[bool, typer.Option("--no-quality", help="Only parse and agree.")] = False,
    run: Annotated[bool, typer.Option(
        "--run", help="IR-style answers: compile and run each first-place answer in the sandbox "
                      "on its task (as the knowledge base measured its recipes) instead of "
                      "scoring its family's recipe.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Ask at most this many rows.")] = None,
    max_tokens: Annotated[int, typer.Option("--max-tokens", min=8,
                                            help="New tokens a local model may write.")] = 512,
) -> None:
    """Score a model on the held-out rows: usable answers, agreement, quality vs retrieval.

    The share of answers linguacodus can use, the share naming the reference answer's model
    family, and for first-place answers on knowledge-base tasks their measured quality
    against the retrieval proposer's."""
    import dataclasses
    import json

    from linguacodus.brain import Brain
    from linguacodus.finetune.evaluate import evaluate as run_evaluation
    from linguacodus.knowledge.store import default_kb_path
    from linguacodus.llm.config import DEFAULT_SETTINGS, LLMConfigError, brain_config

    if not (data / "validation.jsonl").is_file():
        _error(f"{data} has no validation.jsonl; make it with `linguacodus finetune dataset`")
    try:
        config = brain_config(llm, [], dataclasses.replace(DEFAULT_SETTINGS, local_max_tokens=max_tokens,
                                                           cache_dir=None), ("propose",))
    except LLMConfigError as error:
        _error(str(error))
    client = Brain(config).clients["propose"]
    summary = run_evaluation(
        data, lambda messages: client.complete("propose", "finetune-eval", messages).content,
        None if no_quality else (kb or default_kb_path()), limit,
        on_event=lambda line: console.print(line, markup=False, soft_wrap=True), run=run)
    shown = {k: v for k, v in summary.items() if k != "results"}
    console.print(json.dumps(shown), markup=False, soft_wrap=True)
    if out is not None:
        out.write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
