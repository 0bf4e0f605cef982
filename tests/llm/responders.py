"""Well-formed answers for each stage, written from what the prompt says about the task.

The code they write is a plain, generic LightGBM pipeline (the kind a model would write),
not the offline compiler's: so a valid run shows that the model's code was used.
"""

from __future__ import annotations

import json
import re

MARK = "# written by the scripted model"
BUG = "checked = undefined_name  # BUG"  # the fix responder drops lines marked '# BUG'
STILL_BROKEN = ("```python\n# reads input/, meant to write submission.csv and oof.csv\n"
                "raise RuntimeError('still broken')\n```")  # a 'fix' that does not fix


def _user(body: dict) -> str:
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "user")


def _system(body: dict) -> str:
    return "\n".join(m["content"] for m in body["messages"] if m["role"] == "system")


def _task_type(text: str) -> str:
    found = re.search(r"- task type: (\w+)", text)
    return found.group(1) if found else "binary"


def _kind(text: str) -> tuple[str, str | None]:
    """("probability", positive) | ("label", None) | ("value", None)"""
    positive = re.search(r"hold the probability that \S+ is '([^']+)'", text)
    if positive:
        return "probability", positive.group(1)
    if "hold the predicted class label" in text:
        return "label", None
    return "value", None


def scripted_instruction(task_type: str, title: str = "Scripted LightGBM", trees: int = 200) -> dict:
    return {
        "title": title,
        "preprocessing": [{"text": "Keep categorical columns as categories.",
                           "op": "encode_categorical", "params": {"method": "native"}}],
        "model": [{"text": f"LightGBM with {trees} trees.", "op": "lightgbm",
                   "params": {"n_estimators": trees}}],
        "training": [{"text": "Validate with 3-fold cross-validation.", "op": "kfold",
                      "params": {"n_splits": 3, "stratified": task_type != "regression"}},
                     {"text": "Average the fold models for the test set.", "op": "final_model",
                      "params": {"method": "fold_average"}}],
        "postprocess": [],
    }


def _forest(task_type: str) -> dict:
    return {
        "title": "Scripted random forest",
        "preprocessing": [{"text": "Median-impute numbers.", "op": "impute_numeric", "params": {}},
                          {"text": "Ordinal-encode categories.", "op": "encode_categorical",
                           "params": {"method": "ordinal"}}],
        "model": [{"text": "A random forest.", "op": "random_forest",
                   "params": {"n_estimators": 100, "min_samples_leaf": 3}}],
        "training": [{"text": "3 folds.", "op": "kfold",
                      "params": {"n_splits": 3, "stratified": task_type != "regression"}}],
        "postprocess": [],
    }


def component_code(title: str, text: str) -> str:
    kind, positive = _kind(text)
    regression = kind == "value"
    if title.startswith("Data loading"):
        target = (f"y = (train[TARGET].astype(str) == {positive!r}).astype(int).to_numpy()"
                  if kind == "probability" else
                  "y = train[TARGET].astype(float).to_numpy()" if regression else
                  "CLASSES, y = np.unique(train[TARGET].astype(str), return_inverse=True)")
        return f'''{MARK}
import numpy as np
import pandas as pd

train = pd.read_csv("input/train.csv")
test = pd.read_csv("input/test.csv")
sample_submission = pd.read_csv("input/sample_submission.csv")
ID = sample_submission.columns[0]
TARGET = sample_submission.columns[1]
train = train[train[TARGET].notna()].reset_index(drop=True)
FEATURES = [c for c in test.columns if c != ID and c in train.columns]


def prepare(frame):
    out = frame[FEATURES].copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].astype(str).where(out[column].notna(), None)
    return out


X, X_test = prepare(train), prepare(test)
for column in X.columns:
    if not pd.api.types.is_numeric_dtype(X[column]):
        categories = sorted(X[column].dropna().unique())
        X[column] = pd.Categorical(X[column], categories=categories)
        X_test[column] = pd.Categorical(X_test[column], categories=categories)
{target}
'''
    if title.startswith("Model architecture"):
        model = "LGBMRegressor" if regression else "LGBMClassifier"
        return f'''from lightgbm import {model}


def make_model():
    return {model}(n_estimators=150, learning_rate=0.05, verbosity=-1, random_state=42, n_jobs=2)
'''
    if title.startswith("Model training"):
        split = "KFold" if regression else "StratifiedKFold"
        predict = ("model.predict(rows)" if regression else
                   "model.predict_proba(rows)[:, 1]" if kind == "probability" else
                   "model.predict_proba(rows)")
        shape = "len(X)" if kind != "label" else "(len(X), len(CLASSES))"
        shape_test = "len(X_test)" if kind != "label" else "(len(X_test), len(CLASSES))"
        return f'''from sklearn.model_selection import {split}

oof = np.zeros({shape})
test_predictions = np.zeros({shape_test})
for fold, (fit_rows, valid_rows) in enumerate({split}(n_splits=3, shuffle=True, random_state=42).split(X, y)):
    model = make_model().fit(X.iloc[fit_rows], y[fit_rows])
    rows = X.iloc[valid_rows]
    oof[valid_rows] = {predict}
    rows = X_test
    test_predictions += {predict} / 3
    print("fold", fold, "done")
'''
    if title.startswith("Prediction"):
        to_column = "CLASSES[values.argmax(axis=1)]" if kind == "label" else "values"
        return f'''def as_column(values):
    return {to_column}


pd.DataFrame({{ID: train[ID], TARGET: as_column(oof)}}).to_csv("oof.csv", index=False)
submission = pd.DataFrame({{ID: test[ID], TARGET: as_column(test_predictions)}})
submission[list(sample_submission.columns)].to_csv("submission.csv", index=False)
print("wrote submission.csv and oof.csv")
'''
    raise AssertionError(f"no scripted component {title!r}")


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.S)


def default_answer(stage: str, body: dict) -> str:
    text, system = _user(body), _system(body)
    task_type = _task_type(text)
    if stage == "understand":
        columns = re.search(r"sample_submission\.csv columns: (.+)", text).group(1).split(", ")
        return json.dumps({"target": columns[-1], "id_column": columns[0], "notes": "scripted"})
    if stage == "extract":
        return json.dumps(scripted_instruction("binary", "Extracted by the scripted model"))
    if stage == "propose":
        if "place instruction" in text:
            return ("Data preprocessing:\n- Fill missing values.\nModel architecture:\n"
                    "- A LightGBM model with early stopping.\nModel training:\n- 5-fold CV.")
        return json.dumps({"instructions": [scripted_instruction(task_type), _forest(task_type)]})
    if stage == "select" and "You are the researcher" in system:
        count = len(re.findall(r"^## Candidate \d+", text, re.M))
        return json.dumps({"reviews": [{"candidate": n, "flaws": [f"candidate {n} may overfit"]}
                                       for n in range(1, count + 1)]})
    if stage == "select":
        return json.dumps({"chosen": 1, "reason": "the strongest, with more trees",
                           "instruction": scripted_instruction(task_type, "Resolver's LightGBM", 300)})
    if stage == "code" and "assemble components" in system:
        return "```python\n" + "\n\n".join(python_blocks(text)) + "```"
    if stage == "code":
        title = re.search(r"^# Your component: (.+)$", text, re.M).group(1)
        return "```python\n" + component_code(title, text) + "```"
    if stage == "fix":
        script = python_blocks(text)[0]
        fixed = "\n".join(line for line in script.splitlines() if "# BUG" not in line)
        return "```python\n" + fixed + "\n```"
    raise AssertionError(f"no scripted answer for stage {stage!r}")


def with_bug(stage: str, body: dict) -> str:
    """Default answers, with a bug in every integrated script."""
    answer = default_answer(stage, body)
    if stage == "code" and "assemble components" in body["messages"][0]["content"]:
        return answer.replace("import pandas as pd\n", f"import pandas as pd\n{BUG}\n", 1)
    return answer
