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
from collections.abc import Collection
from dataclasses import dataclass, replace

from linguacodus.instruction import Instruction, Provenance
from linguacodus.knowledge.features import meta_features
from linguacodus.knowledge.portfolio import RECIPES, applicable
from linguacodus.knowledge.retrieval import TaskHit, TaskIndex
from linguacodus.knowledge.selection import critique
from linguacodus.planning import propose as propose_by_rules
from linguacodus.spec import TaskSpec

# NEIGHBOURS and PRIOR_WEIGHT were chosen by leave-one-out on the knowledge base's 213
# tasks (benchmarks/kb_tune.py, results/kb/tune.json): with outcomes measured at two sizes,
# 15 neighbours and a stronger prior beat 7 and 0.5 (best of the top 3: gap 0.047 against
# 0.060; the best family among the top 3's on 70% of tasks against 59%). A similarity power
# of 1 scored the same within 0.001; 4 is kept, so that a task of another kind far down the
# list can't outvote the nearest.
NEIGHBOURS = 15
MIN_SIMILARITY = 0.25  # below this the nearest task is not near: the rules decide
PRIOR_WEIGHT = 1.0  # pseudo-weight of the knowledge base's overall mean for a recipe
SIMILARITY_POWER = 4  # sharpen: the nearest tasks should count much more than the 15th
VOTE_WEIGHT = 0.5  # of a paper-corpus task's places, against a measured outcome
UNVOTED_VALUE = 0.7  # a recipe whose family none of a paper task's top places used
UNMEASURED_DISCOUNT = 0.05  # below the best known recipe mean, for a recipe never measured
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


@dataclass(frozen=True)
class Evidence:
    scores: dict[str, RecipeScore]
    table: dict[int, dict[str, float]]  # neighbour task id → recipe → its (clipped) value there
    weights: dict[int, float]  # neighbour task id → weight
    prior: dict[str, float]  # recipe → knowledge-base mean

    def value(self, task_id: int, recipe: str) -> float:
        """The recipe's value on a neighbour: measured there, else its mean, else its guess."""
        fallback = self.scores[recipe].score if recipe in self.scores else 0.0
        return self.table[task_id].get(recipe, self.prior.get(recipe, fallback))


def score_recipes(index: TaskIndex, hits: list[TaskHit], exclude: Collection[int] = ()) -> Evidence:
    """Each recipe's expected normalised score from the neighbours' outcomes."""
    store = index.store
    neighbour_ids = [hit.task_id for hit in hits]
    rows = store.outcomes(neighbour_ids)
    per_task: dict[int, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        per_task[row["task_id"]][row["recipe"]] = row
    prior = recipe_means(index, exclude)
    weights = {hit.task_id: max(hit.similarity, 0.0) ** SIMILARITY_POWER for hit in hits}
    total_weight = sum(weights.values()) or 1.0
    sums: dict[str, float] = defaultdict(float)
    mass: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)
    table: dict[int, dict[str, float]] = {hit.task_id: {} for hit in hits}
    for hit in hits:
        outcomes = per_task.get(hit.task_id)
        weight = weights[hit.task_id]
        if outcomes:
            n_valid = sum(1 for o in outcomes.values() if o["rank"] is not None)
            for recipe, outcome in outcomes.items():
                value = 0.0 if outcome["normalized"] is None else _clip(outcome["normalized"])
                table[hit.task_id][recipe] = value
                sums[recipe] += weight * value
                mass[recipe] += weight
                if outcome["rank"] is not None and outcome["rank"] <= 3:
                    evidence[recipe].append(f"{hit.title} (similarity {hit.similarity:.2f}): "
                                            f"rank {outcome['rank']} of {n_valid}")
        else:  # a task known by ranked instructions only (the paper's corpus)
            votes: dict[str, float] = {}
            for place, instruction in store.ranked_instructions(hit.task_id, limit=3):
                recipe = _paper_recipe(instruction)
                if recipe is None:
                    continue
                votes[recipe] = max(votes.get(recipe, -1.0), 1.0 - 0.05 * ((place or 3) - 1))
                evidence[recipe].append(f"{hit.title} (similarity {hit.similarity:.2f}): "
                                        f"place {place} instruction uses {instruction.model_step().op}")
            if votes:  # the families the top places used beat those they did not
                for recipe in set(prior) | set(votes):
                    value = votes.get(recipe, UNVOTED_VALUE)
                    table[hit.task_id][recipe] = value
                    sums[recipe] += VOTE_WEIGHT * weight * value  # weaker than a measured outcome
                    mass[recipe] += VOTE_WEIGHT * weight
    scores = {}
    for recipe in set(mass) | set(prior):
        prior_mean = prior.get(recipe, 0.0)
        pseudo = PRIOR_WEIGHT * total_weight / max(1, len(hits))
        value = (sums[recipe] + pseudo * prior_mean) / (mass[recipe] + pseudo)
        scores[recipe] = RecipeScore(recipe, round(value, 4), round(mass[recipe] / total_weight, 3),
                                     tuple(evidence[recipe][:3]))
    return Evidence(scores, table, weights, prior)


def _paper_recipe(instruction: Instruction) -> str | None:
    try:
        return _PAPER_RECIPE.get(instruction.model_step().op)
    except Exception:  # no (or several) mapped model operations: no vote
        return None


_MEANS_CACHE: dict[tuple[str, int, frozenset[int]], dict[str, float]] = {}


def recipe_means(index: TaskIndex, exclude: Collection[int] = ()) -> dict[str, float]:
    """Each recipe's mean clipped normalised outcome over the knowledge base (less the
    excluded tasks)."""
    key = (str(index.store.path), len(index.tasks), frozenset(exclude))
    if key not in _MEANS_CACHE:
        sums: dict[str, float] = defaultdict(float)
        counts: dict[str, int] = defaultdict(int)
        for row in index.store.outcomes():
            if row["task_id"] in exclude:
                continue
            sums[row["recipe"]] += 0.0 if row["normalized"] is None else _clip(row["normalized"])
            counts[row["recipe"]] += 1
        _MEANS_CACHE[key] = {r: sums[r] / counts[r] for r in sums}
    return _MEANS_CACHE[key]


def normalized_gap(normalized: dict[str, float], recipes: list[str | None]) -> float:
    """1 − the best normalised score among the recipes on a task (a recipe worse than a
    constant prediction counts as 0, one not run as 0): 0 means the best was proposed."""
    scored = [max(0.0, normalized.get(r, 0.0)) for r in recipes if r is not None]
    return round(1.0 - min(1.0, max(scored)), 4) if scored else 1.0


@dataclass(frozen=True)
class Proposal:
    instructions: list[Instruction]
    neighbours: list[TaskHit]
    used_knowledge: bool
    reason: str  # why the knowledge base or the rules decided


def propose(spec: TaskSpec, description: str, k: int, index: TaskIndex | None,
            budget: float | None = None, exclude: Collection[int] = ()) -> Proposal:
    """The top-k instructions for the task, best first, with scores and provenance
    (exclude: stored tasks to leave out, for leave-one-out evaluation)."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if index is None or not index.tasks:
        return Proposal(propose_by_rules(spec, k), [], False, "no knowledge base")
    hits = index.nearest(description, meta_features(spec), NEIGHBOURS, exclude=exclude)
    if not hits or hits[0].similarity < MIN_SIMILARITY:
        nearest = f"{hits[0].title} at {hits[0].similarity:.2f}" if hits else "none"
        return Proposal(propose_by_rules(spec, k), hits, False,
                        f"nothing close in the knowledge base (nearest: {nearest}); rules decide")
    evidence = score_recipes(index, hits, exclude)
    built = applicable(spec)
    unmeasured = max(evidence.prior.values(), default=0.5) - UNMEASURED_DISCOUNT
    # A recipe never run on any known task (the corpus has no text tasks, say) is assumed
    # nearly as good as the best measured one, so that the critics decide.
    # Among them the portfolio's order (the rules' prior) breaks the tie.
    order = {recipe_id: position for position, recipe_id in enumerate(RECIPES)}
    evidence = replace(evidence, scores={**{
        recipe_id: RecipeScore(recipe_id, round(unmeasured - 1e-3 * order[recipe_id], 4), 0.0,
                               ("not measured in the knowledge base",))
        for recipe_id in built.keys() - evidence.scores.keys()}, **evidence.scores})
    options = {}  # recipe → (instruction, penalty, critics' reasons), one per distinct instruction
    seen = set()
    for recipe_id, instruction in sorted(built.items()):
        signature = instruction.model_dump_json(include={"preprocessing", "model", "training",
                                                         "postprocess"})
        if signature not in seen:
            seen.add(signature)
            options[recipe_id] = (instruction, *critique(instruction, spec, budget))
    chosen = _complementary_set(evidence, {r: o[1] for r, o in options.items()}, k)
    instructions = []
    for rank, recipe_id in enumerate(chosen, start=1):
        instruction, penalty, reasons = options[recipe_id]
        expected = evidence.scores[recipe_id]
        note = f"recipe {recipe_id}: {RECIPES[recipe_id].note}"
        if expected.support == 0 and expected.evidence:
            note += "; " + expected.evidence[0]
        elif expected.evidence:
            note += "; best on " + "; ".join(expected.evidence)
        if rank > 1:
            note += "; chosen to complement the candidates above on the nearest tasks"
        if reasons:
            note += "; critics: " + "; ".join(reasons)
        instructions.append(instruction.model_copy(update={"provenance": Provenance(
            source="knowledge-base", rank=rank, score=round(expected.score - penalty, 4),
            note=note)}))
    names = ", ".join(f"{h.title} ({h.similarity:.2f})" for h in hits[:3])
    return Proposal(instructions, hits, True, f"nearest known tasks: {names}")


def _complementary_set(evidence: Evidence, penalties: dict[str, float], k: int) -> list[str]:
    """Greedy: first the best expected recipe, then each time the one that most raises the
    weighted mean over the neighbours of the best value among those chosen, so that the
    top-k covers the ways the neighbours differ instead of repeating one family."""
    total = sum(evidence.weights.values()) or 1.0
    candidates = sorted(penalties, key=lambda r: (-(evidence.scores[r].score - penalties[r]), r))
    if not candidates:
        return []
    chosen = [candidates[0]]
    best = {t: evidence.value(t, chosen[0]) for t in evidence.table}

    def gain(recipe: str, best: dict[int, float]) -> float:
        covered = sum(w * max(best[t], evidence.value(t, recipe)) for t, w in evidence.weights.items())
        return covered / total - penalties[recipe] + 1e-3 * evidence.scores[recipe].score

    while len(chosen) < min(k, len(candidates)):
        pick = max((r for r in candidates if r not in chosen), key=lambda r: (gain(r, best), r))
        chosen.append(pick)
        best = {t: max(best[t], evidence.value(t, pick)) for t in evidence.table}
    return chosen
