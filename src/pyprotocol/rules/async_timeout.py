"""PP307: external I/O awaited without a timeout (heuristic)."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.async_common import Origins, origins_of
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.log_common import keyword

_CLIENTS: Final = frozenset(
    {"httpx.AsyncClient", "aiohttp.ClientSession", "aiohttp.client.ClientSession"}
)
_METHODS: Final = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "send",
        "stream",
        "ws_connect",
    }
)
_TIMEOUT_SCOPES: Final = frozenset(
    {
        "asyncio.timeout",
        "asyncio.timeout_at",
        "anyio.fail_after",
        "anyio.fail_at",
        "anyio.move_on_after",
        "anyio.move_on_at",
        "async_timeout.timeout",
        "async_timeout.timeout_at",
        "trio.fail_after",
        "trio.fail_at",
        "trio.move_on_after",
        "trio.move_on_at",
    }
)
_FRAMES: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


class IoWithoutTimeout(Rule):
    """Flags awaited HTTP client calls with no deadline in sight."""

    code = "PP307"
    statement_local = True
    name = "io-without-timeout"
    summary = "Bound external I/O with `asyncio.timeout()` (or an explicit timeout)."
    why = (
        "A remote service that stops answering keeps the awaiting task suspended "
        "for as long as the client's default allows (minutes for aiohttp) or "
        "forever, holding its connection, its memory and whoever waits on it. "
        "`async with asyncio.timeout(seconds):` puts a deadline on the whole "
        "operation, retries included. The rule guesses: it flags an `await` (or "
        "`async with`) of a request method on a value known to be an "
        "`httpx.AsyncClient` or `aiohttp.ClientSession`, unless the call passes "
        "`timeout=`, the client was built (in view) with `timeout=`, or the call "
        "sits inside `asyncio.timeout()`/`timeout_at()` or an anyio/trio/"
        "async-timeout deadline block in the same function. Wrapping the call in "
        "`asyncio.wait_for(...)` also counts, since the call is then not awaited "
        "directly. A deadline set by a caller further up cannot be seen."
    )
    sections = ("pr:structured-concurrency",)
    severity = Severity.INFO
    heuristic = True
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import httpx\nasync def fetch(url):\n"
            "    async with httpx.AsyncClient() as client:\n"
            "        return await client.get(url)\n",
            "import aiohttp\nasync def fetch(url):\n"
            "    async with aiohttp.ClientSession() as session:\n"
            "        async with session.get(url) as resp:\n"
            "            return await resp.text()\n",
            "import httpx\nasync def send(client: httpx.AsyncClient, body):\n"
            "    await client.post('/items', json=body)\n",
            "import httpx\nclass Api:\n    def __init__(self):\n"
            "        self.http = httpx.AsyncClient()\n"
            "    async def get(self, path):\n"
            "        return await self.http.get(path)\n",
        ),
        good=(
            "import asyncio, httpx\nasync def fetch(url):\n"
            "    async with httpx.AsyncClient() as client:\n"
            "        async with asyncio.timeout(10):\n"
            "            return await client.get(url)\n",
            "import httpx\nasync def fetch(client: httpx.AsyncClient, url):\n"
            "    return await client.get(url, timeout=5)\n",
            "import httpx\nasync def fetch(url):\n"
            "    async with httpx.AsyncClient(timeout=10) as client:\n"
            "        return await client.get(url)\n",
            "import asyncio, httpx\nasync def fetch(client: httpx.AsyncClient, u):\n"
            "    return await asyncio.wait_for(client.get(u), 5)\n",
            "async def fetch(cache, url):\n    return await cache.get(url)\n",
            "import anyio, httpx\nasync def fetch(client: httpx.AsyncClient, u):\n"
            "    with anyio.fail_after(5):\n        return await client.get(u)\n",
        ),
    )

    @cached_property
    def origins(self) -> Origins:
        """The file's origin resolver, built on first use."""
        return origins_of(self.ctx)

    def visit_Call(self, node: ast.Call) -> None:
        """Flag an awaited client request with no timeout."""
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _METHODS:
            return
        if not self.ctx.in_async_function() or not self._awaited(node):
            return
        if keyword(node, "timeout") is not None:
            return
        origin = self.origins.origin(func.value)
        if origin is None or origin.name not in _CLIENTS:
            return
        if origin.call is not None and keyword(origin.call, "timeout") is not None:
            return
        if self._in_deadline():
            return
        client = origin.name.rpartition(".")[2]
        self.report(
            node,
            f"`{func.attr}` on an `{client}` awaited without a timeout in sight "
            "(a guess: a caller may set one): wrap it in `async with "
            "asyncio.timeout(...)` or pass `timeout=`",
        )

    def _awaited(self, node: ast.Call) -> bool:
        parent = self.ctx.parent
        if isinstance(parent, ast.Await):
            return True
        parents = self.ctx.parents
        return (
            isinstance(parent, ast.withitem)
            and parent.context_expr is node
            and len(parents) > 1
            and isinstance(parents[-2], ast.AsyncWith)
        )

    def _in_deadline(self) -> bool:
        for node in reversed(self.ctx.parents):
            if isinstance(node, _FRAMES):
                return False
            if isinstance(node, ast.With | ast.AsyncWith) and any(
                self.ctx.is_call_to(item.context_expr, *_TIMEOUT_SCOPES)
                for item in node.items
            ):
                return True
        return False


__all__ = ["IoWithoutTimeout"]
