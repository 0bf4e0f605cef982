import numpy as np
import pandas as pd
import pytest

from linguacodus.grading import canonical, grade_against_answers, grade_attempt
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


@pytest.fixture
def binary(task_factory):
    task = load_task(task_factory("binary_proba"))
    return task, infer_spec(task)


def write_good_files(task, spec, folder):
    folder.mkdir(exist_ok=True)
    truth = (task.train["target"] == "yes").astype(float)
    oof = pd.DataFrame({"id": task.train["id"], "target": truth * 0.8 + 0.1})
    oof.to_csv(folder / "oof.csv", index=False)
    pd.DataFrame({"id": task.test["id"], "target": 0.5}).to_csv(folder / "submission.csv", index=False)


def test_valid_attempt_is_scored_by_the_harness(binary, tmp_path):
    task, spec = binary
    write_good_files(task, spec, tmp_path)
    grade = grade_attempt(spec, tmp_path, task.train, task.sample_submission)
    assert grade.valid and grade.cv_score == pytest.approx(1.0) and grade.oof_coverage == 1.0


def test_submission_rows_may_come_in_any_order(binary, tmp_path):
    task, spec = binary
    write_good_files(task, spec, tmp_path)
    sub = pd.read_csv(tmp_path / "submission.csv").iloc[::-1]
    sub[["target", "id"]].to_csv(tmp_path / "submission.csv", index=False)  # columns swapped too
    assert grade_attempt(spec, tmp_path, task.train, task.sample_submission).valid


def _edit_submission(folder, change):
    frame = pd.read_csv(folder / "submission.csv")
    change(frame).to_csv(folder / "submission.csv", index=False)


BREAKAGES = {
    "missing submission": (lambda f: (f / "submission.csv").unlink(), "submission.csv was not written"),
    "missing oof": (lambda f: (f / "oof.csv").unlink(), "oof.csv was not written"),
    "unreadable": (lambda f: (f / "submission.csv").write_bytes(b'id,target\n1,"x\n2,3,4\n'),
                   "not a readable CSV"),
    "wrong columns": (lambda f: _edit_submission(f, lambda s: s.rename(columns={"target": "y"})),
                      "columns"),
    "missing ids": (lambda f: _edit_submission(f, lambda s: s.iloc[1:]), "rows"),
    "duplicate ids": (lambda f: _edit_submission(
        f, lambda s: s.assign(id=[s["id"].iloc[0]] * len(s))), "repeats id"),
    "foreign ids": (lambda f: _edit_submission(f, lambda s: s.assign(id=s["id"] + 10_000)), "lacks"),
    "nan": (lambda f: _edit_submission(f, lambda s: s.assign(target=np.nan)), "not a finite number"),
    "inf": (lambda f: _edit_submission(f, lambda s: s.assign(target=np.inf)), "not a finite number"),
    "probability out of range": (lambda f: _edit_submission(f, lambda s: s.assign(target=1.5)),
                                 "outside [0, 1]"),
    "oof unknown ids": (lambda f: pd.read_csv(f / "oof.csv").assign(id=lambda o: o["id"] + 10_000)
                        .to_csv(f / "oof.csv", index=False), "not a labelled training row"),
    "oof too few rows": (lambda f: pd.read_csv(f / "oof.csv").head(5).to_csv(f / "oof.csv", index=False),
                         "at least"),
    "oof no key": (lambda f: pd.read_csv(f / "oof.csv").drop(columns="id").to_csv(f / "oof.csv", index=False),
                   "key column"),
}


@pytest.mark.parametrize("name", BREAKAGES)
def test_each_invalid_kind_has_a_reason(binary, tmp_path, name):
    task, spec = binary
    write_good_files(task, spec, tmp_path)
    breakage, message = BREAKAGES[name]
    breakage(tmp_path)
    grade = grade_attempt(spec, tmp_path, task.train, task.sample_submission)
    assert not grade.valid
    assert message in grade.reason


def test_unknown_labels_are_invalid(task_factory, tmp_path):
    task = load_task(task_factory("binary"))
    spec = infer_spec(task)
    oof = pd.DataFrame({"id": task.train["id"], "target": task.train["target"]})
    oof.to_csv(tmp_path / "oof.csv", index=False)
    pd.DataFrame({"id": task.test["id"], "target": "maybe"}).to_csv(tmp_path / "submission.csv", index=False)
    grade = grade_attempt(spec, tmp_path, task.train, task.sample_submission)
    assert not grade.valid and "not among the training classes" in grade.reason


def test_label_forms_are_compared_canonically():
    assert canonical("1.0") == canonical(1) == "1"
    assert canonical("true") == canonical(True) == "True"
    assert canonical(" yes ") == "yes"
    assert canonical("0.25") == "0.25"


def test_held_out_grading_against_answers(binary, tmp_path):
    task, spec = binary
    answers = pd.DataFrame({"id": task.test["id"], "target": ["yes", "no"] * (len(task.test) // 2)})
    submission = pd.DataFrame({"id": task.test["id"], "target": (answers["target"] == "yes") * 0.9})
    submission.to_csv(tmp_path / "submission.csv", index=False)
    grade = grade_against_answers(spec, tmp_path / "submission.csv", task.sample_submission, answers)
    assert grade.valid and grade.cv_score == pytest.approx(1.0)
