"""PP501, PP502: ``unittest.TestCase`` classes and xunit-style setup in pytest tests."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Rule
from pyprotocol.rules.testing_project import settings

_TEST_CASES: Final = frozenset(
    {
        "unittest.TestCase",
        "unittest.case.TestCase",
        "unittest.IsolatedAsyncioTestCase",
        "unittest.async_case.IsolatedAsyncioTestCase",
    }
)
_SETUP_METHODS: Final = (
    "setUp",
    "tearDown",
    "setUpClass",
    "tearDownClass",
    "asyncSetUp",
    "asyncTearDown",
)
_XUNIT_METHODS: Final = frozenset(
    {"setup_method", "teardown_method", "setup_class", "teardown_class"}
)
_XUNIT_FUNCTIONS: Final = frozenset(
    {"setup_module", "teardown_module", "setup_function", "teardown_function"}
)


class UnittestTestCase(Rule):
    """Flags test classes deriving from ``unittest.TestCase``."""

    code = "PP501"
    statement_local = True
    replaces = ("PT009", "PT027")
    name = "unittest-testcase"
    summary = (
        "Write pytest test functions and fixtures, not `unittest.TestCase` classes."
    )
    why = (
        "The protocol's test suite is pytest: setup and teardown go in fixtures, which "
        "are explicit (a test names what it needs), composable and scoped, while "
        "`setUp`/`tearDown` run for every test of a class whether it needs them or "
        "not. `TestCase` classes also cannot take fixtures or `parametrize`, and "
        "their `self.assertEqual` family hides pytest's assertion rewriting that "
        "shows both sides of a failed `assert`. The rule applies to pytest suites: "
        "files that import pytest, in a project that configures pytest (a pytest "
        "section in its configuration, or a `conftest.py`); a pure unittest project "
        "is left alone."
    )
    sections = ("cgp:5-testing--validation", "pr:fixture-design")
    severity = Severity.WARNING
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "import pytest\nimport unittest\nclass TestParse(unittest.TestCase):\n"
            "    def setUp(self):\n        self.x = 1\n    def test_a(self):\n"
            "        self.assertEqual(self.x, 1)\n",
            "import pytest\nfrom unittest import TestCase\nclass TestParse(TestCase):\n"
            "    def test_a(self):\n        self.assertTrue(True)\n",
            "import pytest\nfrom unittest import IsolatedAsyncioTestCase as Case\n"
            "class TestIO(Case):\n"
            "    async def test_a(self):\n        pass\n",
        ),
        good=(
            "import pytest\n@pytest.fixture\ndef x():\n    return 1\n"
            "def test_a(x):\n    assert x == 1\n",
            "class TestParse:\n    def test_a(self):\n        assert 1 == 1\n",
            "from django.test import TestCase\nclass TestView(TestCase):\n"
            "    def test_a(self):\n        pass\n",
            "import pytest\nfrom mylib import TestCase\nclass TestParse(TestCase):\n"
            "    pass\n",
            "import unittest\nclass TestParse(unittest.TestCase):\n"
            "    def test_a(self):\n        self.assertEqual(1, 1)\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Decide once whether this file belongs to a pytest suite.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._pytest_suite = (
            ctx.imports.imports("pytest")
            or ctx.path.name == "conftest.py"
            or settings(ctx.config.root).pytest_configured
        )

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Flag a class whose base is ``unittest.TestCase``."""
        if not self._pytest_suite:
            return
        base = next(
            (b for b in node.bases if self.ctx.qualname(b) in _TEST_CASES), None
        )
        if base is None:
            return
        setups = [
            stmt.name
            for stmt in node.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
            and stmt.name in _SETUP_METHODS
        ]
        extra = f" and its `{'`/`'.join(setups)}`" if setups else ""
        self.report(
            self.ctx.name_span(node),
            f"`{node.name}` is a `unittest.TestCase`{extra}: write plain pytest test "
            "functions and move setup into fixtures",
        )


class XunitSetup(Rule):
    """Flags ``setup_method``/``setup_module``-style hooks in pytest tests."""

    code = "PP502"
    statement_local = True
    name = "xunit-setup"
    summary = "Use fixtures for setup and teardown, not `setup_method`/`setup_module`."
    why = (
        "pytest still runs the xunit-style hooks (`setup_method`, `teardown_class`, "
        "`setup_module`...), but they are implicit: every test in their scope pays "
        "for them, nothing says which test needs what, and teardown is split from "
        "setup. A fixture with `yield` keeps setup and teardown together, runs only "
        "for the tests that ask for it and can be shared through `conftest.py`."
    )
    sections = ("cgp:5-testing--validation", "pr:fixture-design")
    severity = Severity.WARNING
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "class TestDb:\n    def setup_method(self):\n        self.db = {}\n"
            "    def test_a(self):\n        assert self.db == {}\n",
            "def setup_module():\n    print('start')\ndef test_a():\n    pass\n",
            "class TestDb:\n    @classmethod\n    def teardown_class(cls):\n"
            "        pass\n",
        ),
        good=(
            "import pytest\n@pytest.fixture\ndef db():\n    yield {}\n"
            "def test_a(db):\n    assert db == {}\n",
            "class Helper:\n    def setup_method(self):\n        pass\n",
            "def setup(app):\n    return app\n",
            "import unittest\nclass TestX(unittest.TestCase):\n"
            "    def setup_method(self):\n        pass\n",
        ),
    )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a possible xunit hook."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check a possible async xunit hook."""
        self._check(node)

    def _check(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        parent = self.ctx.parent
        if isinstance(parent, ast.Module) and node.name in _XUNIT_FUNCTIONS:
            scope = "module" if node.name.endswith("module") else "function"
        elif (
            isinstance(parent, ast.ClassDef)
            and node.name in _XUNIT_METHODS
            and parent.name.startswith("Test")
            and not any(self.ctx.qualname(b) in _TEST_CASES for b in parent.bases)
        ):
            scope = "class" if node.name.endswith("class") else "function"
        else:
            return
        self.report(
            self.ctx.name_span(node),
            f"`{node.name}` is an implicit xunit-style hook: write a fixture (with "
            f'`yield` for teardown, `scope="{scope}"` if shared) that the tests '
            "request",
        )


__all__ = ["UnittestTestCase", "XunitSetup"]
