"""XGBoost gradient-boosted trees (histogram method)."""

from linguacodus.ops.base import ModelCode, Operation


def _arguments(params: dict, native: bool) -> dict:
    params = {**params, "tree_method": "hist"}
    if native:
        params["enable_categorical"] = True
    return params


OPERATION = Operation(
    "xgboost", "model", 11,
    lambda p: f"XGBoost gradient-boosted trees (histogram method): {p['n_estimators']} "
              f"trees, learning rate {p['learning_rate']}, depth {p['max_depth']}.",
    defaults={"n_estimators": 500, "learning_rate": 0.05, "max_depth": 6, "subsample": 0.8,
              "colsample_bytree": 0.8},
    family="tree",
    extracts={"XGBClassifier": {}, "XGBRegressor": {}, "xgboost.train": {}},
    model=ModelCode(
        "XGBoost",
        classifier=("XGBClassifier", "from xgboost import XGBClassifier"),
        regressor=("XGBRegressor", "from xgboost import XGBRegressor"),
        arguments=_arguments, native_categories=True, tree_per_class=True, cost_rank=3,
        seconds_per_1k=0.3,
    ),
)
