"""SQLite knowledge store: a documented, versioned schema with forward migrations.

Writes go through one transaction each (atomic); the database runs in WAL mode so that
readers never block on, or see half of, a write.

Schema (version 1):
  tasks(id, source, source_id, title, description, data_type, metric, meta_json)
  instructions(id, task_id → tasks, rank, text, ir_json, provenance_json)
  meta(key, value)            -- schema_version
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from linguacodus.instruction import Instruction

SCHEMA_VERSION = 1

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


class KnowledgeStore:
    """A handle on one database file; open() creates or migrates it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            yield connection
        finally:
            connection.close()

    def open(self) -> KnowledgeStore:
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

    def counts(self) -> dict[str, int]:
        with self.connect() as connection:
            return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                    for table in ("tasks", "instructions")}

    def tasks(self) -> list[dict]:
        with self.connect() as connection:
            connection.row_factory = sqlite3.Row
            rows = connection.execute(
                "SELECT id, title, description, data_type, metric FROM tasks ORDER BY id").fetchall()
        return [dict(row) for row in rows]

    def instruction_texts(self, task_id: int, limit: int) -> list[tuple[int | None, str]]:
        """A task's instruction texts, best rank first."""
        with self.connect() as connection:
            return [tuple(row) for row in connection.execute(
                "SELECT rank, text FROM instructions WHERE task_id = ?"
                " ORDER BY rank IS NULL, rank LIMIT ?", (task_id, limit)).fetchall()]

    def instructions_of(self, title: str) -> list[tuple[int | None, Instruction]]:
        """A task's instructions by rank, best first."""
        with self.connect() as connection:
            rows = connection.execute(
                "SELECT i.rank, i.ir_json FROM instructions i JOIN tasks t ON t.id = i.task_id"
                " WHERE t.title = ? ORDER BY i.rank IS NULL, i.rank", (title,)).fetchall()
        return [(rank, Instruction.model_validate_json(ir)) for rank, ir in rows]
