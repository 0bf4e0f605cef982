"""What an operation is: the record every operation module defines as OPERATION."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from linguacodus.instruction import Instruction, Step
    from linguacodus.spec import TaskSpec

Section = Literal["preprocessing", "model", "training", "postprocess"]
SECTIONS: tuple[Section, ...] = ("preprocessing", "model", "training", "postprocess")
ALL_TASKS = frozenset({"binary", "multiclass", "regression"})
CLASSIFICATION = frozenset({"binary", "multiclass"})

# check(step, spec, instruction): raise InstructionError where the step can't work as written.
Check = Callable[["Step", "TaskSpec", "Instruction"], None]
# fix(instruction, spec) → (what changed, the repaired instruction), or None where the
# operation has nothing to offer against the failure (repair.py: signatures and the loop).
Fix = Callable[["Instruction", "TaskSpec"], "tuple[str, Instruction] | None"]
# variant(instruction, spec) → (what changed, in a few words; the instruction with the step
# added, widened or taken out), or None where the operation has nothing to offer a valid
# solution (moves.variations: the search's feature and target moves).
Variant = Callable[["Instruction", "TaskSpec"], "tuple[str, Instruction] | None"]


@dataclass(frozen=True)
class FeatureCode:
    """What a feature operation adds to the generated script: setup lines at module level
    (before make_features; they may read train and test, never the target) and body lines
    inside make_features(frame), which adds columns to ``features``."""

    setup: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    imports: frozenset[str] = frozenset()


# features(step, layout) → FeatureCode; layout is the resolved codegen.layout.Layout.
Features = Callable[["Step", Any], FeatureCode]


@dataclass(frozen=True)
class MatrixCode:
    """What a preprocessing operation puts in matrix mode's ColumnTransformer, fitted on the
    training rows of each fold (codegen/components.py assembles it).

    block "numeric" or "categorical": ``transformer`` is one step of that block's chain, the
    chain's steps in registry order. block "text": ``lines`` go in make_preprocessor after
    the list ``blocks`` is made; they append the text columns' blocks."""

    block: Literal["numeric", "categorical", "text"]
    transformer: str = ""
    lines: tuple[str, ...] = ()
    imports: frozenset[str] = frozenset()


# matrix(step, spec) → MatrixCode, or None where the step adds nothing to the matrix (native
# categorical encoding is the model's own).
Matrix = Callable[["Step", "TaskSpec"], "MatrixCode | None"]
# native(step) → lines after make_features in native-categories mode, where no
# ColumnTransformer runs; they may read X (training rows' features only) and change X, X_test.
Native = Callable[["Step"], tuple[str, ...]]


@dataclass(frozen=True)
class PostprocessCode:
    """What a postprocessing operation adds to the submission component: module-level lines
    after the out-of-fold and test predictions exist (``oof_predictions``,
    ``test_predictions``; ``y`` the training target, ``CLASSES`` the classes), before
    to_submission_columns is defined, and the imports they need."""

    setup: tuple[str, ...] = ()
    imports: frozenset[str] = frozenset()
    # The setup reads the target of every training row: it runs before forward folds leave
    # out the rows without an out-of-fold prediction (the others run after, on those rows).
    every_row: bool = False


# postprocess(step, spec, probe) → PostprocessCode; probe: no test predictions exist.
Postprocess = Callable[["Step", "TaskSpec", bool], PostprocessCode]


@dataclass(frozen=True)
class EarlyStoppingCode:
    """How a family's generated fit() stops adding trees on held-out rows: lines before the
    fit call (they may set the model's parameters), the fit call's extra arguments for the
    held rows (``features.iloc[held]``, ``target[held]``) and, with class weights, theirs."""

    imports: tuple[str, ...] = ()
    before_fit: tuple[str, ...] = ()
    fit_arguments: tuple[str, ...] = ()
    weighted_arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tunable:
    """A model parameter worth refining (tuning.py), with the bounds any value must keep."""

    name: str
    low: float
    high: float
    log: bool = False  # searched on a log scale (rates, strengths, counts spanning decades)
    integer: bool = False


@dataclass(frozen=True)
class ModelCode:
    """What a model family emits and costs.

    classifier/regressor: (class name, import line); arguments(params, native_categories):
    the constructor's keyword arguments from the step's parameters merged with the defaults."""

    title: str  # how extraction names the family in a step's sentence
    classifier: tuple[str, str] | None
    regressor: tuple[str, str] | None
    arguments: Callable[[dict[str, Any], bool], dict[str, Any]] = lambda params, native: params
    seeded: bool = True  # takes random_state=SEED
    native_categories: bool = False  # splits on pandas categories itself
    # Set: the family is told its categorical columns by this keyword and reads them as text
    # (CatBoost's cat_features), a missing value being a category of its own, instead of
    # taking pandas categories.
    categories_argument: str | None = None
    early_stopping: EarlyStoppingCode | None = None  # set: fit() can stop on an inner hold-out
    tree_per_class: bool = False  # boosting: one tree a class each round (many-class cost)
    # Classification only with the codes 0..k-1 of the classes the rows hold (XGBoost): a
    # fold that lacks a rare class is fitted on its own codes.
    consecutive_classes: bool = False
    cost_rank: int = 5  # relative fitting cost, cheapest first (the first valid attempt)
    seconds_per_1k: float = 0.5  # one fold on 1,000 rows and 20 features, single-threaded
    # The parameters hyperparameter refinement searches (names of the operation's defaults).
    # Not a boosting family's learning rate or tree count: early stopping sets the trees for
    # the rate the candidate chose.
    search_space: tuple[Tunable, ...] = ()


@dataclass(frozen=True)
class Operation:
    name: str
    section: Section
    position: int  # where the registry lists it (instructions, the LLM's format, docs)
    describe: Callable[[Mapping[str, Any]], str]  # the sentence an instruction shows
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    family: str | None = None  # model operations: "tree" or "linear"
    task_types: frozenset[str] = ALL_TASKS
    check: Check | None = None
    # Code calls (dotted-name suffixes) that extraction reads as this operation, with the
    # parameters each implies; extract_params picks the literal arguments it understands.
    extracts: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))
    extract_params: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    model: ModelCode | None = None
    features: Features | None = None  # feature operations: the code they add to make_features
    matrix: Matrix | None = None  # matrix preprocessing: its part of the ColumnTransformer
    native: Native | None = None  # its lines where the model takes native categories
    postprocess: Postprocess | None = None  # postprocessing: the code it adds before submission
    # failure signature (repair.diagnose) → how this operation helps against it
    fixes: Mapping[str, Fix] = field(default_factory=lambda: MappingProxyType({}))
    # what it offers the leader as a search move, tried where it beats the leader's CV
    variant: Variant | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "defaults", MappingProxyType(dict(self.defaults)))
        object.__setattr__(self, "fixes", MappingProxyType(dict(self.fixes)))
        object.__setattr__(self, "extracts", MappingProxyType(
            {key: MappingProxyType(dict(value)) for key, value in self.extracts.items()}))
        if (self.section == "model") != (self.model is not None):
            raise ValueError(f"operation {self.name}: model operations, and only they, have ModelCode")


def names(columns: Any) -> str:
    return ", ".join(map(str, columns)) if columns else "none"
