"""PP205: a handler in ``async def`` that swallows ``asyncio.CancelledError``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.exc_common import (
    CANCELLED,
    awaits_in,
    caught,
    hands_on,
    keyword_span,
    raises,
    type_node,
)
from pyprotocol.rules.log_common import loggers_of

_BASE: Final = "builtins.BaseException"
_CATCHES_CANCEL: Final = CANCELLED | {_BASE}


class SwallowedCancellation(Rule):
    """Flags handlers that catch a cancellation in ``async def`` and drop it."""

    code = "PP205"
    statement_local = True
    name = "swallowed-cancellation"
    summary = "Re-raise `asyncio.CancelledError` after cleanup; never swallow it."
    why = (
        "Cancellation is how asyncio stops a task: `task.cancel()`, "
        "`asyncio.timeout()`, `TaskGroup` and server shutdown all raise "
        "`CancelledError` inside the task at an `await` and rely on it "
        "propagating. A handler that catches it and carries on leaves a task "
        "that cannot be stopped, a timeout that never fires and a shutdown that "
        "hangs. Cleanup belongs in the handler (or in `finally`), followed by a "
        "bare `raise`. The rule looks at `except asyncio.CancelledError`, bare "
        "`except:` and `except BaseException` handlers (and "
        "`contextlib.suppress(...)` of those) inside `async def` whose `try` body "
        "can suspend, and accepts a handler that re-raises the caught exception. "
        "`except Exception` does not catch `CancelledError` (it derives from "
        "`BaseException` since Python 3.8) and is left alone, and so is a handler "
        "that hands the exception object on (`future.set_exception(err)`, "
        "`results[i] = err`), as task-running helpers do. After cancelling a "
        "child task, `except CancelledError: if asyncio.current_task()."
        "cancelling(): raise` is the way to wait for it without swallowing your "
        "own cancellation."
    )
    sections = ("pr:exception-groups-python-311", "pr:async-patterns")
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import asyncio\nasync def f():\n    try:\n        await work()\n"
            "    except asyncio.CancelledError:\n        log.info('stopped')\n",
            "from asyncio import CancelledError\nasync def f():\n    try:\n"
            "        await work()\n    except (CancelledError, OSError):\n"
            "        return None\n",
            "async def f():\n    try:\n        await work()\n    except:\n"
            "        pass\n",
            "async def f():\n    while True:\n        try:\n"
            "            await work()\n        except BaseException:\n"
            "            continue\n",
            "import asyncio\nfrom contextlib import suppress\nasync def f(task):\n"
            "    task.cancel()\n    with suppress(asyncio.CancelledError):\n"
            "        await task\n",
            "import asyncio\nasync def f():\n    try:\n        await work()\n"
            "    except asyncio.CancelledError as err:\n"
            "        raise RuntimeError('stopped') from err\n",
        ),
        good=(
            "import asyncio\nasync def f():\n    try:\n        await work()\n"
            "    except asyncio.CancelledError:\n        await cleanup()\n"
            "        raise\n",
            "import asyncio\nasync def f(task):\n    task.cancel()\n    try:\n"
            "        await task\n    except asyncio.CancelledError:\n"
            "        if asyncio.current_task().cancelling():\n            raise\n",
            "async def f():\n    try:\n        await work()\n    except Exception:\n"
            "        return None\n",
            "import asyncio\ndef done(fut):\n    try:\n        fut.result()\n"
            "    except asyncio.CancelledError:\n        pass\n",
            "import asyncio\nasync def f():\n    try:\n        value = compute()\n"
            "    except BaseException:\n        value = None\n",
            "import asyncio\nasync def f():\n    try:\n        await work()\n"
            "    except asyncio.CancelledError as err:\n        note(err)\n"
            "        raise err\n",
            "class CancelledError(Exception): ...\nasync def f():\n    try:\n"
            "        await work()\n    except CancelledError:\n        pass\n",
            "async def run_one(waiter):\n    try:\n        await work()\n"
            "    except BaseException as exc:\n        waiter.set_exception(exc)\n",
        ),
    )

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        """Flag a handler that catches cancellation and does not re-raise it."""
        try_node = self.ctx.parent
        if not self.ctx.in_async_function() or not isinstance(
            try_node, ast.Try | ast.TryStar
        ):
            return
        if not awaits_in(try_node.body) or self._reraises(node):
            return
        if hands_on(self.ctx, loggers_of(self.ctx), node):
            return
        names = caught(self.ctx, node)
        if node.type is None:
            self.report(
                keyword_span(self.ctx, node, "except"),
                "bare `except:` in `async def` swallows task cancellation: re-raise "
                "`asyncio.CancelledError` (or catch specific exceptions)",
            )
        elif any(name in CANCELLED for name in names):
            self.report(
                type_node(node, self.ctx, CANCELLED),
                "`CancelledError` is caught and not re-raised: the task cannot be "
                "cancelled; clean up, then `raise`",
            )
        elif _BASE in names:
            self.report(
                type_node(node, self.ctx, frozenset({_BASE})),
                "`except BaseException` in `async def` swallows task cancellation: "
                "re-raise, or catch `Exception` or narrower",
            )

    def _reraises(self, handler: ast.ExceptHandler) -> bool:
        for node in raises(handler):
            exc = node.exc
            if exc is None:
                return True
            if isinstance(exc, ast.Name) and exc.id == handler.name:
                return True
            target = exc.func if isinstance(exc, ast.Call) else exc
            if self.ctx.qualname(target) in CANCELLED:
                return True
        return False

    def visit_With(self, node: ast.With) -> None:
        """Flag ``contextlib.suppress(asyncio.CancelledError)`` around awaits."""
        if not self.ctx.in_async_function() or not awaits_in(node.body):
            return
        for item in node.items:
            expr = item.context_expr
            if not isinstance(expr, ast.Call) or not self.ctx.is_call_to(
                expr, "contextlib.suppress"
            ):
                continue
            for arg in expr.args:
                if self.ctx.qualname(arg) in _CATCHES_CANCEL:
                    self.report(
                        arg,
                        "suppressing cancellation around an `await` swallows it: "
                        "the task cannot be cancelled; catch it, clean up, `raise`",
                    )


__all__ = ["SwallowedCancellation"]
