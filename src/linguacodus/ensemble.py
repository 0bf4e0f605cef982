"""Blend weights: greedy ensemble selection (Caruana et al., 2004) on out-of-fold predictions;
the paired-bootstrap gain of one set of OOF predictions over another.

Members are solutions whose scripts saved their raw out-of-fold predictions
(oof_predictions.npy: class probabilities or values, one row a labelled training row, in
train order). The weights found here go into a blend instruction; the blend's own script
is then run and graded like any other, so its CV score is still the harness's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from linguacodus.grading import Invalid, score
from linguacodus.score import Score
from linguacodus.spec import TaskSpec
from linguacodus.stacking import fit_stack


def raw_to_frame(spec: TaskSpec, raw: np.ndarray) -> pd.DataFrame:
    """Raw predictions → the submission's prediction columns, as the scripts write them."""
    column = spec.submission_columns[0]
    fmt = spec.submission_format
    if fmt == "value":
        return pd.DataFrame({column: raw})
    classes = np.array(spec.classes, dtype=object)
    if fmt == "label":
        return pd.DataFrame({column: classes[raw.argmax(axis=1)]})
    if fmt == "binary_probability":
        return pd.DataFrame({column: raw[:, list(spec.classes).index(spec.positive_label)]})
    if fmt == "class_probabilities":
        return pd.DataFrame(raw, columns=[spec.class_columns[c] for c in spec.classes])
    top = np.argsort(-raw, axis=1)[:, : spec.metric_k or 3]
    return pd.DataFrame({column: [" ".join(classes[row]) for row in top]})


def _score(spec: TaskSpec, truth: pd.Series, raw: np.ndarray) -> Score | None:
    """The metric of raw predictions; None where it can't be computed."""
    try:
        return Score(score(spec, truth, raw_to_frame(spec, raw), "blend"), spec.higher_is_better)
    except (Invalid, ValueError):
        return None


def _utility(score: Score | None) -> float:
    return float("-inf") if score is None else score.utility


def fit_blend(spec: TaskSpec, members: list[np.ndarray], truth: pd.Series,
              rounds: int = 25) -> tuple[list[float], float]:
    """Weights (summing to 1) and the blended OOF score of the best ensemble found.

    Forward selection with replacement: each round adds the member that most improves
    the blend; the best blend over all rounds is kept. ValueError where no blend of the
    members can be scored.
    """
    if len(members) < 2:
        raise ValueError("a blend needs at least two members")
    shapes = {m.shape for m in members}
    if len(shapes) != 1:
        raise ValueError(f"members' predictions differ in shape: {sorted(shapes)}")
    counts = np.zeros(len(members), dtype=int)
    total = np.zeros_like(members[0], dtype=float)
    best: Score | None = None
    best_counts = counts.copy()
    for _ in range(rounds):
        trials = [_score(spec, truth, (total + m) / (counts.sum() + 1)) for m in members]
        pick = int(np.argmax([_utility(t) for t in trials]))
        counts[pick] += 1
        total += members[pick]
        if trials[pick] is not None and trials[pick].better_than(best, 1e-12):
            best, best_counts = trials[pick], counts.copy()
    if best is None:
        raise ValueError("no blend of these members can be scored")
    weights = (best_counts / best_counts.sum()).tolist()
    return weights, best.value


def paired_gain(spec: TaskSpec, truth: pd.Series, candidate: np.ndarray, reference: np.ndarray,
                resamples: int = 20, seed: int = 0) -> tuple[float, float]:
    """(gain, noise): how much ``candidate`` beats ``reference`` on the same OOF rows
    (positive: better, in the metric's units), and the standard deviation of that gain over
    paired bootstrap resamples of the rows. An ensemble fitted on the rows it is judged on
    always looks a little better; a gain within the noise is not worth its script."""
    whole, single = _score(spec, truth, candidate), _score(spec, truth, reference)
    if whole is None or single is None:
        return float("-inf"), float("inf")
    rng = np.random.default_rng(seed)
    truth = truth.reset_index(drop=True)
    gains = []
    for _ in range(resamples):
        rows = rng.integers(0, len(truth), len(truth))
        sample = truth.iloc[rows].reset_index(drop=True)
        mixed, alone = _score(spec, sample, candidate[rows]), _score(spec, sample, reference[rows])
        if mixed is not None and alone is not None:
            gains.append(mixed.gain_over(alone))
    noise = float(np.std(gains)) if len(gains) > 1 else float("inf")
    return whole.gain_over(single), noise


@dataclass(frozen=True)
class EnsemblePlan:
    """What to run: a weighted blend of some members, or a linear stack of them."""

    kind: Literal["blend", "stack"]
    members: tuple[int, ...]  # positions in the members' list
    weights: tuple[float, ...]  # a blend's weights; equal for a stack
    value: float  # its OOF score, estimated here
    note: str  # why, for the progress line


STACK_MEMBERS = 3  # where the blend keeps fewer than two, the stack takes the best this many
# The stack is judged in this process on at most this many rows (a seeded sample): fitting
# it on 100,000 rows of 50 classes takes about 20 s, longer than the choice is worth.
STACK_PLAN_ROWS = 10_000


def plan_ensemble(spec: TaskSpec, members: list[np.ndarray], truth: pd.Series, seed: int,
                  all_rows: bool = True) -> tuple[EnsemblePlan | None, str]:
    """The ensemble worth its script, and a line saying what was found.

    A blend of the members (greedy selection) where it beats the best member by more than
    the bootstrap noise; a linear stack of the blend's members instead where it beats the
    best member and the blend by more than the noise. ``all_rows``: every row has every
    member's prediction (forward validation leaves the first block without one; no stack
    there)."""
    try:
        weights, value = fit_blend(spec, members, truth)
    except ValueError as error:
        return None, f"blend: {error}"
    scores = [_score(spec, truth, m) for m in members]
    best_index = int(np.argmax([_utility(s) for s in scores]))
    best = members[best_index]
    chosen = tuple(i for i, w in enumerate(weights) if w > 0)
    blended = sum(weights[i] * members[i] for i in chosen)
    blend_gain_, blend_noise = paired_gain(spec, truth, blended, best)
    blend_ok = len(chosen) >= 2 and blend_gain_ > blend_noise
    blend = EnsemblePlan("blend", chosen, tuple(round(weights[i], 4) for i in chosen), value,
                         f"blend of {len(chosen)}: OOF {value:.5g} with weights "
                         f"{[round(weights[i], 2) for i in chosen]}")
    if all_rows:
        stacked_of = chosen if len(chosen) >= 2 else tuple(
            sorted(range(len(members)), key=lambda i: -_utility(scores[i]))[:STACK_MEMBERS])
        rows = np.arange(len(truth))
        if len(rows) > STACK_PLAN_ROWS:
            rows = np.sort(np.random.default_rng(seed).choice(rows, STACK_PLAN_ROWS, replace=False))
        sample = truth.iloc[rows].reset_index(drop=True)
        try:
            stacked = fit_stack(spec, [members[i][rows] for i in stacked_of], sample, seed)
        except ValueError:
            stacked = None
        stack_score = _score(spec, sample, stacked) if stacked is not None else None
        if stack_score is not None:
            gain, noise = paired_gain(spec, sample, stacked, best[rows])
            over_blend, blend_gap_noise = (paired_gain(spec, sample, stacked, blended[rows])
                                           if blend_ok else (gain, noise))
            if gain > noise and over_blend > blend_gap_noise:
                return EnsemblePlan(
                    "stack", stacked_of, tuple(1 / len(stacked_of) for _ in stacked_of),
                    stack_score.value,
                    f"stack of {len(stacked_of)}: OOF {stack_score.value:.5g}, {over_blend:.3g} "
                    f"over the {'blend' if blend_ok else 'best solution'} (noise {blend_gap_noise:.3g})"
                ), ""
    if len(chosen) < 2 or not Score(value, spec.higher_is_better).better_than(scores[best_index], 1e-9):
        return None, "ensemble: no weighting or stack of the solutions beats the best one on OOF"
    if not blend_ok:
        return None, (f"ensemble: the blend's OOF gain {blend_gain_:.3g} over the best solution is "
                      f"within the noise ({blend_noise:.3g}, bootstrap), and a stack's is no "
                      "better; the best single solution stands")
    return blend, ""
