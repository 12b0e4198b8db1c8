"""PP505, PP506: patches without ``autospec=True`` and mocks without a spec."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Rule

_MOCK_MODULES: Final = ("unittest.mock", "mock")
_MOCKER_FIXTURES: Final = frozenset(
    {"mocker", "class_mocker", "module_mocker", "package_mocker", "session_mocker"}
)
_PATCH_EXEMPT: Final = frozenset(
    {"new", "new_callable", "spec", "spec_set", "autospec", "create", None}
)
_MOCK_CLASSES: Final = frozenset(
    {"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "NonCallableMagicMock"}
)
_MOCK_EXEMPT: Final = frozenset({"spec", "spec_set", "wraps", None})


def _mocker_attr(node: ast.expr) -> str | None:
    """``patch.object`` for ``mocker.patch.object`` (any pytest-mock fixture)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in _MOCKER_FIXTURES and parts:
        return ".".join(reversed(parts))
    return None


def _mock_member(ctx: Context, func: ast.expr) -> str | None:
    """The ``unittest.mock`` member a call goes to: ``patch``, ``patch.object``..."""
    name = ctx.qualname(func)
    if name is not None:
        for module in _MOCK_MODULES:
            if name.startswith(f"{module}."):
                return name.removeprefix(f"{module}.")
    return _mocker_attr(func)


class PatchAutospec(Rule):
    """Flags ``patch(...)`` / ``patch.object(...)`` without ``autospec=True``."""

    code = "PP505"
    statement_local = True
    name = "patch-without-autospec"
    summary = "Patch with `autospec=True` so that mocks keep the real signatures."
    why = (
        "A plain `patch` replaces the target with a `MagicMock` that accepts any call "
        "and has every attribute: a test keeps passing after the real function's "
        "signature changes or when it calls a method that does not exist. "
        "`autospec=True` builds the mock from the real object, so wrong calls fail. "
        "Patches that give the replacement themselves (`new`, `new_callable`, a "
        "`spec`) or create a missing attribute are left alone."
    )
    sections = ("pr:quality-metrics", "cgp:5-testing--validation")
    severity = Severity.WARNING
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "from unittest import mock\ndef test_a():\n"
            "    with mock.patch('app.fetch') as fetch:\n        pass\n",
            "from unittest.mock import patch\n@patch.object(Client, 'get')\n"
            "def test_a(get):\n    pass\n",
            "def test_a(mocker):\n    mocker.patch('app.fetch', return_value=1)\n",
            "def test_a(mocker):\n    mocker.patch.object(Client, 'get')\n",
        ),
        good=(
            "from unittest import mock\ndef test_a():\n"
            "    with mock.patch('app.fetch', autospec=True):\n        pass\n",
            "from unittest.mock import patch\ndef test_a():\n"
            "    with patch('app.TIMEOUT', 5):\n        pass\n",
            "from unittest.mock import patch\ndef test_a():\n"
            "    with patch.object(Client, 'get', new=fake):\n        pass\n",
            "def test_a(mocker):\n    mocker.patch.dict('os.environ', {'A': '1'})\n",
            "def test_a(mocker):\n    mocker.patch('app.fetch', autospec=True)\n",
            "def patch(x):\n    return x\ndef test_a():\n    patch('x')\n",
            "def test_a(mocker):\n    mocker.patch('app.x', new_callable=list)\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Check a patch call."""
        member = _mock_member(self.ctx, node.func)
        if member == "patch":
            positional_new = 2
        elif member == "patch.object":
            positional_new = 3
        else:
            return
        if len(node.args) >= positional_new or any(
            k.arg in _PATCH_EXEMPT for k in node.keywords
        ):
            return
        self.report(
            node,
            f"`{member}(...)` without `autospec=True` builds a mock that accepts any "
            "call: pass `autospec=True`",
        )


class MockSpec(Rule):
    """Flags ``Mock()`` / ``MagicMock()`` built without a ``spec``."""

    code = "PP506"
    statement_local = True
    name = "mock-without-spec"
    summary = "Give mocks a `spec` (or use `create_autospec`)."
    why = (
        "A `Mock()` without a spec says yes to everything: any attribute exists, any "
        "call succeeds, so a test can pass against an interface that no longer "
        "exists. `Mock(spec=Real)` or `create_autospec(Real)` limit the mock to what "
        "the real object offers. Mocks given a `spec`, `spec_set` or `wraps` are left "
        "alone."
    )
    sections = ("pr:quality-metrics", "cgp:5-testing--validation")
    severity = Severity.INFO
    applies_to = "tests"
    examples: ClassVar[Examples] = Examples(
        path="tests/test_example.py",
        bad=(
            "from unittest.mock import MagicMock\ndef test_a():\n"
            "    client = MagicMock()\n",
            "from unittest import mock\ndef test_a():\n"
            "    client = mock.Mock(return_value=1)\n",
            "def test_a(mocker):\n    client = mocker.AsyncMock()\n",
        ),
        good=(
            "from unittest.mock import MagicMock\ndef test_a():\n"
            "    client = MagicMock(spec=Client)\n",
            "from unittest.mock import Mock\ndef test_a():\n    client = "
            "Mock(Client)\n",
            "from unittest.mock import create_autospec\ndef test_a():\n"
            "    client = create_autospec(Client)\n",
            "from unittest.mock import Mock\ndef test_a(real):\n"
            "    spy = Mock(wraps=real)\n",
            "class Mock:\n    pass\ndef test_a():\n    m = Mock()\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Check a mock construction."""
        member = _mock_member(self.ctx, node.func)
        if member not in _MOCK_CLASSES:
            return
        if node.args or any(k.arg in _MOCK_EXEMPT for k in node.keywords):
            return
        self.report(
            node,
            f"`{member}()` without a spec accepts any attribute and any call: pass "
            f"`spec=...` or use `create_autospec(...)`",
        )


__all__ = ["MockSpec", "PatchAutospec"]
