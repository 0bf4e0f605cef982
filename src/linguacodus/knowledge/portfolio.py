"""The portfolio: named recipes (model family × preprocessing × training choices).

`kb build` runs every applicable recipe on every corpus task and stores the outcomes; the
proposer retrieves the recipes that did best on the nearest known tasks and rebuilds them
for the new task's columns and metric. A recipe's parameters are fixed (they do not adapt
to the data set's size), so that its outcomes are comparable across tasks; the preprocessing
and validation around the model are what adapts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from linguacodus.instruction import Instruction, Provenance, Step, make_step
from linguacodus.ops import catboost, sentence_embeddings
from linguacodus.planning import (
    build_instruction,
    common_preprocessing,
    tabular_encoding,
)
from linguacodus.spec import ColumnRole, TaskSpec


@dataclass(frozen=True)
class Recipe:
    id: str
    title: str
    note: str
    build: Callable[[TaskSpec], Instruction | None]  # None: does not apply to this task


def _tabular(recipe_id: str, title: str, note: str, encoding: str, model: Callable[[TaskSpec], Step],
             scale: bool = False, extra_pre: Callable[[TaskSpec], list[Step]] | None = None,
             extra_training: Callable[[TaskSpec], list[Step]] | None = None,
             applies: Callable[[TaskSpec], bool] = lambda spec: True) -> Recipe:
    def build(spec: TaskSpec) -> Instruction | None:
        if not applies(spec):
            return None
        preprocessing = common_preprocessing(spec, drop_text=True) + tabular_encoding(spec, encoding)
        if scale:
            preprocessing.append(make_step("scale_numeric"))
        if extra_pre:
            preprocessing += [s for s in extra_pre(spec) if s not in preprocessing]
        instruction = build_instruction(spec, title, note, preprocessing, model(spec))
        if extra_training:
            training = list(instruction.training)
            final = training.pop()  # final_model stays last
            present = {step.op for step in training}
            training += [s for s in extra_training(spec) if s.op not in present] + [final]
            instruction = instruction.model_copy(update={"training": tuple(training)})
        return instruction.model_copy(update={"provenance": Provenance(
            source="portfolio", note=f"recipe {recipe_id}: {note}")})
    return Recipe(recipe_id, title, note, build)


def _lgbm(**params) -> Callable[[TaskSpec], Step]:
    return lambda spec: make_step("lightgbm", **params)


def _xgb(**params) -> Callable[[TaskSpec], Step]:
    return lambda spec: make_step("xgboost", **params)


def _cb(**params) -> Callable[[TaskSpec], Step]:
    return lambda spec: make_step("catboost", **params)


def _catboost_installed(spec: TaskSpec) -> bool:
    return catboost.available()


def _linear(c: float, alpha: float) -> Callable[[TaskSpec], Step]:
    return lambda spec: (make_step("logistic_regression", C=c) if spec.is_classification
                         else make_step("ridge", alpha=alpha))


def _classification(spec: TaskSpec) -> bool:
    return spec.is_classification


def _positive_regression(spec: TaskSpec) -> bool:
    return spec.task_type == "regression" and (spec.target_min or 0) >= 0


def _has_categoricals(spec: TaskSpec) -> bool:
    return bool(spec.columns_with(ColumnRole.CATEGORICAL))


def _regression(spec: TaskSpec) -> bool:
    return spec.task_type == "regression"


def _log_target(spec: TaskSpec) -> list[Step]:
    return [make_step("log_target")]


def _balanced(spec: TaskSpec) -> list[Step]:
    return [make_step("class_weight")]


_SMALL = dict(n_estimators=300, num_leaves=15, min_child_samples=10)

TABULAR: tuple[Recipe, ...] = (
    _tabular("lgbm-default", "LightGBM, default settings, native categories",
             "500 trees of 31 leaves: the usual strong default", "native", _lgbm()),
    _tabular("lgbm-small", "LightGBM with small trees, native categories",
             "fewer, smaller trees: less variance on small data", "native", _lgbm(**_SMALL)),
    _tabular("lgbm-slow", "LightGBM with a slow learning rate and column subsampling",
             "many small, heavily subsampled trees", "native",
             _lgbm(n_estimators=1000, learning_rate=0.02, num_leaves=15, min_child_samples=10,
                   subsample=0.7, colsample_bytree=0.5)),
    _tabular("lgbm-large", "LightGBM with large trees",
             "deep interactions for larger data", "native",
             _lgbm(n_estimators=800, learning_rate=0.03, num_leaves=63, min_child_samples=10)),
    _tabular("lgbm-stumps", "LightGBM with near-additive trees",
             "four-leaf trees: close to an additive model, robust on noisy data", "native",
             _lgbm(n_estimators=600, num_leaves=4, min_child_samples=20)),
    _tabular("lgbm-ordinal", "LightGBM on ordinal-encoded categories",
             "categories as integer codes instead of native category splits", "ordinal",
             _lgbm(**_SMALL)),
    _tabular("lgbm-onehot", "LightGBM on one-hot encoded categories",
             "one indicator column per category", "onehot", _lgbm(**_SMALL)),
    _tabular("lgbm-target", "LightGBM on target-encoded categories",
             "each category as its cross-fitted mean target: many levels in one column",
             "target", _lgbm(), applies=_has_categoricals),
    _tabular("lgbm-balanced", "LightGBM with balanced class weights",
             "re-weights rare classes; helps threshold metrics on imbalanced data", "native",
             _lgbm(**_SMALL), extra_training=_balanced, applies=_classification),
    _tabular("lgbm-log-target", "LightGBM on the log of a positive target",
             "log(1 + y) tames a skewed positive target", "native", _lgbm(**_SMALL),
             extra_pre=_log_target, applies=_positive_regression),
    _tabular("lgbm-l1", "LightGBM with an absolute-error objective",
             "the L1 objective targets the median: suits MAE and outliers", "native",
             _lgbm(objective="l1", **_SMALL), applies=_regression),
    _tabular("xgb-d4", "XGBoost with depth-4 trees, native categories",
             "shallow depth-wise trees", "native", _xgb(n_estimators=300, max_depth=4)),
    _tabular("xgb-d6", "XGBoost with depth-6 trees, native categories",
             "the usual XGBoost default depth", "native", _xgb()),
    _tabular("xgb-slow", "XGBoost with depth-3 trees and a slow learning rate",
             "many shallow trees", "native", _xgb(n_estimators=1000, learning_rate=0.02, max_depth=3)),
    _tabular("xgb-ordinal", "XGBoost on ordinal-encoded categories",
             "categories as integer codes", "ordinal", _xgb(n_estimators=300, max_depth=4)),
    _tabular("cb-default", "CatBoost, default settings, ordered category statistics",
             "symmetric depth-6 trees; categories by ordered target statistics", "native", _cb(),
             applies=_catboost_installed),
    _tabular("rf", "Random forest on ordinal-encoded features",
             "bagged fully grown trees", "ordinal",
             lambda spec: make_step("random_forest", n_estimators=300, min_samples_leaf=1)),
    _tabular("rf-leaf3", "Random forest with three rows a leaf",
             "bagged trees, lightly smoothed", "ordinal",
             lambda spec: make_step("random_forest", n_estimators=300, min_samples_leaf=3)),
    _tabular("rf-leaf10", "Random forest with ten rows a leaf",
             "bagged trees, strongly smoothed: calibrated probabilities on noisy data", "ordinal",
             lambda spec: make_step("random_forest", n_estimators=300, min_samples_leaf=10)),
    _tabular("et", "Extremely randomised trees",
             "random split points decorrelate the trees", "ordinal",
             lambda spec: make_step("extra_trees", n_estimators=300, min_samples_leaf=1)),
    _tabular("et-leaf3", "Extremely randomised trees with three rows a leaf",
             "randomised, smoothed trees", "ordinal",
             lambda spec: make_step("extra_trees", n_estimators=300, min_samples_leaf=3)),
    _tabular("linear", "Linear model on one-hot and scaled features",
             "a regularised linear baseline", "onehot", _linear(1.0, 1.0), scale=True),
    _tabular("linear-strong", "Strongly regularised linear model",
             "heavy shrinkage for small or noisy data", "onehot", _linear(0.1, 10.0), scale=True),
    _tabular("linear-weak", "Weakly regularised linear model",
             "little shrinkage where signal is strong and additive", "onehot", _linear(10.0, 0.1),
             scale=True),
    _tabular("linear-balanced", "Linear model with balanced class weights",
             "re-weights rare classes", "onehot", _linear(1.0, 1.0), scale=True,
             extra_training=_balanced, applies=_classification),
    _tabular("linear-log-target", "Linear model on the log of a positive target",
             "multiplicative effects become additive", "onehot", _linear(1.0, 1.0), scale=True,
             extra_pre=_log_target, applies=_positive_regression),
)


def _text(recipe_id: str, title: str, note: str, build_steps,
          applies: Callable[[TaskSpec], bool] = lambda spec: True) -> Recipe:
    def build(spec: TaskSpec) -> Instruction | None:
        if not spec.columns_with(ColumnRole.TEXT) or not applies(spec):
            return None
        preprocessing, model = build_steps(spec)
        instruction = build_instruction(spec, title, note, preprocessing, model)
        return instruction.model_copy(update={"provenance": Provenance(
            source="portfolio", note=f"recipe {recipe_id}: {note}")})
    return Recipe(recipe_id, title, note, build)


def _text_only(c: float, alpha: float, **tfidf):
    def steps(spec: TaskSpec):
        others = [c for c, r in spec.columns.items() if r != ColumnRole.TEXT]
        pre = [make_step("drop_columns", columns=others)] if others else []
        pre.append(make_step("tfidf_text", columns=spec.columns_with(ColumnRole.TEXT), **tfidf))
        return pre, _linear(c, alpha)(spec)
    return steps


def _text_tabular(spec: TaskSpec):
    pre = common_preprocessing(spec) + tabular_encoding(spec, "onehot") + [
        make_step("scale_numeric"), make_step("tfidf_text", columns=spec.columns_with(ColumnRole.TEXT))]
    return pre, _linear(1.0, 1.0)(spec)


def _text_gbm(spec: TaskSpec):
    pre = common_preprocessing(spec) + tabular_encoding(spec, "onehot") + [
        make_step("tfidf_text", columns=spec.columns_with(ColumnRole.TEXT), max_features=5000,
                  ngram_max=1)]
    return pre, make_step("lightgbm", **_SMALL)


SHORT_TEXT_CHARACTERS = 60  # names, titles and short phrases, not reviews


def _short_texts(spec: TaskSpec) -> bool:
    """Texts of at most SHORT_TEXT_CHARACTERS a row on average (distinct texts' characters
    over all rows, train and test: never more than their mean length)."""
    rows = max(1, spec.n_train + spec.n_test)
    return sum(spec.text_chars.get(c, 0) for c in spec.columns_with(ColumnRole.TEXT)) / rows \
        <= SHORT_TEXT_CHARACTERS


def _embeddings_installed(spec: TaskSpec) -> bool:
    return sentence_embeddings.available()


def _embedded(model: Callable[[TaskSpec], Step], encoding: str, scale: bool):
    """The texts as MiniLM embeddings next to the tabular columns (their words dropped)."""
    def steps(spec: TaskSpec):
        pre = common_preprocessing(spec, drop_text=True) + [
            make_step("sentence_embeddings", columns=spec.columns_with(ColumnRole.TEXT))]
        pre += tabular_encoding(spec, encoding) + ([make_step("scale_numeric")] if scale else [])
        return pre, model(spec)
    return steps


TEXT: tuple[Recipe, ...] = (
    _text("text-linear", "TF-IDF and a linear model on the text",
          "word n-gram TF-IDF with a linear model", _text_only(1.0, 1.0)),
    _text("text-char-linear", "Character n-gram TF-IDF and a linear model on the text",
          "2- to 5-character pieces of words: names, titles, codes, endings, misspellings",
          _text_only(1.0, 1.0, analyzer="char_wb", ngram_max=5, max_features=50000),
          applies=_short_texts),
    _text("text-linear-weak", "TF-IDF and a weakly regularised linear model",
          "TF-IDF n-grams, little shrinkage", _text_only(10.0, 0.1)),
    _text("text-tabular-linear", "TF-IDF text with one-hot and scaled tabular features, linear model",
          "text n-grams and tabular columns in one sparse linear model", _text_tabular),
    _text("text-gbm", "LightGBM on TF-IDF text and one-hot features",
          "boosting over sparse text features and the tabular columns", _text_gbm),
    _text("embed-linear", "MiniLM sentence embeddings and a linear model",
          "what the texts mean, as dense vectors, with the tabular columns in a linear model",
          _embedded(_linear(1.0, 1.0), "onehot", scale=True), applies=_embeddings_installed),
    _text("embed-gbm", "LightGBM on MiniLM sentence embeddings and native categories",
          "boosting over the texts' embeddings and the tabular columns",
          _embedded(_lgbm(**_SMALL), "native", scale=False), applies=_embeddings_installed),
)

RECIPES: dict[str, Recipe] = {recipe.id: recipe for recipe in TABULAR + TEXT}


def applicable(spec: TaskSpec, recipe_ids: list[str] | None = None) -> dict[str, Instruction]:
    """Every recipe (or the named ones) that applies to the task, built for it, by id."""
    chosen = [RECIPES[i] for i in recipe_ids] if recipe_ids else list(RECIPES.values())
    built = {recipe.id: recipe.build(spec) for recipe in chosen}
    return {recipe_id: instruction for recipe_id, instruction in built.items() if instruction}


def recipe_of(instruction: Instruction) -> str | None:
    """The recipe an instruction was built from (its provenance says), if any."""
    note = instruction.provenance.note
    if note.startswith("recipe "):
        candidate = note.split(":", 1)[0].removeprefix("recipe ").strip()
        return candidate if candidate in RECIPES else None
    return None
