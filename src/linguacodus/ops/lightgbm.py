"""LightGBM gradient-boosted trees."""

from linguacodus.ops.base import ModelCode, Operation


def _arguments(params: dict, native: bool) -> dict:
    params = {**params, "subsample_freq": 1, "verbosity": -1}
    if params.get("objective") is None:
        params.pop("objective", None)
    return params


OPERATION = Operation(
    "lightgbm", "model", 10,
    lambda p: f"LightGBM gradient-boosted trees: {p['n_estimators']} trees, learning rate "
              f"{p['learning_rate']}, {p['num_leaves']} leaves, row and column subsampling "
              f"{p['subsample']}/{p['colsample_bytree']}"
              + (f", {p['objective']} objective." if p.get("objective") else "."),
    defaults={"n_estimators": 500, "learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20,
              "subsample": 0.8, "colsample_bytree": 0.8, "objective": None},
    family="tree",
    extracts={"LGBMClassifier": {}, "LGBMRegressor": {}, "lightgbm.train": {}},
    model=ModelCode(
        "LightGBM",
        classifier=("LGBMClassifier", "from lightgbm import LGBMClassifier"),
        regressor=("LGBMRegressor", "from lightgbm import LGBMRegressor"),
        arguments=_arguments, native_categories=True, early_stopping=True, tree_per_class=True,
        cost_rank=2, seconds_per_1k=0.25,
    ),
)
