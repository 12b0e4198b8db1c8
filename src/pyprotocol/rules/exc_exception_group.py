"""PP206: ``except ExceptionGroup`` instead of ``except*``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.exc_common import caught, type_node

_GROUPS: Final = frozenset(
    {
        "builtins.ExceptionGroup",
        "builtins.BaseExceptionGroup",
        "exceptiongroup.ExceptionGroup",
        "exceptiongroup.BaseExceptionGroup",
    }
)


class ExceptExceptionGroup(Rule):
    """Flags ``except ExceptionGroup`` / ``except BaseExceptionGroup``."""

    code = "PP206"
    statement_local = True
    name = "except-exception-group"
    summary = "Handle exception groups with `except*`, not `except ExceptionGroup`."
    why = (
        "`TaskGroup` and other concurrent code raise an `ExceptionGroup` holding "
        "every failure. `except ExceptionGroup` receives the whole group and has "
        "to dig through `.exceptions` (and nested groups) by hand, usually "
        "dropping the failures it did not expect. `except* ValueError:` matches "
        "the members of the type at any depth, and whatever no `except*` clause "
        "handles is re-raised automatically. No fix is offered: `except*` also "
        "catches a lone exception (wrapped in a group), cannot be mixed with "
        "plain `except` in one `try`, and forbids `return`/`break`/`continue` in "
        "the handler, so the handler has to be rewritten by hand."
    )
    sections = ("pr:exception-groups-python-311",)
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "try:\n    run()\nexcept ExceptionGroup as eg:\n    handle(eg)\n",
            "try:\n    run()\nexcept (ValueError, BaseExceptionGroup):\n    pass\n",
            "from exceptiongroup import ExceptionGroup\ntry:\n    run()\n"
            "except ExceptionGroup:\n    pass\n",
        ),
        good=(
            "try:\n    run()\nexcept* ValueError as eg:\n    handle(eg)\n",
            "try:\n    run()\nexcept ValueError:\n    pass\n",
            "if isinstance(err, ExceptionGroup):\n    pass\n",
            "raise ExceptionGroup('many', errors)\n",
            "class ExceptionGroup(Exception): ...\n"
            "try:\n    run()\nexcept ExceptionGroup:\n    pass\n",
        ),
    )

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        """Flag a plain handler that catches an exception group."""
        if not isinstance(self.ctx.parent, ast.Try):
            return
        names = [name for name in caught(self.ctx, node) if name in _GROUPS]
        if not names:
            return
        kind = names[0].rpartition(".")[2]
        self.report(
            type_node(node, self.ctx, _GROUPS),
            f"`except {kind}` handles the whole group by hand: use `except* "
            "<type>` clauses, which match members at any depth and re-raise the "
            "rest",
        )


__all__ = ["ExceptExceptionGroup"]
