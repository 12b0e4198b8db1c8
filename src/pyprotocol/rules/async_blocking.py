"""PP302-PP304: blocking file, network and process calls inside ``async def``."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.async_common import PATH_TYPES, Origins, origins_of
from pyprotocol.rules.base import Examples, Rule

_HTTP_VERBS: Final = ("get", "post", "put", "patch", "delete", "head", "options")
_PATH_IO: Final = frozenset(
    {"read_text", "read_bytes", "write_text", "write_bytes", "open"}
)
_OPENERS: Final = frozenset({"builtins.open", "io.open", "codecs.open"})
_HTTP_FUNCTIONS: Final = frozenset(
    {f"requests.{verb}" for verb in (*_HTTP_VERBS, "request")}
    | {f"requests.api.{verb}" for verb in (*_HTTP_VERBS, "request")}
    | {f"httpx.{verb}" for verb in (*_HTTP_VERBS, "request", "stream")}
    | {"urllib.request.urlopen", "urllib.request.urlretrieve"}
)
_HTTP_CLIENTS: Final = frozenset(
    {
        "requests.Session",
        "requests.session",
        "requests.sessions.Session",
        "httpx.Client",
    }
)
_CLIENT_METHODS: Final = frozenset({*_HTTP_VERBS, "request", "send", "stream"})
_PROCESS_FUNCTIONS: Final = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.wait",
        "os.waitpid",
    }
)
_PROCESS_WAITS: Final = frozenset({"wait", "communicate"})


class _BlockingInAsync(Rule):
    """Shared plumbing: only calls in an ``async def`` body are looked at."""

    def blocking(self, node: ast.Call) -> str | None:
        """Describe the blocking call, or None when it does not block.

        Args:
            node: A call inside an ``async def``.

        Returns:
            The name to show in the message, or None.
        """
        raise NotImplementedError

    advice: ClassVar[str] = ""

    @cached_property
    def origins(self) -> Origins:
        """The file's origin resolver, built on first use."""
        return origins_of(self.ctx)

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a blocking call in a coroutine."""
        if not self.ctx.in_async_function():
            return
        what = self.blocking(node)
        if what is not None:
            self.report(
                node, f"`{what}` blocks the event loop in `async def`: {self.advice}"
            )

    def _method_on(
        self, node: ast.Call, types: frozenset[str], methods: frozenset[str]
    ) -> str | None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in methods:
            return None
        origin = self.origins.origin(func.value)
        if origin is None or origin.name not in types:
            return None
        return f"{origin.name.rpartition('.')[2]}.{func.attr}()"


class AsyncBlockingFileIO(_BlockingInAsync):
    """Flags ``open()`` and ``Path.read_text()``-style file I/O in a coroutine."""

    code = "PP302"
    statement_local = True
    replaces = ("ASYNC230",)
    name = "async-blocking-file-io"
    summary = "Do not do blocking file I/O in `async def`; use a thread or async files."
    why = (
        "Reading or writing a file blocks the thread until the disk (or a network "
        "file system) answers, and in a coroutine that thread runs every other "
        "task. Move the I/O to a thread with `await asyncio.to_thread(...)` (or "
        "`loop.run_in_executor`), or use an async file library such as `anyio` "
        "or `aiofiles`. The rule flags `open()` (builtin, `io`, `codecs`) and the "
        "`read_text`/`read_bytes`/`write_text`/`write_bytes`/`open` methods of a "
        "value known to be a `pathlib.Path` (built by `Path(...)`, path "
        "arithmetic, or annotated `Path`). Test files are not checked."
    )
    sections = ("pr:structured-concurrency", "pr:never-do-this")
    severity = Severity.WARNING
    applies_to = "code"
    advice = "run it in a thread (`await asyncio.to_thread(...)`) or use async file I/O"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "async def load(path):\n    with open(path) as f:\n"
            "        return f.read()\n",
            "from pathlib import Path\nasync def load(name):\n"
            "    return (Path('data') / name).read_text()\n",
            "from pathlib import Path\nasync def save(target: Path, text):\n"
            "    target.write_text(text)\n",
            "import pathlib\nasync def f():\n    base = pathlib.Path.home()\n"
            "    cfg = base / '.cfg'\n"
            "    return cfg.parent.joinpath('x').read_bytes()\n",
        ),
        good=(
            "def load(path):\n    with open(path) as f:\n        return f.read()\n",
            "import asyncio\nfrom pathlib import Path\nasync def load(p: Path):\n"
            "    return await asyncio.to_thread(p.read_text)\n",
            "import anyio\nasync def load(p):\n"
            "    return await anyio.Path(p).read_text()\n",
            "async def load(store):\n    return store.open('x')\n",
            "from pathlib import PurePath\nasync def f(p: PurePath):\n"
            "    return p.name\n",
            "async def f():\n    def read():\n        return open('x').read()\n"
            "    return await run(read)\n",
        ),
    )

    def blocking(self, node: ast.Call) -> str | None:
        """Recognise ``open()`` and ``Path`` I/O methods."""
        name = self.ctx.qualname(node.func)
        if name in _OPENERS:
            return name.removeprefix("builtins.") + "()"
        return self._method_on(node, PATH_TYPES, _PATH_IO)


class AsyncBlockingHttp(_BlockingInAsync):
    """Flags ``requests``/``urllib``/sync ``httpx`` calls in a coroutine."""

    code = "PP303"
    statement_local = True
    replaces = ("ASYNC210",)
    name = "async-blocking-http"
    summary = "Do not make blocking HTTP calls in `async def`; use an async client."
    why = (
        "A synchronous HTTP request blocks the event loop for the whole round trip, "
        "often hundreds of milliseconds or, without a timeout, forever. Use an "
        "async client (`httpx.AsyncClient`, `aiohttp`) and `await` it, or push the "
        "call to a thread with `await asyncio.to_thread(...)`. The rule flags "
        "`requests.get/post/...`, `urllib.request.urlopen`, the synchronous "
        "`httpx.get/post/...` functions, and the request methods of values known "
        "to be a `requests.Session` or an `httpx.Client`."
    )
    sections = ("pr:structured-concurrency", "pr:never-do-this")
    severity = Severity.WARNING
    advice = "use an async client (`httpx.AsyncClient`, `aiohttp`) or a thread"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import requests\nasync def fetch(url):\n"
            "    return requests.get(url, timeout=5).json()\n",
            "from urllib.request import urlopen\nasync def fetch(url):\n"
            "    return urlopen(url).read()\n",
            "import httpx\nasync def fetch(url):\n"
            "    with httpx.Client() as client:\n        return client.get(url)\n",
            "import requests\nclass Api:\n    def __init__(self):\n"
            "        self.session = requests.Session()\n"
            "    async def fetch(self, url):\n        return self.session.post(url)\n",
        ),
        good=(
            "import httpx\nasync def fetch(url):\n"
            "    async with httpx.AsyncClient() as client:\n"
            "        return await client.get(url)\n",
            "import requests\ndef fetch(url):\n"
            "    return requests.get(url, timeout=5)\n",
            "import asyncio, requests\nasync def fetch(url):\n"
            "    return await asyncio.to_thread(requests.get, url, timeout=5)\n",
            "async def fetch(cache, url):\n    return cache.get(url)\n",
            "import requests\nasync def f(data: dict):\n    return data.get('x')\n",
        ),
    )

    def blocking(self, node: ast.Call) -> str | None:
        """Recognise synchronous HTTP calls."""
        name = self.ctx.qualname(node.func)
        if name in _HTTP_FUNCTIONS:
            return name + "()"
        return self._method_on(node, _HTTP_CLIENTS, _CLIENT_METHODS)


class AsyncBlockingProcess(_BlockingInAsync):
    """Flags ``subprocess.run``/``os.system``-style calls in a coroutine."""

    code = "PP304"
    statement_local = True
    replaces = ("ASYNC220", "ASYNC221", "ASYNC222")
    name = "async-blocking-subprocess"
    summary = (
        "Do not wait for processes synchronously in `async def`; use "
        "`asyncio.create_subprocess_exec`."
    )
    why = (
        "`subprocess.run()` and friends wait for the child process to finish, and "
        "the event loop waits with them: nothing else runs until the command "
        "exits. `await asyncio.create_subprocess_exec(...)` then `await "
        "proc.communicate()` runs the process without blocking (or use `await "
        "asyncio.to_thread(subprocess.run, ...)`). The rule flags "
        "`subprocess.run/call/check_call/check_output/getoutput/getstatusoutput`, "
        "`os.system`, `os.popen`, `os.wait`/`os.waitpid`, and `wait()`/"
        "`communicate()` on a known `subprocess.Popen`."
    )
    sections = ("pr:structured-concurrency", "pr:never-do-this")
    severity = Severity.WARNING
    advice = "use `asyncio.create_subprocess_exec(...)` or a thread"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import subprocess\nasync def build():\n"
            "    subprocess.run(['make'], check=True)\n",
            "import os\nasync def f():\n    os.system('ls')\n",
            "from subprocess import check_output\nasync def f():\n"
            "    return check_output(['git', 'rev-parse', 'HEAD'])\n",
            "import subprocess\nasync def f():\n"
            "    proc = subprocess.Popen(['sleep', '1'])\n    proc.wait()\n",
        ),
        good=(
            "import asyncio\nasync def build():\n"
            "    proc = await asyncio.create_subprocess_exec('make')\n"
            "    await proc.wait()\n",
            "import subprocess\ndef build():\n"
            "    subprocess.run(['make'], check=True)\n",
            "import asyncio, subprocess\nasync def build():\n"
            "    await asyncio.to_thread(subprocess.run, ['make'], check=True)\n",
            "async def f(event):\n    await event.wait()\n",
        ),
    )

    def blocking(self, node: ast.Call) -> str | None:
        """Recognise synchronous process calls."""
        name = self.ctx.qualname(node.func)
        if name in _PROCESS_FUNCTIONS:
            return name + "()"
        return self._method_on(node, frozenset({"subprocess.Popen"}), _PROCESS_WAITS)


__all__ = ["AsyncBlockingFileIO", "AsyncBlockingHttp", "AsyncBlockingProcess"]
