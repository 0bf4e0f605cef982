"""Logistic regression."""

from linguacodus.ops.base import CLASSIFICATION, ModelCode, Operation, Tunable

OPERATION = Operation(
    "logistic_regression", "model", 14,
    lambda p: f"Logistic regression with L2 penalty, C = {p['C']}.",
    defaults={"C": 1.0, "max_iter": 2000},
    family="linear", task_types=CLASSIFICATION,
    extracts={"LogisticRegression": {}},
    model=ModelCode(
        "logistic regression",
        classifier=("LogisticRegression", "from sklearn.linear_model import LogisticRegression"),
        regressor=None, cost_rank=1, seconds_per_1k=0.05,
        search_space=(Tunable("C", 1e-4, 1e3, log=True),),
    ),
)
