"""Calibrate class probabilities on the out-of-fold predictions (log-loss metrics)."""

from linguacodus.errors import InstructionError
from linguacodus.ops.base import CLASSIFICATION, Operation, PostprocessCode

# Powers below 1 soften overconfident probabilities; a share of the class frequencies keeps
# every class possible. (1.0, 0.0) leaves the model's probabilities as they are.
POWERS = (0.5, 0.67, 0.8, 1.0, 1.25)
SHARES = (0.0, 0.001, 0.01, 0.03, 0.1)


def _check(step, spec, instruction) -> None:
    if spec.submission_format not in ("binary_probability", "class_probabilities"):
        raise InstructionError("calibrate_probabilities applies to probability submissions only; "
                               f"this task submits {spec.submission_format}")


def _postprocess(step, spec, probe) -> PostprocessCode:
    lines = [
        "PRIOR = np.bincount(y, minlength=len(CLASSES)) / len(y)",
        "",
        "",
        "def calibrate(probabilities: np.ndarray, power: float, share: float) -> np.ndarray:",
        '    """Probabilities raised to a power and renormalised, then mixed with the prior."""',
        "    scaled = np.clip(probabilities, 1e-15, 1.0) ** power",
        "    scaled /= scaled.sum(axis=1, keepdims=True)",
        "    return (1 - share) * scaled + share * PRIOR",
        "",
        "",
        "def oof_log_loss(probabilities: np.ndarray) -> float:",
        "    chosen = probabilities[np.arange(len(y)), y]",
        "    return float(-np.mean(np.log(np.clip(chosen, 1e-15, 1.0))))",
        "",
        "",
        "# Two numbers fitted on the out-of-fold predictions, applied to the test predictions.",
        "POWER, SHARE = min(",
        f"    ((power, share) for power in {POWERS!r}",
        f"     for share in {SHARES!r}),",
        "    key=lambda pair: oof_log_loss(calibrate(oof_predictions, *pair)),",
        ")",
        'print(f"calibration: power {POWER}, prior share {SHARE}", flush=True)',
        "oof_predictions = calibrate(oof_predictions, POWER, SHARE)",
    ]
    if not probe:
        lines.append("test_predictions = calibrate(test_predictions, POWER, SHARE)")
    return PostprocessCode(setup=(*lines, ""))


OPERATION = Operation(
    "calibrate_probabilities", "postprocess", 22,
    lambda p: "Calibrate the class probabilities on the out-of-fold predictions: a power "
              "that softens or sharpens them, then a share of the class frequencies, "
              "both chosen to minimise the log loss.",
    task_types=CLASSIFICATION,
    check=_check,
    postprocess=_postprocess,
)
