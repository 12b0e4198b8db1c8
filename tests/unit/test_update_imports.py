"""``update_imports``: imports added once, removed only when nothing mentions them."""

from __future__ import annotations

import libcst as cst
import pytest

from pyprotocol.fixes.common import update_imports


def run(
    source: str,
    add: list[tuple[str, str | None, str | None]] | None = None,
    remove: list[tuple[str, str | None]] | None = None,
) -> str:
    tree = update_imports(cst.parse_module(source), add or [], remove or [])
    return tree.code


def test_adds_an_import_once() -> None:
    source = "from typing import Final\n\nX: Final = 1\n"
    assert run(source, add=[("typing", "Final", None)]) == source
    assert run("X = 1\n", add=[("typing", "Final", None)]) == (
        "from typing import Final\n\nX = 1\n"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from typing import Optional\nx: int\n", "x: int\n"),
        (
            "from typing import List, Optional\nx: List[int]\n",
            "from typing import List\nx: List[int]\n",
        ),
        # A docstring that mentions the name is prose, not a use.
        (
            '"""Optional things."""\nfrom typing import Optional\n',
            '"""Optional things."""\n',
        ),
    ],
)
def test_removes_unused_imports(source: str, expected: str) -> None:
    assert run(source, remove=[("typing", "Optional")]) == expected


@pytest.mark.parametrize(
    "source",
    [
        "from typing import Optional\nx: Optional[int]\n",
        # A quoted annotation and an `__all__` entry are uses.
        "from typing import Optional\nx: 'Optional[int]'\n",
        "from typing import Optional\n__all__ = ['Optional']\n",
        # Used inside a function.
        "from typing import Optional\ndef f() -> None:\n    y = Optional\n",
    ],
)
def test_keeps_imports_still_mentioned(source: str) -> None:
    assert run(source, remove=[("typing", "Optional")]) == source


def test_removes_a_module_import() -> None:
    assert run("import typing\nx = 1\n", remove=[("typing", None)]) == "x = 1\n"
    kept = "import typing\nx: typing.Any\n"
    assert run(kept, remove=[("typing", None)]) == kept
