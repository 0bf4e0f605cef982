"""Shared fixtures: small task folders built in tmp_path (nothing is downloaded)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "llm"))  # the scripted LLM server and its responders
EXAMPLES = REPO / "examples" / "tasks"


def write_task(folder: Path, train: pd.DataFrame, test: pd.DataFrame, sample: pd.DataFrame,
               description: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "description.md").write_text(description, encoding="utf-8")
    train.to_csv(folder / "train.csv", index=False)
    test.to_csv(folder / "test.csv", index=False)
    sample.to_csv(folder / "sample_submission.csv", index=False)
    return folder


def rare_class_task(folder: Path, colour: bool = False) -> Path:
    """Classes a, b and c and one row of "aa" ("aa" sorts second: a fold or a probe's
    subsample without it has a gap in its class codes); the test rows hold no "aa".
    colour: a categorical column with missing values too."""
    rng = np.random.default_rng(4)
    labels = np.array(["a"] * 600 + ["b"] * 500 + ["c"] * 399 + ["aa"])
    frame = pd.DataFrame({"id": range(1500), "x": rng.normal(size=1500) + (labels == "b"),
                          "z": rng.normal(size=1500) + 2 * (labels == "c"), "label": labels})
    if colour:
        frame.insert(2, "colour", rng.choice(["red", "blue", None], 1500))
    frame = frame.sample(frac=1.0, random_state=0).reset_index(drop=True)
    train, test = frame.iloc[:1200], frame.iloc[1200:].drop(columns=["label"])
    train = pd.concat([train, frame[frame["label"] == "aa"]]).drop_duplicates("id")
    test = test[~test["id"].isin(train["id"])]
    sample = pd.DataFrame({"id": test["id"], **{c: 0.25 for c in ("a", "b", "c", "aa")}})
    return write_task(folder, train, test, sample, "Multi-class log loss.")


def store_sales_task(folder: Path, seed: int = 5, whole_units: bool = False) -> Path:
    """Sales driven by which of 150 stores sold them (effects sd 3, price 2, noise 1): a
    high-cardinality category with missing values in train and test, and stores in the test
    that training lacks. whole_units: an integer target (20 + the rest, rounded)."""
    rng = np.random.default_rng(seed)
    n = 1800
    effect = rng.normal(scale=3.0, size=160)
    store = rng.integers(0, 160, n)
    store[:1500] = store[:1500] % 150  # stores 150..159 appear only in the test rows
    frame = pd.DataFrame({"id": range(n), "price": rng.normal(size=n),
                          "store": [f"s{s}" for s in store]})
    frame["sales"] = effect[store] + 2.0 * frame["price"] + rng.normal(size=n)
    if whole_units:
        frame["sales"] = np.round(20 + frame["sales"])
    frame.loc[frame.index % 11 == 0, "store"] = np.nan
    train, test = frame.iloc[:1500], frame.iloc[1500:].drop(columns=["sales"])
    sample = pd.DataFrame({"id": test["id"], "sales": 0.0})
    return write_task(folder, train, test, sample, "Scored by RMSE.")


def tabular_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """Numeric, categorical (with missing values) and a learnable signal."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "id": np.arange(1, n + 1),
        "x1": rng.normal(size=n),
        "x2": rng.normal(size=n),
        "colour": rng.choice(["red", "green", "blue"], size=n),
        "size": rng.choice(["S", "M", "L", None], size=n),
    })
    frame.loc[rng.random(n) < 0.1, "x2"] = np.nan
    frame["signal"] = frame["x1"] * 2 + (frame["colour"] == "red") * 1.5 + rng.normal(0, 0.5, n)
    return frame


def make_task(tmp_path: Path, kind: str, n: int = 240, metric_sentence: str | None = None,
              name: str | None = None) -> Path:
    """A task folder of a given kind: binary, binary_proba, multiclass, multiclass_proba,
    ranking, regression, regression_log, text, datetime."""
    frame = tabular_frame(n)
    signal = frame.pop("signal")
    description = "# Synthetic task\n\n## Evaluation\n\n{}\n"
    if kind in ("binary", "binary_proba"):
        frame["target"] = np.where(signal > signal.median(), "yes", "no")
        metric = "Submissions are evaluated on accuracy." if kind == "binary" else \
            "Submissions are evaluated on area under the ROC curve."
        placeholder = "no" if kind == "binary" else 0.5
    elif kind in ("multiclass", "ranking", "multiclass_proba"):
        frame["target"] = pd.cut(signal, 4, labels=["a", "b", "c", "d"]).astype(str)
        metric = {"multiclass": "The metric is macro F1.",
                  "ranking": "Submissions are scored with MAP@3.",
                  "multiclass_proba": "Scored with multi-class log loss."}[kind]
        placeholder = "a" if kind == "multiclass" else "a b c"
    elif kind in ("regression", "regression_log"):
        frame["target"] = np.exp(signal / 3) * 10 if kind == "regression_log" else signal
        metric = ("Submissions are scored on RMSLE." if kind == "regression_log"
                  else "Submissions are scored on mean absolute error.")
        placeholder = 1.0
    elif kind == "text":
        words = np.array(["great", "awful", "fine", "okay", "terrible", "lovely", "bad", "good"])
        rng = np.random.default_rng(1)
        positive = signal > signal.median()
        frame["review"] = [
            " ".join(rng.choice(words[[0, 5, 7, 2]] if p else words[[1, 4, 6, 3]], size=8))
            + " the product arrived" for p in positive
        ]
        frame["target"] = positive.astype(int)
        metric = "Submissions are evaluated using the F1 score."
        placeholder = 0
    elif kind == "datetime":
        start = pd.Timestamp("2020-01-01")
        frame["date"] = [(start + pd.Timedelta(days=int(i))).strftime("%Y-%m-%d") for i in range(n)]
        frame["target"] = signal + np.arange(n) / n * 3
        metric = "Scored by root mean squared error."
        placeholder = 0.0
    else:
        raise ValueError(kind)
    if metric_sentence is not None:
        metric = metric_sentence
    cut = int(n * 0.75)
    train, test = frame.iloc[:cut], frame.iloc[cut:].drop(columns=["target"])
    if kind == "multiclass_proba":
        sample = pd.DataFrame({"id": test["id"], **{c: 0.25 for c in "abcd"}})
    else:
        sample = pd.DataFrame({"id": test["id"], "target": placeholder})
    return write_task(tmp_path / (name or kind), train, test, sample, description.format(metric))


@pytest.fixture
def task_factory(tmp_path):
    def build(kind: str, **kwargs) -> Path:
        return make_task(tmp_path, kind, **kwargs)
    return build


@pytest.fixture
def scripted():
    """A chat-completions server on 127.0.0.1 replaying scripted answers (tests/llm)."""
    from scripted_server import ScriptedLLM

    with ScriptedLLM() as server:
        yield server


@pytest.fixture
def llm_settings(tmp_path: Path):
    """Settings for runs against the scripted server: short timeouts, no backoff, a cache
    in tmp_path."""
    from linguacodus.llm.config import LLMSettings

    return LLMSettings(timeout=1.0, max_retries=2, backoff=0.01, cache_dir=tmp_path / "llm-cache")


def cv_scores(task, spec, instructions: dict, folder: Path) -> dict:
    """Compile and run each named instruction in the sandbox; their CV scores by name
    (each run must succeed and grade valid)."""
    from linguacodus.codegen.compiler import compile_solution
    from linguacodus.grading import grade_attempt
    from linguacodus.sandbox import Limits, run_script

    scores = {}
    for name, instruction in instructions.items():
        execution = run_script(compile_solution(spec, instruction).script, folder / name,
                               task.path, Limits(120))
        assert execution.ok, execution.stderr_tail
        grade = grade_attempt(spec, folder / name, task.train, task.sample_submission)
        assert grade.valid, grade.reason
        scores[name] = grade.cv_score
    return scores


@pytest.fixture
def data_dir(tmp_path):
    """A task data folder for a sandboxed script: input/train.csv holds 'a,b / 1,2'."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "train.csv").write_text("a,b\n1,2\n")
    return folder
