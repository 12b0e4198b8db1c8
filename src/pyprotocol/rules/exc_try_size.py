"""PP207: a ``try`` body much larger than the code that can raise (heuristic)."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.exc_common import keyword_span
from pyprotocol.rules.scope_names import local_nodes

#: More statements than this in a ``try`` body (nested ones included) is flagged.
MAX_TRY_STATEMENTS: Final = 8


def _statements(body: list[ast.stmt]) -> int:
    return sum(isinstance(node, ast.stmt) for node in local_nodes(body))


class LargeTryBody(Rule):
    """Flags ``try`` blocks with handlers whose body holds many statements."""

    code = "PP207"
    statement_local = True
    name = "large-try-body"
    summary = (
        f"Keep `try` bodies to the code that can raise "
        f"(at most {MAX_TRY_STATEMENTS} statements)."
    )
    why = (
        "The wider a `try` block, the more code its handlers silently cover: an "
        "`except KeyError` meant for one lookup also catches a `KeyError` from a "
        "bug ten lines further down, and the reader cannot tell which line the "
        "handler is about. Wrap only the statement(s) that raise the expected "
        "exception; code that should run only on success goes in `else:`, cleanup "
        f"in `finally:`. The rule counts the statements of the `try` body, nested "
        f"ones included (a nested function counts as one), and flags more than "
        f"{MAX_TRY_STATEMENTS}. That is a guess at 'larger than needed': it "
        "cannot know which lines raise. `try`/`finally` without handlers is not "
        "checked, since it catches nothing."
    )
    sections = ("pr:tryexcept-patterns",)
    severity = Severity.HINT
    heuristic = True
    examples: ClassVar[Examples] = Examples(
        bad=(
            "try:\n"
            + "".join(f"    step{i}()\n" for i in range(MAX_TRY_STATEMENTS + 1))
            + "except OSError:\n    pass\n",
            "def f(rows):\n    try:\n        for row in rows:\n"
            + "".join(f"            a{i} = row[{i}]\n" for i in range(5))
            + "        total = a0 + a1\n        save(total)\n        log(total)\n"
            "    except KeyError:\n        return None\n",
        ),
        good=(
            "try:\n    value = data['key']\nexcept KeyError:\n    value = None\n"
            "else:\n    process(value)\n",
            "try:\n"
            + "".join(f"    step{i}()\n" for i in range(MAX_TRY_STATEMENTS))
            + "except OSError:\n    pass\n",
            "try:\n"
            + "".join(f"    step{i}()\n" for i in range(20))
            + "finally:\n    cleanup()\n",
            "try:\n    def helper():\n"
            + "".join(f"        step{i}()\n" for i in range(20))
            + "    helper()\nexcept OSError:\n    pass\n",
        ),
    )

    def _check(self, node: ast.Try | ast.TryStar) -> None:
        if not node.handlers:
            return
        count = _statements(node.body)
        if count <= MAX_TRY_STATEMENTS:
            return
        self.report(
            keyword_span(self.ctx, node, "try"),
            f"this `try` body holds {count} statements (more than "
            f"{MAX_TRY_STATEMENTS}): probably more than can raise what the handlers "
            "expect; wrap only the raising lines and move the rest to `else:`",
        )

    def visit_Try(self, node: ast.Try) -> None:
        """Check a ``try`` statement."""
        self._check(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        """Check a ``try`` statement with ``except*`` clauses."""
        self._check(node)


__all__ = ["LargeTryBody"]
