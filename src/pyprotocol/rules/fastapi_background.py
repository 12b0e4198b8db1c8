"""PP706: tasks or threads started in a path operation instead of BackgroundTasks."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples
from pyprotocol.rules.fastapi_routes import Route, RouteRule
from pyprotocol.rules.idiom_scope import FunctionNode, walk_body

_TASK_STARTERS: Final = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
_THREADS: Final = frozenset({"threading.Thread", "multiprocessing.Process"})


def _usage(nodes: list[ast.AST]) -> tuple[set[str], set[str], dict[int, str]]:
    """Names used under ``await``, names joined, and call id → assigned name."""
    awaited: set[str] = set()
    joined: set[str] = set()
    bound: dict[int, str] = {}
    for sub in nodes:
        if isinstance(sub, ast.Await):
            awaited |= {n.id for n in ast.walk(sub) if isinstance(n, ast.Name)}
        elif (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr == "join"
            and isinstance(sub.func.value, ast.Name)
        ):
            joined.add(sub.func.value.id)
        elif (
            isinstance(sub, ast.Assign)
            and len(sub.targets) == 1
            and isinstance(sub.targets[0], ast.Name)
        ):
            bound[id(sub.value)] = sub.targets[0].id
    return awaited, joined, bound


class BackgroundWork(RouteRule):
    """Flags ``asyncio.create_task`` / ``Thread(...).start()`` left running."""

    code = "PP706"
    name = "untracked-background-work"
    summary = (
        "Run post-response work with `BackgroundTasks`, not bare tasks or threads."
    )
    why = (
        "A task created with `asyncio.create_task` and never awaited, or a thread "
        "started and never joined, outlives the request with nobody watching it: "
        "its exceptions vanish, the event loop may garbage-collect a task nobody "
        "references, and shutdown does not wait for it. FastAPI's `BackgroundTasks` "
        "runs the work after the response is sent, in the request's lifecycle, with "
        "errors reported. Tasks that the path operation awaits (directly or through "
        "`gather`/`wait`) and threads it joins are concurrency, not background "
        "work, and are left alone."
    )
    sections = ("cgp:7-fastapi-best-practices", "pr:async-patterns")
    severity = Severity.WARNING
    requires_import = "fastapi"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import asyncio\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.post('/signup')\nasync def signup():\n"
            "    asyncio.create_task(send_email())\n    return {}\n",
            "import threading\nfrom fastapi import APIRouter\nrouter = APIRouter()\n"
            "@router.post('/report')\ndef report():\n"
            "    threading.Thread(target=build).start()\n    return {}\n",
            "from threading import Thread\nfrom fastapi import APIRouter\n"
            "router = APIRouter()\n@router.post('/report')\ndef report():\n"
            "    worker = Thread(target=build)\n    worker.start()\n    return {}\n",
        ),
        good=(
            "from fastapi import BackgroundTasks, FastAPI\napp = FastAPI()\n"
            "@app.post('/signup')\nasync def signup(tasks: BackgroundTasks):\n"
            "    tasks.add_task(send_email)\n    return {}\n",
            "import asyncio\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/both')\nasync def both():\n"
            "    a = asyncio.create_task(one())\n    b = asyncio.create_task(two())\n"
            "    return await asyncio.gather(a, b)\n",
            "import threading\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/t')\ndef t():\n    worker = threading.Thread(target=f)\n"
            "    worker.start()\n    worker.join()\n",
            "import asyncio\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "async def helper():\n    asyncio.create_task(send_email())\n",
        ),
    )

    def check_route(self, node: FunctionNode, route: Route) -> None:
        """Flag background work started by hand in a path operation."""
        del route
        nodes = list(walk_body(node.body))
        awaited, joined, bound = _usage(nodes)
        for sub in nodes:
            if not isinstance(sub, ast.Call):
                continue
            name = self.ctx.qualname(sub.func)
            if name in _TASK_STARTERS:
                variable = bound.get(id(sub))
                if variable is not None and variable in awaited:
                    continue
                self.report(
                    sub,
                    f"`{name}(...)` in path operation `{node.name}` starts work "
                    "nobody awaits: use `BackgroundTasks.add_task` for post-response "
                    "work",
                )
            elif name in _THREADS:
                self._check_thread(sub, node, bound, joined, nodes)

    def _check_thread(
        self,
        call: ast.Call,
        function: FunctionNode,
        bound: dict[int, str],
        joined: set[str],
        nodes: list[ast.AST],
    ) -> None:
        variable = bound.get(id(call))
        started = False
        for sub in nodes:
            if not (
                isinstance(sub, ast.Call)
                and isinstance(sub.func, ast.Attribute)
                and sub.func.attr == "start"
            ):
                continue
            receiver = sub.func.value
            if receiver is call or (
                variable is not None
                and isinstance(receiver, ast.Name)
                and receiver.id == variable
            ):
                started = True
        if not started or (variable is not None and variable in joined):
            return
        self.report(
            call,
            f"a thread started in path operation `{function.name}` and never joined "
            "runs unwatched: use `BackgroundTasks.add_task` for post-response work",
        )


__all__ = ["BackgroundWork"]
