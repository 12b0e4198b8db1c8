"""PP301: ``time.sleep`` inside ``async def``."""

from __future__ import annotations

import ast
from typing import ClassVar

import libcst as cst

from pyprotocol.fixes.common import rewrite_at, update_imports
from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule


class AsyncTimeSleep(Rule):
    """Flags ``time.sleep(...)`` called in a coroutine."""

    code = "PP301"
    statement_local = True
    replaces = ("ASYNC251",)
    name = "async-time-sleep"
    summary = "Never call `time.sleep()` in async code; `await asyncio.sleep()`."
    why = (
        "`time.sleep()` blocks the thread, and in a coroutine that thread is the "
        "event loop's: every other task, timeout and connection stalls until it "
        "returns. `await asyncio.sleep()` suspends only the current task. The fix "
        "is offered when the call is a statement of its own directly in the "
        "`async def` body (not in a nested function or lambda, where `await` is "
        "not allowed or not awaited), and imports `asyncio` if needed."
    )
    sections = ("pr:async-patterns", "pr:structured-concurrency")
    severity = Severity.WARNING
    fix_title = "Replace with `await asyncio.sleep(...)`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import time\nasync def poll():\n    while True:\n        time.sleep(1)\n",
            "from time import sleep\nasync def f():\n    delay = sleep(0.5) or 1\n",
            "import time as t\nclass C:\n    async def run(self):\n"
            "        t.sleep(self.delay)\n",
        ),
        good=(
            "import asyncio\nasync def poll():\n    await asyncio.sleep(1)\n",
            "import time\ndef poll():\n    time.sleep(1)\n",
            "import asyncio, time\nasync def f():\n"
            "    await asyncio.to_thread(time.sleep, 1)\n",
            "import time\nasync def f():\n    def worker():\n        time.sleep(1)\n"
            "    await run_in_thread(worker)\n",
            "import trio\nasync def f():\n    await trio.sleep(1)\n",
            "async def f(clock):\n    clock.sleep(1)\n",
        ),
        fixed=(
            Fixed(
                "import time\n\n\nasync def poll():\n    while True:\n"
                "        time.sleep(1)\n",
                "import asyncio\n\n\nasync def poll():\n    while True:\n"
                "        await asyncio.sleep(1)\n",
            ),
            Fixed(
                "import asyncio\nfrom time import sleep\n\n\nasync def f(d):\n"
                "    sleep(d)  # back off\n    return d\n",
                "import asyncio\n\n\nasync def f(d):\n"
                "    await asyncio.sleep(d)  # back off\n    return d\n",
            ),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag ``time.sleep`` in an ``async def`` body."""
        if not self.ctx.is_call_to(node, "time.sleep") or not (
            self.ctx.in_async_function()
        ):
            return
        fixable = self._fixable(node)
        self.report(
            node,
            "`time.sleep()` blocks the event loop: use `await asyncio.sleep(...)`"
            + ("" if fixable else " (no automatic fix: not a statement of its own)"),
            fix=fixable,
        )

    def _fixable(self, node: ast.Call) -> bool:
        asyncio_name = self.ctx.imports.names.get("asyncio")
        return (
            isinstance(self.ctx.parent, ast.Expr)
            and len(node.args) == 1
            and not node.keywords
            and not isinstance(node.args[0], ast.Starred)
            and asyncio_name in {None, "asyncio"}
            and "asyncio" not in self.ctx.module_names
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Await ``asyncio.sleep`` instead, importing ``asyncio``."""
        tree = rewrite_at(tree, request.starts(), (cst.Call,), _to_async_sleep)
        return update_imports(
            tree,
            add=[("asyncio", None, None)],
            remove_unused=[("time", "sleep"), ("time", None)],
        )


def _to_async_sleep(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
    del original
    if not isinstance(updated, cst.Call):
        return updated
    func = cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("sleep"))
    return cst.Await(expression=updated.with_changes(func=func))


__all__ = ["AsyncTimeSleep"]
