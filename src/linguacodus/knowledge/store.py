"""SQLite knowledge store: a documented, versioned schema with forward migrations.

Writes go through one transaction each (atomic); the database runs in WAL mode so that
readers never block on, or see half of, a write.

Schema (version 2):
  tasks(id, source, source_id, title, description, data_type, metric, meta_json)
      meta_json: the meta-features (see knowledge.features) where the data was seen
  instructions(id, task_id → tasks, rank, text, ir_json, provenance_json, source_key)
  outcomes(id, task_id → tasks, recipe, instruction_id → instructions, status, cv_score,
           normalized, rank, fit_seconds, peak_memory_mb)       -- version 2: kb build
      normalized: 0 at the trivial baseline (constant prediction), 1 at the task's best
  solutions(instruction_id → instructions, code)                -- zlib-compressed script
  embeddings(task_id → tasks, model, vector)                    -- float32 bytes
  meta(key, value)            -- schema_version; build_json (what kb build used)
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from linguacodus.instruction import Instruction
from linguacodus.score import Score

SCHEMA_VERSION = 2

# Migration N brings a database from version N-1 to N. Never edit a released one: add.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE tasks (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        source_id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        data_type TEXT,
        metric TEXT,
        meta_json TEXT NOT NULL DEFAULT '{}',
        UNIQUE (source, source_id)
    );
    CREATE TABLE instructions (
        id INTEGER PRIMARY KEY,
        task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        rank INTEGER,
        text TEXT NOT NULL,
        ir_json TEXT NOT NULL,
        provenance_json TEXT NOT NULL,
        source_key TEXT NOT NULL UNIQUE
    );
    CREATE INDEX instructions_by_task ON instructions(task_id, rank);
    """,
    2: """
    CREATE TABLE outcomes (
        id INTEGER PRIMARY KEY,
        task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        recipe TEXT NOT NULL,
        instruction_id INTEGER REFERENCES instructions(id) ON DELETE SET NULL,
        status TEXT NOT NULL,
        cv_score REAL,
        normalized REAL,
        rank INTEGER,
        fit_seconds REAL,
        peak_memory_mb REAL,
        UNIQUE (task_id, recipe)
    );
    CREATE TABLE solutions (
        instruction_id INTEGER PRIMARY KEY REFERENCES instructions(id) ON DELETE CASCADE,
        code BLOB NOT NULL
    );
    CREATE TABLE embeddings (
        task_id INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        vector BLOB NOT NULL,
        PRIMARY KEY (task_id, model)
    );
    """,
}


class TaskRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str  # e.g. "linguacodus-paper", "kb-build"
    source_id: str  # unique within the source (a competition title, a data set name)
    title: str
    description: str
    data_type: str | None = None
    metric: str | None = None
    meta: dict = {}


class InstructionRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    source_key: str  # unique: where it came from (e.g. the Kaggle notebook id)
    rank: int | None
    text: str  # the full natural-language instruction, as found
    instruction: Instruction  # structured: what could be mapped to operations


class OutcomeRecord(BaseModel):
    """One recipe's result on one task in `kb build`."""

    model_config = ConfigDict(frozen=True)

    recipe: str
    status: str  # "valid", or why not
    cv_score: float | None = None
    fit_seconds: float | None = None
    peak_memory_mb: float | None = None


# The knowledge base that ships inside the package (built by `kb build`, read-only), and the
# user's own, which `kb import-linguacodus` and `kb build` write and which wins where present.
PACKAGED_KB = Path(__file__).resolve().parent / "data" / "knowledge.sqlite"
USER_KB = Path.home() / ".cache" / "linguacodus" / "knowledge.sqlite"


def default_kb_path() -> Path | None:
    for path in (USER_KB, PACKAGED_KB):
        if path.is_file():
            return path
    return None


class KnowledgeStore:
    """A handle on one database file; open() creates or migrates it (read_only: checks it)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        if self.read_only:  # immutable: no journal, no lock files beside a shipped database
            connection = sqlite3.connect(f"file:{self.path}?immutable=1", uri=True)
        else:
            connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            yield connection
        finally:
            connection.close()

    def open(self) -> KnowledgeStore:
        if self.read_only:
            if not self.path.is_file():
                raise RuntimeError(f"no knowledge base at {self.path}")
            with self.connect() as connection:
                version = self.version(connection)
            if version != SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} has schema {version}; this linguacodus reads "
                                   f"{SCHEMA_VERSION} (open it writable to migrate, or rebuild it)")
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as connection:
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            version = self.version(connection)
            if version > SCHEMA_VERSION:
                raise RuntimeError(f"{self.path} has schema {version}, newer than this "
                                   f"linguacodus ({SCHEMA_VERSION}); upgrade linguacodus")
            for target in range(version + 1, SCHEMA_VERSION + 1):
                with connection:  # one transaction a migration
                    connection.executescript("BEGIN;" + MIGRATIONS[target] + ";")
                    connection.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                                       (str(target),))
        return self

    @staticmethod
    def version(connection: sqlite3.Connection) -> int:
        if connection.execute("SELECT name FROM sqlite_master WHERE name = 'meta'").fetchone() is None:
            return 0
        row = connection.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def add_task(self, task: TaskRecord, instructions: Iterable[InstructionRecord]) -> int:
        """Insert or update a task and its instructions in one transaction; the task's id."""
        with self.connect() as connection, connection:
            connection.execute(
                "INSERT INTO tasks (source, source_id, title, description, data_type, metric, meta_json)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, source_id) DO UPDATE SET"
                " title = excluded.title, description = excluded.description,"
                " data_type = excluded.data_type, metric = excluded.metric,"
                " meta_json = excluded.meta_json",
                (task.source, task.source_id, task.title, task.description, task.data_type,
                 task.metric, json.dumps(task.meta, sort_keys=True)))
            task_id = connection.execute(
                "SELECT id FROM tasks WHERE source = ? AND source_id = ?",
                (task.source, task.source_id)).fetchone()[0]
            for record in instructions:
                connection.execute(
                    "INSERT INTO instructions (task_id, rank, text, ir_json, provenance_json, source_key)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source_key) DO UPDATE SET"
                    " task_id = excluded.task_id, rank = excluded.rank, text = excluded.text,"
                    " ir_json = excluded.ir_json, provenance_json = excluded.provenance_json",
                    (task_id, record.rank, record.text, record.instruction.model_dump_json(),
                     record.instruction.provenance.model_dump_json(), record.source_key))
        return task_id

    def add_outcome(self, task_id: int, outcome: OutcomeRecord, instruction: InstructionRecord,
                    code: str | None = None) -> None:
        """Store one recipe's outcome with its instruction (and script) in one transaction."""
        with self.connect() as connection, connection:
            connection.execute(
                "INSERT INTO instructions (task_id, rank, text, ir_json, provenance_json, source_key)"
                " VALUES (?, NULL, ?, ?, ?, ?) ON CONFLICT (source_key) DO UPDATE SET"
                " text = excluded.text, ir_json = excluded.ir_json,"
                " provenance_json = excluded.provenance_json",
                (task_id, instruction.text, instruction.instruction.model_dump_json(exclude_defaults=True),
                 instruction.instruction.provenance.model_dump_json(), instruction.source_key))
            instruction_id = connection.execute(
                "SELECT id FROM instructions WHERE source_key = ?", (instruction.source_key,)).fetchone()[0]
            connection.execute(
                "INSERT INTO outcomes (task_id, recipe, instruction_id, status, cv_score, fit_seconds,"
                " peak_memory_mb) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (task_id, recipe) DO UPDATE"
                " SET instruction_id = excluded.instruction_id, status = excluded.status,"
                " cv_score = excluded.cv_score, fit_seconds = excluded.fit_seconds,"
                " peak_memory_mb = excluded.peak_memory_mb, rank = NULL, normalized = NULL",
                (task_id, outcome.recipe, instruction_id, outcome.status, outcome.cv_score,
                 outcome.fit_seconds, outcome.peak_memory_mb))
            if code is not None:
                connection.execute("INSERT OR REPLACE INTO solutions VALUES (?, ?)",
                                   (instruction_id, zlib.compress(code.encode("utf-8"), 9)))

    def recipes_done(self, task_id: int) -> set[str]:
        with self.connect() as connection:
            return {row[0] for row in connection.execute(
                "SELECT recipe FROM outcomes WHERE task_id = ?", (task_id,))}

    def rank_task(self, task_id: int, higher_is_better: bool, trivial: float | None) -> None:
        """Rank a task's valid outcomes (1 = best) and normalise them against the trivial
        baseline (0) and the best outcome (1) — where no recipe beats the baseline, against
        the worst recipe instead; instructions take the same rank."""
        def utility(value: float) -> float:
            return Score(value, higher_is_better).utility

        with self.connect() as connection, connection:
            rows = connection.execute(
                "SELECT id, instruction_id, cv_score FROM outcomes WHERE task_id = ?"
                " AND status = 'valid' AND cv_score IS NOT NULL", (task_id,)).fetchall()
            rows.sort(key=lambda row: -utility(row[2]))
            best = utility(rows[0][2]) if rows else None
            base = utility(trivial) if trivial is not None else None
            if best is not None and base is not None and best <= base:
                base = utility(rows[-1][2])  # nothing beats a constant: 0 is the worst recipe
            for rank, (outcome_id, instruction_id, value) in enumerate(rows, start=1):
                normalized = None
                if best is not None and base is not None:
                    normalized = 1.0 if best == base else (utility(value) - base) / (best - base)
                connection.execute("UPDATE outcomes SET rank = ?, normalized = ? WHERE id = ?",
                                   (rank, normalized, outcome_id))
                connection.execute("UPDATE instructions SET rank = ? WHERE id = ?",
                                   (rank, instruction_id))

    def outcomes(self, task_ids: Iterable[int] | None = None) -> list[dict]:
        """Ranked outcomes (task_id, recipe, cv_score, normalized, rank, fit_seconds, status)."""
        query = ("SELECT task_id, recipe, status, cv_score, normalized, rank, fit_seconds"
                 " FROM outcomes")
        ids = list(task_ids) if task_ids is not None else None
        if ids is not None:
            query += f" WHERE task_id IN ({','.join('?' * len(ids))})"
        with self.connect() as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(query, ids or [])]

    def solution_code(self, instruction_id: int) -> str | None:
        with self.connect() as connection:
            row = connection.execute("SELECT code FROM solutions WHERE instruction_id = ?",
                                     (instruction_id,)).fetchone()
        return zlib.decompress(row[0]).decode("utf-8") if row else None

    def set_meta(self, key: str, value: dict) -> None:
        with self.connect() as connection, connection:
            connection.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                               (key, json.dumps(value, sort_keys=True)))

    def get_meta(self, key: str) -> dict | None:
        with self.connect() as connection:
            row = connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_embeddings(self, model: str, vectors: dict[int, bytes]) -> None:
        with self.connect() as connection, connection:
            connection.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                                   [(task_id, model, blob) for task_id, blob in vectors.items()])

    def embeddings(self, model: str) -> dict[int, bytes]:
        with self.connect() as connection:
            return dict(connection.execute(
                "SELECT task_id, vector FROM embeddings WHERE model = ?", (model,)).fetchall())

    def export(self, target: Path, instructions_per_task: int = 5) -> None:
        """A compact, self-contained copy (no WAL files) for shipping. Every outcome stays;
        of the instructions that have outcomes, only each task's best few keep their text
        and IR (the others are their recipe rebuilt, which the proposer does anyway)."""
        target = Path(target)
        if target.exists():
            target.unlink()
        with self.connect() as connection:
            connection.execute("VACUUM INTO ?", (str(target),))
        copy = sqlite3.connect(target)
        try:
            with copy:
                copy.execute("PRAGMA foreign_keys = ON")
                copy.execute("DELETE FROM instructions WHERE id IN (SELECT instruction_id FROM outcomes"
                             " WHERE rank IS NULL OR rank > ?)", (instructions_per_task,))
            copy.execute("PRAGMA journal_mode = DELETE")
            copy.execute("VACUUM")
        finally:
            copy.close()

    def counts(self) -> dict[str, int]:
        with self.connect() as connection:
            return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                    for table in ("tasks", "instructions", "outcomes")}

    def tasks(self) -> list[dict]:
        """Every task with its meta-features (meta: a dict)."""
        with self.connect() as connection:
            connection.row_factory = sqlite3.Row
            rows = connection.execute(
                "SELECT id, source, source_id, title, description, data_type, metric, meta_json"
                " FROM tasks ORDER BY id").fetchall()
        tasks = []
        for row in rows:
            task = dict(row)
            task["meta"] = json.loads(task.pop("meta_json") or "{}")
            tasks.append(task)
        return tasks

    def task_id(self, source: str, source_id: str) -> int | None:
        with self.connect() as connection:
            row = connection.execute("SELECT id FROM tasks WHERE source = ? AND source_id = ?",
                                     (source, source_id)).fetchone()
        return row[0] if row else None

    def instruction_texts(self, task_id: int, limit: int) -> list[tuple[int | None, str]]:
        """A task's instruction texts, best rank first."""
        with self.connect() as connection:
            return [tuple(row) for row in connection.execute(
                "SELECT rank, text FROM instructions WHERE task_id = ?"
                " ORDER BY rank IS NULL, rank LIMIT ?", (task_id, limit)).fetchall()]

    def ranked_instructions(self, task_id: int, limit: int) -> list[tuple[int | None, Instruction]]:
        """A task's structured instructions, best rank first."""
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT rank, ir_json FROM instructions WHERE task_id = ?"
                " ORDER BY rank IS NULL, rank LIMIT ?", (task_id, limit)).fetchall()
        return [(rank, Instruction.model_validate_json(ir)) for rank, ir in rows]

    def ranked_outcome_instructions(self, task_id: int, limit: int) -> list[tuple[int, Instruction]]:
        """A built task's measured recipes as instructions, best outcome first."""
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT o.rank, i.ir_json FROM outcomes o JOIN instructions i ON i.id = o.instruction_id"
                " WHERE o.task_id = ? AND o.rank IS NOT NULL ORDER BY o.rank LIMIT ?",
                (task_id, limit)).fetchall()
        return [(rank, Instruction.model_validate_json(ir)) for rank, ir in rows]

    def instructions_of(self, title: str) -> list[tuple[int | None, Instruction]]:
        """A task's instructions by rank, best first."""
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT i.rank, i.ir_json FROM instructions i JOIN tasks t ON t.id = i.task_id"
                " WHERE t.title = ? ORDER BY i.rank IS NULL, i.rank", (title,)).fetchall()
        return [(rank, Instruction.model_validate_json(ir)) for rank, ir in rows]
