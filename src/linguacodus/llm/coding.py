"""Stages (e) and (f) with a model: write the script component by component from the
instruction, integrate it, and fix it from the failure of a run.

The script must meet the generated-script contract (context.script_contract); the harness
checks that by running and grading it, never by reading it. A component that does not
parse is asked for again; an integration that fails falls back to the components joined in
order; what fails at run time goes to `fix`, then to the offline repairs (search.py).
"""

from __future__ import annotations

from collections.abc import Callable

from linguacodus.codegen.compiler import Solution, SolutionComponent
from linguacodus.instruction import Instruction
from linguacodus.llm.client import LLMClient, parse_python
from linguacodus.llm.context import data_preview, plain_markdown, script_contract, task_summary
from linguacodus.llm.ledger import LLMError
from linguacodus.llm.prompts import render
from linguacodus.spec import TaskSpec
from linguacodus.task import TaskData

# (name, title, what the component must do)
COMPONENTS = (
    ("preprocessing", "Data loading and preprocessing",
     "Load the three files, keep the labelled training rows, separate the target, and implement "
     "every data preprocessing step of the plan. End with the training features, the target and "
     "the test features ready for the model (and anything the later components need to map "
     "predictions back, such as the class labels)."),
    ("model", "Model architecture",
     "Define make_model(), which returns a fresh, unfitted model as the plan's model architecture "
     "describes."),
    ("training", "Model training and validation",
     "Implement the plan's model training: cross-validation that fills out-of-fold predictions for "
     "every labelled training row, and test predictions (the fold models' average, or a refit, as "
     "the plan says)."),
    ("submission", "Prediction and submission",
     "Turn the out-of-fold and test predictions into the submission's format (and apply the plan's "
     "postprocessing), then write oof.csv and submission.csv exactly as the rules say."),
)
REQUIRED_NAMES = ("submission.csv", "oof.csv", "input/")


def _check_script(text: str) -> str:
    code = parse_python(text)
    missing = [name for name in REQUIRED_NAMES if name not in code]
    if missing:
        raise ValueError(f"the script never mentions {', '.join(missing)}; it must read input/ "
                         "and write submission.csv and oof.csv")
    return code


def write_code(client: LLMClient, task: TaskData, spec: TaskSpec, instruction: Instruction,
               seed: int, on_event: Callable[[str], None] = lambda message: None) -> Solution:
    """One prompt a component, then the integration; raises LLMError where a component
    can't be had (the offline compiler then writes the script)."""
    plan, contract = plain_markdown(instruction), script_contract(spec, seed)
    preview, summary = data_preview(task), task_summary(spec)
    written: list[SolutionComponent] = []
    for number, (name, title, goal) in enumerate(COMPONENTS, start=1):
        on_event(f"   LLM writing '{instruction.title}': {title.lower()} ({number}/{len(COMPONENTS)})")
        so_far = "\n\n".join(f"## {c.title}\n\n```python\n{c.code}```" for c in written) or "(none yet)"
        prompt, messages = render("code_component", instruction=plan, task=summary, preview=preview,
                                  contract=contract, so_far=so_far, component=title,
                                  component_goal=goal)
        code = client.ask("code", prompt, messages, parse_python)
        written.append(SolutionComponent(name=name, title=title, code=code))
    on_event(f"   LLM integrating '{instruction.title}'")
    joined = "\n\n".join(f"# {'=' * 78}\n# {c.title}\n# {'=' * 78}\n{c.code}" for c in written)
    prompt, messages = render("integrate", instruction=plan, contract=contract,
                              components="\n\n".join(f"## {c.title}\n\n```python\n{c.code}```"
                                                     for c in written))
    notes: tuple[str, ...] = ()
    try:
        script = client.ask("code", prompt, messages, _check_script)
    except LLMError as error:
        script = joined
        notes = (f"integration failed ({error}); the components are joined in order",)
    header = (f'"""{instruction.title} — solution for task {spec.name!r}.\n\n'
              f"Written by {client.endpoint.model} through Linguacodus from the instruction, "
              'component by component.\n"""\n\n')
    return Solution(instruction_title=instruction.title, components=tuple(written),
                    script=script if script.lstrip().startswith(('"""', "'''")) else header + script,
                    notes=notes)


def fix_code(client: LLMClient, spec: TaskSpec, instruction: Instruction, script: str,
             failure: str, seed: int) -> str:
    """The script corrected by the model for the failure (a traceback, or the grader's
    reason); raises LLMError where no usable answer comes."""
    prompt, messages = render("fix", instruction=plain_markdown(instruction),
                              contract=script_contract(spec, seed), script=script.rstrip(),
                              failure=failure)
    return client.ask("fix", prompt, messages, _check_script)
