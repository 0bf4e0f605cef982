"""Loading a task folder (the task-folder contract) with one-line errors for bad input."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REQUIRED_FILES = ("description.md", "train.csv", "test.csv", "sample_submission.csv")


class TaskError(Exception):
    """Bad user input: the CLI prints the message on one line and exits non-zero."""


@dataclass(frozen=True)
class TaskData:
    """The files of a task folder, read once. Nothing here is ever written back."""

    path: Path
    name: str
    description: str
    train: pd.DataFrame
    test: pd.DataFrame
    sample_submission: pd.DataFrame
    # file name → the encoding it was read with, for files that are not UTF-8 (a UTF-8 byte
    # order mark counts as UTF-8): generated scripts read the CSV files with the same.
    encodings: Mapping[str, str] = field(default_factory=dict)


ENCODING_NAMES = {"utf-16": "UTF-16", "cp1252": "Windows-1252", "latin-1": "Latin-1"}


def text_encoding(raw: bytes) -> str:
    """The encoding of text that is not plain UTF-8: UTF-16 by its byte order mark, else
    Windows-1252 (Latin-1 with curly quotes and the euro sign; what most public files that
    are not UTF-8 are written in) where it decodes, else Latin-1, which decodes any bytes."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def read_text(path: Path) -> tuple[str, str]:
    """A text file's content and its encoding ('utf-8' for UTF-8, a byte order mark or not)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        encoding = text_encoding(raw)
        return raw.decode(encoding), encoding


def load_task(task_dir: str | Path) -> TaskData:
    path = Path(task_dir)
    if not path.exists():
        raise TaskError(f"task folder {path} does not exist")
    if not path.is_dir():
        raise TaskError(f"{path} is not a folder; a task is a folder with {', '.join(REQUIRED_FILES)}")
    for name in REQUIRED_FILES:
        if (path / name).is_dir():
            raise TaskError(f"{path / name} is a folder; the task needs it as a file")
        if (path / name).is_symlink() and not (path / name).exists():
            raise TaskError(f"{path / name} is a link to {os.readlink(path / name)}, which "
                            "does not exist")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise TaskError(f"task folder {path} lacks {', '.join(missing)}")
    try:
        description, description_encoding = read_text(path / "description.md")
    except OSError as error:
        raise TaskError(f"{path / 'description.md'} can't be read: {error.strerror or error}") from None
    (train, train_encoding), (test, test_encoding), (sample, sample_encoding) = (
        read_csv(path / name) for name in ("train.csv", "test.csv", "sample_submission.csv"))
    encodings = {name: encoding for name, encoding in (
        ("description.md", description_encoding), ("train.csv", train_encoding),
        ("test.csv", test_encoding), ("sample_submission.csv", sample_encoding))
        if encoding != "utf-8"}
    if train.empty:
        raise TaskError(f"{path / 'train.csv'} has a header but no rows")
    if test.empty:
        raise TaskError(f"{path / 'test.csv'} has a header but no rows")
    if sample.empty:
        raise TaskError(f"{path / 'sample_submission.csv'} has a header but no rows")
    if sample.shape[1] < 2:
        raise TaskError(
            f"{path / 'sample_submission.csv'} has {sample.shape[1]} column(s); "
            "it needs an id column and at least one prediction column"
        )
    return TaskData(path.resolve(), path.resolve().name, description, train, test, sample,
                    encodings)


def read_csv(path: Path) -> tuple[pd.DataFrame, str]:
    """Read a CSV and say which encoding it was in ('utf-8', a byte order mark or not, else
    see text_encoding), or raise TaskError saying why it can't be read."""
    encoding = "utf-8"
    try:
        with open(path, "rb") as stream:
            start = stream.read(8192)
        if b"\x00" in start and not start.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise TaskError(f"{path} is not a text file (it holds NUL bytes); a CSV is text")
        try:
            frame = pd.read_csv(path, low_memory=False)
        except UnicodeDecodeError:  # read again in the encoding its bytes show
            encoding = text_encoding(path.read_bytes())
            frame = pd.read_csv(path, low_memory=False, encoding=encoding)
    except pd.errors.EmptyDataError:
        raise TaskError(f"{path} is empty") from None
    except pd.errors.ParserError as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else "parse error"
        raise TaskError(f"{path} is not a readable CSV: {first}") from None
    except UnicodeError as error:
        raise TaskError(f"{path} is not text in {ENCODING_NAMES.get(encoding, encoding)} "
                        f"({error})") from None
    except OSError as error:
        raise TaskError(f"{path} can't be read: {error.strerror or error}") from None
    header = str(frame.columns[0]) if frame.shape[1] == 1 else ""
    for separator, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        if separator in header:
            raise TaskError(f"{path} looks separated by {name}, not commas (its one column is "
                            f"{header[:60]!r}); save it as comma-separated CSV")
    return frame, encoding
