"""Moves that improve a valid solution once every candidate has had its turn.

More folds for the leader: with 10 folds instead of 5, each fold's model learns from 90% of
the training rows instead of 80%, and the test predictions average ten such models. Its CV
score is comparable with the 5-fold one's (each row is predicted by models that never saw
it), so the search keeps whichever scores better. It costs about twice the fitting, so it
runs only where the time left covers that.
"""

from __future__ import annotations

from linguacodus.instruction import Instruction, make_step

MORE_FOLDS = 10
# The 10-fold run's wall time against the 5-fold run's: twice the fits on 9/8 of the rows,
# plus a margin; start-up and reading are paid once, so this errs on the long side.
MORE_FOLDS_COST = 2.4


def with_more_folds(instruction: Instruction, folds: int = MORE_FOLDS) -> Instruction | None:
    """The instruction with ``folds`` folds, or None where that would change nothing worth a
    run: a blend (its members have their folds), no kfold step, as many folds already, or a
    final model refitted on every row (the folds then only score it)."""
    if instruction.is_blend:
        return None
    kfold, final = instruction.find("kfold"), instruction.find("final_model")
    if kfold is None or int(kfold.param("n_splits")) >= folds:
        return None
    if final is not None and final.param("method") != "fold_average":
        return None
    more = make_step("kfold", **{**kfold.params, "n_splits": folds})
    training = tuple(more if step.op == "kfold" else step for step in instruction.training)
    return instruction.model_copy(update={"title": f"{instruction.title}, {folds} folds",
                                          "training": training})


def more_folds_seconds(wall_seconds: float) -> float:
    """What the run with more folds is expected to take, from the leader's wall time."""
    return MORE_FOLDS_COST * wall_seconds
