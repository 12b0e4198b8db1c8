"""PP508: ``async def test_*`` without ``@pytest.mark.asyncio`` (and no auto mode)."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.fixes.common import update_imports
from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.idiom_scope import decorator_target, is_test_function
from pyprotocol.rules.testing_project import settings

_ASYNC_MARKS: Final = frozenset({"asyncio", "anyio", "trio"})
_ASYNC_PLUGIN_FIXTURES: Final = frozenset({"anyio_backend"})


def _marks(node: ast.expr) -> bool:
    """Tell whether an expression mentions an async mark (``pytest.mark.anyio``)."""
    return any(
        isinstance(sub, ast.Attribute) and sub.attr in _ASYNC_MARKS
        for sub in ast.walk(node)
    )


class AsyncTestMarker(Rule):
    """Flags async tests that no async plugin is told to run."""

    code = "PP508"
    name = "async-test-without-marker"
    summary = (
        "Mark async tests with `@pytest.mark.asyncio` (unless asyncio mode is auto)."
    )
    why = (
        "pytest itself cannot run a coroutine: an `async def test_*` that no plugin "
        "claims is skipped with a warning (or, with older plugins, passes without its "
        "body ever running), so the test silently checks nothing. pytest-asyncio runs "
        "the tests marked `@pytest.mark.asyncio`, or every async test when "
        '`asyncio_mode = "auto"` is set in the project\'s pytest configuration, which '
        "the rule reads (`[tool.pytest.ini_options]`, `pytest.ini`, `tox.ini`, "
        "`setup.cfg`). Tests marked for anyio or trio, marked through `pytestmark` "
        "or a class decorator, or in a module that uses anyio's `anyio_backend` "
        "fixture are left alone."
    )
    sections = ("pr:fixture-design", "pr:5-testing-with-pytest")
    severity = Severity.WARNING
    applies_to = "tests"
    fix_title = "Add `@pytest.mark.asyncio`"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "async def test_fetch():\n    assert await fetch() == 1\n",
            "class TestApi:\n    async def test_get(self):\n        pass\n",
        ),
        good=(
            "import pytest\n@pytest.mark.asyncio\nasync def test_fetch():\n"
            "    assert await fetch() == 1\n",
            "import pytest\npytestmark = pytest.mark.asyncio\n"
            "async def test_fetch():\n    pass\n",
            "import pytest\npytestmark = [pytest.mark.anyio, pytest.mark.slow]\n"
            "async def test_fetch():\n    pass\n",
            "import pytest\n@pytest.mark.asyncio\nclass TestApi:\n"
            "    async def test_get(self):\n        pass\n",
            "import unittest\nclass TestApi(unittest.IsolatedAsyncioTestCase):\n"
            "    async def test_get(self):\n        pass\n",
            "async def helper():\n    pass\n",
            "import pytest\n@pytest.mark.trio\nasync def test_x():\n    pass\n",
        ),
        fixed=(
            Fixed(
                "async def test_fetch():\n    assert await fetch() == 1\n",
                "import pytest\n\n@pytest.mark.asyncio\nasync def test_fetch():\n"
                "    assert await fetch() == 1\n",
            ),
            Fixed(
                "import pytest\n\n\nclass TestApi:\n"
                "    # Talks to the fake server.\n"
                "    @pytest.mark.slow\n    async def test_get(self):\n"
                "        pass\n",
                "import pytest\n\n\nclass TestApi:\n"
                "    # Talks to the fake server.\n    @pytest.mark.asyncio\n"
                "    @pytest.mark.slow\n    async def test_get(self):\n"
                "        pass\n",
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Decide once whether the module or the project marks tests already.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        project = settings(ctx.config.root)
        self._covered = (
            project.asyncio_auto
            or project.trio_auto
            or any(self._marks_module(stmt) for stmt in ctx.tree.body)
        )

    @staticmethod
    def _marks_module(stmt: ast.stmt) -> bool:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
        ):
            return _marks(stmt.value)
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            return stmt.name in _ASYNC_PLUGIN_FIXTURES
        return False

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check an async test."""
        if self._covered:
            return
        parent = self.ctx.parent
        if not is_test_function(node, parent):
            return
        if any(_marks(decorator_target(d)) for d in node.decorator_list):
            return
        if isinstance(parent, ast.ClassDef):
            if parent.bases or parent.keywords:
                return
            if any(_marks(d) for d in parent.decorator_list):
                return
            if any(
                isinstance(stmt, ast.Assign)
                and any(
                    isinstance(t, ast.Name) and t.id == "pytestmark"
                    for t in stmt.targets
                )
                and _marks(stmt.value)
                for stmt in parent.body
            ):
                return
        self.report(
            self.ctx.name_span(node),
            f"async test `{node.name}` has no `@pytest.mark.asyncio` and asyncio mode "
            "is not `auto`: pytest will not run its body",
            fix=True,
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Add the marker to each flagged test and import pytest."""
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        tree = wrapper.visit(_Marker(request.starts()))
        return update_imports(tree, add=[("pytest", None, None)])


class _Marker(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, starts: set[tuple[int, int]]) -> None:
        super().__init__()
        self.starts = starts

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        pos = self.get_metadata(PositionProvider, original_node.name, None)
        if pos is None or (pos.start.line, pos.start.column) not in self.starts:
            return updated_node
        mark = cst.Decorator(decorator=cst.parse_expression("pytest.mark.asyncio"))
        return updated_node.with_changes(decorators=[mark, *updated_node.decorators])


__all__ = ["AsyncTestMarker"]
