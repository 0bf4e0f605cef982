"""Critics that weigh a candidate instruction against the task, and the refinement of the
chosen one where the data calls for it.

Critics return a penalty in units of normalised score (0 = constant prediction, 1 = the
best known) with the reason, so that a candidate the knowledge base likes can still lose
to one that fits the data, the metric or the budget better. The empirical probe of the
search (search.Search.probe) has the last word on large data.
"""

from __future__ import annotations

from linguacodus.instruction import Instruction, make_step
from linguacodus.ops import OPERATIONS, sentence_embeddings
from linguacodus.ops.log_target import LOG_SCALE_METRICS
from linguacodus.spec import ColumnRole, TaskSpec

_LOG_METRICS = LOG_SCALE_METRICS
_THRESHOLD_METRICS = {"f1", "f1_macro", "qwk"}
_ROBUST_METRICS = {"mae", "mape"}
# Above this many rows LightGBM stops on an inner hold-out, with room for more trees, so that
# its tree count fits the data instead of a default chosen for another size.
EARLY_STOPPING_ROWS = 1000
EARLY_STOPPING_TREES = 2000
BUDGET_SHARE_FOR_TREES = 0.25  # the most trees a candidate may plan is what fits in this share
MIN_TREES = 100
MAX_LEARNING_RATE = 0.3
# LightGBM's own minimum (1e-3) lets a softmax leaf of a rare class, whose hessians p(1 - p)
# are tiny, take an extreme value; XGBoost's default of 1 is what holds it (measured: on the
# tune half's rodent-species, 30 classes, the CV log loss went from 2.89 to 0.48).
MULTICLASS_LEAF_HESSIAN = 1.0
# ...where a class holds less than this share of the rows. With no class that rare, the
# floor only coarsens the leaves (on the tune half's digits-ten, ten classes of ≥ 9%, the
# log loss went from 0.059 to 0.066 with it).
RARE_CLASS_SHARE = 0.01


def estimated_seconds(instruction: Instruction, spec: TaskSpec, per_class: bool = False) -> float:
    """A rough full-run time: folds × fit time scaled by rows, features and trees (per_class:
    and by the classes, for boosting that grows a tree a class each round; the critics'
    budget threshold was chosen on the estimate without it)."""
    if instruction.is_blend:
        return sum(estimated_seconds(member, spec, per_class) for member in instruction.members)
    model = instruction.model_step()
    kfold, subsample = instruction.find("kfold"), instruction.find("subsample_rows")
    folds = kfold.param("n_splits") if kfold else 5
    rows = min(spec.n_train, subsample.param("max_rows")) if subsample else spec.n_train
    embedding = instruction.find("sentence_embeddings")
    # Each embedded text column is as many dense features as the embedding has numbers.
    embedded = len(embedding.param("columns")) * sentence_embeddings.DIMENSIONS if embedding else 0
    features = max(1, len(spec.columns) + embedded) / 20
    operation = OPERATIONS.get(model.op)
    linear = operation is not None and operation.family == "linear"
    trees = 1.0 if linear else (model.param("n_estimators") or 300) / 500
    # ModelCode.seconds_per_1k: one fold on 1,000 rows and 20 features, single-threaded.
    per_1k = operation.model.seconds_per_1k if operation is not None and operation.model else 0.5
    grows_per_class = operation is not None and operation.model is not None \
        and operation.model.tree_per_class
    classes = len(spec.classes) if per_class and grows_per_class and spec.task_type == "multiclass" else 1
    encoding = sentence_embeddings.expected_seconds(embedding, spec) if embedding is not None else 0.0
    return folds * per_1k * rows / 1000 * features * trees * classes + encoding


def _fit_trees_to_budget(instruction: Instruction, spec: TaskSpec, params: dict,
                        budget: float) -> dict:
    """Fewer trees where the planned ones would take more than BUDGET_SHARE_FOR_TREES of the
    budget: first down to the recipe's own count, then below it (not under MIN_TREES) with
    the learning rate raised in proportion, so that trees × rate, the reach of the
    ensemble, stays."""
    model = instruction.model_step()
    current = int(model.param("n_estimators") or 0)

    def seconds(trees: int) -> float:
        step = make_step(model.op, **{**params, "n_estimators": trees})
        return estimated_seconds(instruction.model_copy(update={"model": (step,)}), spec, per_class=True)

    allowed = BUDGET_SHARE_FOR_TREES * budget
    planned = params["n_estimators"]
    if seconds(planned) <= allowed:
        return params
    fitted = int(planned * allowed / seconds(planned))
    if fitted >= current:
        return {**params, "n_estimators": fitted}
    trees = max(MIN_TREES, fitted)
    rate = float(model.param("learning_rate"))
    return {**params, "n_estimators": trees,
            "learning_rate": round(min(MAX_LEARNING_RATE, rate * current / trees), 3)}


def critique(instruction: Instruction, spec: TaskSpec, budget: float | None) -> tuple[float, list[str]]:
    """(penalty, reasons): fit to the data, to the metric and to the budget."""
    penalty, reasons = 0.0, []

    def charge(amount: float, reason: str) -> None:
        nonlocal penalty
        penalty += amount
        reasons.append(f"{reason} (−{amount:g})")

    model = instruction.model_step()
    ops = {step.op for step in instruction.steps()}
    # data
    if spec.columns_with(ColumnRole.TEXT) and not ops & {"tfidf_text", "sentence_embeddings"}:
        charge(0.3, "ignores the text columns")
    big = (model.op == "lightgbm" and (model.param("num_leaves") or 31) >= 63) or \
          (model.op == "xgboost" and (model.param("max_depth") or 6) >= 8)
    if big and spec.n_train < 500:
        charge(0.05, f"large trees for {spec.n_train} rows")
    # metric
    if spec.metric in ("log_loss", "multiclass_log_loss") and model.op in ("random_forest", "extra_trees") \
            and (model.param("min_samples_leaf") or 1) <= 1:
        charge(0.05, "unsmoothed forest probabilities under log loss")
    if spec.metric in _THRESHOLD_METRICS and (spec.minority_share or 1) < 0.2 \
            and not ops & {"class_weight", "tune_threshold"}:
        charge(0.05, f"{spec.metric} on imbalanced classes without class weights or a tuned threshold")
    if spec.metric in _LOG_METRICS and "log_target" not in ops:
        charge(0.05, "a log-scale metric without a log target")
    # budget
    if budget is not None:
        seconds = estimated_seconds(instruction, spec)
        if seconds > budget:
            charge(1.0, f"about {seconds:.0f} s to run: more than the {budget:.0f} s budget")
        elif seconds > 0.5 * budget:
            charge(0.2, f"about {seconds:.0f} s to run against a {budget:.0f} s budget")
    return round(penalty, 4), reasons


def refine(instruction: Instruction, spec: TaskSpec,
           budget: float | None = None) -> tuple[Instruction, list[str]]:
    """The instruction with the changes the data calls for, and what changed (with a
    budget: no more trees than a quarter of it is expected to fit)."""
    if instruction.is_blend:
        return instruction, []
    changes = []
    preprocessing, training = list(instruction.preprocessing), list(instruction.training)
    ops = {step.op for step in instruction.steps()}
    if spec.is_classification and (spec.minority_share or 1) < 0.1 \
            and spec.metric in _THRESHOLD_METRICS and "class_weight" not in ops:
        training.insert(max(0, len(training) - 1), make_step("class_weight"))
        changes.append(f"class weights: the rarest class is {spec.minority_share:.1%} of the rows "
                       f"and {spec.metric} rewards finding it")
    if spec.task_type == "regression" and (spec.target_min or 0) >= 0 \
            and (spec.target_skew or 0) > 2 and spec.metric in _LOG_METRICS | _ROBUST_METRICS \
            and "log_target" not in ops:
        preprocessing.append(make_step("log_target"))
        changes.append(f"log target: the target is positive and skewed ({spec.target_skew:.1f})")
    model = instruction.model_step()
    encode = instruction.find("encode_categorical")
    direct = (encode is None or encode.param("method") == "native") and not ops & {
        "impute_numeric", "scale_numeric", "impute_categorical", "tfidf_text"}
    final = instruction.find("final_model")
    models = list(instruction.model)
    family = OPERATIONS.get(model.op)
    stops = family is not None and family.model is not None and family.model.early_stopping is not None
    if spec.n_train > EARLY_STOPPING_ROWS and stops and direct \
            and "early_stopping" not in ops and (final is None or final.param("method") == "fold_average"):
        last = training.pop()
        training += [make_step("early_stopping"), last]
        current = int(model.param("n_estimators") or 0)
        params = {**model.params, "n_estimators": max(current, EARLY_STOPPING_TREES)}
        if budget is not None:
            params = _fit_trees_to_budget(instruction, spec, params, budget)
        models = [make_step(model.op, **params) if step is model else step for step in models]
        changes.append(f"early stopping (up to {params['n_estimators']} trees"
                       + (f", learning rate {params['learning_rate']}"
                          if "learning_rate" in params and params["learning_rate"] !=
                          model.param("learning_rate") else "")
                       + f"): on {spec.n_train} rows the tree count should fit the data")
    elif budget is not None and family is not None and family.model is not None \
            and family.model.tree_per_class and model.param("learning_rate") is not None:
        params = _fit_trees_to_budget(instruction, spec, {
            **model.params, "n_estimators": int(model.param("n_estimators"))}, budget)
        if params.get("n_estimators", model.param("n_estimators")) != model.param("n_estimators"):
            models = [make_step(model.op, **params) if step is model else step for step in models]
            changes.append(f"{params['n_estimators']} trees at learning rate {params['learning_rate']}: "
                           f"{model.param('n_estimators')} would not fit a quarter of the "
                           f"{budget:.0f} s budget")
    model = next(step for step in models if step.op == model.op)
    if spec.task_type == "multiclass" and (spec.minority_share or 1) < RARE_CLASS_SHARE \
            and model.op == "lightgbm" and (model.param("min_child_weight") or 0) < MULTICLASS_LEAF_HESSIAN:
        params = {**model.params, "min_child_weight": MULTICLASS_LEAF_HESSIAN}
        models = [make_step(model.op, **params) if step is model else step for step in models]
        changes.append(f"leaves of at least {MULTICLASS_LEAF_HESSIAN} summed hessian: with "
                       f"{len(spec.classes)} classes, the rarest {spec.minority_share:.2%} of the rows, "
                       "a rare class's tiny hessians otherwise give leaves extreme values")
    if not changes:
        return instruction, []
    note = instruction.provenance.note + "; refined: " + "; ".join(changes)
    return instruction.model_copy(update={
        "preprocessing": tuple(preprocessing), "model": tuple(models), "training": tuple(training),
        "provenance": instruction.provenance.model_copy(update={"note": note})}), changes
