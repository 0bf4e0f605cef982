"""The components of a generated script: load, preprocess, model, predict/submit (validate
is in codegen/validation.py).

Each writer returns a Component: the code of one section, the imports it needs, and the
instruction sentences it implements (quoted in the section's header comment).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from linguacodus.codegen.layout import Layout
from linguacodus.codegen.literals import assign, comment_text, py
from linguacodus.ops import get_operation
from linguacodus.spec import TaskSpec


@dataclass(frozen=True)
class Component:
    name: str
    title: str
    code: str
    imports: frozenset[str]
    quotes: tuple[str, ...] = ()


def _encoding(spec: TaskSpec, name: str) -> str:
    """read_csv's encoding argument for a file that is not UTF-8 (none for UTF-8)."""
    return f", encoding={py(spec.encodings[name])}" if name in spec.encodings else ""


def load_component(spec: TaskSpec, layout: Layout, seed: int) -> Component:
    lines = [
        assign("TARGET", spec.target),
        assign("ID_COLUMN", spec.id_column),
        f"SEED = {seed}",
        "",
        *(f'{frame} = pd.read_csv("input/{name}"{_encoding(spec, name)})'
          for frame, name in (("train", "train.csv"), ("test", "test.csv"),
                              ("sample_submission", "sample_submission.csv"))),
        "train = train[train[TARGET].notna()]",
    ]
    subsample = [
        f"MAX_ROWS = {layout.max_rows}",
        "if len(train) > MAX_ROWS:",
        "    train = train.sample(n=MAX_ROWS, random_state=SEED)",
    ] if layout.max_rows is not None else []
    if spec.is_classification and subsample:
        lines += ["", "# Classes in sorted text form, from every row: a subsample may lack a rare one.",
                  "CLASSES = np.unique(train[TARGET].astype(str))", *subsample,
                  "# Models learn the classes' integer codes.",
                  "y = np.searchsorted(CLASSES, train[TARGET].astype(str))"]
    elif spec.is_classification:
        lines += ["", "# Classes in sorted text form; models learn their integer codes.",
                  "CLASSES, y = np.unique(train[TARGET].astype(str), return_inverse=True)"]
    else:
        lines += [*subsample, "", "y = train[TARGET].to_numpy(dtype=float)"]
    return Component("load", "Load data", "\n".join(lines),
                     frozenset({"import numpy as np", "import pandas as pd"}))


def preprocess_component(spec: TaskSpec, layout: Layout) -> Component:
    imports = {"import numpy as np", "import pandas as pd"}
    lines = [
        assign("NUMERIC_COLUMNS", layout.numeric),
        assign("CATEGORICAL_COLUMNS", layout.categorical),
        assign("TEXT_COLUMNS", layout.text),
        assign("DATETIME_COLUMNS", layout.datetime),
    ]
    derived = [get_operation(step.op).features(step, layout) for step in layout.feature_steps]
    for code in derived:
        lines += code.setup
        imports |= code.imports
    if layout.unused:
        lines += [f"# {line}" for line in textwrap.wrap(comment_text(
            "Not used by this instruction: " + ", ".join(map(str, layout.unused))), 96)]
    lines += [
        "",
        "",
        "def make_features(frame: pd.DataFrame) -> pd.DataFrame:",
        '    """Select the columns the instruction uses; derive date parts; categories as text."""',
        "    features = frame[NUMERIC_COLUMNS].astype(float)",
        *[line for code in derived for line in code.body],
        "    for column in CATEGORICAL_COLUMNS:",
        "        # Text form so that 1, True and 'a' are all plain categories; missing stays NaN.",
        "        features[column] = frame[column].astype(str).where(frame[column].notna(), np.nan)",
        "    for column in TEXT_COLUMNS:",
        '        features[column] = frame[column].fillna("").astype(str)',
        "    return features",
        "",
        "",
        "X = make_features(train)",
        "X_test = make_features(test)",
    ]
    numeric_block = layout.numeric or layout.derived
    native_steps = [s for s in layout.matrix_steps if get_operation(s.op).native is not None]
    if numeric_block and (layout.uses_pipeline or native_steps):
        lines.append(
            "NUMERIC_FEATURES = [c for c in X.columns if c not in CATEGORICAL_COLUMNS + TEXT_COLUMNS]")
    if layout.log_target:
        lines += ["", "# Fit on the log scale; predictions are mapped back with expm1.",
                  "y_fit = np.log1p(y)"]
    else:
        lines += ["y_fit = y"]
    quotes = [s.text for s in layout.matrix_steps]
    if layout.native_categories:
        if numeric_block:
            for step in native_steps:
                lines += ["", *get_operation(step.op).native(step)]
        if get_operation(layout.model.op).model.categories_argument is not None:
            lines += [
                "",
                "# The model reads categories as text (it is told which columns they are);",
                "# a missing value is a category of its own.",
                "for column in CATEGORICAL_COLUMNS:",
                '    X[column] = X[column].fillna("(missing)")',
                '    X_test[column] = X_test[column].fillna("(missing)")',
            ]
        else:
            lines += [
                "",
                "for column in CATEGORICAL_COLUMNS:",
                "    categories = sorted(X[column].dropna().unique())",
                "    X[column] = pd.Categorical(X[column], categories=categories)",
                "    # Categories unseen in training become missing values.",
                "    X_test[column] = pd.Categorical(X_test[column], categories=categories)",
            ]
    elif layout.uses_pipeline:
        lines += ["", ""] + _preprocessor_function(spec, layout, imports)
    return Component("preprocess", "Data preprocessing", "\n".join(lines), frozenset(imports),
                     tuple(quotes) + tuple(_extra_quotes(layout)))


def _extra_quotes(layout: Layout) -> list[str]:
    quotes = []
    if layout.unused:
        quotes.append("Drop columns that carry no signal: " + ", ".join(map(str, layout.unused)) + ".")
    quotes += [step.text for step in layout.feature_steps]
    if layout.log_target:
        quotes.append("Train on log(1 + target).")
    return quotes


def _preprocessor_function(spec: TaskSpec, layout: Layout, imports: set[str]) -> list[str]:
    """make_preprocessor(): each matrix step's part (ops/<name>.py), assembled in blocks."""
    imports.add("from sklearn.compose import ColumnTransformer")
    chains: dict[str, list[str]] = {"numeric": [], "categorical": []}
    text_lines: list[str] = []
    for step in layout.matrix_steps:
        code = get_operation(step.op).matrix(step, spec)
        if code is None or (code.block == "text" and not layout.text):
            continue
        imports |= code.imports
        if code.block == "text":
            text_lines += code.lines
        else:
            chains[code.block].append(code.transformer)
    blocks: list[str] = []
    if layout.numeric or layout.derived:
        blocks.append(f'("numeric", {_chain(chains["numeric"], imports)}, NUMERIC_FEATURES)')
    if layout.categorical:
        blocks.append(f'("categorical", {_chain(chains["categorical"], imports)}, CATEGORICAL_COLUMNS)')
    lines = [
        "def make_preprocessor() -> ColumnTransformer:",
        '    """Transformations fitted on the training rows of each fold only."""',
        "    blocks = [",
    ]
    lines += [f"        {block}," for block in blocks]
    lines.append("    ]")
    lines += text_lines
    # Pass through what no block claims: if a column still holds raw text the model will
    # fail loudly instead of silently losing the column.
    lines.append('    return ColumnTransformer(blocks, remainder="passthrough")')
    return lines


def _chain(steps: list[str], imports: set[str]) -> str:
    if not steps:
        return '"passthrough"'
    if len(steps) == 1:
        return steps[0]
    imports.add("from sklearn.pipeline import make_pipeline")
    inner = "".join(f"\n            {step}," for step in steps)
    return f"make_pipeline({inner}\n        )"


def _model_arguments(layout: Layout) -> list[str]:
    model = layout.model
    code = get_operation(model.op).model
    params = code.arguments({**get_operation(model.op).defaults, **model.params},
                            layout.native_categories)
    args = [f"{key}={py(value)}" for key, value in params.items()]
    if code.categories_argument is not None and layout.native_categories:
        args.append(f"{code.categories_argument}=CATEGORICAL_COLUMNS")
    if code.seeded:
        args.append("random_state=SEED")
    return args


def model_component(spec: TaskSpec, layout: Layout) -> Component:
    code = get_operation(layout.model.op).model
    name, import_line = code.classifier if spec.is_classification else code.regressor
    imports = {import_line}
    args = _model_arguments(layout)
    construct = f"{name}(\n        " + ",\n        ".join(args) + ",\n    )"
    lines = ["def make_model():", '    """A fresh, unfitted model for each fold."""']
    if layout.uses_pipeline:
        imports.add("from sklearn.pipeline import Pipeline")
        lines += [f"    model = {construct}",
                  '    return Pipeline([("preprocess", make_preprocessor()), ("model", model)])']
    else:
        lines.append(f"    return {construct}")
    return Component("model", "Model architecture", "\n".join(lines), frozenset(imports),
                     (layout.model.text,))


def submit_component(spec: TaskSpec, layout: Layout) -> Component:
    imports = {"import numpy as np", "import pandas as pd"}
    column = spec.submission_columns[0]
    lines, every_row = [], []
    for step in layout.postprocess_steps:
        code = get_operation(step.op).postprocess(step, spec, layout.probe)
        (every_row if code.every_row else lines).extend(code.setup)
        imports |= code.imports
    lines += [
        "",
        "def to_submission_columns(predictions: np.ndarray) -> pd.DataFrame:",
        '    """Predictions in the format of sample_submission.csv."""',
    ]
    fmt = spec.submission_format
    threshold_tuned = fmt == "label" and layout.threshold is not None
    if fmt == "value":
        value = "np.clip(predictions, LOWER, UPPER)" if layout.clip is not None else "predictions"
        lines.append(f"    return pd.DataFrame({{{py(column)}: {value}}})")
    elif fmt == "label" and layout.threshold is not None:
        lines[lines.index("def to_submission_columns(predictions: np.ndarray) -> pd.DataFrame:")] = (
            "def to_submission_columns(predictions: np.ndarray, threshold=None) -> pd.DataFrame:")
        lines += [
            "    cut = THRESHOLD if threshold is None else threshold",
            "    positive = predictions[:, POSITIVE_INDEX] >= cut",
            "    codes = np.where(positive, POSITIVE_INDEX, 1 - POSITIVE_INDEX)",
            f"    return pd.DataFrame({{{py(column)}: CLASSES[codes]}})",
        ]
    elif fmt == "label":
        lines.append(f"    return pd.DataFrame({{{py(column)}: CLASSES[predictions.argmax(axis=1)]}})")
    elif fmt == "binary_probability":
        lines = [f"POSITIVE_INDEX = list(CLASSES).index({py(spec.positive_label)})", ""] + lines
        lines.append(f"    return pd.DataFrame({{{py(column)}: predictions[:, POSITIVE_INDEX]}})")
    elif fmt == "class_probabilities":
        lines = [assign("CLASS_COLUMNS", dict(spec.class_columns)), ""] + lines
        lines.append("    return pd.DataFrame(predictions, columns=[CLASS_COLUMNS[c] for c in CLASSES])")
    elif fmt == "ranking":
        lines = [f"TOP_K = {spec.metric_k or 3}", ""] + lines
        lines += [
            "    best_first = np.argsort(-predictions, axis=1)[:, :TOP_K]",
            f"    return pd.DataFrame({{{py(column)}: [\" \".join(CLASSES[row]) for row in best_first]}})",
        ]
    else:  # pragma: no cover - the TaskSpec type admits no other format
        raise ValueError(f"unknown submission format {fmt}")
    forward = layout.order_by is not None
    if forward:
        lines = [
            "# Forward folds leave the earliest block without out-of-fold predictions: the rows",
            "# that have them are what thresholds, calibration and the harness's score use.",
            "scored = ~np.isnan(oof_predictions.reshape(len(oof_predictions), -1)).any(axis=1)",
            "train, y, oof_predictions = train[scored], y[scored], oof_predictions[scored]",
            "",
        ] + lines
    lines = every_row + lines
    lines += [
        "",
        "",
        "# Out-of-fold predictions for the training rows, scored by the harness.",
    ]
    arguments = "oof_predictions, OOF_THRESHOLDS" if threshold_tuned else "oof_predictions"
    lines.append(f"oof = to_submission_columns({arguments})")
    if spec.train_has_id:
        lines.append("oof.insert(0, ID_COLUMN, train[ID_COLUMN].to_numpy())")
    else:
        lines.append('oof.insert(0, "row", train.index.to_numpy())')
    lines.append('oof.to_csv("oof.csv", index=False)')
    lines.append("# Raw predictions too: the harness weighs blends of solutions with them.")
    if forward:
        lines += ["raw_oof = np.full((len(scored), *oof_predictions.shape[1:]), np.nan)  # train order",
                  "raw_oof[scored] = oof_predictions",
                  'np.save("oof_predictions.npy", raw_oof)']
    else:
        lines.append('np.save("oof_predictions.npy", oof_predictions)')
    if not layout.probe:
        lines += [
            "",
            "submission = to_submission_columns(test_predictions)",
            "submission.insert(0, ID_COLUMN, test[ID_COLUMN].to_numpy())",
            "submission = submission[sample_submission.columns]",
            'submission.to_csv("submission.csv", index=False)',
            'print(f"wrote submission.csv ({len(submission)} rows) and oof.csv", flush=True)',
        ]
    quotes = tuple(step.text for step in (layout.clip, layout.threshold, layout.calibrate)
                   if step is not None)
    return Component("submit", "Prediction and submission", "\n".join(lines), frozenset(imports),
                     quotes)
