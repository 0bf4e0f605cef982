"""AutoGluon TabularPredictor, time_limit = the budget; the medium_quality preset below 300 s,
best_quality from 300 s on (as the benchmark's budgets ask), or the preset named by
$LINGUACODUS_BENCH_AUTOGLUON_PRESET."""

from __future__ import annotations

import os

import numpy as np

from linguacodus.bench.systems._common import Inputs, run
from linguacodus.bench.systems._peers import LOG_TARGETS, target, write

METRICS = {"accuracy": "accuracy", "roc_auc": "roc_auc", "log_loss": "log_loss",
           "multiclass_log_loss": "log_loss", "f1": "f1", "f1_macro": "f1_macro",
           "rmse": "root_mean_squared_error", "mse": "mean_squared_error",
           "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error", "r2": "r2",
           "qwk": "quadratic_kappa", "map_at_k": "log_loss"}


BEST_QUALITY_FROM_SECONDS = 300


def preset(budget: float) -> str:
    chosen = os.environ.get("LINGUACODUS_BENCH_AUTOGLUON_PRESET")
    return chosen or ("best_quality" if budget >= BEST_QUALITY_FROM_SECONDS else "medium_quality")


def fit_predict(inputs: Inputs) -> dict:
    from autogluon.tabular import TabularPredictor

    meta = inputs.meta
    metric = "root_mean_squared_error" if meta.metric in LOG_TARGETS else METRICS[meta.metric]
    if meta.metric == "roc_auc" and meta.task_type == "multiclass":
        metric = "roc_auc_ovr_macro"
    frame = inputs.x_train.copy()
    frame["__label__"] = target(inputs)
    predictor = TabularPredictor(
        label="__label__", problem_type=meta.task_type, eval_metric=metric,
        path=str(inputs.workdir / "AutogluonModels"), verbosity=1,
        **({"positive_class": str(meta.positive_label)} if meta.task_type == "binary" else {}),
    )
    chosen = preset(inputs.budget)
    predictor.fit(frame, time_limit=inputs.budget, presets=chosen)
    if meta.task_type == "regression":
        write(inputs, predictor.predict(inputs.x_test).to_numpy())
    else:
        proba = predictor.predict_proba(inputs.x_test)
        write(inputs, np.asarray(proba), list(proba.columns))
    return {"preset": chosen}


if __name__ == "__main__":
    run(fit_predict)
