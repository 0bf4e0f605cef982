"""Tune the positive class's decision threshold for F1, cross-fitted."""

from linguacodus.codegen.literals import py
from linguacodus.errors import InstructionError
from linguacodus.ops.base import Operation, PostprocessCode


def _check(step, spec, instruction) -> None:
    if spec.submission_format != "label":
        raise InstructionError("tune_threshold applies to label submissions only; "
                               f"this task submits {spec.submission_format}")


def _postprocess(step, spec, probe) -> PostprocessCode:
    # to_submission_columns labels with THRESHOLD, and the out-of-fold rows with OOF_THRESHOLDS.
    return PostprocessCode(setup=(
        f"POSITIVE_INDEX = list(CLASSES).index({py(spec.positive_label)})",
        "",
        "",
        "def best_threshold(probabilities: np.ndarray, is_positive: np.ndarray) -> float:",
        '    """The cut-off on P(positive) with the best F1 on out-of-fold predictions."""',
        "    candidates = np.unique(np.round(probabilities, 3))",
        "    scores = [f1_score(is_positive, probabilities >= cut) for cut in candidates]",
        "    return float(candidates[int(np.argmax(scores))])",
        "",
        "",
        "probability, is_positive = oof_predictions[:, POSITIVE_INDEX], y == POSITIVE_INDEX",
        "# Cross-fitted: each half of the rows is labelled with the threshold chosen on the",
        "# other half: the CV score does not reward a cut-off fitted to the rows it scores.",
        "half = np.random.default_rng(SEED).permutation(len(y)) % 2 == 0",
        "OOF_THRESHOLDS = np.where(half, best_threshold(probability[~half], is_positive[~half]),",
        "                          best_threshold(probability[half], is_positive[half]))",
        "crossfit_f1 = f1_score(is_positive, probability >= OOF_THRESHOLDS)",
        "if crossfit_f1 > f1_score(is_positive, probability >= 0.5):",
        "    THRESHOLD = best_threshold(probability, is_positive)",
        "else:  # a tuned cut-off does not hold on rows it was not chosen on: keep 0.5",
        "    THRESHOLD = OOF_THRESHOLDS = 0.5",
        'print(f"decision threshold {THRESHOLD:.3f}", flush=True)',
    ), imports=frozenset({"from sklearn.metrics import f1_score"}))


OPERATION = Operation(
    "tune_threshold", "postprocess", 23,
    lambda p: "Choose the probability threshold for the positive class that maximises F1 "
              "on the out-of-fold predictions, cross-fitted (each half of the rows scored "
              "with the threshold chosen on the other; 0.5 where tuning does not hold), "
              "and label the test set with it.",
    task_types=frozenset({"binary"}),
    check=_check,
    postprocess=_postprocess,
)
