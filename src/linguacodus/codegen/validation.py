"""The validation component of a generated script: how fit() and predict() work, the folds
(random, stratified, grouped, by blocks of days, or forward in time; shuffled ones drawn
once or repeated with other seeds) and the loop that fills the out-of-fold predictions (and
the test predictions: fold average or refit); a full single solution also writes its models'
own feature importance for the report."""

from __future__ import annotations

from linguacodus.codegen.components import Component
from linguacodus.codegen.layout import Layout
from linguacodus.codegen.literals import assign
from linguacodus.ops import OPERATIONS
from linguacodus.spec import TaskSpec


def validate_component(spec: TaskSpec, layout: Layout, quotes: tuple[str, ...],
                       importance: bool = False) -> Component:
    """``importance``: write feature_importance.csv (a full run of a single solution; a
    blend's members and probes don't)."""
    importance = importance and not layout.probe
    imports = {"import numpy as np"}
    averaging = layout.final_method == "fold_average" and not layout.probe
    # kfold's check allows repeats only on shuffled folds with the fold models' average.
    repeated = layout.repeats > 1 and averaging
    splitter, lines, make_folds, fold_setup, fold_loop = _fold_lines(
        layout, spec.is_classification, seed="SEED + repeat" if repeated else "SEED")
    if repeated:
        lines.insert(1, f"N_REPEATS = {layout.repeats}  # the folds are drawn this many times")
    imports.add(f"from sklearn.model_selection import {splitter}")
    weighted = layout.class_weight
    if weighted:
        imports.add("from sklearn.utils.class_weight import compute_sample_weight")
    weight_key = "model__sample_weight" if layout.uses_pipeline else "sample_weight"
    recoded = spec.is_classification and OPERATIONS[layout.model.op].model.consecutive_classes
    fit_name = "fit_codes" if recoded else "fit"
    if layout.early_stopping is not None:
        stopping = OPERATIONS[layout.model.op].model.early_stopping
        imports.update(stopping.imports)
        stop = layout.early_stopping
        lines += [
            f"STOPPING_ROUNDS = {int(stop.param('rounds'))}",
            f"STOPPING_SHARE = {float(stop.param('valid_share'))!r}",
            "",
            "",
            f"def {fit_name}(model, features: pd.DataFrame, target: np.ndarray):",
            '    """Fit on most rows; stop adding trees when a held-out share stops improving."""',
            "    order = np.random.default_rng(SEED).permutation(len(features))",
            "    n_held = max(1, int(len(order) * STOPPING_SHARE))",
            "    held, kept = order[:n_held], order[n_held:]",
        ]
        if spec.is_classification:
            lines += [
                "    # A class these rows hold once or twice may fall wholly in the held share: its",
                "    # rows go back to the fitted ones, so the model knows every class it is scored on.",
                "    unseen = ~np.isin(target[held], target[kept])",
                "    held, kept = held[~unseen], np.concatenate([kept, held[unseen]])",
            ]
        if weighted:
            lines.append('    weights = compute_sample_weight("balanced", target)')
        lines += [*stopping.before_fit, "    model.fit(", "        features.iloc[kept], target[kept],"]
        lines += [f"        {line}" for line in stopping.fit_arguments]
        if weighted:
            lines += [f"        {line}" for line in stopping.weighted_arguments]
        lines += ["    )", "    return model"]
    elif weighted:
        lines += [
            "",
            f"def {fit_name}(model, features: pd.DataFrame, target: np.ndarray):",
            '    """Fit with class weights inversely proportional to class frequency."""',
            '    weights = compute_sample_weight("balanced", target)',
            f"    return model.fit(features, target, {weight_key}=weights)",
        ]
    else:
        lines += [
            "",
            f"def {fit_name}(model, features: pd.DataFrame, target: np.ndarray):",
            "    return model.fit(features, target)",
        ]
    if recoded:
        lines += [
            "",
            "",
            "def fit(model, features: pd.DataFrame, target: np.ndarray):",
            '    """Fit on codes 0..k-1 of the classes these rows hold (a fold may lack a rare one)."""',
            "    present, codes = np.unique(target, return_inverse=True)",
            "    model = fit_codes(model, features, codes)",
            "    model.fold_classes_ = present",
            "    return model",
        ]
    lines += ["", ""]
    if spec.is_classification:
        fitted_classes = "model.fold_classes_" if recoded else "model.classes_"
        lines += [
            "def predict(model, features: pd.DataFrame) -> np.ndarray:",
            '    """Class probabilities in CLASSES order, even if a fold lacked a class."""',
            "    probabilities = np.zeros((len(features), len(CLASSES)))",
            f"    probabilities[:, {fitted_classes}] = model.predict_proba(features)",
            "    return probabilities",
        ]
        shape = "(len(X), len(CLASSES))"
        test_shape = "(len(X_test), len(CLASSES))"
    else:
        back = "np.expm1(model.predict(features))" if layout.log_target else "model.predict(features)"
        lines += [
            "def predict(model, features: pd.DataFrame) -> np.ndarray:",
            f"    return {back}",
        ]
        shape, test_shape = "len(X)", "len(X_test)"
    if importance:
        lines += ["", "", *_importance_helper(layout.uses_pipeline)]
    lines += ["", "", *fold_setup] if repeated else ["", "", make_folds, *fold_setup]
    if layout.order_by is not None:
        lines.append(f"oof_predictions = np.full({shape}, np.nan)  # the first block has none")
    else:
        lines.append(f"oof_predictions = np.zeros({shape})")
    if averaging:
        lines.append(f"test_predictions = np.zeros({test_shape})")
    if importance:
        lines.append("importance = pd.Series(dtype=float)")
    body = ["    model = fit(make_model(), X.iloc[fit_rows], y_fit[fit_rows])"]
    if repeated:
        body += [
            "    oof_predictions[valid_rows] += predict(model, X.iloc[valid_rows]) / N_REPEATS",
            "    test_predictions += predict(model, X_test) / (N_FOLDS * N_REPEATS)",
        ]
    else:
        body.append("    oof_predictions[valid_rows] = predict(model, X.iloc[valid_rows])")
        if averaging:
            body.append("    test_predictions += predict(model, X_test) / N_FOLDS")
    if importance:
        body.append("    importance = importance.add(importance_of(model, X.columns), fill_value=0.0)")
    if repeated:
        body.append('    print(f"repeat {repeat + 1}/{N_REPEATS}: fold {fold}/{N_FOLDS} fitted", flush=True)')
        lines += [
            "for repeat in range(N_REPEATS):",
            "    # Each repeat draws the folds anew: a row's out-of-fold prediction is the mean of",
            "    # the repeats' models that never saw it, the test predictions every model's mean.",
            "    " + make_folds,
            *("    " + line for line in [*fold_loop, *body]),
        ]
    else:
        body.append('    print(f"fold {fold}/{N_FOLDS} fitted", flush=True)')
        lines += [*fold_loop, *body]
    if importance:
        lines += [
            "",
            "# The models' own feature importance, summed over the folds (the run's report shows it).",
            'importance = importance.sort_values(ascending=False).rename("importance")',
            'importance.to_csv("feature_importance.csv", index_label="feature")',
        ]
    if layout.final_method == "refit" and not layout.probe:
        lines += [
            "",
            "# The final model sees every training row.",
            "test_predictions = predict(fit(make_model(), X, y_fit), X_test)",
        ]
    return Component("validate", "Model training and validation", "\n".join(lines),
                     frozenset(imports | {"import pandas as pd"}), quotes)


def _fold_lines(layout: Layout, classification: bool, seed: str = "SEED"
                ) -> tuple[str, list[str], str, list[str], list[str]]:
    """The splitter class; the constants that set the folds up; the line that makes the
    splitter (a shuffling one seeded with the expression ``seed``); the lines that make the
    groups or the time order; the loop header that yields fit_rows and valid_rows."""
    constants = [f"N_FOLDS = {layout.n_splits}"]
    loop = ["for fold, (fit_rows, valid_rows) in enumerate(folds.split(X, y), start=1):"]
    if layout.order_by is not None:
        constants += [
            "# Test rows lie after the training rows in ORDER_COLUMN: each fold fits on earlier",
            "# rows and validates on the next block, so the CV score measures forecasting.",
            assign("ORDER_COLUMN", layout.order_by), ""]
        if layout.order_is_datetime:
            setup = [*_parse_stamps("ORDER_COLUMN"),
                     'order = np.argsort(stamps.to_numpy(), kind="stable")  # NaT last']
        else:
            setup = ["# Rows from earliest to latest; missing values last.",
                     'order = np.argsort(train[ORDER_COLUMN].to_numpy(dtype=float), kind="stable")']
        loop = ["for fold, (fit_at, valid_at) in enumerate(folds.split(order), start=1):",
                "    fit_rows, valid_rows = order[fit_at], order[valid_at]"]
        if classification:
            loop += ["    if len(np.unique(y_fit[fit_rows])) < 2:",
                     "        continue  # the earliest rows hold one class: these stay unscored"]
        return "TimeSeriesSplit", constants, "folds = TimeSeriesSplit(n_splits=N_FOLDS)", setup, loop
    grouped = layout.group_by is not None
    splitter = ("StratifiedGroupKFold" if grouped else "StratifiedKFold") if layout.stratified \
        else ("GroupKFold" if grouped else "KFold")
    make_folds = (f"folds = {splitter}(n_splits=N_FOLDS, shuffle=True, random_state={seed})"
                  if splitter != "GroupKFold" else f"folds = {splitter}(n_splits=N_FOLDS)")
    setup: list[str] = []
    if not grouped:
        return splitter, constants + [""], make_folds, setup, loop
    if layout.group_days is not None:
        constants += [
            "# Test rows fall on runs of days that training lacks: each block of GROUP_DAYS whole",
            "# days stays in one fold, so that neighbouring hours and days do not leak the answer.",
            assign("GROUP_COLUMN", layout.group_by), f"GROUP_DAYS = {layout.group_days}", ""]
        setup += [*_parse_stamps("GROUP_COLUMN"),
                  'days = (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1)',
                  "groups = (days // GROUP_DAYS).fillna(-1).astype(int).to_numpy()  # NaT: one group"]
    else:
        constants += [
            "# Test rows come from groups that training lacks: each group's rows stay in one",
            "# fold, so that the CV score measures what holds on new groups.",
            assign("GROUP_COLUMN", layout.group_by), ""]
        setup.append("groups = train[GROUP_COLUMN].astype(str).to_numpy()  # missing: one group")
    loop = ["for fold, (fit_rows, valid_rows) in enumerate(folds.split(X, y, groups), start=1):"]
    return splitter, constants, make_folds, setup, loop


def _parse_stamps(column: str) -> list[str]:
    """The lines that parse a timestamp column as splits.parse_times does (UTC, tz-free)."""
    return [f'stamps = pd.to_datetime(train[{column}], errors="coerce", format="mixed", utc=True)',
            "stamps = stamps.dt.tz_localize(None)"]


def _importance_helper(pipeline: bool) -> list[str]:
    """importance_of(model, columns): the fitted model's own importance of each feature."""
    lines = [
        "def importance_of(model, columns) -> pd.Series:",
        '    """The fitted model\'s own importance of each feature it saw: gain or split counts',
        '    for trees, coefficient sizes for linear models; empty where the model has none."""',
    ]
    if pipeline:
        lines += [
            "    estimator = model[-1]",
            "    columns = model[:-1].get_feature_names_out()  # what the preprocessing made",
        ]
    else:
        lines.append("    estimator = model")
    lines += [
        '    values = getattr(estimator, "feature_importances_", None)',
        '    if values is None and hasattr(estimator, "coef_"):',
        "        values = np.abs(np.atleast_2d(estimator.coef_)).mean(axis=0)",
        "    if values is None or len(values) != len(columns):",
        "        return pd.Series(dtype=float)",
        "    return pd.Series(np.asarray(values, dtype=float), index=list(columns))",
    ]
    return lines
