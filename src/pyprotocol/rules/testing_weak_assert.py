"""PP507: tests whose only checks are ``assert x is not None`` or ``assert x``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.idiom_scope import FunctionNode, is_test_function, walk_body

#: Name prefixes and names of functions whose result is already a precise check.
_PREDICATE_PREFIXES: Final = (
    "is_",
    "has_",
    "can_",
    "should_",
    "was_",
    "were_",
    "does_",
    "did_",
    "check",
    "verify",
    "validate",
    "wait",
    "contains",
    "equal",
    "compare",
    "match",
)
_PREDICATES: Final = frozenset(
    {
        "exists",
        "isfile",
        "isdir",
        "islink",
        "fullmatch",
        "search",
        "startswith",
        "endswith",
        "isinstance",
        "issubclass",
        "hasattr",
        "callable",
        "bool",
        "all",
        "any",
        "done",
        "ok",
        "eq",
        "same",
        "samefile",
    }
)
_CHECK_CALL_PREFIXES: Final = ("assert", "check", "verify", "expect", "fail")
_CHECK_CONTEXTS: Final = frozenset(
    {"pytest.raises", "pytest.warns", "pytest.deprecated_call", "pytest.fail"}
)


def _callee_name(node: ast.expr) -> str:
    if isinstance(node, ast.Await):
        node = node.value
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_predicate(name: str) -> bool:
    lowered = name.lower()
    return lowered in _PREDICATES or lowered.startswith(_PREDICATE_PREFIXES)


def _record(stmt: ast.Assign | ast.AnnAssign, assigned: dict[str, ast.expr]) -> None:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    for target in targets:
        if isinstance(target, ast.Name) and stmt.value is not None:
            assigned[target.id] = stmt.value


class WeakAssertion(Rule):
    """Flags tests that only check ``is not None`` or truthiness of a result."""

    code = "PP507"
    statement_local = True
    name = "weak-assertion"
    summary = "Assert the expected value, not just `is not None` or truthiness."
    why = (
        "`assert result is not None` passes for every wrong result that is not None; "
        "`assert result` passes for any non-empty one. Such a test exercises the code "
        "without checking it, and mutation testing shows it: a mutant that returns "
        "garbage survives. Compare with the expected value (`== expected`, "
        "`pytest.approx`, a snapshot). The rule fires only when every `assert` of a "
        "test is weak and the test makes no other check (`pytest.raises`, "
        "`mock.assert_called_once_with`, `check_*` helpers); `assert name` counts as "
        "weak only when `name` was assigned in the test from a call that is not "
        "itself a predicate (`is_valid(...)`, `path.exists()`...)."
    )
    sections = ("pr:quality-metrics", "cgp:5-testing--validation")
    severity = Severity.WARNING
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "def test_parse():\n    result = parse('1')\n    assert result is not "
            "None\n",
            "def test_load():\n    data = load('x.json')\n    assert data\n",
            "class TestApi:\n    async def test_get(self, client):\n"
            "        response = await client.get('/')\n"
            "        assert response.json()['id'] is not None\n",
        ),
        good=(
            "def test_parse():\n    assert parse('1') == 1\n",
            "def test_parse():\n    result = parse('1')\n    assert result is not "
            "None\n"
            "    assert result.value == 1\n",
            "def test_valid():\n    ok = is_valid('x')\n    assert ok\n",
            "def test_fixture(db):\n    assert db\n",
            "import pytest\ndef test_raises():\n    with pytest.raises(ValueError):\n"
            "        parse('x')\n    result = parse('1')\n    assert result is not "
            "None\n",
            "def test_called(mock_send):\n    result = run()\n    assert result\n"
            "    mock_send.assert_called_once_with(1)\n",
            "def helper():\n    result = parse('1')\n    assert result is not None\n",
        ),
    )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a test."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check an async test."""
        self._check(node)

    def _check(self, node: FunctionNode) -> None:
        if not is_test_function(node, self.ctx.parent):
            return
        asserts: list[ast.Assert] = []
        assigned: dict[str, ast.expr] = {}
        for sub in walk_body(node.body):
            if isinstance(sub, ast.Assert):
                asserts.append(sub)
            elif isinstance(sub, ast.Assign | ast.AnnAssign):
                _record(sub, assigned)
            elif isinstance(sub, ast.Raise | ast.NamedExpr) or self._other_check(sub):
                return
        if not asserts:
            return
        weak = [a for a in asserts if self._weak(a.test, assigned)]
        if len(weak) != len(asserts):
            return
        self.report(
            weak[0],
            f"`{node.name}` only checks that the result exists: assert the expected "
            "value instead",
        )

    def _other_check(self, node: ast.AST) -> bool:
        if not isinstance(node, ast.Call):
            return False
        if self.ctx.qualname(node.func) in _CHECK_CONTEXTS:
            return True
        name = _callee_name(node).lower()
        return name.startswith(_CHECK_CALL_PREFIXES)

    def _weak(self, test: ast.expr, assigned: dict[str, ast.expr]) -> bool:
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.IsNot)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            return True
        if isinstance(test, ast.Name) and test.id in assigned:
            value = assigned[test.id]
            name = _callee_name(value)
            return bool(name) and not _is_predicate(name)
        return False


__all__ = ["WeakAssertion"]
