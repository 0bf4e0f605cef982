"""A level-2 stack: a regularised linear model fitted on the members' out-of-fold predictions.

Where the members err in ways a weighted average can't undo (one is over-confident, one is
biased on part of the range), a model that learns how to combine their predictions beats
the blend. It is cross-validated on folds of its own over the members' out-of-fold
predictions — each of which came from a model that never saw its row — so its out-of-fold
score is honest, and compared with the blend's here, on the same rows, before a script is
written. The generated script (codegen/compiler.py, `stack_lines`) does the same computation
with the same folds and seed, so the harness's CV of the stack is the one estimated here.

Classification: a log-linear pool — the class probabilities proportional to the product of
the members' probabilities, each raised to a fitted weight, times a fitted factor a class —
by minimising the log loss (one weight a member and one bias a class: fitted in a second on
100,000 rows of 50 classes, where a logistic regression on every member's every class took
minutes). It recalibrates an over- or under-confident member and the classes' shares.
Regression: a linear regression with non-negative weights on the members' predictions (in
log space for a log-scale metric). The pooling functions are written into the script from
their source here, so the two can't drift apart.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import KFold, StratifiedKFold

from linguacodus.spec import TaskSpec

STACK_FOLDS = 5
POOL_PENALTY = 1e-3  # ridge on the pool's weights and biases (a class seen in few rows)
LOG_SPACE_METRICS = frozenset({"rmsle"})
_FLOOR = 1e-6


def stack_features(spec: TaskSpec, member: np.ndarray) -> np.ndarray:
    """What the level-2 model sees of one member's predictions."""
    if spec.is_classification:
        return np.log(np.clip(member, _FLOOR, 1.0)).reshape(len(member), -1)
    values = member.reshape(len(member), 1).astype(float)
    return np.log1p(np.clip(values, 0.0, None)) if spec.metric in LOG_SPACE_METRICS else values


def fit_stack(spec: TaskSpec, members: list[np.ndarray], truth: pd.Series, seed: int) -> np.ndarray:
    """The stack's out-of-fold predictions (class probabilities in the spec's class order,
    or values), from folds of its own over the members' out-of-fold predictions.

    ValueError where the members can't be stacked (fewer than two, rows unpredicted)."""
    if len(members) < 2:
        raise ValueError("a stack needs at least two members")
    features = [stack_features(spec, m) for m in members]
    level_one = np.column_stack(features)
    if not np.isfinite(level_one).all():
        raise ValueError("some members left rows unpredicted (forward validation)")
    if spec.is_classification:
        classes = np.array(spec.classes, dtype=object)
        y = np.searchsorted(classes.astype(str), truth.astype(str).to_numpy())
        logs = np.stack(features, axis=2)
        folds = StratifiedKFold(n_splits=STACK_FOLDS, shuffle=True, random_state=seed)
        out = np.zeros((len(y), len(classes)))
        for fit_rows, valid_rows in folds.split(level_one, y):
            out[valid_rows] = predict_pool(fit_pool(logs[fit_rows], y[fit_rows]), logs[valid_rows])
        return out
    y = truth.to_numpy(dtype=float)
    log_space = spec.metric in LOG_SPACE_METRICS
    target = np.log1p(np.clip(y, 0.0, None)) if log_space else y
    folds = KFold(n_splits=STACK_FOLDS, shuffle=True, random_state=seed)
    out = np.zeros(len(y))
    for fit_rows, valid_rows in folds.split(level_one):
        model = LinearRegression(positive=True).fit(level_one[fit_rows], target[fit_rows])
        out[valid_rows] = model.predict(level_one[valid_rows])
    return np.expm1(out) if log_space else out


def fit_pool(logs: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Weights (one a member) and biases (one a class) of a log-linear pool of the members'
    log-probabilities (rows × classes × members), minimising the log loss of target (class
    codes) plus a small ridge."""
    rows, classes, members = logs.shape
    penalty = POOL_PENALTY

    def loss(params):
        weights, biases = params[:members], params[members:]
        scores = logs @ weights + biases
        scores = scores - scores.max(axis=1, keepdims=True)
        log_probabilities = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
        error = np.exp(log_probabilities)
        error[np.arange(rows), target] -= 1.0
        error /= rows
        value = -log_probabilities[np.arange(rows), target].mean() + penalty * params @ params
        gradient = np.concatenate([np.einsum("rc,rcm->m", error, logs), error.sum(axis=0)])
        return value, gradient + 2 * penalty * params

    start = np.concatenate([np.full(members, 1.0 / members), np.zeros(classes)])
    return minimize(loss, start, jac=True, method="L-BFGS-B").x


def predict_pool(params: np.ndarray, logs: np.ndarray) -> np.ndarray:
    """Class probabilities of the pool (rows × classes)."""
    members = logs.shape[2]
    scores = logs @ params[:members] + params[members:]
    scores = scores - scores.max(axis=1, keepdims=True)
    probabilities = np.exp(scores)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def stack_lines(spec: TaskSpec) -> tuple[list[str], frozenset[str]]:
    """The generated script's stack: the same computation as fit_stack, then the stack
    refitted on every row for the test predictions. Expects MEMBERS, y and SEED."""
    log_space = spec.metric in LOG_SPACE_METRICS
    if spec.is_classification:
        imports = frozenset({"import numpy as np", "from scipy.optimize import minimize",
                             "from sklearn.model_selection import StratifiedKFold"})
        features = ["def stack_features(predictions: np.ndarray) -> np.ndarray:",
                    '    """What the level-2 model sees of a member: its log-probabilities."""',
                    f"    return np.log(np.clip(predictions, {_FLOOR!r}, 1.0))"]
        model = [
            f"POOL_PENALTY = {POOL_PENALTY!r}",
            "",
            "",
            *inspect.getsource(fit_pool).rstrip().splitlines(),
            "",
            "",
            *inspect.getsource(predict_pool).rstrip().splitlines(),
            "",
            "",
            "def fit_stacker(features: np.ndarray, target: np.ndarray) -> np.ndarray:",
            "    return fit_pool(features, target)",
            "",
            "",
            "def predict_stacker(params: np.ndarray, features: np.ndarray) -> np.ndarray:",
            "    return predict_pool(params, features)",
        ]
        folds = f"StratifiedKFold(n_splits={STACK_FOLDS}, shuffle=True, random_state=SEED)"
        split, target, shape = "stack_folds.split(level_one, y)", "y", "(len(y), len(CLASSES))"
        stacked = "np.stack([stack_features(oof) for oof, _ in member_outputs], axis=2)"
        stacked_test = "np.stack([stack_features(test) for _, test in member_outputs], axis=2)"
    else:
        imports = frozenset({"import numpy as np", "from sklearn.linear_model import LinearRegression",
                             "from sklearn.model_selection import KFold"})
        transform = "np.log1p(np.clip(values, 0.0, None))" if log_space else "values"
        features = ["def stack_features(predictions: np.ndarray) -> np.ndarray:",
                    '    """What the level-2 model sees of a member: its predictions'
                    + (' in log space."""' if log_space else '."""'),
                    "    values = predictions.reshape(len(predictions), 1).astype(float)",
                    f"    return {transform}"]
        back = "np.expm1(model.predict(features))" if log_space else "model.predict(features)"
        model = [
            "def fit_stacker(features: np.ndarray, target: np.ndarray):",
            "    return LinearRegression(positive=True).fit(features, target)",
            "",
            "",
            "def predict_stacker(model, features: np.ndarray) -> np.ndarray:",
            f"    return {back}",
        ]
        folds = f"KFold(n_splits={STACK_FOLDS}, shuffle=True, random_state=SEED)"
        split, shape = "stack_folds.split(level_one)", "len(y)"
        target = "np.log1p(np.clip(y, 0.0, None))" if log_space else "y"
        stacked = "np.column_stack([stack_features(oof) for oof, _ in member_outputs])"
        stacked_test = "np.column_stack([stack_features(test) for _, test in member_outputs])"
    lines = [
        *features, "", "", *model, "", "",
        "member_outputs = [member() for member in MEMBERS]",
        f"level_one = {stacked}",
        f"level_one_test = {stacked_test}",
        f"stack_target = {target}",
        "",
        "# The stack's own folds over the members' out-of-fold predictions: its CV score is",
        "# the harness's, as for any single model.",
        f"stack_folds = {folds}",
        f"oof_predictions = np.zeros({shape})",
        f"for fit_rows, valid_rows in {split}:",
        "    stacker = fit_stacker(level_one[fit_rows], stack_target[fit_rows])",
        "    oof_predictions[valid_rows] = predict_stacker(stacker, level_one[valid_rows])",
        "test_predictions = predict_stacker(fit_stacker(level_one, stack_target), level_one_test)",
    ]
    return lines, imports
