"""Extremely randomised trees."""

from linguacodus.ops import _edits
from linguacodus.ops.base import ModelCode, Operation, Tunable

OPERATION = Operation(
    "extra_trees", "model", 13,
    lambda p: f"Extremely randomised trees: {p['n_estimators']} trees, "
              f"at least {p['min_samples_leaf']} rows a leaf.",
    defaults={"n_estimators": 300, "min_samples_leaf": 1},
    family="tree",
    fixes=_edits.fewer_trees("extra_trees"),
    extracts={"ExtraTreesClassifier": {}, "ExtraTreesRegressor": {}},
    model=ModelCode(
        "extra trees",
        classifier=("ExtraTreesClassifier", "from sklearn.ensemble import ExtraTreesClassifier"),
        regressor=("ExtraTreesRegressor", "from sklearn.ensemble import ExtraTreesRegressor"),
        arguments=lambda params, native: {**params, "n_jobs": -1},
        cost_rank=4, seconds_per_1k=0.3,
        search_space=(Tunable("min_samples_leaf", 1, 50, log=True, integer=True),),
    ),
)
