"""Static extraction: a solution's code (.py or .ipynb) → an Instruction, without running it.

The AST's imports give each name its module; calls are resolved to dotted names
(``lgb.LGBMClassifier`` → ``lightgbm.LGBMClassifier``) and matched against tables of what
pandas, scikit-learn, LightGBM, XGBoost, CatBoost, Keras and PyTorch calls mean. Literal
keyword arguments of models become parameters where the operation has them. What is not
recognised stays as free text.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from linguacodus.instruction import Instruction, InstructionError, Provenance, Step
from linguacodus.ops import OPERATIONS, get_operation, model_operations

# Dotted-name suffix → model operation and its name in words: the calls each model
# operation declares (ops/<name>.py), then models recognised that no operation implements.
_MODELS: dict[str, tuple[str | None, str]] = {
    **{call: (op.name, op.model.title) for op in model_operations() for call in op.extracts},
    "nn.Sequential": (None, "a PyTorch neural network"),
    "Sequential": (None, "a Keras sequential neural network"),
    "torch.nn.Module": (None, "a PyTorch neural network"),
    "GradientBoostingClassifier": (None, "scikit-learn gradient boosting"),
    "GradientBoostingRegressor": (None, "scikit-learn gradient boosting"),
    "SVC": (None, "a support vector machine"),
    "KNeighborsClassifier": (None, "k-nearest neighbours"),
}
# Dotted-name suffix or method name → preprocessing / training operation and the parameters
# the call implies, as each operation declares them.
_STEPS: dict[str, tuple[str, dict]] = {
    call: (op.name, dict(fixed)) for op in OPERATIONS.values() if op.model is None
    for call, fixed in op.extracts.items()
}
_FREE_TRAINING = {
    "train_test_split": "Validate on a random hold-out split (train_test_split).",
    "early_stopping_rounds": "Stop boosting early when the validation score stops improving.",
    "EarlyStopping": "Stop training early when the validation loss stops improving.",
    "GridSearchCV": "Tune hyperparameters with a grid search.",
    "RandomizedSearchCV": "Tune hyperparameters with a randomised search.",
}


def read_source(path: Path) -> str:
    """The code of a .py file, or the code cells of a notebook (magics dropped)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text)["cells"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise InstructionError(f"{path} is not a Jupyter notebook") from None
        sources = ["".join(c.get("source", [])) for c in cells if c.get("cell_type") == "code"]
        text = "\n\n".join(sources)
    return "\n".join(line for line in text.splitlines()
                     if not line.lstrip().startswith(("!", "%")))


class _Calls(ast.NodeVisitor):
    """Dotted names of every call, resolved through the imports, with literal kwargs."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.calls: list[tuple[str, dict]] = []
        self.keywords: set[str] = set()
        self.bases: list[str] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname \
                else alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def _dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self._dotted(node.value)
            return f"{base}.{node.attr}" if base else node.attr
        if isinstance(node, ast.Call):  # df.x().fillna(): keep the method chain's tail
            return self._dotted(node.func)
        return None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bases += [name for base in node.bases if (name := self._dotted(base))]
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = self._dotted(node.func)
        if name:
            params = {}
            for keyword in node.keywords:
                if keyword.arg is None:
                    continue
                self.keywords.add(keyword.arg)
                try:
                    params[keyword.arg] = ast.literal_eval(keyword.value)
                except ValueError:
                    continue
            self.calls.append((name, params))
        self.generic_visit(node)


def _match(name: str, table: dict) -> str | None:
    for key in table:
        if name == key or name.endswith("." + key):
            return key
    return None


def extract_instruction(source: str, title: str = "Extracted instruction",
                        origin: str = "") -> Instruction:
    """The instruction a solution's code implements, as far as the tables recognise it."""
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise InstructionError(f"can't parse the code: line {error.lineno}: {error.msg}") from None
    visitor = _Calls()
    visitor.visit(tree)
    preprocessing: dict[str, Step] = {}
    training: dict[str, Step] = {}
    models: dict[str, Step] = {}
    for name, params in visitor.calls + [(base, {}) for base in visitor.bases]:
        model_key = _match(name, _MODELS)
        if model_key is not None:
            op, words = _MODELS[model_key]
            key = op or words
            if key not in models:
                operation = get_operation(op) if op else None
                known = operation.defaults if operation else {}
                kept = {k: v for k, v in params.items() if k in known}
                if operation is not None and operation.extract_params is not None:
                    kept = {**kept, **operation.extract_params(params)}  # the family's own names
                text = f"Model: {words} (`{name.rsplit('.', 1)[-1]}`)."
                models[key] = Step(text=text, op=op, params=kept) if op else Step(text=text)
            if params.get("class_weight") == "balanced":
                training.setdefault("class_weight", Step(text="Class weights: balanced.", op="class_weight"))
            continue
        step_key = _match(name, _STEPS)
        if step_key is not None:
            op, fixed = _STEPS[step_key]
            bucket = training if op == "kfold" else preprocessing
            if op not in bucket:
                pick = get_operation(op).extract_params
                extra = pick(params) if pick is not None else {}
                bucket[op] = Step(text=f"Recognised `{step_key}`.", op=op, params={**fixed, **extra})
            continue
        free = _match(name, _FREE_TRAINING)
        if free is not None:
            training.setdefault(free, Step(text=_FREE_TRAINING[free]))
    if "early_stopping_rounds" in visitor.keywords:
        training.setdefault("early_stopping_rounds", Step(text=_FREE_TRAINING["early_stopping_rounds"]))
    return Instruction(
        title=title,
        preprocessing=tuple(preprocessing.values()),
        model=tuple(models.values()),
        training=tuple(training.values()),
        provenance=Provenance(source="extracted", note=origin),
    )


def extract_file(path: Path) -> Instruction:
    path = Path(path)
    return extract_instruction(read_source(path), title=f"Instruction extracted from {path.name}",
                               origin=str(path))
