"""LightGBM gradient-boosted trees."""

from linguacodus.ops import _edits
from linguacodus.ops.base import EarlyStoppingCode, ModelCode, Operation, Tunable


def _arguments(params: dict, native: bool) -> dict:
    params = {**params, "subsample_freq": 1, "verbosity": -1}
    for name in ("objective", "min_child_weight"):  # None: LightGBM's own default
        if params.get(name) is None:
            params.pop(name, None)
    return params


_EARLY_STOPPING = EarlyStoppingCode(
    imports=("import lightgbm",),
    fit_arguments=(
        "eval_X=features.iloc[held], eval_y=target[held],",
        "callbacks=[lightgbm.early_stopping(STOPPING_ROUNDS, verbose=False)],",
    ),
    weighted_arguments=("sample_weight=weights[kept], eval_sample_weight=[weights[held]],",),
)

OPERATION = Operation(
    "lightgbm", "model", 10,
    lambda p: f"LightGBM gradient-boosted trees: {p['n_estimators']} trees, learning rate "
              f"{p['learning_rate']}, {p['num_leaves']} leaves, row and column subsampling "
              f"{p['subsample']}/{p['colsample_bytree']}"
              + (f", {p['objective']} objective" if p.get("objective") else "")
              + (f", at least {p['min_child_weight']} of summed hessian a leaf"
                 if p.get("min_child_weight") is not None else "") + ".",
    defaults={"n_estimators": 500, "learning_rate": 0.05, "num_leaves": 31, "min_child_samples": 20,
              "subsample": 0.8, "colsample_bytree": 0.8, "objective": None,
              "min_child_weight": None},
    family="tree",
    fixes=_edits.fewer_trees("lightgbm"),
    extracts={"LGBMClassifier": {}, "LGBMRegressor": {}, "lightgbm.train": {}},
    model=ModelCode(
        "LightGBM",
        classifier=("LGBMClassifier", "from lightgbm import LGBMClassifier"),
        regressor=("LGBMRegressor", "from lightgbm import LGBMRegressor"),
        arguments=_arguments, native_categories=True, early_stopping=_EARLY_STOPPING, tree_per_class=True,
        cost_rank=2, seconds_per_1k=0.25,
        search_space=(Tunable("num_leaves", 4, 256, log=True, integer=True),
                      Tunable("min_child_samples", 2, 200, log=True, integer=True),
                      Tunable("subsample", 0.5, 1.0), Tunable("colsample_bytree", 0.3, 1.0)),
    ),
)
