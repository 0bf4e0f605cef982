"""A catalogue of malformed task folders, files and options, each with the outcome a user
should see: the exit code and the one line that says what is wrong (or, for input that is
repaired or merely odd, exit 0 and the warning). tests/e2e/test_malformed.py checks each;
`python tests/e2e/malformed.py` prints the table that docs/RELIABILITY.md holds."""

from __future__ import annotations

import io
import os
import shutil
import sys
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


def good_task(folder: Path, rows: int = 120) -> Path:
    """A small, valid binary task: the base every case breaks one thing of."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    x1, x2 = rng.normal(size=rows + 40), rng.normal(size=rows + 40)
    colour = rng.choice(["red", "green", "blue"], size=rows + 40)
    target = np.where(x1 + (colour == "red") > 0.3, "yes", "no")
    frame = pd.DataFrame({"id": range(1, rows + 41), "x1": x1.round(3), "x2": x2.round(3),
                          "colour": colour, "target": target})
    frame.iloc[:rows].to_csv(folder / "train.csv", index=False)
    frame.iloc[rows:].drop(columns="target").to_csv(folder / "test.csv", index=False)
    pd.DataFrame({"id": frame["id"].iloc[rows:], "target": "no"}).to_csv(
        folder / "sample_submission.csv", index=False)
    (folder / "description.md").write_text(
        "# Shop visits\n\nPredict whether a visitor buys (`target`). Submissions are evaluated "
        "on accuracy.\n", encoding="utf-8")
    return folder


def _rewrite(name: str, edit: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def apply(task: Path) -> None:
        edit(pd.read_csv(task / name)).to_csv(task / name, index=False)
    return apply


def _write(name: str, content: bytes | str) -> Callable[[Path], None]:
    def apply(task: Path) -> None:
        path = task / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return apply


def _remove(*names: str) -> Callable[[Path], None]:
    def apply(task: Path) -> None:
        for name in names:
            (task / name).unlink()
    return apply


def _directory_instead(name: str) -> Callable[[Path], None]:
    def apply(task: Path) -> None:
        (task / name).unlink()
        (task / name).mkdir()
        (task / name / "part.csv").write_text("a\n1\n")
    return apply


def _encode(name: str, encoding: str) -> Callable[[Path], None]:
    def apply(task: Path) -> None:
        text = (task / name).read_text(encoding="utf-8")
        if name.endswith(".csv"):  # a value only the other encoding writes this way
            text = text.replace("red", "rød")
        else:
            text += "\nCafé visitors, naïve ones too.\n"
        (task / name).write_bytes(text.encode(encoding))
    return apply


def _bom(name: str) -> Callable[[Path], None]:
    def apply(task: Path) -> None:
        (task / name).write_bytes(b"\xef\xbb\xbf" + (task / name).read_bytes())
    return apply


def _header_only(name: str) -> Callable[[Path], None]:
    def apply(task: Path) -> None:
        header = (task / name).read_text(encoding="utf-8").splitlines()[0]
        (task / name).write_text(header + "\n", encoding="utf-8")
    return apply


def _wide(task: Path) -> None:
    rng = np.random.default_rng(1)
    for name in ("train.csv", "test.csv"):
        frame = pd.read_csv(task / name)
        extra = pd.DataFrame(rng.normal(size=(len(frame), 10_000)).round(2),
                             columns=[f"f{i}" for i in range(10_000)])
        pd.concat([frame, extra], axis=1).to_csv(task / name, index=False)


def _semicolons(task: Path) -> None:
    for name in ("train.csv", "test.csv", "sample_submission.csv"):
        pd.read_csv(task / name).to_csv(task / name, index=False, sep=";")


@dataclass(frozen=True)
class Case:
    name: str
    what: str  # the fault, as the table says it
    args: tuple[str, ...]  # after the command; TASK and OUT are replaced
    code: int  # the expected exit code
    message: str  # what the one line (exit 2) or a warning line (exit 0) must contain
    break_task: Callable[[Path], None] | None = None
    command: str = "plan"
    task_name: str = "task"


PLAN = ("TASK", "--out", "OUT", "--no-probe", "--no-kb")
RUN = ("TASK", "--out", "OUT", "--no-kb")

CASES: tuple[Case, ...] = (
    # --- the folder ---
    Case("missing-folder", "the task folder does not exist", ("TASK/nope", "--no-probe"), 2,
         "does not exist"),
    Case("file-not-folder", "a file given as the task folder", ("TASK/train.csv", "--no-probe"), 2,
         "is not a folder"),
    Case("no-train", "train.csv missing", PLAN, 2, "lacks train.csv", _remove("train.csv")),
    Case("no-description", "description.md missing", PLAN, 2, "lacks description.md",
         _remove("description.md")),
    Case("no-files", "an empty folder", PLAN, 2,
         "lacks description.md, train.csv, test.csv, sample_submission.csv",
         _remove("description.md", "train.csv", "test.csv", "sample_submission.csv")),
    Case("train-is-folder", "a folder where train.csv should be", PLAN, 2,
         "train.csv is a folder; the task needs it as a file",
         _directory_instead("train.csv")),
    Case("description-is-folder", "a folder where description.md should be", PLAN, 2,
         "description.md is a folder; the task needs it as a file", _directory_instead("description.md")),
    Case("dangling-link", "train.csv a link to nothing", PLAN, 2,
         "train.csv is a link to gone.csv, which does not exist",
         lambda task: ((task / "train.csv").unlink(), (task / "train.csv").symlink_to("gone.csv"))),
    # --- the files ---
    Case("empty-train", "train.csv empty (0 bytes)", PLAN, 2, "train.csv is empty",
         _write("train.csv", b"")),
    Case("empty-sample", "sample_submission.csv empty (0 bytes)", PLAN, 2,
         "sample_submission.csv is empty", _write("sample_submission.csv", b"")),
    Case("header-only-train", "train.csv with a header and no rows", PLAN, 2,
         "train.csv has a header but no rows", _header_only("train.csv")),
    Case("header-only-test", "test.csv with a header and no rows", PLAN, 2,
         "test.csv has a header but no rows", _header_only("test.csv")),
    Case("header-only-sample", "sample_submission.csv with a header and no rows", PLAN, 2,
         "sample_submission.csv has a header but no rows", _header_only("sample_submission.csv")),
    Case("binary-train", "train.csv is binary junk", PLAN, 2,
         "train.csv is not a text file (it holds NUL bytes)",
         _write("train.csv", bytes(range(256)) * 20)),
    Case("ragged-train", "a train.csv row with too many fields", PLAN, 2,
         "train.csv is not a readable CSV: Error tokenizing data. C error: Expected 5 fields in line 122",
         lambda task: (task / "train.csv").write_text(
             (task / "train.csv").read_text() + "999,1,2,red,yes,extra,fields\n")),
    Case("open-quote", "a quote that never closes in test.csv", PLAN, 2, "test.csv",
         lambda task: (task / "test.csv").write_text(
             (task / "test.csv").read_text() + '999,1,"2,red\n')),
    Case("semicolons", "CSV files separated by semicolons", PLAN, 2,
         "train.csv looks separated by semicolons, not commas", _semicolons),
    Case("latin1-train", "train.csv in Latin-1", PLAN, 0, "train.csv is not UTF-8: read as",
         _encode("train.csv", "latin-1")),
    Case("utf16-test", "test.csv in UTF-16", PLAN, 0, "test.csv is not UTF-8: read as UTF-16",
         _encode("test.csv", "utf-16")),
    Case("bom-train", "train.csv with a UTF-8 byte order mark", PLAN, 0, "candidate", _bom("train.csv")),
    Case("latin1-description", "description.md with Latin-1 characters", PLAN, 0,
         "description.md is not UTF-8: read as", _encode("description.md", "latin-1")),
    Case("empty-description", "description.md empty", PLAN, 0,
         "names no metric that linguacodus knows", _write("description.md", b"")),
    Case("unknown-metric", "a metric linguacodus does not know", PLAN, 0,
         "names no metric that linguacodus knows",
         _write("description.md", "Scored on the Zorblax index.")),
    # --- ids and columns ---
    Case("duplicate-test-ids", "an id twice in test.csv", PLAN, 2,
         "test.csv: id '121' in column 'id' appears 2 times (lines 2 and 41)",
         _rewrite("test.csv", lambda f: f.assign(id=[f["id"].iloc[0], *f["id"].iloc[1:-1], 121]))),
    Case("sample-ids-differ", "sample_submission.csv ids that test.csv lacks", PLAN, 2,
         "sample_submission.csv", _rewrite("sample_submission.csv", lambda f: f.assign(id=f["id"] + 1000))),
    Case("sample-fewer-rows", "sample_submission.csv missing test rows", PLAN, 2,
         "sample_submission.csv", _rewrite("sample_submission.csv", lambda f: f.iloc[:-5])),
    Case("no-id-column", "sample_submission.csv whose columns name no id of test.csv", PLAN, 2,
         "sample_submission.csv",
         _rewrite("sample_submission.csv", lambda f: f.rename(columns={"id": "key"}))),
    Case("target-absent", "the predicted column in neither train.csv nor as classes", PLAN, 2,
         "no target derivable",
         _rewrite("sample_submission.csv", lambda f: f.rename(columns={"target": "label"}))),
    Case("target-all-missing", "the target empty in every train row", PLAN, 2, "has no values",
         _rewrite("train.csv", lambda f: f.assign(target=np.nan))),
    Case("target-some-missing", "the target empty in some train rows", PLAN, 0,
         "train rows have no 'target'; they are ignored",
         _rewrite("train.csv", lambda f: f.assign(target=f["target"].where(f.index % 7 > 0)))),
    Case("single-class", "one class only", PLAN, 2, "has a single value",
         _rewrite("train.csv", lambda f: f.assign(target="yes"))),
    Case("one-row", "train.csv with one row", PLAN, 2, "train.csv has 1 labelled row(s)",
         _rewrite("train.csv", lambda f: f.iloc[:1])),
    Case("test-extra-column", "a test.csv column that train.csv lacks", PLAN, 2,
         "test.csv has column(s) that train.csv lacks: extra",
         _rewrite("test.csv", lambda f: f.assign(extra=1))),
    Case("no-shared-features", "train and test share only the id", PLAN, 2,
         "share no usable feature",
         lambda task: (_rewrite("train.csv", lambda f: f[["id", "target"]])(task),
                       _rewrite("test.csv", lambda f: f[["id"]])(task))),
    Case("train-only-column", "a train.csv column test.csv lacks", PLAN, 0,
         "train-only column(s) not in test.csv are not used: leak",
         _rewrite("train.csv", lambda f: f.assign(leak=1))),
    Case("wide", "10,000 feature columns", PLAN, 0, "candidate", _wide),
    Case("odd-path", "a folder name with spaces and non-ASCII letters", PLAN, 0, "candidate",
         task_name="my tâsk ✓ (v2)"),
    # --- options ---
    Case("budget-zero", "--budget 0", (*RUN, "--budget", "0"), 2,
         "'--budget': Input should be greater than or equal to 10", command="run"),
    Case("budget-huge", "--budget 1e12", (*RUN, "--budget", "1e12"), 2,
         "'--budget': Input should be less than or equal to 604800", command="run"),
    Case("budget-negative", "--budget -5", (*RUN, "--budget", "-5"), 2, "'--budget'", command="run"),
    Case("memory-tiny", "--memory-mb 1", (*RUN, "--memory-mb", "1"), 2, "'--memory-mb'", command="run"),
    Case("out-exists", "--out an existing folder with files", PLAN, 2, "exists and is not empty",
         lambda task: ((task.parent / "out").mkdir(), (task.parent / "out" / "keep.txt").write_text("mine"))),
    Case("out-is-file", "--out an existing file", PLAN, 2, "is a file; choose another --out",
         lambda task: (task.parent / "out").write_text("mine")),
    Case("instruction-missing", "code --instruction with no such file",
         ("TASK", "--instruction", "TASK/none.md", "--out", "OUT"), 2, "does not exist", command="code"),
    Case("instruction-garbage", "code --instruction a file that is not an instruction",
         ("TASK", "--instruction", "TASK/train.csv", "--out", "OUT"), 2,
         "train.csv: the instruction has no '# Title' line", command="code"),
    Case("two-rows", "train.csv with two rows, one of each class", RUN[:3] + ("--budget", "20"), 2,
         "train.csv has 2 labelled row(s); cross-validation needs at least 20",
         _rewrite("train.csv", lambda f: f.iloc[[0, 1]].assign(target=["yes", "no"])), command="run"),
)


@dataclass(frozen=True)
class Outcome:
    code: int
    stderr: str
    stdout: str


def run_case(case: Case, root: Path, prepared: Path | None = None) -> tuple[Outcome, Path]:
    """Build the case's task folder under root (unless ``prepared``) and run the CLI on it
    in this process."""
    from linguacodus.cli import main

    task = prepared
    if task is None:
        task = good_task(root / case.task_name)
        if case.break_task is not None:
            case.break_task(task)
    out = root / "out"
    args = [a.replace("TASK", str(task)).replace("OUT", str(out)) for a in case.args]
    err, std = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["linguacodus", case.command, *args]
    try:
        with redirect_stderr(err), redirect_stdout(std):
            try:
                main()
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.argv = saved
    return Outcome(code, err.getvalue(), std.getvalue()), task


def first_line(outcome: Outcome, message: str) -> str:
    lines = [line for line in (outcome.stderr + outcome.stdout).splitlines() if message in line]
    return lines[0].strip() if lines else ""


def main() -> int:
    import tempfile

    print("| case | fault | exit | what the user reads |")
    print("|---|---|---|---|")
    for case in CASES:
        with tempfile.TemporaryDirectory() as root:
            outcome, _ = run_case(case, Path(root))
            shown = first_line(outcome, case.message) or outcome.stderr.strip().splitlines()[-1]
            if case.code == 0 and not shown.startswith("warning"):
                shown = "read; candidate instructions written"
            text = shown.replace(str(root), "…").replace("|", "\\|")
            print(f"| {case.name} | {case.what} | {outcome.code} | {text} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("COLUMNS", "200")
    sys.exit(main())
