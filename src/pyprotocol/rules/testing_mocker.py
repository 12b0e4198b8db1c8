"""PP509: ``unittest.mock`` patching where the ``mocker`` fixture is the convention."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Rule
from pyprotocol.rules.testing_project import settings

_MOCK_MODULES: Final = frozenset({"unittest.mock", "mock"})
_MOCKER_FIXTURES: Final = frozenset(
    {"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"}
)


def _uses_mocker(ctx: Context) -> bool:
    return any(node.arg in _MOCKER_FIXTURES for node in ctx.nodes_of(ast.arg))


class PreferMocker(Rule):
    """Flags ``from unittest import mock`` / ``from unittest.mock import patch``."""

    code = "PP509"
    name = "prefer-mocker"
    summary = "Patch with the `mocker` fixture where the project uses pytest-mock."
    why = (
        "The protocol mocks through pytest-mock: `mocker.patch(...)` is undone "
        "automatically at the end of the test, needs no decorator stacking or "
        "nested `with` blocks, and keeps one way of patching across the suite. The "
        "rule fires only where pytest-mock is the convention: the project lists "
        "pytest-mock among its dependencies, or the same file already uses the "
        "`mocker` fixture. Imports used only for helpers that are not patchers "
        "(`ANY`, `call`, `sentinel`, `MagicMock`...) are left alone."
    )
    sections = ("cgp:5-testing--validation", "pr:5-testing-with-pytest")
    severity = Severity.INFO
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "from unittest import mock\ndef test_a(mocker):\n"
            "    with mock.patch('app.f', autospec=True):\n        pass\n",
            "from unittest.mock import patch\ndef test_a(mocker):\n"
            "    mocker.patch('app.g', autospec=True)\n",
            "import unittest.mock\ndef test_b(mocker):\n"
            "    with unittest.mock.patch('app.f', autospec=True):\n        pass\n",
        ),
        good=(
            "from unittest import mock\ndef test_a():\n"
            "    with mock.patch('app.f', autospec=True):\n        pass\n",
            "from unittest.mock import ANY, call\ndef test_a(mocker):\n"
            "    m = mocker.patch('app.f', autospec=True)\n"
            "    assert m.call_args == call(ANY)\n",
            "def test_a(mocker):\n    mocker.patch('app.f', autospec=True)\n",
            "from unittest import mock\ndef test_a(mocker):\n"
            "    m = mocker.patch('app.f', autospec=True)\n"
            "    m.assert_called_once_with(mock.ANY)\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Decide once whether pytest-mock is the convention here.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._convention = settings(ctx.config.root).uses_pytest_mock or _uses_mocker(
            ctx
        )
        self._module_patches = self._convention and any(
            n.attr == "patch"
            and ctx.qualname(n) in {"unittest.mock.patch", "mock.patch"}
            for n in ctx.nodes_of(ast.Attribute)
        )

    def visit_Import(self, node: ast.Import) -> None:
        """Flag ``import unittest.mock`` and ``import mock``."""
        if not self._module_patches:
            return
        for alias in node.names:
            if alias.name in _MOCK_MODULES:
                self._report(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        """Flag ``from unittest import mock`` / ``from unittest.mock import patch``."""
        if not self._convention or node.level:
            return
        names = {alias.name for alias in node.names}
        if node.module == "unittest" and "mock" in names and self._module_patches:
            self._report(node, "unittest.mock")
        elif node.module in _MOCK_MODULES and "patch" in names:
            self._report(node, f"{node.module}.patch")

    def _report(self, node: ast.stmt, what: str) -> None:
        self.report(
            node,
            f"`{what}` in a project that patches with pytest-mock: use the `mocker` "
            "fixture (`mocker.patch(...)`), which undoes its patches by itself",
        )


__all__ = ["PreferMocker"]
