"""Phase 1 by rules: candidate instructions for a TaskSpec without the knowledge base.

A small portfolio of strong, well-known recipes, each adapted to the task's columns, metric
and size; the order is a prior. knowledge.propose uses these where the knowledge base knows
nothing close to the task (or with --no-kb), and the portfolio builds its recipes with the
helpers here (common_preprocessing, tabular_encoding, training_steps, build_instruction).
"""

from __future__ import annotations

from linguacodus.instruction import Instruction, Provenance, Step, make_step
from linguacodus.ops import OPERATIONS, model_operations
from linguacodus.ops.log_target import LOG_SCALE_METRICS
from linguacodus.spec import ColumnRole, TaskSpec

_LOG_METRICS = LOG_SCALE_METRICS
_WEIGHTED_METRICS = {"f1", "f1_macro", "qwk"}
# A categorical column with at least this many values also gives each value's row share:
# too many levels for one-hot or native splits to learn each one.
FREQUENCY_LEVELS = 100


def propose(spec: TaskSpec, k: int = 6) -> list[Instruction]:
    """The top-k rule-based candidates, best prior first, each with provenance."""
    if k < 1:
        raise ValueError("k must be at least 1")
    has_text = bool(spec.columns_with(ColumnRole.TEXT))
    tabular = [c for c, r in spec.columns.items()
               if r in (ColumnRole.NUMERIC, ColumnRole.CATEGORICAL, ColumnRole.DATETIME)]
    builders = []
    if has_text:
        builders.append(_text_and_tabular_linear if tabular else _text_linear)
        if tabular:
            builders.append(_text_linear)
            builders.append(_gbm_native)
        builders.append(_gbm_on_tfidf)
    else:
        builders += [_gbm_native, _linear, _xgboost_native, _random_forest, _extra_trees,
                     _gbm_slow]
    candidates = [build(spec) for build in builders][:k]
    return [
        c.model_copy(update={"provenance": Provenance(
            source="rules", rank=rank, note=c.provenance.note)})
        for rank, c in enumerate(candidates, start=1)
    ]


def expected_cost(instruction: Instruction) -> int:
    """A rank of how long an instruction takes to run (blends: their members together)."""
    if instruction.is_blend:
        return sum(expected_cost(member) for member in instruction.members)
    model = next((s.op for s in instruction.model if s.op), None)
    if model not in OPERATIONS or OPERATIONS[model].model is None:
        return max(op.model.cost_rank for op in model_operations())
    return OPERATIONS[model].model.cost_rank


# Above this many rows a tabular task's first valid submission comes from gradient boosting:
# on such data a linear model is fast but rarely competitive, and a forest is slow.
BOOSTING_FIRST_ROWS = 1000
_BOOSTING = {"lightgbm", "xgboost"}


def is_tabular_boosting(instruction: Instruction) -> bool:
    """Gradient boosting on the tabular columns (no TF-IDF text matrix in front of it)."""
    if instruction.is_blend:
        return False
    model = next((s.op for s in instruction.model if s.op), None)
    return model in _BOOSTING and instruction.find("tfidf_text") is None


def first_valid_order(instruction: Instruction, spec: TaskSpec) -> tuple[int, int]:
    """The order in which the search tries candidates for its first valid submission:
    gradient boosting first on tabular data of more than BOOSTING_FIRST_ROWS rows, else the
    cheapest family first."""
    boosting_first = spec.n_train > BOOSTING_FIRST_ROWS and not spec.columns_with(ColumnRole.TEXT)
    if boosting_first and is_tabular_boosting(instruction):
        return (0, expected_cost(instruction))
    return (1, expected_cost(instruction))


def boosting_anchor(spec: TaskSpec) -> Instruction | None:
    """The rules' LightGBM for a tabular task of more than BOOSTING_FIRST_ROWS rows: a
    candidate list for such a task must hold gradient boosting, whatever the knowledge base
    proposed. None where the task has text or few rows."""
    if spec.n_train <= BOOSTING_FIRST_ROWS or spec.columns_with(ColumnRole.TEXT):
        return None
    anchor = _gbm_native(spec)
    return anchor.model_copy(update={"provenance": anchor.provenance.model_copy(update={
        "note": anchor.provenance.note + "; added: gradient boosting is the reference for "
                                         f"tabular data of {spec.n_train} rows"})})


def is_linear(instruction: Instruction) -> bool:
    """A linear model (logistic regression, ridge), with or without text features."""
    if instruction.is_blend:
        return False
    model = next((s.op for s in instruction.model if s.op), None)
    return model in _LINEAR


_LINEAR = {"logistic_regression", "ridge"}
# From this many candidates on, one of them is a linear model, whatever the knowledge base
# proposed: it costs seconds, it wins where the signal is additive (pixels, measurements,
# small data) where no near neighbour says so, and it is the blend's most different member.
LINEAR_ANCHOR_MIN_K = 4


def linear_anchor(spec: TaskSpec, k: int) -> Instruction | None:
    """The rules' linear model for a tabular task, where k candidates leave room for it."""
    if k < LINEAR_ANCHOR_MIN_K or spec.columns_with(ColumnRole.TEXT):
        return None
    anchor = _linear(spec)
    return anchor.model_copy(update={"provenance": anchor.provenance.model_copy(update={
        "note": anchor.provenance.note + "; added: a linear model is always among "
                                         f"{LINEAR_ANCHOR_MIN_K} or more candidates"})})


def common_preprocessing(spec: TaskSpec, drop_text: bool = False) -> list[Step]:
    steps = []
    drop = [c for c, r in spec.columns.items() if r in (ColumnRole.IDENTIFIER, ColumnRole.CONSTANT)]
    if drop_text:
        drop += spec.columns_with(ColumnRole.TEXT)
    if drop:
        steps.append(make_step("drop_columns", columns=drop))
    if drop_text and spec.columns_with(ColumnRole.TEXT):
        # The words go, their shape stays: lengths and character shares are numbers.
        steps.append(make_step("text_statistics", columns=spec.columns_with(ColumnRole.TEXT)))
    dates = spec.columns_with(ColumnRole.DATETIME)
    if dates:
        steps.append(make_step("datetime_features", columns=dates))
    many_valued = [c for c in spec.columns_with(ColumnRole.CATEGORICAL)
                   if spec.levels.get(c, 0) >= FREQUENCY_LEVELS]
    if many_valued:
        steps.append(make_step("frequency_encoding", columns=many_valued))
    if spec.task_type == "regression" and spec.metric in _LOG_METRICS and (spec.target_min or 0) >= 0:
        steps.append(make_step("log_target"))
    return steps


def validation_params(spec: TaskSpec) -> dict:
    """The kfold parameters that make the CV score hold on the test rows: forward folds
    where they lie later in time, whole groups (or blocks of days) where they are new ones."""
    if spec.forward_column:
        return {"order_by": spec.forward_column, "stratified": False}
    if spec.group_column:
        blocks = {"group_days": spec.group_days} if spec.group_days else {}
        return {"group_by": spec.group_column, **blocks}
    return {}


def final_method(spec: TaskSpec) -> str:
    """Forward folds' models never see the latest rows: the test set gets a refit on all."""
    return "refit" if spec.forward_column else "fold_average"


def with_matching_validation(instruction: Instruction,
                             spec: TaskSpec) -> tuple[Instruction, str | None]:
    """The instruction with folds that split as the test does, and what changed; None where
    it already does, or its kfold groups or orders its folds itself (a choice it made). For
    instructions the rules did not build (a model's proposals): random folds on rows the
    test does not resemble would score what will not hold."""
    wanted = validation_params(spec)
    kfold = None if instruction.is_blend else instruction.find("kfold")
    if instruction.is_blend or not wanted or (
            kfold is not None and (kfold.param("group_by") or kfold.param("order_by"))):
        return instruction, None
    params = {**(kfold.params if kfold is not None else {"n_splits": 5}), **wanted}
    folds = make_step("kfold", **params)
    training = [folds if step is kfold else step for step in instruction.training
                if not (spec.forward_column and step.op == "early_stopping")]
    if kfold is None:
        training.insert(0, folds)
    if spec.forward_column:  # final_model stays last
        training = [step for step in training if step.op != "final_model"]
        training.append(make_step("final_model", method="refit"))
    updated = instruction.model_copy(update={"training": tuple(training)})
    return updated, folds.text


def training_steps(spec: TaskSpec) -> list[Step]:
    steps = []
    validation = validation_params(spec)
    if spec.is_classification:
        smallest = max(2, int(round((spec.minority_share or 0) * spec.n_train)))
        steps.append(make_step("kfold", **{"n_splits": min(5, smallest), "stratified": True,
                                           **validation}))
        if (spec.minority_share or 1) < 0.2 and spec.metric in _WEIGHTED_METRICS:
            steps.append(make_step("class_weight"))
    else:
        steps.append(make_step("kfold", **{"n_splits": 5, "stratified": False, **validation}))
    if spec.n_train > 200_000:
        steps.append(make_step("subsample_rows", max_rows=200_000))
    steps.append(make_step("final_model", method=final_method(spec)))
    return steps


_LOG_LOSS_METRICS = {"log_loss", "multiclass_log_loss"}


def postprocess_steps(spec: TaskSpec) -> tuple[Step, ...]:
    if spec.task_type == "binary" and spec.metric == "f1" and spec.submission_format == "label":
        return (make_step("tune_threshold"),)
    if spec.metric in _LOG_LOSS_METRICS and spec.is_classification \
            and spec.submission_format in ("binary_probability", "class_probabilities"):
        return (make_step("calibrate_probabilities"),)
    if spec.task_type != "regression":
        return ()
    lower = 0 if spec.metric in _LOG_METRICS else None
    if spec.forward_column and lower is None:
        return ()  # the test rows lie beyond the training range: its bounds need not hold
    return (make_step("clip_predictions", lower=lower),)


def _gbm_params(spec: TaskSpec) -> dict:
    if spec.n_train < 2000:  # small data: shallower trees, fewer of them
        return {"n_estimators": 300, "num_leaves": 15, "min_child_samples": 10}
    return {}


def tabular_encoding(spec: TaskSpec, method: str) -> list[Step]:
    steps = []
    if method != "native":
        steps.append(make_step("impute_numeric", strategy="median"))
    if spec.columns_with(ColumnRole.CATEGORICAL):
        if method != "native":
            steps.append(make_step("impute_categorical"))
        steps.append(make_step("encode_categorical", method=method))
    return steps


def build_instruction(spec: TaskSpec, title: str, note: str, preprocessing: list[Step],
                 model: Step) -> Instruction:
    return Instruction(
        title=title,
        preprocessing=tuple(preprocessing),
        model=(model,),
        training=tuple(training_steps(spec)),
        postprocess=postprocess_steps(spec),
        provenance=Provenance(source="rules", note=note),
    )


def _gbm_native(spec: TaskSpec) -> Instruction:
    return build_instruction(
        spec, "LightGBM with native categorical features",
        "gradient boosting handles missing values and categories natively; a strong default "
        "for tabular data",
        common_preprocessing(spec, drop_text=True) + tabular_encoding(spec, "native"),
        make_step("lightgbm", **_gbm_params(spec)),
    )


def _xgboost_native(spec: TaskSpec) -> Instruction:
    params = {"n_estimators": 300, "max_depth": 4} if spec.n_train < 2000 else {}
    return build_instruction(
        spec, "XGBoost with native categorical features",
        "a second gradient-boosting implementation with depth-wise trees",
        common_preprocessing(spec, drop_text=True) + tabular_encoding(spec, "native"),
        make_step("xgboost", **params),
    )


def linear_model_step(spec: TaskSpec) -> Step:
    if spec.is_classification:
        return make_step("logistic_regression", C=1.0)
    return make_step("ridge", alpha=1.0)


def _linear(spec: TaskSpec) -> Instruction:
    return build_instruction(
        spec, "Linear model on one-hot and scaled features",
        "a well-regularised linear baseline; strong where signal is additive",
        common_preprocessing(spec, drop_text=True) + tabular_encoding(spec, "onehot")
        + [make_step("scale_numeric")],
        linear_model_step(spec),
    )


def _random_forest(spec: TaskSpec) -> Instruction:
    return build_instruction(
        spec, "Random forest on ordinal-encoded features",
        "bagged deep trees; robust with little tuning",
        common_preprocessing(spec, drop_text=True) + tabular_encoding(spec, "ordinal"),
        make_step("random_forest", n_estimators=300, min_samples_leaf=2),
    )


def _extra_trees(spec: TaskSpec) -> Instruction:
    return build_instruction(
        spec, "Extremely randomised trees on ordinal-encoded features",
        "random split points decorrelate the trees; a diverse partner for boosting in a blend",
        common_preprocessing(spec, drop_text=True) + tabular_encoding(spec, "ordinal"),
        make_step("extra_trees", n_estimators=300, min_samples_leaf=2),
    )


def _gbm_slow(spec: TaskSpec) -> Instruction:
    return build_instruction(
        spec, "LightGBM with a slow learning rate and strong column subsampling",
        "many small, heavily subsampled trees: slower, often better calibrated",
        common_preprocessing(spec, drop_text=True) + tabular_encoding(spec, "native"),
        make_step("lightgbm", n_estimators=1000, learning_rate=0.02, num_leaves=15,
                  min_child_samples=10, subsample=0.7, colsample_bytree=0.5),
    )


def _text_linear(spec: TaskSpec) -> Instruction:
    tabular = [c for c, r in spec.columns.items() if r != ColumnRole.TEXT]
    preprocessing = [make_step("drop_columns", columns=tabular)] if tabular else []
    preprocessing.append(make_step("tfidf_text", columns=spec.columns_with(ColumnRole.TEXT)))
    return build_instruction(
        spec, "TF-IDF and a linear model on the text",
        "word n-gram TF-IDF with a linear model: the standard strong text baseline",
        preprocessing, linear_model_step(spec),
    )


def _text_and_tabular_linear(spec: TaskSpec) -> Instruction:
    text = spec.columns_with(ColumnRole.TEXT)
    return build_instruction(
        spec, "TF-IDF text with one-hot and scaled tabular features, linear model",
        "combines the text's n-grams with the tabular columns in one sparse linear model",
        common_preprocessing(spec) + tabular_encoding(spec, "onehot")
        + [make_step("scale_numeric"), make_step("tfidf_text", columns=text)],
        linear_model_step(spec),
    )


def _gbm_on_tfidf(spec: TaskSpec) -> Instruction:
    text = spec.columns_with(ColumnRole.TEXT)
    return build_instruction(
        spec, "LightGBM on TF-IDF text and one-hot features",
        "gradient boosting over sparse text features and the tabular columns",
        common_preprocessing(spec) + tabular_encoding(spec, "onehot")
        + [make_step("tfidf_text", columns=text, max_features=5000, ngram_max=1)],
        make_step("lightgbm", **_gbm_params(spec)),
    )
