"""PP108: ``typing.cast`` without a comment that explains it."""

from __future__ import annotations

import ast
from typing import ClassVar

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule


class CastWithoutComment(Rule):
    """Flags ``cast(...)`` calls with no comment on the same or the previous line."""

    code = "PP108"
    statement_local = True
    name = "cast-needs-comment"
    summary = "Explain every `typing.cast` with a comment on the same or previous line."
    why = (
        "A cast tells the type checker to trust you instead of checking. The protocol "
        "allows it only as a last resort and with a comment saying why the checker "
        "cannot see what you know, so the next reader can judge whether it still holds."
    )
    sections = ("cgp:3-typing--static-analysis",)
    severity = Severity.INFO
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import cast\nx = cast(int, load())\n",
            "import typing as t\ndef f(v: object) -> str:\n    return t.cast(str, v)\n",
            "from typing import cast\n# unrelated\n\ny = 1\nz = cast(str, y)\n",
        ),
        good=(
            "from typing import cast\n"
            "x = cast(int, load())  # load() returns the count; stubs say object\n",
            "from typing import cast\n"
            "# The plugin registry only ever stores Handler instances.\n"
            "h = cast(Handler, registry[name])\n",
            "def cast(a: int, b: int) -> int: ...\nx = cast(1, 2)\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a cast with no explanatory comment nearby."""
        if self.ctx.typing_name(node.func) != "cast":
            return
        lines = self.ctx.lines
        for number in range(node.lineno - 1, (node.end_lineno or node.lineno) + 1):
            text = lines.line(number)
            if number == node.lineno - 1 and text.lstrip().startswith("#"):
                return
            if number >= node.lineno and "#" in text and _has_comment(text):
                return
        self.report(
            node,
            "`cast()` without a comment: say why the type checker cannot see this type",
        )


def _has_comment(text: str) -> bool:
    """True when a line has a ``#`` comment outside string literals (best effort)."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote and text[index - 1] != "\\":
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#":
            comment = text[index + 1 :].strip()
            return bool(comment) and not comment.startswith(
                ("type:", "noqa", "pyright:")
            )
    return False
