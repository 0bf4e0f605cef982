"""XGBoost gradient-boosted trees (histogram method)."""

from linguacodus.ops import _edits
from linguacodus.ops.base import EarlyStoppingCode, ModelCode, Operation, Tunable


def _arguments(params: dict, native: bool) -> dict:
    params = {**params, "tree_method": "hist"}
    if native:
        params["enable_categorical"] = True
    return params


# XGBoost takes the patience as a model parameter; predict() then uses the best round.
_EARLY_STOPPING = EarlyStoppingCode(
    before_fit=("    model.set_params(early_stopping_rounds=STOPPING_ROUNDS)",),
    fit_arguments=("eval_set=[(features.iloc[held], target[held])], verbose=False,",),
    weighted_arguments=("sample_weight=weights[kept], sample_weight_eval_set=[weights[held]],",),
)

OPERATION = Operation(
    "xgboost", "model", 11,
    lambda p: f"XGBoost gradient-boosted trees (histogram method): {p['n_estimators']} "
              f"trees, learning rate {p['learning_rate']}, depth {p['max_depth']}.",
    defaults={"n_estimators": 500, "learning_rate": 0.05, "max_depth": 6, "subsample": 0.8,
              "colsample_bytree": 0.8},
    family="tree",
    fixes=_edits.fewer_trees("xgboost"),
    extracts={"XGBClassifier": {}, "XGBRegressor": {}, "xgboost.train": {}},
    model=ModelCode(
        "XGBoost",
        classifier=("XGBClassifier", "from xgboost import XGBClassifier"),
        regressor=("XGBRegressor", "from xgboost import XGBRegressor"),
        arguments=_arguments, native_categories=True, early_stopping=_EARLY_STOPPING,
        tree_per_class=True, consecutive_classes=True, cost_rank=3,
        seconds_per_1k=0.3,
        search_space=(Tunable("max_depth", 2, 12, integer=True), Tunable("subsample", 0.5, 1.0),
                      Tunable("colsample_bytree", 0.3, 1.0)),
    ),
)
