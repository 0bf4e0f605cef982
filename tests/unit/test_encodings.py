"""Task files that are not UTF-8: read in the encoding their bytes show, with a warning, and
the generated script reads them the same way."""

import pandas as pd
import pytest

from conftest import write_task
from linguacodus.codegen.compiler import compile_solution
from linguacodus.grading import grade_attempt
from linguacodus.instruction import Instruction, make_step
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import infer_spec
from linguacodus.task import TaskError, load_task, text_encoding


def _frames(n=120):
    cities = ["Zürich", "Besançon", "Málaga", "Köln"]
    train = pd.DataFrame({"id": range(n), "city": [cities[i % 4] for i in range(n)],
                          "x": [float(i % 7) for i in range(n)]})
    train["target"] = train["x"] * 2 + train["city"].map({c: i for i, c in enumerate(cities)})
    test = train.iloc[:30].drop(columns="target").assign(id=range(n, n + 30))
    return train, test, pd.DataFrame({"id": test["id"], "target": 0.0})


@pytest.mark.parametrize("encoding,name", [("cp1252", "Windows-1252"), ("utf-16", "UTF-16"),
                                           ("utf-8-sig", None)])
def test_csv_files_in_other_encodings_are_read_and_the_script_reads_them_too(
        tmp_path, encoding, name):
    train, test, sample = _frames()
    folder = write_task(tmp_path / "task", train, test, sample, "Scored on RMSE.")
    for file, frame in (("train.csv", train), ("test.csv", test)):
        frame.to_csv(folder / file, index=False, encoding=encoding)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    task = load_task(folder)
    assert sorted(task.train["city"].unique()) == sorted(train["city"].unique())
    spec = infer_spec(task)
    if name is None:  # a UTF-8 byte order mark is UTF-8
        assert spec.encodings == {} and not spec.warnings
        return
    assert spec.encodings == {"train.csv": encoding, "test.csv": encoding}
    assert f"train.csv is not UTF-8: read as {name}" in spec.warnings
    instruction = Instruction(title="t", preprocessing=(make_step("encode_categorical"),),
                              model=(make_step("lightgbm", n_estimators=30),))
    script = compile_solution(spec, instruction).script
    assert f'pd.read_csv("input/train.csv", encoding="{encoding}")' in script
    assert 'pd.read_csv("input/sample_submission.csv")' in script  # UTF-8 stays as it was
    execution = run_script(script, tmp_path / "run", task.path, Limits(120))
    assert execution.ok, execution.stderr_tail
    assert grade_attempt(spec, tmp_path / "run", task.train, task.sample_submission).valid
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing rewritten


def test_a_description_in_latin_1_is_read_with_a_warning(tmp_path):
    train, test, sample = _frames()
    folder = write_task(tmp_path / "task", train, test, sample, "x")
    (folder / "description.md").write_bytes("# Prix à Besançon\n\nScored on RMSE.".encode("cp1252"))
    task = load_task(folder)
    assert "Besançon" in task.description
    assert "description.md is not UTF-8: read as Windows-1252" in infer_spec(task).warnings
    assert infer_spec(task).metric == "rmse"


def test_the_encoding_is_told_from_the_bytes():
    assert text_encoding("é".encode("utf-16")) == "utf-16"
    assert text_encoding("€é".encode("cp1252")) == "cp1252"
    assert text_encoding(bytes([0x81, 0x8d])) == "latin-1"  # undefined in Windows-1252


def test_a_csv_that_no_encoding_makes_readable_is_one_line(tmp_path):
    train, test, sample = _frames()
    folder = write_task(tmp_path / "task", train, test, sample, "RMSE.")
    (folder / "train.csv").write_bytes(b"\xff\xfe" + b"\x00\xd8")  # UTF-16 with a lone surrogate
    with pytest.raises(TaskError) as raised:
        load_task(folder)
    assert "train.csv" in str(raised.value) and "\n" not in str(raised.value)
