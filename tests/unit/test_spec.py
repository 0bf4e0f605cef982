import numpy as np
import pandas as pd
import pytest

from conftest import write_task
from linguacodus.spec import ColumnRole, infer_role, infer_spec
from linguacodus.task import TaskError, load_task


def spec_of(path):
    return infer_spec(load_task(path))


def test_binary_labels_keep_their_form(task_factory):
    spec = spec_of(task_factory("binary"))
    assert spec.task_type == "binary"
    assert spec.target == "target" and spec.id_column == "id" and spec.train_has_id
    assert spec.metric == "accuracy" and spec.prediction_kind == "label"
    assert spec.submission_format == "label"
    assert spec.classes == ("no", "yes") and spec.positive_label == "yes"


def test_binary_probability(task_factory):
    spec = spec_of(task_factory("binary_proba"))
    assert spec.metric == "roc_auc" and spec.submission_format == "binary_probability"


def test_multiclass_with_one_probability_column_per_class(task_factory):
    spec = spec_of(task_factory("multiclass_proba"))
    assert spec.task_type == "multiclass" and spec.target == "target"
    assert spec.submission_format == "class_probabilities"
    assert spec.class_columns == {c: c for c in "abcd"}
    assert spec.metric == "multiclass_log_loss"


def test_ranking_and_regression(task_factory):
    ranking = spec_of(task_factory("ranking"))
    assert ranking.submission_format == "ranking" and ranking.metric_k == 3
    regression = spec_of(task_factory("regression_log"))
    assert regression.task_type == "regression" and regression.metric == "rmsle"
    assert regression.target_min > 0


def test_column_roles(task_factory):
    spec = spec_of(task_factory("text"))
    assert spec.columns["review"] == ColumnRole.TEXT
    assert spec.columns["colour"] == ColumnRole.CATEGORICAL
    assert spec.columns["x1"] == ColumnRole.NUMERIC
    dated = spec_of(task_factory("datetime"))
    assert dated.columns["date"] == ColumnRole.DATETIME


@pytest.mark.parametrize("values,name,role", [
    (pd.Series(np.arange(100)), "row_id", ColumnRole.IDENTIFIER),
    (pd.Series(np.arange(100)), "count", ColumnRole.NUMERIC),
    (pd.Series([True, False] * 50), "flag", ColumnRole.CATEGORICAL),
    (pd.Series(["x"] * 100), "const", ColumnRole.CONSTANT),
    (pd.Series([f"user{i}" for i in range(100)]), "handle", ColumnRole.IDENTIFIER),
    (pd.Series(["2021-03-04 10:00", "2022-01-01 11:30"] * 50), "when", ColumnRole.DATETIME),
    # Names of three or more words (shorter than 25 characters) with many values: their words
    # are features.
    (pd.Series([f"{place} State College {city}" for place in ("Alabama", "Texas", "Ohio")
                for city in range(40)]), "inst_name", ColumnRole.TEXT),
    # A few repeated phrases are categories however many words they have.
    (pd.Series(["1. < HS Grad", "2. HS Grad", "4. College Grad"] * 40), "education",
     ColumnRole.CATEGORICAL),
    # Many values of one or two words (pet names, cities) stay categories.
    (pd.Series([f"Rex {i}" for i in range(120)] * 2), "animal_name", ColumnRole.CATEGORICAL),
])
def test_infer_role(values, name, role):
    assert infer_role(values, name) == role


def test_integer_target_without_metric_is_classes_and_warns(tmp_path):
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"id": range(100), "x": rng.normal(size=100), "grade": rng.integers(1, 6, 100)})
    test = pd.DataFrame({"id": range(100, 120), "x": rng.normal(size=20)})
    sample = pd.DataFrame({"id": test["id"], "grade": 3})
    spec = spec_of(write_task(tmp_path / "t", train, test, sample, "# Predict the grade\n"))
    assert spec.task_type == "multiclass"
    assert spec.metric == "accuracy" and spec.metric_phrase is None
    assert any("names no metric" in w for w in spec.warnings)


def test_bool_target_kept_as_true_false(tmp_path):
    train = pd.DataFrame({"id": range(60), "x": range(60), "flag": [True, False] * 30})
    test = pd.DataFrame({"id": range(60, 70), "x": range(10)})
    sample = pd.DataFrame({"id": test["id"], "flag": False})
    spec = spec_of(write_task(tmp_path / "t", train, test, sample, "Scored on accuracy."))
    assert spec.classes == ("False", "True") and spec.positive_label == "True"


def test_train_without_id_column(tmp_path):
    train = pd.DataFrame({"x": range(60), "y": [0.5 * i for i in range(60)]})
    test = pd.DataFrame({"id": range(10), "x": range(10)})
    sample = pd.DataFrame({"id": test["id"], "y": 0.0})
    spec = spec_of(write_task(tmp_path / "t", train, test, sample, "RMSE."))
    assert not spec.train_has_id and spec.task_type == "regression"


@pytest.mark.parametrize("breakage,message", [
    ("no_folder", "does not exist"),
    ("missing_test", "lacks test.csv"),
    ("empty_train", "train.csv is empty"),
    ("header_only", "has a header but no rows"),
    ("bad_csv", "not a readable CSV"),
    ("no_target", "no target derivable"),
    ("extra_test_column", "test.csv has column(s) that train.csv lacks: surprise"),
    ("single_value_target", "single value"),
    ("no_shared_id", "no id column"),
    ("duplicate_test_id", "appears 2 times (lines 2 and 3); each test row needs its own id"),
    ("sample_lacks_ids", "sample_submission.csv does not list the ids of test.csv: 1 test id(s)"),
    ("sample_has_other_ids", "1 of its id(s) are not in test.csv, e.g. '99999'"),
])
def test_bad_input_gives_one_line_errors(task_factory, tmp_path, breakage, message):
    path = task_factory("binary")
    if breakage == "no_folder":
        path = tmp_path / "nowhere"
    elif breakage == "missing_test":
        (path / "test.csv").unlink()
    elif breakage == "empty_train":
        (path / "train.csv").write_text("")
    elif breakage == "header_only":
        (path / "train.csv").write_text("id,x1,x2,colour,size,target\n")
    elif breakage == "bad_csv":
        (path / "train.csv").write_text('id,x\n1,"unterminated\n2,3,4,5\n')
    elif breakage == "no_target":
        sample = pd.read_csv(path / "sample_submission.csv").rename(columns={"target": "other"})
        sample.to_csv(path / "sample_submission.csv", index=False)
    elif breakage == "extra_test_column":
        test = pd.read_csv(path / "test.csv")
        test["surprise"] = 1
        test.to_csv(path / "test.csv", index=False)
    elif breakage == "single_value_target":
        train = pd.read_csv(path / "train.csv")
        train["target"] = "yes"
        train.to_csv(path / "train.csv", index=False)
    elif breakage == "no_shared_id":
        sample = pd.read_csv(path / "sample_submission.csv").rename(columns={"id": "key"})
        sample.to_csv(path / "sample_submission.csv", index=False)
    elif breakage == "duplicate_test_id":
        test = pd.read_csv(path / "test.csv")
        test.loc[1, "id"] = test.loc[0, "id"]
        test.to_csv(path / "test.csv", index=False)
    elif breakage in ("sample_lacks_ids", "sample_has_other_ids"):
        sample = pd.read_csv(path / "sample_submission.csv")
        if breakage == "sample_lacks_ids":
            sample = sample.iloc[1:]
        else:
            sample.loc[len(sample)] = [99999, sample.iloc[0, 1]]
        sample.to_csv(path / "sample_submission.csv", index=False)
    with pytest.raises(TaskError) as raised:
        spec_of(path)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_examples_are_understood():
    from conftest import EXAMPLES

    kinds = {p.name: spec_of(p) for p in EXAMPLES.iterdir()}
    assert kinds["penguins"].submission_format == "class_probabilities"
    assert kinds["churn"].metric == "roc_auc" and kinds["churn"].positive_label == "Yes"
    assert kinds["carseats"].metric == "rmse" and kinds["carseats"].task_type == "regression"


def test_positive_class_named_by_the_description(tmp_path):
    train = pd.DataFrame({"id": range(100), "x": range(100),
                          "score": ["great"] * 70 + ["other"] * 30})
    test = pd.DataFrame({"id": range(100, 110), "x": range(10)})
    sample = pd.DataFrame({"id": test["id"], "score": 0.5})
    described = ("## Evaluation\n\nAUC between the predicted probability that\n"
                 "`score` is `great` and the label.")
    assert spec_of(write_task(tmp_path / "a", train, test, sample, described)).positive_label == "great"
    silent = "## Evaluation\n\nArea under the ROC curve."
    assert spec_of(write_task(tmp_path / "b", train, test, sample, silent)).positive_label == "other"


def _titles_task(folder, test_titles_seen: bool):
    rng = np.random.default_rng(0)
    titles = [f"The {word} of Night {i}" for word in ("Return", "Edge", "Song") for i in range(40)]
    train = pd.DataFrame({"id": range(600), "title": rng.choice(titles, 600),
                          "x": rng.normal(size=600)})
    train["y"] = train["x"] + rng.normal(size=600)
    new_titles = [f"A {word} Beyond Time {i}" for word in ("Road", "Gate") for i in range(30)]
    test_titles = rng.choice(titles if test_titles_seen else new_titles, 100)
    test = pd.DataFrame({"id": range(600, 700), "title": test_titles, "x": rng.normal(size=100)})
    sample = pd.DataFrame({"id": test["id"], "y": 0.0})
    return spec_of(write_task(folder, train, test, sample, "# Predict y\n\nMetric: RMSE.\n"))


def test_a_phrase_column_is_text_where_the_test_brings_new_values(tmp_path):
    # New titles: only their words carry over from training, so TF-IDF reads them.
    assert _titles_task(tmp_path / "new", test_titles_seen=False).columns["title"] == ColumnRole.TEXT
    # Titles training has (a film's title repeated over its ratings): the value is a category.
    seen = _titles_task(tmp_path / "seen", test_titles_seen=True)
    assert seen.columns["title"] == ColumnRole.CATEGORICAL


def _labelled(tmp_path, sample_value, description, classes=("no", "yes")):
    rng = np.random.default_rng(1)
    train = pd.DataFrame({"id": range(80), "x": rng.normal(size=80),
                          "target": [classes[i % len(classes)] for i in range(80)]})
    test = pd.DataFrame({"id": range(80, 100), "x": rng.normal(size=20)})
    if isinstance(sample_value, dict):
        sample = pd.DataFrame({"id": test["id"], **sample_value})
    else:
        sample = pd.DataFrame({"id": test["id"], "target": sample_value})
    return spec_of(write_task(tmp_path / "t", train, test, sample, description))


def test_unknown_metric_with_a_probability_sample_scores_probabilities(tmp_path):
    spec = _labelled(tmp_path, 0.5, "# Churn\n\nScored with the Zorblax coefficient.\n")
    assert spec.metric == "log_loss" and spec.submission_format == "binary_probability"
    assert ("the description names no metric that linguacodus knows; sample_submission.csv "
            "holds probabilities, so assuming Log loss (lower is better)") in spec.warnings


def test_no_description_with_one_probability_column_per_class(tmp_path):
    spec = _labelled(tmp_path, {"a": 0.25, "b": 0.25, "c": 0.5}, "", classes=("a", "b", "c"))
    assert spec.metric == "multiclass_log_loss"
    assert spec.submission_format == "class_probabilities" and spec.class_columns == {
        "a": "a", "b": "b", "c": "c"}


def test_label_sample_without_a_metric_stays_accuracy(tmp_path):
    spec = _labelled(tmp_path, "no", "# Churn\n")
    assert spec.metric == "accuracy" and spec.submission_format == "label"


def test_a_named_label_metric_over_a_probability_sample_is_kept_with_a_warning(tmp_path):
    spec = _labelled(tmp_path, 0.5, "Submissions are evaluated on accuracy.")
    assert spec.metric == "accuracy" and spec.submission_format == "label"
    assert any("holds probabilities but Accuracy" in w for w in spec.warnings)
