"""A random forest."""

from linguacodus.ops import _edits
from linguacodus.ops.base import ModelCode, Operation, Tunable

OPERATION = Operation(
    "random_forest", "model", 12,
    lambda p: f"Random forest of {p['n_estimators']} trees, "
              f"at least {p['min_samples_leaf']} rows a leaf.",
    defaults={"n_estimators": 300, "min_samples_leaf": 1},
    family="tree",
    fixes=_edits.fewer_trees("random_forest"),
    extracts={"RandomForestClassifier": {}, "RandomForestRegressor": {}},
    model=ModelCode(
        "random forest",
        classifier=("RandomForestClassifier", "from sklearn.ensemble import RandomForestClassifier"),
        regressor=("RandomForestRegressor", "from sklearn.ensemble import RandomForestRegressor"),
        arguments=lambda params, native: {**params, "n_jobs": -1},
        cost_rank=5, seconds_per_1k=0.4,
        search_space=(Tunable("min_samples_leaf", 1, 50, log=True, integer=True),),
    ),
)
