"""The operation registry: every structured step an Instruction may hold.

Each operation belongs to one section, has defaults for its parameters, and a sentence
that says what it does in the words of the paper's instructions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

Section = Literal["preprocessing", "model", "training", "postprocess"]
SECTIONS: tuple[Section, ...] = ("preprocessing", "model", "training", "postprocess")


@dataclass(frozen=True)
class Operation:
    name: str
    section: Section
    defaults: Mapping[str, Any]
    describe: Callable[[Mapping[str, Any]], str]
    family: str | None = None  # model operations: "tree" or "linear"
    task_types: frozenset[str] = frozenset({"binary", "multiclass", "regression"})


def _names(columns: Any) -> str:
    return ", ".join(map(str, columns)) if columns else "none"


def _op(name: str, section: Section, describe: Callable[[Mapping[str, Any]], str],
        family: str | None = None, task_types: frozenset[str] | None = None,
        **defaults: Any) -> Operation:
    return Operation(name, section, MappingProxyType(defaults), describe, family,
                     task_types or frozenset({"binary", "multiclass", "regression"}))


_CLASSIFICATION = frozenset({"binary", "multiclass"})

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in [
        # --- data preprocessing ---
        _op("drop_columns", "preprocessing",
            lambda p: f"Drop columns that carry no signal (identifiers, constants): {_names(p['columns'])}.",
            columns=[]),
        _op("datetime_features", "preprocessing",
            lambda p: "Expand date columns (a timestamp id too) into year, month, day, day of week, "
                      "day of year, hour and days since 1970: "
                      f"{_names(p['columns'])}.",
            columns=[]),
        _op("impute_numeric", "preprocessing",
            lambda p: f"Fill missing numeric values with the training {p['strategy']}.",
            strategy="median"),
        _op("scale_numeric", "preprocessing",
            lambda p: "Standardise numeric features to zero mean and unit variance."),
        _op("impute_categorical", "preprocessing",
            lambda p: f"Fill missing categories with the placeholder '{p['fill']}'.",
            fill="missing"),
        _op("encode_categorical", "preprocessing",
            lambda p: {
                "native": "Keep categorical columns as categories for the model's native "
                          "categorical splits; unseen test categories become missing.",
                "onehot": "One-hot encode categorical columns, ignoring categories unseen in training"
                          + (f" and grouping those rarer than {p['min_frequency']} rows."
                             if p.get("min_frequency") else "."),
                "ordinal": "Ordinal-encode categorical columns; unseen and missing categories get -1.",
            }.get(p["method"], f"Encode categorical columns with method '{p['method']}'."),
            method="native", min_frequency=None),
        _op("frequency_encoding", "preprocessing",
            lambda p: "Add each value's share of the rows (train and test together, no labels) "
                      f"as a number for the many-valued categorical columns: {_names(p['columns'])}.",
            columns=[]),
        _op("tfidf_text", "preprocessing",
            lambda p: f"Turn text columns ({_names(p['columns'])}) into TF-IDF features of word "
                      f"1- to {p['ngram_max']}-grams, at most {p['max_features']} terms each.",
            columns=[], max_features=20000, ngram_max=2, min_df=2),
        _op("log_target", "preprocessing",
            lambda p: "Train on log(1 + target) and map predictions back with exp(x) - 1.",
            task_types=frozenset({"regression"})),
        # --- model architecture ---
        _op("lightgbm", "model",
            lambda p: f"LightGBM gradient-boosted trees: {p['n_estimators']} trees, learning rate "
                      f"{p['learning_rate']}, {p['num_leaves']} leaves, row and column subsampling "
                      f"{p['subsample']}/{p['colsample_bytree']}"
                      + (f", {p['objective']} objective." if p.get("objective") else "."),
            family="tree", n_estimators=500, learning_rate=0.05, num_leaves=31,
            min_child_samples=20, subsample=0.8, colsample_bytree=0.8, objective=None),
        _op("xgboost", "model",
            lambda p: f"XGBoost gradient-boosted trees (histogram method): {p['n_estimators']} "
                      f"trees, learning rate {p['learning_rate']}, depth {p['max_depth']}.",
            family="tree", n_estimators=500, learning_rate=0.05, max_depth=6, subsample=0.8,
            colsample_bytree=0.8),
        _op("random_forest", "model",
            lambda p: f"Random forest of {p['n_estimators']} trees, "
                      f"at least {p['min_samples_leaf']} rows a leaf.",
            family="tree", n_estimators=300, min_samples_leaf=1),
        _op("extra_trees", "model",
            lambda p: f"Extremely randomised trees: {p['n_estimators']} trees, "
                      f"at least {p['min_samples_leaf']} rows a leaf.",
            family="tree", n_estimators=300, min_samples_leaf=1),
        _op("logistic_regression", "model",
            lambda p: f"Logistic regression with L2 penalty, C = {p['C']}.",
            family="linear", task_types=_CLASSIFICATION, C=1.0, max_iter=2000),
        _op("ridge", "model",
            lambda p: f"Ridge regression, alpha = {p['alpha']}.",
            family="linear", task_types=frozenset({"regression"}), alpha=1.0),
        # --- model training ---
        _op("kfold", "training",
            lambda p: f"Validate with {p['n_splits']}-fold cross-validation"
                      + (", stratified by class" if p["stratified"] else "")
                      + (f", each {p['group_by']} value's rows in one fold" if p.get("group_by") else "")
                      + "; keep out-of-fold predictions for scoring.",
            n_splits=5, stratified=True, group_by=None),
        _op("class_weight", "training",
            lambda p: "Weight classes inversely to their frequency while fitting.",
            task_types=_CLASSIFICATION, mode="balanced"),
        _op("early_stopping", "training",
            lambda p: f"Hold out {p['valid_share']:.0%} of each fold's training rows and stop adding "
                      f"trees when the score on them has not improved for {p['rounds']} rounds.",
            rounds=50, valid_share=0.1),
        _op("subsample_rows", "training",
            lambda p: f"Fit on at most {p['max_rows']} randomly chosen training rows.",
            max_rows=100000),
        _op("final_model", "training",
            lambda p: {
                "fold_average": "Predict the test set with the average of the fold models.",
                "refit": "Refit the model on all training rows to predict the test set.",
            }.get(p["method"], f"Final model: {p['method']}."),
            method="fold_average"),
        # --- postprocessing ---
        _op("clip_predictions", "postprocess",
            lambda p: "Clip predictions to the range of the training target"
                      + (f", and at least {p['lower']}" if p.get("lower") is not None else "")
                      + ".",
            task_types=frozenset({"regression"}), lower=None),
        _op("calibrate_probabilities", "postprocess",
            lambda p: "Calibrate the class probabilities on the out-of-fold predictions: a power "
                      "that softens or sharpens them, then a share of the class frequencies, "
                      "both chosen to minimise the log loss.",
            task_types=_CLASSIFICATION),
        _op("tune_threshold", "postprocess",
            lambda p: "Choose the probability threshold for the positive class that maximises F1 "
                      "on the out-of-fold predictions, cross-fitted (each half of the rows scored "
                      "with the threshold chosen on the other; 0.5 where tuning does not hold), "
                      "and label the test set with it.",
            task_types=frozenset({"binary"})),
    ]
}


def get_operation(name: str) -> Operation:
    try:
        return OPERATIONS[name]
    except KeyError:
        raise KeyError(
            f"unknown operation {name!r}; known: {', '.join(sorted(OPERATIONS))}"
        ) from None


def model_operations() -> list[Operation]:
    return [op for op in OPERATIONS.values() if op.section == "model"]
