"""PP503: fixtures that clean up without ``yield``."""

from __future__ import annotations

import ast
from typing import ClassVar

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.idiom_scope import FunctionNode, is_fixture, names_in, walk_body


def _is_generator(node: FunctionNode) -> bool:
    return any(isinstance(n, ast.Yield | ast.YieldFrom) for n in walk_body(node.body))


class FixtureTeardown(Rule):
    """Flags ``request.addfinalizer`` and resources closed before a fixture returns."""

    code = "PP503"
    statement_local = True
    name = "fixture-teardown-without-yield"
    summary = (
        "Write fixture teardown after a `yield`, not with `addfinalizer` or `return`."
    )
    why = (
        "A fixture that yields keeps setup and teardown in one readable function, "
        "and pytest runs the code after `yield` even when the test fails. "
        "`request.addfinalizer` scatters the teardown into a callback registered "
        "partway through setup (a failure before the call leaks the resource). "
        "Worse, a fixture that returns a resource from inside `with` or from a `try` "
        "whose `finally` closes it hands the test an object that is already closed: "
        "the cleanup runs at `return`, before the test."
    )
    sections = ("pr:fixture-design", "cgp:5-testing--validation")
    severity = Severity.WARNING
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/conftest.py",
        bad=(
            "import pytest\n@pytest.fixture\ndef db(request):\n    conn = connect()\n"
            "    request.addfinalizer(conn.close)\n    return conn\n",
            "import pytest\n@pytest.fixture\ndef data(tmp_path):\n"
            "    with open(tmp_path / 'x') as f:\n        return f\n",
            "import pytest\n@pytest.fixture(scope='module')\ndef conn():\n"
            "    c = connect()\n    try:\n        return c\n    finally:\n"
            "        c.close()\n",
        ),
        good=(
            "import pytest\n@pytest.fixture\ndef db():\n    conn = connect()\n"
            "    yield conn\n    conn.close()\n",
            "import json\nimport pytest\n@pytest.fixture\ndef data(path):\n"
            "    with open(path) as f:\n        return json.load(f)\n",
            "def helper(request):\n    request.addfinalizer(print)\n",
            "import pytest\n@pytest.fixture\ndef value():\n    try:\n"
            "        return compute()\n    finally:\n        log('done')\n",
        ),
    )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a fixture."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check an async fixture."""
        self._check(node)

    def _check(self, node: FunctionNode) -> None:
        if not is_fixture(self.ctx, node):
            return
        params = {a.arg for a in (*node.args.posonlyargs, *node.args.args)}
        generator = _is_generator(node)
        for sub in walk_body(node.body):
            if (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "addfinalizer"
                and isinstance(sub.func.value, ast.Name)
                and sub.func.value.id in params
            ):
                self.report(
                    sub,
                    f"fixture `{node.name}` registers its teardown with "
                    "`addfinalizer`: `yield` the value and clean up after the "
                    "`yield`",
                )
            elif isinstance(sub, ast.With | ast.AsyncWith) and not generator:
                self._check_with(node, sub)
            elif isinstance(sub, ast.Try | ast.TryStar) and not generator:
                self._check_try(node, sub)

    def _check_with(
        self, fixture: FunctionNode, block: ast.With | ast.AsyncWith
    ) -> None:
        bound = {
            item.optional_vars.id
            for item in block.items
            if isinstance(item.optional_vars, ast.Name)
        }
        for sub in walk_body(block.body):
            if (
                isinstance(sub, ast.Return)
                and isinstance(sub.value, ast.Name)
                and sub.value.id in bound
            ):
                self.report(
                    sub,
                    f"fixture `{fixture.name}` returns `{sub.value.id}` from inside "
                    "`with`, which closes it before the test runs: `yield` it inside "
                    "the `with` block",
                )

    def _check_try(self, fixture: FunctionNode, block: ast.Try | ast.TryStar) -> None:
        if not block.finalbody:
            return
        cleaned = set().union(*(names_in(stmt) for stmt in block.finalbody))
        for sub in walk_body(block.body):
            if (
                isinstance(sub, ast.Return)
                and isinstance(sub.value, ast.Name)
                and sub.value.id in cleaned
            ):
                self.report(
                    sub,
                    f"fixture `{fixture.name}` returns `{sub.value.id}` from a `try` "
                    "whose `finally` cleans it up before the test runs: `yield` it "
                    "and clean up after the `yield`",
                )


__all__ = ["FixtureTeardown"]
