"""PP504: near-identical test functions that should be one parametrized test."""

from __future__ import annotations

import ast
import copy
from collections import defaultdict
from collections.abc import Sequence
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.idiom_scope import FunctionNode

MIN_COPIES: Final = 3


class _Blank(ast.NodeTransformer):
    """Replaces every literal by one placeholder, recording the originals."""

    def __init__(self) -> None:
        self.literals: list[str] = []

    def visit_Constant(self, node: ast.Constant) -> ast.Constant:
        self.literals.append(repr(node.value))
        return ast.Constant(value="<literal>")


def _body(node: FunctionNode) -> list[ast.stmt]:
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body


def _shape(node: FunctionNode) -> tuple[str, tuple[str, ...]] | None:
    """The test's body with literals blanked out, and the literals."""
    body = _body(node)
    if not any(
        isinstance(n, ast.Assert | ast.Call | ast.With)
        for s in body
        for n in ast.walk(s)
    ):
        return None
    blank = _Blank()
    clone = ast.Module(
        body=[
            blank.visit(copy.deepcopy(part))
            for part in (*node.decorator_list, node.args, *body)
        ],
        type_ignores=[],
    )
    if not blank.literals:
        return None
    kind = "async" if isinstance(node, ast.AsyncFunctionDef) else "def"
    return f"{kind}:{ast.dump(clone)}", tuple(blank.literals)


class ParametrizeCandidates(Rule):
    """Flags three or more tests that differ only in literal values."""

    code = "PP504"
    name = "parametrize-candidates"
    summary = "Merge tests that differ only in their values into one parametrized test."
    why = (
        "Tests that repeat the same steps with different inputs are one test written "
        "several times: a fix to the steps must be made in every copy, and adding a "
        "case means another copy. `@pytest.mark.parametrize` states the steps once and "
        "the cases as a table, and reports each case separately. The rule compares "
        "test bodies (and signatures and decorators) with every literal blanked out; "
        "three or more tests in the same module or class with the same shape and "
        "different literals are reported. Whether the cases really belong together "
        "is a judgement, hence the low severity."
    )
    sections = ("cgp:5-testing--validation", "pr:5-testing-with-pytest")
    severity = Severity.INFO
    heuristic = True
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "def test_one():\n    assert parse('1') == 1\n"
            "def test_two():\n    assert parse('2') == 2\n"
            "def test_three():\n    assert parse('3') == 3\n",
            "class TestRound:\n    def test_up(self):\n"
            "        assert round(1.5) == 2\n    def test_down(self):\n"
            "        assert round(1.4) == 1\n    def test_half(self):\n"
            "        '''Banker's rounding.'''\n        assert round(2.5) == 2\n",
        ),
        good=(
            "import pytest\n@pytest.mark.parametrize(('text', 'value'), "
            "[('1', 1), ('2', 2), ('3', 3)])\ndef test_parse(text, value):\n"
            "    assert parse(text) == value\n",
            "def test_one():\n    assert parse('1') == 1\n"
            "def test_two():\n    assert parse('2') == 2\n",
            "def test_one():\n    assert parse('1') == 1\n"
            "def test_two():\n    assert load('2') == 2\n"
            "def test_three():\n    assert dump('3') == 3\n",
            "def test_a():\n    pass\ndef test_b():\n    pass\ndef test_c():\n    "
            "pass\n",
            "def test_one():\n    assert parse('1') == 1\n"
            "def test_two():\n    assert parse('1') == 1\n"
            "def test_three():\n    assert parse('1') == 1\n",
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        """Compare the module's tests."""
        self._compare(node.body)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Compare a test class's tests."""
        if node.name.startswith("Test"):
            self._compare(node.body)

    def _compare(self, body: Sequence[ast.stmt]) -> None:
        groups: defaultdict[str, list[tuple[FunctionNode, tuple[str, ...]]]] = (
            defaultdict(list)
        )
        for stmt in body:
            if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if not stmt.name.startswith("test"):
                continue
            shape = _shape(stmt)
            if shape is not None:
                groups[shape[0]].append((stmt, shape[1]))
        for members in groups.values():
            if len(members) < MIN_COPIES:
                continue
            if len({literals for _, literals in members}) < len(members):
                continue
            first = members[0][0]
            others = ", ".join(f"`{m.name}`" for m, _ in members[1:])
            self.report(
                self.ctx.name_span(first),
                f"`{first.name}`, {others} look the same except for their literal "
                "values: consider one test with `@pytest.mark.parametrize`",
            )


__all__ = ["ParametrizeCandidates"]
