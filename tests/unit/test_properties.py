"""Properties of spec inference and grading over generated tasks and submissions
(hypothesis): inference either refuses a task with a TaskError or gives a spec that agrees
with the data; grading never raises, ignores row order, scores the truth best and finds
every corrupted submission invalid."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import write_task
from linguacodus.grading import grade_against_answers
from linguacodus.metrics import METRICS
from linguacodus.spec import infer_spec
from linguacodus.task import TaskError, load_task

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAMES = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "Pd")), min_size=1,
                max_size=12).map(str.strip).filter(bool)
DESCRIPTIONS = st.sampled_from([
    "", "Scored on accuracy.", "Evaluated with ROC AUC.", "We use the log loss.",
    "Submissions are scored by RMSE.", "Mean absolute error.", "The Zorblax index decides.",
    "Scored with the multi-class logarithmic loss.", "F1 score of the positive class.",
])
TARGETS = st.sampled_from(["binary-labels", "binary-ints", "multiclass", "regression", "constant"])
SAMPLES = st.sampled_from(["label", "probability", "class-columns"])


def _target(kind: str, rows: int, rng: np.random.Generator) -> pd.Series:
    if kind == "binary-labels":
        return pd.Series(rng.choice(["no", "yes"], size=rows))
    if kind == "binary-ints":
        return pd.Series(rng.integers(0, 2, size=rows))
    if kind == "multiclass":
        return pd.Series(rng.choice(["a", "b", "c", "d"], size=rows))
    if kind == "regression":
        return pd.Series(rng.normal(10, 3, size=rows).round(3))
    return pd.Series(["same"] * rows)


@st.composite
def tasks(draw):
    rows = draw(st.integers(16, 120))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    names = draw(st.lists(NAMES, min_size=1, max_size=4, unique_by=str.lower))
    names = [n for n in names if n.lower() not in ("id", "target")] or ["x"]
    features = {}
    for name in names:
        kind = draw(st.sampled_from(["numeric", "categorical", "holey"]))
        column = (rng.normal(size=rows + 10).round(3) if kind != "categorical"
                  else rng.choice(["p", "q", "r"], size=rows + 10))
        if kind == "holey":
            column = np.where(rng.random(rows + 10) < 0.3, np.nan, column)
        features[name] = column
    frame = pd.DataFrame({"id": range(rows + 10), **features})
    target_kind, sample_kind = draw(TARGETS), draw(SAMPLES)
    train = frame.iloc[:rows].assign(target=_target(target_kind, rows, rng).to_numpy())
    test = frame.iloc[rows:].reset_index(drop=True)
    if sample_kind == "class-columns":
        classes = sorted(map(str, train["target"].unique()))
        sample = pd.DataFrame({"id": test["id"], **{c: 1 / len(classes) for c in classes}})
    else:
        sample = pd.DataFrame({"id": test["id"], "target": 0.5 if sample_kind == "probability"
                               else train["target"].iloc[0]})
    return train, test, sample, draw(DESCRIPTIONS)


@SETTINGS
@given(tasks())
def test_inference_refuses_clearly_or_agrees_with_the_data(task):
    train, test, sample, description = task
    with tempfile.TemporaryDirectory() as root:
        try:
            spec = infer_spec(load_task(write_task(Path(root) / "t", train, test, sample,
                                                   description)))
        except TaskError as refused:
            assert str(refused) and "\n" not in str(refused)
            event("refused")
            return
    event(f"{spec.task_type}, {spec.submission_format}")
    metric = METRICS[spec.metric]
    assert spec.target in train.columns and spec.id_column in test.columns
    assert spec.task_type in metric.task_types
    assert spec.higher_is_better == metric.higher_is_better
    labelled = train[spec.target].dropna()
    if spec.task_type == "regression":
        assert spec.submission_format == "value" and not spec.classes
    else:
        assert set(spec.classes) == set(labelled.astype(str))
        assert (spec.task_type == "binary") == (len(spec.classes) == 2)
        if spec.task_type == "binary":
            assert spec.positive_label in spec.classes
    if spec.submission_format in ("binary_probability", "class_probabilities"):
        assert spec.prediction_kind == "probability"
    if spec.submission_format == "class_probabilities":
        assert set(spec.class_columns) == set(spec.classes)
    if spec.submission_format == "label":
        assert spec.prediction_kind == "label"


KINDS = st.sampled_from(["binary-accuracy", "binary-auc", "binary-logloss", "multiclass-logloss",
                         "multiclass-accuracy", "regression-rmse", "regression-mae"])
DESCRIBED = {"binary-accuracy": ("binary-labels", "label", "Scored on accuracy."),
             "binary-auc": ("binary-labels", "probability", "Evaluated with ROC AUC."),
             "binary-logloss": ("binary-labels", "probability", "We use the log loss."),
             "multiclass-logloss": ("multiclass", "class-columns",
                                    "Scored with the multi-class logarithmic loss."),
             "multiclass-accuracy": ("multiclass", "label", "Scored on accuracy."),
             "regression-rmse": ("regression", "label", "Submissions are scored by RMSE."),
             "regression-mae": ("regression", "label", "Mean absolute error.")}
CORRUPTIONS = st.sampled_from(["drop-row", "repeat-id", "blank-value", "extra-column",
                               "foreign-id", "text-value", "no-rows"])


def _graded_task(kind: str, seed: int, root: Path):
    target_kind, sample_kind, description = DESCRIBED[kind]
    rng = np.random.default_rng(seed)
    rows = 60
    frame = pd.DataFrame({"id": range(rows + 30), "x": rng.normal(size=rows + 30).round(3)})
    truth = _target(target_kind, rows + 30, rng)
    train = frame.iloc[:rows].assign(target=truth.iloc[:rows].to_numpy())
    test = frame.iloc[rows:].reset_index(drop=True)
    if sample_kind == "class-columns":
        sample = pd.DataFrame({"id": test["id"], **{c: 0.25 for c in "abcd"}})
    else:
        sample = pd.DataFrame({"id": test["id"], "target": 0.5 if sample_kind == "probability"
                               else train["target"].iloc[0]})
    task = load_task(write_task(root / "t", train, test, sample, description))
    answers = pd.DataFrame({"id": test["id"], "target": truth.iloc[rows:].to_numpy()})
    return infer_spec(task), task.sample_submission, answers, rng


def _submission(spec, answers: pd.DataFrame, rng: np.random.Generator, perfect: bool):
    ids = answers["id"]
    truth = answers["target"].astype(str)
    if spec.submission_format == "value":
        values = answers["target"] if perfect else answers["target"] + rng.normal(0, 3, len(ids))
        return pd.DataFrame({"id": ids, "target": values})
    if spec.submission_format == "label":
        labels = truth if perfect else pd.Series(rng.choice(spec.classes, len(ids)))
        return pd.DataFrame({"id": ids, "target": labels.to_numpy()})
    if spec.submission_format == "binary_probability":
        hit = (truth == spec.positive_label).astype(float).to_numpy()
        return pd.DataFrame({"id": ids, "target": hit if perfect else rng.random(len(ids))})
    probabilities = {c: (truth == c).astype(float).to_numpy() if perfect else rng.random(len(ids))
                     for c in spec.classes}
    frame = pd.DataFrame({"id": ids, **{spec.class_columns[c]: v for c, v in probabilities.items()}})
    if not perfect:
        columns = [spec.class_columns[c] for c in spec.classes]
        frame[columns] = frame[columns].div(frame[columns].sum(axis=1), axis=0)
    return frame


def _grade(spec, frame: pd.DataFrame, sample, answers, root: Path, name: str):
    path = root / f"{name}.csv"
    frame.to_csv(path, index=False)
    return grade_against_answers(spec, path, sample, answers)


@SETTINGS
@given(KINDS, st.integers(0, 2**16))
def test_grading_ignores_order_and_scores_the_truth_best(kind, seed):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        spec, sample, answers, rng = _graded_task(kind, seed, root)
        guess = _submission(spec, answers, rng, perfect=False)
        graded = _grade(spec, guess, sample, answers, root, "guess")
        shuffled = _grade(spec, guess.sample(frac=1, random_state=seed), sample, answers, root,
                          "shuffled")
        perfect = _grade(spec, _submission(spec, answers, rng, perfect=True), sample, answers,
                         root, "perfect")
    assert graded.valid and shuffled.valid and perfect.valid, (graded.reason, perfect.reason)
    assert np.isclose(graded.cv_score, shuffled.cv_score)
    if spec.higher_is_better:
        assert perfect.cv_score >= graded.cv_score
    else:
        assert perfect.cv_score <= graded.cv_score


@SETTINGS
@given(KINDS, CORRUPTIONS, st.integers(0, 2**16))
def test_every_corrupted_submission_is_invalid_with_a_reason(kind, corruption, seed):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        spec, sample, answers, rng = _graded_task(kind, seed, root)
        frame = _submission(spec, answers, rng, perfect=False).astype(object)
        row = int(rng.integers(0, len(frame)))
        column = frame.columns[-1]
        if corruption == "drop-row":
            frame = frame.drop(index=row)
        elif corruption == "repeat-id":
            frame.loc[row, "id"] = frame.loc[(row + 1) % len(frame), "id"]
        elif corruption == "blank-value":
            frame.loc[row, column] = ""
        elif corruption == "extra-column":
            frame["extra"] = 1
        elif corruption == "foreign-id":
            frame.loc[row, "id"] = 10**6
        elif corruption == "text-value":
            frame.loc[row, column] = "not a prediction"
        else:
            frame = frame.iloc[:0]
        grade = _grade(spec, frame, sample, answers, root, "corrupt")
    assert not grade.valid and grade.reason
