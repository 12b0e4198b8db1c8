"""PP106: ``typing.Any`` (the protocol's zero-Any policy)."""

from __future__ import annotations

import ast
from typing import ClassVar

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule


class NoAny(Rule):
    """Flags every reference to ``typing.Any``, in annotations and elsewhere."""

    code = "PP106"
    statement_local = True
    name = "no-any"
    summary = (
        "Do not use `typing.Any`: use `object`, a type parameter or a precise type."
    )
    why = (
        "`Any` switches the type checker off for every value it touches, and the "
        "damage spreads silently through inference. `object` accepts anything while "
        "still forcing a check before use; a type parameter keeps the link between "
        "input and output types. Unlike a check on parameters only, this finds `Any` "
        "in every position: nested (`dict[str, Any]`), in returns, variables, "
        "aliases and casts."
    )
    sections = ("cgp:3-typing--static-analysis", "pr:type-annotations")
    replaces = ("ANN401",)
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import Any\ndef f(x: Any) -> None: ...\n",
            "from typing import Any\ndef f() -> dict[str, list[Any]]: ...\n",
            "import typing\nvalue: typing.Any = None\n",
            "import typing as t\nfrom typing import cast\ny = cast(t.Any, 1)\n",
            "from typing_extensions import Any as A\nConfig = dict[str, A]\n",
        ),
        good=(
            "def f(x: object) -> None: ...\n",
            "def f[T](x: T) -> T:\n    return x\n",
            "from mylib import Any\nx: Any = Any()\n",
            "def any_true(xs: list[bool]) -> bool:\n    return any(xs)\n",
        ),
    )

    def _check(self, node: ast.Name | ast.Attribute) -> None:
        if self.ctx.typing_name(node) == "Any":
            where = "annotation" if self.ctx.in_annotation else "expression"
            self.report(
                node,
                f"`Any` in an {where} turns type checking off here: use `object`, "
                "a type parameter or a precise type",
            )

    def visit_Name(self, node: ast.Name) -> None:
        """Check ``Any``."""
        self._check(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """Check ``typing.Any``."""
        self._check(node)
