"""PP201: a bare ``except:``."""

from __future__ import annotations

import ast
from typing import ClassVar

import libcst as cst

from pyprotocol.fixes.common import rewrite_at
from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.exc_common import keyword_span


def _ends_in_reraise(handler: ast.ExceptHandler) -> bool:
    last = handler.body[-1]
    return isinstance(last, ast.Raise) and last.exc is None


class BareExcept(Rule):
    """Flags ``except:`` without an exception type."""

    code = "PP201"
    statement_local = True
    replaces = ("E722",)
    name = "bare-except"
    summary = "Never write a bare `except:`; name the exceptions you expect."
    why = (
        "A bare `except:` catches everything, including `KeyboardInterrupt`, "
        "`SystemExit` and `asyncio.CancelledError`: Ctrl-C stops working, "
        "`sys.exit()` is ignored and cancelled tasks keep running. It also hides "
        "the programming errors it was never meant to see. Catch the specific "
        "exceptions the block can raise. No fix is offered in general, because "
        "the right types depend on the code, and `except Exception:` would only "
        "trade this finding for a broad-except one. When the handler ends by "
        "re-raising (`raise`), it is cleanup code that must see every exception: "
        "then the fix spells that out as `except BaseException:`, which behaves "
        "the same."
    )
    sections = ("pr:exception-chaining", "pr:never-do-this")
    severity = Severity.WARNING
    fix_title = "Write `except BaseException:` (the handler re-raises)"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "try:\n    run()\nexcept:\n    pass\n",
            "try:\n    run()\nexcept:\n    log.error('failed')\n    return None\n",
            "def f():\n    try:\n        return g()\n    except:\n        return 0\n",
            "try:\n    run()\nexcept ValueError:\n    pass\nexcept:\n    cleanup()\n",
        ),
        good=(
            "try:\n    run()\nexcept ValueError:\n    pass\n",
            "try:\n    run()\nexcept (KeyError, IndexError) as err:\n    handle(err)\n",
            "try:\n    run()\nexcept BaseException:\n    cleanup()\n    raise\n",
            "try:\n    run()\nfinally:\n    cleanup()\n",
            "try:\n    run()\nexcept* OSError:\n    pass\n",
        ),
        fixed=(
            Fixed(
                "try:\n    run()\nexcept:\n    cleanup()\n    raise\n",
                "try:\n    run()\nexcept BaseException:\n    cleanup()\n    raise\n",
            ),
        ),
    )

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        """Flag a handler without a type."""
        if node.type is not None:
            return
        span = keyword_span(self.ctx, node, "except")
        if _ends_in_reraise(node) and "BaseException" not in self.ctx.module_names:
            self.report(
                span,
                "bare `except:` catches `KeyboardInterrupt` and `SystemExit` too; "
                "this handler re-raises, so say so: `except BaseException:`",
                fix=True,
            )
            return
        self.report(
            span,
            "bare `except:` also catches `KeyboardInterrupt`, `SystemExit` and "
            "task cancellation: catch the specific exceptions this block expects",
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Give the flagged handlers the type ``BaseException``."""
        return rewrite_at(tree, request.starts(), (cst.ExceptHandler,), _add_type)


def _add_type(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
    del original
    if not isinstance(updated, cst.ExceptHandler) or updated.type is not None:
        return updated
    return updated.with_changes(
        type=cst.Name("BaseException"),
        whitespace_after_except=cst.SimpleWhitespace(" "),
    )


__all__ = ["BareExcept"]
