"""PP305-PP306: fire-and-forget tasks, and ``asyncio.gather`` that drops failures."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.async_common import Origins, origins_of
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.log_common import has_star_kwargs, keyword

_SPAWNERS: Final = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_LOOPS: Final = frozenset(
    {
        "asyncio.get_running_loop",
        "asyncio.get_event_loop",
        "asyncio.new_event_loop",
        "asyncio.AbstractEventLoop",
        "asyncio.BaseEventLoop",
        "asyncio.events.AbstractEventLoop",
    }
)


class DiscardedTask(Rule):
    """Flags ``asyncio.create_task(...)`` used as a statement."""

    code = "PP305"
    statement_local = True
    replaces = ("RUF006",)
    name = "discarded-task"
    summary = "Keep a reference to every task you create, and check its result."
    why = (
        "The event loop holds only a weak reference to a task: a task whose result "
        "is thrown away can be garbage-collected before it finishes, and if it "
        "fails, its exception is reported (if at all) as 'Task exception was never "
        "retrieved' long after the fact. Run it in an `asyncio.TaskGroup`, which "
        "keeps it alive and propagates its failure, or keep it in a set with "
        "`task.add_done_callback(tasks.discard)` and handle its result there. The "
        "rule flags `asyncio.create_task(...)`/`asyncio.ensure_future(...)` and "
        "`loop.create_task(...)` on a known event loop when the call is a "
        "statement of its own; `TaskGroup.create_task` keeps its own references "
        "and is not flagged."
    )
    sections = ("pr:async-patterns", "pr:structured-concurrency")
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import asyncio\nasync def main():\n    asyncio.create_task(worker())\n",
            "from asyncio import ensure_future\ndef start():\n"
            "    ensure_future(poll())\n",
            "import asyncio\nasync def main():\n"
            "    loop = asyncio.get_running_loop()\n    loop.create_task(worker())\n",
            "import asyncio\ndef start(loop: asyncio.AbstractEventLoop):\n"
            "    loop.create_task(poll())\n",
        ),
        good=(
            "import asyncio\nasync def main():\n"
            "    task = asyncio.create_task(worker())\n    await task\n",
            "import asyncio\nasync def main():\n"
            "    async with asyncio.TaskGroup() as tg:\n"
            "        tg.create_task(worker())\n",
            "import asyncio\nTASKS = set()\nasync def main():\n"
            "    task = asyncio.create_task(worker())\n    TASKS.add(task)\n"
            "    task.add_done_callback(TASKS.discard)\n",
            "async def main(nursery):\n    nursery.create_task(worker())\n",
            "import asyncio\nasync def main():\n"
            "    await asyncio.create_task(worker())\n",
        ),
    )

    @cached_property
    def origins(self) -> Origins:
        """The file's origin resolver, built on first use."""
        return origins_of(self.ctx)

    def visit_Expr(self, node: ast.Expr) -> None:
        """Flag a task-creating call whose result is dropped."""
        call = node.value
        if not isinstance(call, ast.Call):
            return
        name = self.ctx.qualname(call.func)
        if name in _SPAWNERS:
            what = name.rpartition(".")[2]
        elif self._loop_create_task(call):
            what = "loop.create_task"
        else:
            return
        self.report(
            call,
            f"the task from `{what}(...)` is discarded: it can be garbage-collected "
            "mid-run and its failure goes unnoticed; keep a reference or use a "
            "`TaskGroup`",
        )

    def _loop_create_task(self, call: ast.Call) -> bool:
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr != "create_task":
            return False
        origin = self.origins.origin(func.value)
        return origin is not None and origin.name in _LOOPS


class GatherWithoutReturnExceptions(Rule):
    """Flags ``asyncio.gather(...)`` of several awaitables without the keyword."""

    code = "PP306"
    statement_local = True
    name = "gather-without-return-exceptions"
    summary = (
        "Gather independent operations with `return_exceptions=True`, or use a "
        "`TaskGroup`."
    )
    why = (
        "Without `return_exceptions=True`, `asyncio.gather` raises the first "
        "failure and leaves the other operations running, unobserved: their "
        "results and exceptions are lost, and nothing cancels them. For "
        "independent operations, pass `return_exceptions=True` and check each "
        "result; for all-or-nothing work, use `asyncio.TaskGroup`, which cancels "
        "the rest when one fails and raises every failure in an `ExceptionGroup`. "
        "The rule cannot tell which case a call is, so it only guesses: it flags "
        "`gather` over several awaitables (or a starred list) with no "
        "`return_exceptions=` argument at all; an explicit "
        "`return_exceptions=False` is taken as a decision."
    )
    sections = ("pr:async-patterns", "pr:structured-concurrency")
    severity = Severity.INFO
    heuristic = True
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import asyncio\nasync def main():\n"
            "    a, b = await asyncio.gather(fetch(1), fetch(2))\n",
            "import asyncio\nasync def main(urls):\n"
            "    return await asyncio.gather(*(fetch(u) for u in urls))\n",
            "from asyncio import gather\nasync def main(jobs):\n"
            "    await gather(*jobs)\n",
        ),
        good=(
            "import asyncio\nasync def main():\n    results = await asyncio.gather("
            "fetch(1), fetch(2), return_exceptions=True)\n",
            "import asyncio\nasync def main():\n"
            "    async with asyncio.TaskGroup() as tg:\n"
            "        tg.create_task(fetch(1))\n        tg.create_task(fetch(2))\n",
            "import asyncio\nasync def main():\n"
            "    await asyncio.gather(a(), b(), return_exceptions=False)\n",
            "import asyncio\nasync def main():\n    await asyncio.gather(only())\n",
            "async def main(pool):\n    await pool.gather(a(), b())\n",
            "import asyncio\nasync def main(opts):\n"
            "    await asyncio.gather(a(), b(), **opts)\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a gather without ``return_exceptions``."""
        if not self.ctx.is_call_to(node, "asyncio.gather"):
            return
        if keyword(node, "return_exceptions") is not None or has_star_kwargs(node):
            return
        several = len(node.args) > 1 or any(
            isinstance(arg, ast.Starred) for arg in node.args
        )
        if not several:
            return
        self.report(
            node,
            "`asyncio.gather(...)` without `return_exceptions=True`: if these "
            "operations are independent (a guess), one failure leaves the others "
            "unobserved; pass `return_exceptions=True` and check the results, or "
            "use `asyncio.TaskGroup` for all-or-nothing work",
        )


__all__ = ["DiscardedTask", "GatherWithoutReturnExceptions"]
