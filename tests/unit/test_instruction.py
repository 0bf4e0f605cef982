import pytest

from linguacodus.instruction import (
    Instruction,
    InstructionError,
    load_instruction,
    make_step,
    parse_markdown,
    render_markdown,
    save_instruction,
)
from linguacodus.planning import propose
from linguacodus.spec import infer_spec
from linguacodus.task import load_task

KINDS = ["binary", "binary_proba", "multiclass_proba", "ranking", "regression_log", "text", "datetime"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_proposal_round_trips_through_markdown(task_factory, kind):
    spec = infer_spec(load_task(task_factory(kind)))
    candidates = propose(spec, k=4)
    assert candidates, "the proposer must always return candidates"
    for candidate in candidates:
        assert parse_markdown(render_markdown(candidate)) == candidate


def test_markdown_reads_like_the_paper():
    instruction = Instruction(
        title="Boosted trees",
        preprocessing=(make_step("impute_numeric", strategy="mean"),),
        model=(make_step("lightgbm", n_estimators=100),),
        training=(make_step("kfold", n_splits=3),),
    )
    text = render_markdown(instruction)
    assert "## Data preprocessing" in text and "## Model architecture" in text
    assert "## Model training" in text
    assert "- Fill missing numeric values with the training mean. `impute_numeric(strategy='mean')`" in text


def test_hand_edited_markdown_parses():
    edited = """# My plan

Some commentary before the sections is ignored.

Data preprocessing:
1. Fill missing numeric values. `impute_numeric(strategy='mean')`
2. Think about outliers later
   (a continuation line of the same bullet).

**Model architecture**
- `lightgbm(n_estimators=50, learning_rate=0.1)`

### Model training
* `kfold(n_splits=3, stratified=False)`
"""
    parsed = parse_markdown(edited)
    assert parsed.title == "My plan"
    assert parsed.preprocessing[0].op == "impute_numeric"
    assert parsed.preprocessing[0].params == {"strategy": "mean"}
    assert parsed.preprocessing[1].op is None
    assert "continuation line" in parsed.preprocessing[1].text
    assert parsed.model[0].params == {"n_estimators": 50, "learning_rate": 0.1}
    assert parsed.model[0].text.startswith("LightGBM")  # sentence written from the registry
    assert parsed.training[0].param("stratified") is False
    assert parsed.provenance.source == "user"


@pytest.mark.parametrize("text,message", [
    ("## Model architecture\n- `lightgbm()`\n", "no '# Title'"),
    ("# T\n## Model architecture\n- `deep_magic()`\n", "unknown operation 'deep_magic'"),
    ("# T\n## Model architecture\n- `lightgbm(depth=3)`\n", "lightgbm has no parameter 'depth'"),
    ("# T\n## Model architecture\n- `lightgbm(n_estimators=x)`\n", "must be a literal"),
    ("# T\n## Cooking\n- salt\n", "heading 'Cooking'"),
])
def test_parse_errors_say_where(text, message):
    with pytest.raises(InstructionError, match=message):
        parse_markdown(text)


def test_save_and_load_both_formats(tmp_path):
    instruction = Instruction(title="T", model=(make_step("ridge"),))
    save_instruction(instruction, tmp_path / "plan")
    assert load_instruction(tmp_path / "plan.md") == instruction
    assert load_instruction(tmp_path / "plan.json") == instruction
    with pytest.raises(InstructionError, match="does not exist"):
        load_instruction(tmp_path / "missing.md")


def test_make_step_rejects_unknown_parameters():
    with pytest.raises(InstructionError):
        make_step("ridge", beta=2)
