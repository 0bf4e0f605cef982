"""Loading a task folder (the task-folder contract) with one-line errors for bad input."""

from __future__ import annotations

from dataclasses import dataclass
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


def load_task(task_dir: str | Path) -> TaskData:
    path = Path(task_dir)
    if not path.exists():
        raise TaskError(f"task folder {path} does not exist")
    if not path.is_dir():
        raise TaskError(f"{path} is not a folder; a task is a folder with {', '.join(REQUIRED_FILES)}")
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise TaskError(f"task folder {path} lacks {', '.join(missing)}")
    try:
        description = (path / "description.md").read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise TaskError(f"{path / 'description.md'} is not UTF-8 text ({error.reason})") from None
    train = read_csv(path / "train.csv")
    test = read_csv(path / "test.csv")
    sample = read_csv(path / "sample_submission.csv")
    if train.empty:
        raise TaskError(f"{path / 'train.csv'} has a header but no rows")
    if test.empty:
        raise TaskError(f"{path / 'test.csv'} has a header but no rows")
    if sample.shape[1] < 2:
        raise TaskError(
            f"{path / 'sample_submission.csv'} has {sample.shape[1]} column(s); "
            "it needs an id column and at least one prediction column"
        )
    return TaskData(path.resolve(), path.resolve().name, description, train, test, sample)


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV or raise TaskError saying why it can't be read."""
    try:
        frame = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise TaskError(f"{path} is empty") from None
    except pd.errors.ParserError as error:
        first = str(error).strip().splitlines()[-1] if str(error).strip() else "parse error"
        raise TaskError(f"{path} is not a readable CSV: {first}") from None
    except UnicodeDecodeError as error:
        raise TaskError(f"{path} is not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise TaskError(f"{path} can't be read: {error.strerror or error}") from None
    return frame
