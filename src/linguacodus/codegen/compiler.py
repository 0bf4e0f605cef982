"""Compile an Instruction into one readable, standalone script, component by component."""

from __future__ import annotations

import sys
import textwrap

from pydantic import BaseModel, ConfigDict

from linguacodus.codegen.components import (
    Component,
    load_component,
    model_component,
    preprocess_component,
    submit_component,
)
from linguacodus.codegen.layout import CompileOptions, resolve_layout
from linguacodus.codegen.literals import comment_text, docstring_text
from linguacodus.codegen.validation import validate_component
from linguacodus.instruction import Instruction, InstructionError
from linguacodus.spec import TaskSpec
from linguacodus.stacking import stack_lines


class SolutionComponent(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    title: str
    code: str


class Solution(BaseModel):
    """The components of a solution and the integrated script."""

    model_config = ConfigDict(frozen=True)

    instruction_title: str
    components: tuple[SolutionComponent, ...]
    script: str
    notes: tuple[str, ...] = ()  # what the compiler could not implement, said aloud


def compile_solution(spec: TaskSpec, instruction: Instruction,
                     options: CompileOptions | None = None) -> Solution:
    """Write the script that implements ``instruction`` for ``spec``.

    Raises InstructionError when the instruction can't be implemented as written.
    """
    options = options or CompileOptions()
    if instruction.is_blend:
        return _compile_blend(spec, instruction, options)
    layout = resolve_layout(spec, instruction, options)
    training_quotes = tuple(s.text for s in instruction.training if s.op)
    components = [
        load_component(spec, layout, options.seed),
        preprocess_component(spec, layout),
        model_component(spec, layout),
        validate_component(spec, layout, training_quotes, importance=True),
        submit_component(spec, layout),
    ]
    notes = tuple(f"free-text step not executed by the offline compiler: {text}"
                  for text in layout.free_text)
    script = _integrate(spec, instruction, components, probe=layout.probe, notes=notes)
    return Solution(
        instruction_title=instruction.title,
        components=tuple(SolutionComponent(name=c.name, title=c.title, code=c.code)
                         for c in components),
        script=script,
        notes=notes,
    )


def _compile_blend(spec: TaskSpec, instruction: Instruction, options: CompileOptions) -> Solution:
    """One script that runs every member's pipeline as a function and averages them."""
    if options.probe_rows is not None:
        raise InstructionError("a blend is not probed; probe its members")
    layouts = [resolve_layout(spec, member, options) for member in instruction.members]
    if len({(layout.max_rows, layout.n_splits, layout.stratified, layout.group_by,
             layout.group_days, layout.order_by) for layout in layouts}) > 1:
        raise InstructionError("blend members must validate on the same rows and folds "
                               "(their subsample_rows and kfold steps differ)")
    total = sum(instruction.weights)
    weights = [round(w / total, 4) for w in instruction.weights]
    components = [load_component(spec, layouts[0], options.seed)]
    for number, (member, layout) in enumerate(zip(instruction.members, layouts, strict=True), start=1):
        parts = [preprocess_component(spec, layout), model_component(spec, layout),
                 validate_component(spec, layout, ())]
        body = textwrap.indent("\n\n\n".join(part.code for part in parts), "    ")
        code = (f"def member_{number}():\n"
                f'    """{docstring_text(member.title)}: out-of-fold and test predictions."""\n'
                f"{body}\n    return oof_predictions, test_predictions")
        quotes = tuple(step.text for step in member.steps() if step.op)
        components.append(Component(f"member_{number}", f"Member {number}: {member.title}", code,
                                    frozenset().union(*(part.imports for part in parts)), quotes))
    members = f"MEMBERS = [{', '.join(f'member_{n}' for n in range(1, len(layouts) + 1))}]"
    if instruction.stack:
        if any(layout.order_by is not None for layout in layouts):
            raise InstructionError("a stack needs every training row predicted out of fold; "
                                   "forward validation leaves the first block unpredicted")
        lines, imports = stack_lines(spec)
        components.append(Component("stack", "Stack", "\n".join([members, "", "", *lines]), imports,
                                    (instruction.title + ": a linear model on the members' "
                                     "out-of-fold predictions.",)))
    else:
        blend = [
            f"WEIGHTS = {weights!r}",
            members,
            "",
            "oof_predictions, test_predictions = 0.0, 0.0",
            "for weight, member in zip(WEIGHTS, MEMBERS, strict=True):",
            "    member_oof, member_test = member()",
            "    oof_predictions = oof_predictions + weight * member_oof",
            "    test_predictions = test_predictions + weight * member_test",
        ]
        components.append(Component("blend", "Blend", "\n".join(blend), frozenset(),
                                    (instruction.title + ": weights fitted on out-of-fold predictions.",)))
    # Postprocessing (clipping, a tuned threshold, calibration) is the first member's that has any.
    post = next((layout for layout in layouts if layout.clip or layout.threshold or layout.calibrate),
                layouts[0])
    components.append(submit_component(spec, post))
    script = _integrate(spec, instruction, components, probe=False, notes=())
    return Solution(
        instruction_title=instruction.title,
        components=tuple(SolutionComponent(name=c.name, title=c.title, code=c.code) for c in components),
        script=script,
    )


def _integrate(spec: TaskSpec, instruction: Instruction, components: list[Component],
               probe: bool, notes: tuple[str, ...]) -> str:
    purpose = ("Quick probe: scores the instruction on a subsample and writes only oof.csv."
               if probe else
               "Reads input/, writes submission.csv and oof.csv (out-of-fold predictions\n"
               "for the training rows, which the harness scores) to the working directory.")
    header = [
        '"""' + docstring_text(f"{instruction.title} — solution for task '{spec.name}'."),
        "",
        f"Generated by Linguacodus. Metric: {spec.metric}"
        f" ({'higher' if spec.higher_is_better else 'lower'} is better).",
        purpose,
        '"""',
        "",
    ]
    header += _sorted_imports(frozenset().union(*(c.imports for c in components)))
    body = []
    for number, component in enumerate(components, start=1):
        body += ["", _banner(number, component)] if number == 1 else ["", "", _banner(number, component)]
        body.append(component.code)
    if notes:
        body += ["", ""] + [f"# {line}" for note in notes
                            for line in textwrap.wrap(comment_text(note), 96)]
    return "\n".join(header + body).rstrip() + "\n"


def _banner(number: int, component: Component) -> str:
    rule = "# " + "=" * 78
    lines = [rule, f"# {number}. {comment_text(component.title)}"]
    for quote in component.quotes:
        wrapped = textwrap.wrap(comment_text(quote), 92) or [""]
        lines.append(f"#    - {wrapped[0]}")
        lines += [f"#      {more}" for more in wrapped[1:]]
    lines.append(rule)
    return "\n".join(lines)


def _sorted_imports(imports: frozenset[str]) -> list[str]:
    """Imports in isort's order: the standard library's, then the others, a blank line
    between; in each, plain imports, then from-imports, each by module."""
    def top(line: str) -> str:
        return line.split()[1].split(".")[0]

    standard = frozenset(i for i in imports if top(i) in sys.stdlib_module_names)
    blocks = [_import_block(block) for block in (standard, imports - standard) if block]
    return [line for block in blocks for line in (*block, "")][:-1] if blocks else []


def _import_block(imports: frozenset[str]) -> list[str]:
    plain = sorted((i for i in imports if i.startswith("import ")), key=lambda i: i.split()[1])
    merged: dict[str, set[str]] = {}
    for line in imports:
        if line.startswith("from "):
            _, module, _, names = line.split(" ", 3)
            merged.setdefault(module, set()).update(n.strip() for n in names.split(","))
    froms = [f"from {module} import {', '.join(sorted(names))}"
             for module, names in sorted(merged.items())]
    return plain + froms
