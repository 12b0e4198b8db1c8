"""PP110: ``@runtime_checkable`` on a Protocol nothing checks at runtime."""

from __future__ import annotations

import ast
from typing import ClassVar

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Rule


class UnneededRuntimeCheckable(Rule):
    """Flags runtime-checkable protocols that no isinstance() here checks."""

    code = "PP110"
    name = "unneeded-runtime-checkable"
    summary = "Use `@runtime_checkable` only on protocols checked with `isinstance()`."
    why = (
        "`@runtime_checkable` makes `isinstance()` against a protocol possible, at a "
        "real cost: every check walks all the protocol's members. The protocol asks "
        "for "
        "it only where a runtime check is needed. This rule looks in the same module "
        "only, so a protocol checked elsewhere is reported too: the message says so."
    )
    sections = ("pr:type-annotations",)
    severity = Severity.INFO
    heuristic = True
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import Protocol, runtime_checkable\n"
            "@runtime_checkable\nclass Closer(Protocol):\n"
            "    def close(self) -> None: ...\n",
        ),
        good=(
            "from typing import Protocol, runtime_checkable\n"
            "@runtime_checkable\nclass Closer(Protocol):\n"
            "    def close(self) -> None: ...\n"
            "def shut(x: object) -> None:\n"
            "    if isinstance(x, Closer):\n        x.close()\n",
            "from typing import Protocol, runtime_checkable\n"
            "@runtime_checkable\nclass A(Protocol): ...\n"
            "ok = issubclass(int, (A, str))\n",
            "from typing import Protocol\nclass B(Protocol): ...\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Start with nothing seen."""
        super().__init__(ctx)
        self.decorated: dict[str, ast.ClassDef] = {}
        self.checked: set[str] = set()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Remember runtime-checkable classes."""
        for decorator in node.decorator_list:
            if self.ctx.typing_name(decorator) == "runtime_checkable":
                self.decorated[node.name] = node

    def visit_Call(self, node: ast.Call) -> None:
        """Remember names used as the class argument of isinstance/issubclass."""
        name = self.ctx.qualname(node.func)
        if (
            name not in {"builtins.isinstance", "builtins.issubclass"}
            or len(node.args) < 2
        ):
            return
        for sub in ast.walk(node.args[1]):
            if isinstance(sub, ast.Name):
                self.checked.add(sub.id)
            elif isinstance(sub, ast.Attribute):
                self.checked.add(sub.attr)

    def finish(self) -> None:
        """Report the protocols that were never checked."""
        for name, node in self.decorated.items():
            if name not in self.checked:
                self.report(
                    self.ctx.name_span(node),
                    f"`{name}` is runtime-checkable but no isinstance()/issubclass() "
                    "in this module uses it (guessed: other modules may)",
                )
