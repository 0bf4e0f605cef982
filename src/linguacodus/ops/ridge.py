"""Ridge regression."""

from linguacodus.ops.base import ModelCode, Operation, Tunable

OPERATION = Operation(
    "ridge", "model", 15,
    lambda p: f"Ridge regression, alpha = {p['alpha']}.",
    defaults={"alpha": 1.0},
    family="linear", task_types=frozenset({"regression"}),
    extracts={"Ridge": {}},
    model=ModelCode(
        "ridge regression",
        classifier=None, regressor=("Ridge", "from sklearn.linear_model import Ridge"),
        seeded=False, cost_rank=1, seconds_per_1k=0.01,
        search_space=(Tunable("alpha", 1e-4, 1e4, log=True),),
    ),
)
