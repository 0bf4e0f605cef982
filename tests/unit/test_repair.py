import pytest

from linguacodus.grading import Grade
from linguacodus.instruction import Instruction, make_step
from linguacodus.repair import diagnose, propose_repair
from linguacodus.sandbox import Execution
from linguacodus.search import Search, SearchSettings
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


def failed(stderr="", timed_out=False, signal=None, exit_code=1):
    return Execution(exit_code=None if signal else exit_code, signal=signal, timed_out=timed_out,
                     wall_seconds=1.0, peak_memory_mb=10, stderr_tail=stderr, isolation="none")


@pytest.mark.parametrize("execution,signature", [
    (failed(timed_out=True), "timeout"),
    (failed("numpy._core._exceptions._ArrayMemoryError: Unable to allocate 3 GiB"), "out_of_memory"),
    (failed("terminate called after throwing an instance of 'std::bad_alloc'"), "out_of_memory"),
    (failed(signal=9), "out_of_memory"),
    (failed("ValueError: Found unknown categories ['z'] in column 0 during transform"), "unseen_category"),
    (failed("ValueError: Input X contains NaN.\nLogisticRegression does not accept missing values"),
     "nan_in_input"),
    (failed("ValueError: could not convert string to float: 'red'"), "dtype_mismatch"),
    (failed("ValueError: DataFrame.dtypes for data must be int, float, bool or category."), "dtype_mismatch"),
    (failed("ValueError: n_splits=5 cannot be greater than the number of members in each class."),
     "too_few_class_members"),
])
def test_signatures_are_recognised(execution, signature):
    assert diagnose(execution, None).signature == signature


def test_invalid_output_and_unknown_failures():
    ok = Execution(exit_code=0, wall_seconds=1, peak_memory_mb=1, isolation="none")
    assert diagnose(ok, Grade(valid=False, reason="oof.csv was not written")).signature == "invalid_output"
    assert diagnose(failed("SomethingNew: nobody knows"), None) is None


@pytest.fixture
def spec(task_factory):
    return infer_spec(load_task(task_factory("binary")))


BARE = Instruction(title="bare", model=(make_step("logistic_regression"),),
                   training=(make_step("kfold", n_splits=5),))


def test_nan_repair_adds_imputation(spec):
    repair = propose_repair(BARE, spec, diagnose(failed("Input X contains NaN"), None))
    assert repair.instruction.find("impute_numeric") is not None
    assert repair.instruction.find("impute_categorical") is not None
    again = propose_repair(repair.instruction, spec, diagnose(failed("Input X contains NaN"), None))
    assert again is None  # nothing left to add: the caller moves to the next candidate


def test_dtype_repair_adds_encoding_fit_for_the_model(spec):
    repair = propose_repair(BARE, spec, diagnose(failed("could not convert string to float: 'a'"), None))
    assert repair.instruction.find("encode_categorical").param("method") == "onehot"
    trees = BARE.model_copy(update={"model": (make_step("lightgbm"),)})
    repair = propose_repair(trees, spec, diagnose(failed("could not convert string to float"), None))
    assert repair.instruction.find("encode_categorical").param("method") == "native"


def test_timeout_and_memory_repairs_make_the_run_cheaper(spec):
    trees = BARE.model_copy(update={"model": (make_step("lightgbm", n_estimators=400),)})
    repair = propose_repair(trees, spec, diagnose(failed(timed_out=True), None))
    assert repair.instruction.model_step().param("n_estimators") == 200
    assert repair.instruction.find("kfold").param("n_splits") == 3
    memory = propose_repair(trees, spec, diagnose(failed(signal=9), None))
    assert memory.instruction.model_step().param("n_estimators") == 200
    # A blend that timed out is not repaired (editing it raised once and ended a run).
    blend = Instruction(title="Blend", members=(trees, trees), weights=(0.5, 0.5))
    assert propose_repair(blend, spec, diagnose(failed(timed_out=True), None)) is None


def test_unseen_category_and_fold_repairs(spec):
    onehot = BARE.model_copy(update={"preprocessing": (make_step("encode_categorical", method="onehot"),)})
    repair = propose_repair(onehot, spec, diagnose(failed("Found unknown categories"), None))
    assert repair.instruction.find("encode_categorical").param("method") == "ordinal"
    small = spec.model_copy(update={"minority_share": 3 / spec.n_train})
    folds = propose_repair(BARE, small, diagnose(
        failed("n_splits=5 cannot be greater than the number of members in each class"), None))
    assert folds.instruction.find("kfold").param("n_splits") == 3


def test_search_repairs_a_broken_instruction_until_it_is_valid(task_factory, tmp_path):
    task = load_task(task_factory("binary"))
    spec = infer_spec(task)
    # Repairs and more folds only: no tuning trials or variants.
    search = Search(task, spec, tmp_path, SearchSettings(budget=120, tune_trials=0, variants=0, repeats=1))
    outcome = search.solve([BARE])
    assert outcome.best is not None and outcome.best.valid
    attempts = outcome.attempts
    # Strings crash it, then NaN crash it, then it works; with time left, the repaired
    # leader runs again with more folds (moves.py).
    assert len(attempts) == 4 and attempts[3].instruction_title.endswith(", 10 folds")
    assert attempts[1].repair.startswith("added onehot encoding")
    assert attempts[2].parent == 2 and "median imputation" in attempts[2].repair
    # The journal's tree: a chain of repairs, then the more-folds move on the repaired leader.
    assert [(a.move, a.parent) for a in attempts] == [
        ("candidate", None), ("repair", 1), ("repair", 2), ("more-folds", 3)]
    assert (tmp_path / attempts[2].folder / "instruction.md").exists()


def test_search_falls_back_to_the_next_candidate(task_factory, tmp_path):
    task = load_task(task_factory("binary"))
    spec = infer_spec(task)
    impossible = Instruction(title="ridge for classes", model=(make_step("ridge"),))
    good = Instruction(title="trees", preprocessing=(make_step("encode_categorical"),),
                       model=(make_step("lightgbm", n_estimators=50),))
    outcome = Search(task, spec, tmp_path, SearchSettings(budget=120, tune_trials=0)).solve(
        [impossible, good])
    assert outcome.best.candidate == 2
    assert outcome.candidates[0].status.startswith("failed: compile")
    assert outcome.first_valid_seconds is not None


def test_an_operation_brings_its_own_fix(spec, monkeypatch):
    """repair.py knows how failures read; what to do about one is the operations' (their
    `fixes`): a fix added to an operation is used with no change to the repair loop."""
    import dataclasses

    from linguacodus.ops import OPERATIONS

    invalid = diagnose(failed(exit_code=0), Grade(valid=False, reason="predictions out of range"))
    assert invalid.signature == "invalid_output"
    assert propose_repair(BARE, spec, invalid) is None  # nobody fixes it today

    def clip(instruction, s):
        if instruction.find("clip_predictions") is not None:
            return None
        return "added clipping", instruction.model_copy(update={
            "postprocess": instruction.postprocess + (make_step("clip_predictions"),)})

    monkeypatch.setitem(OPERATIONS, "clip_predictions", dataclasses.replace(
        OPERATIONS["clip_predictions"], fixes={"invalid_output": clip}))
    repair = propose_repair(BARE, spec, invalid)
    assert repair.description == "added clipping"
    assert repair.instruction.find("clip_predictions") is not None
    assert propose_repair(repair.instruction, spec, invalid) is None
