"""The operation registry: every structured step an Instruction may hold, one module each.

An operation module here defines ``OPERATION`` (ops.base.Operation): its section, its
parameters and defaults, the sentence an instruction shows, the rule that rejects it where
it can't work (``check``), the code calls that extraction reads as it, and for a model
family the code it emits and what it costs (ops.base.ModelCode), for a feature operation
the lines it adds to the script's make_features (ops.base.FeatureCode), for a matrix
preprocessing step its part of the fitted ColumnTransformer (ops.base.MatrixCode), for a
postprocessing step the lines it adds before the submission is written
(ops.base.PostprocessCode), and its fixes for the failures repair.py recognises
(ops.base.Operation.fixes). Adding a model family, a feature, a preprocessing or a
postprocessing step is adding a module here. The training steps (folds, early stopping,
class weights, the final model) shape the training loop itself: codegen/validation.py writes it
from their parameters.
"""

from __future__ import annotations

import importlib
import pkgutil

from linguacodus.ops.base import SECTIONS, FeatureCode, ModelCode, Operation, Section

__all__ = ["OPERATIONS", "SECTIONS", "FeatureCode", "ModelCode", "Operation", "Section",
           "get_operation", "model_operations"]


def _discover() -> dict[str, Operation]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        operation = getattr(importlib.import_module(f"{__name__}.{info.name}"), "OPERATION", None)
        if not isinstance(operation, Operation) or operation.name != info.name:
            raise TypeError(f"linguacodus.ops.{info.name} must define OPERATION, an Operation "
                            f"named {info.name!r}")
        found.append(operation)
    found.sort(key=lambda op: (SECTIONS.index(op.section), op.position, op.name))
    return {op.name: op for op in found}


OPERATIONS: dict[str, Operation] = _discover()


def get_operation(name: str) -> Operation:
    try:
        return OPERATIONS[name]
    except KeyError:
        raise KeyError(
            f"unknown operation {name!r}; known: {', '.join(sorted(OPERATIONS))}"
        ) from None


def model_operations() -> list[Operation]:
    return [op for op in OPERATIONS.values() if op.section == "model"]
