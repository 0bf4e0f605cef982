"""Phase 1 from knowledge: the top-k instructions for a new task from its nearest known tasks.

1. Retrieve the nearest tasks (description + meta-features, knowledge.retrieval).
2. Score every portfolio recipe by how well it did on them: the similarity-weighted mean of
   its normalised outcome (0 = constant prediction, 1 = that task's best), shrunk towards
   the recipe's mean over the whole knowledge base where the neighbours say little.
   Instructions of the paper's corpus (ranked, no outcomes) vote for the recipe of their
   model family with a score from their place.
3. Rebuild each recipe for the new task's columns and metric (adaptation), let the critics
   weigh it (selection.critique), de-duplicate, and return the top-k with scores and
   provenance. Where the knowledge base knows nothing close, the rules of planning.propose
   stand in, and the provenance says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from linguacodus.instruction import Instruction, Provenance
from linguacodus.knowledge.features import meta_features
from linguacodus.knowledge.portfolio import RECIPES, applicable
from linguacodus.knowledge.retrieval import TaskHit, TaskIndex
from linguacodus.knowledge.selection import critique
from linguacodus.planning import propose as propose_by_rules
from linguacodus.spec import TaskSpec

NEIGHBOURS = 7
MIN_SIMILARITY = 0.25  # below this the nearest task is not near: the rules decide
PRIOR_WEIGHT = 0.5  # pseudo-weight of the knowledge base's overall mean for a recipe
SIMILARITY_POWER = 4  # sharpen: the nearest tasks should count much more than the 7th
_PAPER_RECIPE = {"lightgbm": "lgbm-default", "xgboost": "xgb-d6", "random_forest": "rf",
                 "extra_trees": "et", "logistic_regression": "linear", "ridge": "linear"}


@dataclass(frozen=True)
class RecipeScore:
    recipe: str
    score: float  # expected normalised score on the new task
    support: float  # share of the neighbours' weight that has an outcome for it
    evidence: tuple[str, ...]  # "Title (similarity 0.81): rank 1 of 22"


def _clip(value: float) -> float:
    return max(-1.0, min(1.0, value))


def score_recipes(index: TaskIndex, hits: list[TaskHit]) -> dict[str, RecipeScore]:
    """Each recipe's expected normalised score from the neighbours' outcomes."""
    store = index.store
    neighbour_ids = [hit.task_id for hit in hits]
    rows = store.outcomes(neighbour_ids)
    per_task: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        per_task[row["task_id"]][row["recipe"]] = row
    prior = recipe_means(index)
    weights = {hit.task_id: max(hit.similarity, 0.0) ** SIMILARITY_POWER for hit in hits}
    total_weight = sum(weights.values()) or 1.0
    sums: dict[str, float] = defaultdict(float)
    mass: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)
    for hit in hits:
        outcomes = per_task.get(hit.task_id)
        weight = weights[hit.task_id]
        if outcomes:
            n_valid = sum(1 for o in outcomes.values() if o["rank"] is not None)
            for recipe, outcome in outcomes.items():
                value = 0.0 if outcome["normalized"] is None else _clip(outcome["normalized"])
                sums[recipe] += weight * value
                mass[recipe] += weight
                if outcome["rank"] is not None and outcome["rank"] <= 3:
                    evidence[recipe].append(f"{hit.title} (similarity {hit.similarity:.2f}): "
                                            f"rank {outcome['rank']} of {n_valid}")
        else:  # a task known by ranked instructions only (the paper's corpus)
            for place, instruction in store.ranked_instructions(hit.task_id, limit=3):
                recipe = _paper_recipe(instruction)
                if recipe is None:
                    continue
                value = 1.0 - 0.05 * ((place or 3) - 1)
                sums[recipe] += 0.5 * weight * value  # a vote, weaker than a measured outcome
                mass[recipe] += 0.5 * weight
                evidence[recipe].append(f"{hit.title} (similarity {hit.similarity:.2f}): "
                                        f"place {place} instruction uses {instruction.model_step().op}")
    scores = {}
    for recipe in set(mass) | set(prior):
        prior_mean = prior.get(recipe, 0.0)
        pseudo = PRIOR_WEIGHT * total_weight / max(1, len(hits))
        value = (sums[recipe] + pseudo * prior_mean) / (mass[recipe] + pseudo)
        scores[recipe] = RecipeScore(recipe, round(value, 4), round(mass[recipe] / total_weight, 3),
                                     tuple(evidence[recipe][:3]))
    return scores


def _paper_recipe(instruction: Instruction) -> str | None:
    try:
        return _PAPER_RECIPE.get(instruction.model_step().op)
    except Exception:  # no (or several) mapped model operations: no vote
        return None


_MEANS_CACHE: dict[tuple[str, int], dict[str, float]] = {}


def recipe_means(index: TaskIndex) -> dict[str, float]:
    """Each recipe's mean clipped normalised outcome over the whole knowledge base."""
    key = (str(index.store.path), len(index.tasks))
    if key not in _MEANS_CACHE:
        sums: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for row in index.store.outcomes():
            sums[row["recipe"]] += 0.0 if row["normalized"] is None else _clip(row["normalized"])
            counts[row["recipe"]] += 1
        _MEANS_CACHE[key] = {r: sums[r] / counts[r] for r in sums}
    return _MEANS_CACHE[key]


@dataclass(frozen=True)
class Proposal:
    instructions: list[Instruction]
    neighbours: list[TaskHit]
    used_knowledge: bool
    reason: str  # why the knowledge base or the rules decided


def propose(spec: TaskSpec, description: str, k: int, index: TaskIndex | None,
            budget: float | None = None) -> Proposal:
    """The top-k instructions for the task, best first, with scores and provenance."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if index is None or not index.tasks:
        return Proposal(propose_by_rules(spec, k), [], False, "no knowledge base")
    hits = index.nearest(description, meta_features(spec), NEIGHBOURS)
    if not hits or hits[0].similarity < MIN_SIMILARITY:
        nearest = f"{hits[0].title} at {hits[0].similarity:.2f}" if hits else "none"
        return Proposal(propose_by_rules(spec, k), hits, False,
                        f"nothing close in the knowledge base (nearest: {nearest}); rules decide")
    scores = score_recipes(index, hits)
    built = applicable(spec, [r for r in scores if r in RECIPES])
    ranked = []
    for recipe_id, instruction in built.items():
        expected = scores[recipe_id]
        penalty, reasons = critique(instruction, spec, budget)
        ranked.append((expected.score - penalty, recipe_id, instruction, expected, reasons))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    chosen, seen = [], set()
    for value, recipe_id, instruction, expected, reasons in ranked:
        signature = instruction.model_dump_json(include={"preprocessing", "model", "training",
                                                         "postprocess"})
        if signature in seen:
            continue
        seen.add(signature)
        note = f"recipe {recipe_id}: {RECIPES[recipe_id].note}"
        if expected.evidence:
            note += "; best on " + "; ".join(expected.evidence)
        if reasons:
            note += "; critics: " + "; ".join(reasons)
        chosen.append(instruction.model_copy(update={"provenance": Provenance(
            source="knowledge-base", rank=len(chosen) + 1, score=round(value, 4), note=note)}))
        if len(chosen) == k:
            break
    names = ", ".join(f"{h.title} ({h.similarity:.2f})" for h in hits[:3])
    return Proposal(chosen, hits, True, f"nearest known tasks: {names}")
