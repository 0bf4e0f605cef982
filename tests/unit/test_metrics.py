import numpy as np
import pytest

from linguacodus.metrics import METRICS, default_metric, find_metric, get_metric

PHRASES = [
    ("Submissions are evaluated on area under the ROC curve between the predicted "
     "probability and the observed target.", "roc_auc"),
    ("The evaluation metric is AUC.", "roc_auc"),
    ("We use ROC-AUC.", "roc_auc"),
    ("Scored by AUROC.", "roc_auc"),
    ("Submissions are evaluated using the multi-class logarithmic loss.", "multiclass_log_loss"),
    ("Metric: multiclass log loss", "multiclass_log_loss"),
    ("evaluated with categorical cross-entropy", "multiclass_log_loss"),
    ("Submissions are evaluated on log loss.", "log_loss"),
    ("The metric is logarithmic loss between predictions and labels.", "log_loss"),
    ("binary cross-entropy is the score", "log_loss"),
    ("Submissions are evaluated on categorization accuracy.", "accuracy"),
    ("Your score is the percentage of correct predictions (accuracy).", "accuracy"),
    ("Evaluated using the F1 score between predicted and expected answers.", "f1"),
    ("The metric is F1.", "f1"),
    ("Submissions are scored on the macro F1 score.", "f1_macro"),
    ("We compute the macro-averaged F1 score.", "f1_macro"),
    # Macro averaging said in prose, without the word "macro".
    ("We take the F1 of every one of the five classes and report their mean.", "f1_macro"),
    ("Your score is an F1 score per class, averaged over\nthe classes with equal weight.",
     "f1_macro"),
    ("The leaderboard shows the unweighted mean of the per-class F1 scores.", "f1_macro"),
    # Averaged by class size is not macro averaging; there is no weighted F1 here, so F1.
    ("An F1 score for each class, averaged weighted by the number of true rows.", "f1"),
    ("Submissions are evaluated on Root-Mean-Squared-Error (RMSE) between the logarithm of "
     "the predicted value and the logarithm of the observed sales price.", "rmse_log"),
    ("Submissions are scored on the root mean squared error.", "rmse"),
    ("Metric: RMSE", "rmse"),
    ("Submissions are evaluated on the Root Mean Squared Logarithmic Error.", "rmsle"),
    ("The score is RMSLE.", "rmsle"),
    ("The metric is the root mean squared error between the logarithms of (1 + predicted "
     "votes) and (1 + actual votes).", "rmsle"),
    ("Scored by the root mean squared error of the natural logarithm of one plus the income.",
     "rmsle"),
    # A page wraps lines anywhere, inside a metric's name too.
    ("Submissions are evaluated on the root mean squared\nlogarithmic error.", "rmsle"),
    ("We score by the mean absolute\n  error of the predictions.", "mae"),
    ("Evaluated with mean absolute error.", "mae"),
    ("The metric is MAE.", "mae"),
    ("The metric is the mean absolute percentage error (MAPE).", "mape"),
    ("Scored on mean squared error.", "mse"),
    ("Submissions are evaluated on the coefficient of determination.", "r2"),
    ("The metric is R-squared.", "r2"),
    ("We use R2.", "r2"),
    ("Submissions are scored based on the quadratic weighted kappa.", "qwk"),
    ("The metric is quadratically weighted Cohen's kappa.", "qwk"),
    ("Submissions are evaluated according to the Mean Average Precision @ 3 (MAP@3).", "map_at_k"),
    ("Metric: MAP@5", "map_at_k"),
]


@pytest.mark.parametrize("text,expected", PHRASES)
def test_metric_phrasings(text, expected):
    found = find_metric(text)
    assert found is not None, text
    assert found.metric.name == expected


def test_every_metric_has_a_phrasing_tested():
    assert {name for _, name in PHRASES} == set(METRICS)


def test_map_at_k_reads_k():
    assert find_metric("Metric: MAP@5").k == 5
    assert find_metric("Mean Average Precision @ 3").k == 3


def test_evaluation_section_wins_over_overview():
    text = ("# Task\n\nPast competitions used accuracy.\n\n## Evaluation\n\n"
            "Submissions are scored on log loss.\n\n## Data\n\nNothing about AUC.")
    assert find_metric(text).metric.name == "log_loss"


def test_no_metric_named():
    assert find_metric("Predict the thing. Good luck.") is None
    assert default_metric("regression").name == "rmse"
    assert default_metric("binary").name == "accuracy"


def test_directions_and_kinds():
    assert get_metric("roc_auc").higher_is_better and get_metric("roc_auc").prediction == "probability"
    assert not get_metric("rmsle").higher_is_better and get_metric("rmsle").prediction == "value"
    assert get_metric("accuracy").prediction == "label"
    assert get_metric("map_at_k").prediction == "ranking"
    with pytest.raises(ValueError, match="unknown metric"):
        get_metric("nope")


def test_scorers_on_known_values():
    assert METRICS["rmse"].scorer(np.array([1, 2, 3]), np.array([1, 2, 5])) == pytest.approx(np.sqrt(4 / 3))
    assert METRICS["mae"].scorer(np.array([1, 2]), np.array([2, 4])) == pytest.approx(1.5)
    assert METRICS["rmsle"].scorer(np.array([0, np.e - 1]), np.array([0, 0])) == pytest.approx(np.sqrt(0.5))
    assert METRICS["rmse_log"].scorer(np.array([1, np.e]), np.array([1, 1])) == pytest.approx(np.sqrt(0.5))
    assert METRICS["accuracy"].scorer(np.array(["a", "b"]), np.array(["a", "a"])) == 0.5
    assert METRICS["roc_auc"].scorer(np.array([0, 1, 0, 1]), np.array([0.1, 0.9, 0.2, 0.8])) == 1.0
    perfect = METRICS["multiclass_log_loss"].scorer(np.array([0, 1]), np.array([[1, 0], [0, 1.0]]))
    assert perfect < 1e-10
    assert METRICS["map_at_k"].scorer(np.array(["a", "b"]), [["a", "b"], ["a", "b"]], k=3) == 0.75
    assert METRICS["qwk"].scorer(np.array([1, 2, 3]), np.array([1, 2, 3])) == 1.0
    assert METRICS["r2"].scorer(np.array([1.0, 2, 3]), np.array([1.0, 2, 3])) == 1.0


def test_numpy_scorers_agree_with_scikit_learn():
    """The framework scores in NumPy; scikit-learn is the reference."""
    from sklearn import metrics as skm

    from linguacodus import scorers

    rng = np.random.default_rng(0)
    for _ in range(5):
        y = rng.normal(5, 2, 200)
        p = y + rng.normal(0, 1, 200)
        assert scorers.rmse(y, p) == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
        assert scorers.mae(y, p) == pytest.approx(skm.mean_absolute_error(y, p))
        assert scorers.mape(y, p) == pytest.approx(skm.mean_absolute_percentage_error(y, p))
        assert scorers.r2(y, p) == pytest.approx(skm.r2_score(y, p))
        positive = np.abs(y)
        assert scorers.rmsle(positive, np.abs(p)) == pytest.approx(
            np.sqrt(skm.mean_squared_log_error(positive, np.abs(p))))
        binary = rng.integers(0, 2, 200)
        score = np.round(np.clip(binary * 0.3 + rng.random(200) * 0.7, 0, 1), 1)  # ties on purpose
        assert scorers.roc_auc(binary, score) == pytest.approx(skm.roc_auc_score(binary, score))
        assert scorers.log_loss(binary, score) == pytest.approx(
            skm.log_loss(binary, np.clip(score, 1e-15, 1 - 1e-15)))
        assert scorers.f1_binary(binary, score > 0.5) == pytest.approx(skm.f1_score(binary, score > 0.5))
        classes = rng.integers(0, 4, 200)
        proba = rng.dirichlet(np.ones(4), 200)
        assert scorers.roc_auc(classes, proba) == pytest.approx(
            skm.roc_auc_score(classes, proba, multi_class="ovr"))
        assert scorers.log_loss(classes, proba) == pytest.approx(skm.log_loss(classes, proba))
        labels = np.array(["a", "b", "c"])[rng.integers(0, 3, 200)]
        guesses = np.array(["a", "b", "c", "d"])[rng.integers(0, 4, 200)]
        macro = skm.f1_score(labels, guesses, average="macro")
        assert scorers.f1_macro(labels, guesses) == pytest.approx(macro)
        assert scorers.accuracy(labels, guesses) == pytest.approx(skm.accuracy_score(labels, guesses))
        grades, graded = rng.integers(1, 6, 200), rng.integers(1, 6, 200)
        assert scorers.quadratic_weighted_kappa(grades, graded) == pytest.approx(
            skm.cohen_kappa_score(grades, graded, weights="quadratic"))
