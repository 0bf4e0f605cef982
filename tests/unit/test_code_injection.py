"""Text that reaches a generated script (titles, task names, free-text steps, column names)
stays text: it never ends a docstring or a comment and runs as code."""

import ast

import pytest

from linguacodus.codegen.compiler import compile_solution
from linguacodus.codegen.literals import comment_text, docstring_text
from linguacodus.grading import grade_attempt
from linguacodus.instruction import Instruction, Step
from linguacodus.planning import propose
from linguacodus.sandbox import Limits, run_script
from linguacodus.spec import infer_spec
from linguacodus.task import load_task

PAYLOAD = 'import pathlib; pathlib.Path("pwned").write_text("1")'
ENDINGS = ['x"""\n' + PAYLOAD + '\n"""', "ends in a backslash \\", 'q"\n' + PAYLOAD,
           "a\r" + PAYLOAD, "b\u2028" + PAYLOAD, "nul\x00byte"]


@pytest.mark.parametrize("text", ENDINGS)
def test_a_docstring_keeps_any_text_as_text(text):
    source = f'"""{docstring_text(text)}"""\n'
    assert ast.get_docstring(ast.parse(source), clean=False) == text


@pytest.mark.parametrize("text", ENDINGS)
def test_a_comment_keeps_any_text_on_its_line(text):
    line = "# " + comment_text(text)
    assert len(line.splitlines()) == 1 and not ast.parse(line).body


def test_hostile_titles_steps_and_task_names_do_not_run(task_factory, tmp_path):
    task = load_task(task_factory("binary", name='task"""; import os #'))
    spec = infer_spec(task)
    base = propose(spec, k=1)[0]
    hostile = base.model_copy(update={
        "title": ENDINGS[0],
        "training": base.training + (Step(text="free text\n" + PAYLOAD + "\x00"),)})
    script = compile_solution(spec, hostile).script
    tree = ast.parse(script)
    assert ast.get_docstring(tree).startswith('x"""\n' + PAYLOAD)
    blend = Instruction(title="Blend", members=(hostile, base), weights=(0.5, 0.5))
    for name, instruction in (("single", hostile), ("blend", blend)):
        execution = run_script(compile_solution(spec, instruction).script, tmp_path / name,
                               task.path, Limits(120))
        assert execution.ok, execution.stderr_tail
        assert not (tmp_path / name / "pwned").exists()
        assert grade_attempt(spec, tmp_path / name, task.train, task.sample_submission).valid
