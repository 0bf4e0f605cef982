"""FLAML AutoML with time_budget = the budget."""

from __future__ import annotations

from linguacodus.bench.systems._common import Inputs, run
from linguacodus.bench.systems._peers import LOG_TARGETS, target, write

METRICS = {"accuracy": "accuracy", "roc_auc": "roc_auc", "log_loss": "log_loss",
           "multiclass_log_loss": "log_loss", "f1": "f1", "f1_macro": "macro_f1", "rmse": "rmse",
           "mse": "mse", "mae": "mae", "mape": "mape", "r2": "r2", "qwk": "accuracy",
           "map_at_k": "log_loss"}


def fit_predict(inputs: Inputs) -> None:
    from flaml import AutoML

    meta = inputs.meta
    metric = "rmse" if meta.metric in LOG_TARGETS else METRICS[meta.metric]
    if meta.metric == "roc_auc" and meta.task_type == "multiclass":
        metric = "roc_auc_ovr"
    x_train, x_test = inputs.x_train.copy(), inputs.x_test.copy()
    for column in x_train.columns:  # FLAML wants object columns as pandas categories
        if x_train[column].dtype == object or str(x_train[column].dtype) in ("str", "string"):
            x_train[column] = x_train[column].astype("category")
            x_test[column] = x_test[column].astype(x_train[column].dtype)
    automl = AutoML()
    automl.fit(x_train, target(inputs), task="regression" if meta.task_type == "regression"
               else "classification", metric=metric, time_budget=inputs.budget, verbose=0,
               seed=0, log_file_name=str(inputs.workdir / "flaml.log"))
    if meta.task_type == "regression":
        write(inputs, automl.predict(x_test))
    else:
        write(inputs, automl.predict_proba(x_test), list(automl.classes_))


if __name__ == "__main__":
    run(fit_predict)
