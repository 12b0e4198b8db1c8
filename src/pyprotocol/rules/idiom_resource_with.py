"""PP401: files, sockets, connections and locks not managed by a ``with`` statement."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Rule
from pyprotocol.rules.idiom_scope import Scope, scope_of, walk_scope

#: Calls that open a resource which must be closed (all are context managers).
OPENERS: Final = frozenset(
    {
        "builtins.open",
        "io.open",
        "io.FileIO",
        "codecs.open",
        "gzip.open",
        "gzip.GzipFile",
        "bz2.open",
        "bz2.BZ2File",
        "lzma.open",
        "lzma.LZMAFile",
        "tarfile.open",
        "tarfile.TarFile",
        "zipfile.ZipFile",
        "tempfile.NamedTemporaryFile",
        "tempfile.TemporaryFile",
        "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
        "socket.socket",
        "socket.create_connection",
        "socket.create_server",
        "sqlite3.connect",
        "shelve.open",
        "dbm.open",
        "wave.open",
        "urllib.request.urlopen",
        "ftplib.FTP",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "requests.Session",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "multiprocessing.Pool",
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "psycopg.connect",
        "psycopg2.connect",
    }
)
#: Calls whose lock result should be held with ``with lock:``.
LOCKS: Final = frozenset(
    {
        "threading.Lock",
        "threading.RLock",
        "threading.Semaphore",
        "threading.BoundedSemaphore",
        "threading.Condition",
        "asyncio.Lock",
        "asyncio.Semaphore",
        "asyncio.BoundedSemaphore",
        "asyncio.Condition",
        "multiprocessing.Lock",
        "multiprocessing.RLock",
    }
)
#: Functions that read or write an open file they are given without owning it.
_BORROWERS: Final = frozenset(
    {
        "json.load",
        "json.dump",
        "pickle.load",
        "pickle.dump",
        "tomllib.load",
        "yaml.load",
        "yaml.safe_load",
        "yaml.dump",
        "yaml.safe_dump",
        "csv.reader",
        "csv.writer",
        "csv.DictReader",
        "csv.DictWriter",
        "shutil.copyfileobj",
        "builtins.print",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
    }
)
#: Functions that implement locking themselves (delegating to an inner lock).
_LOCK_WRAPPERS: Final = frozenset({"__enter__", "__aenter__"})


def _short(qualname: str) -> str:
    return qualname.removeprefix("builtins.")


class ResourceWithoutWith(Rule):
    """Flags ``f = open(...)``, ``open(...).read()`` and ``lock.acquire()``."""

    code = "PP401"
    replaces = ("SIM115",)
    name = "resource-without-with"
    summary = (
        "Open files, sockets and connections, and hold locks, in a `with` statement."
    )
    why = (
        "A resource closed by hand leaks when an exception is raised between opening "
        "and `close()`, and one never closed is released only when the garbage "
        "collector gets to it (on PyPy or in a reference cycle, much later). `with` "
        "closes it on every path. The rule leaves alone the legitimate ways of handing "
        "a resource on: returning or yielding it from a factory or a fixture, storing "
        "it on an object or in a container, or passing it to an `ExitStack`; and "
        "non-blocking `acquire(blocking=False)` calls, which `with` cannot express. "
        "A resource passed to a function other than a known reader (`json.load`, "
        "`csv.reader`, builtins...) is assumed to be handed on."
    )
    sections = ("cgp:4-idiomatic--performant-python", "pr:4-performance-optimization")
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "def read(p):\n    f = open(p)\n    data = f.read()\n    f.close()\n"
            "    return data\n",
            "def read(p):\n    return open(p).read()\n",
            "import json\ndef load(p):\n    return json.load(open(p))\n",
            "import socket\ndef ping(host):\n    s = socket.socket()\n"
            "    s.connect((host, 80))\n    s.close()\n",
            "import sqlite3\ndef count(db):\n    conn = sqlite3.connect(db)\n"
            "    try:\n        return conn.execute('select 1').fetchone()\n"
            "    finally:\n        conn.close()\n",
            "import json\ndef load(p):\n    f = open(p)\n    data = json.load(f)\n"
            "    f.close()\n    return data\n",
            "import threading\n_lock = threading.Lock()\ndef bump():\n"
            "    _lock.acquire()\n    try:\n        pass\n    finally:\n"
            "        _lock.release()\n",
            "import threading\nclass C:\n    def __init__(self):\n"
            "        self._lock = threading.RLock()\n    def run(self):\n"
            "        self._lock.acquire()\n        self._lock.release()\n",
            "def lines(p):\n    for line in open(p):\n        print(line)\n",
        ),
        good=(
            "def read(p):\n    with open(p) as f:\n        return f.read()\n",
            "def open_log(p):\n    f = open(p, 'a')\n    return f\n",
            "def opener(p):\n    return open(p)\n",
            "class Log:\n    def __init__(self, p):\n        self.file = open(p, "
            "'a')\n",
            "from contextlib import contextmanager\nimport sqlite3\n@contextmanager\n"
            "def db(p):\n    conn = sqlite3.connect(p)\n    try:\n        yield conn\n"
            "    finally:\n        conn.close()\n",
            "from contextlib import ExitStack\ndef many(ps):\n"
            "    with ExitStack() as stack:\n        fs = "
            "[stack.enter_context(open(p)) "
            "for p in ps]\n        return len(fs)\n",
            "def keep(ps, out):\n    f = open(ps)\n    out.append(f)\n",
            "import socket\nasync def connect(loop, path):\n    sock = "
            "socket.socket()\n"
            "    sock.setblocking(False)\n    return await loop.make_transport(sock)\n",
            "import os, sys\ndef trace(log):\n    err = open(os.dup(2), 'w')\n"
            "    log.set_writer(err.write)\n",
            "import threading\n_lock = threading.Lock()\ndef try_bump():\n"
            "    if _lock.acquire(blocking=False):\n        _lock.release()\n",
            "def open(p):\n    return p\ndef f(p):\n    x = open(p)\n    return x.y\n",
            "import codecs\ndef touch(p):\n    open(p, 'w').close()\n",
            "import threading\nclass Guard:\n    def __init__(self):\n"
            "        self._lock = threading.Lock()\n    def __enter__(self):\n"
            "        self._lock.acquire()\n        return self\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Collect the names bound to locks anywhere in the module.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._lock_names: set[str] = set()
        self._lock_attrs: set[str] = set()
        assignments: list[ast.Assign | ast.AnnAssign] = [
            *ctx.nodes_of(ast.Assign),
            *ctx.nodes_of(ast.AnnAssign),
        ]
        for node in assignments:
            if node.value is not None:
                if not (
                    isinstance(node.value, ast.Call)
                    and ctx.qualname(node.value.func) in LOCKS
                ):
                    continue
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                for target in targets:
                    if isinstance(target, ast.Name):
                        self._lock_names.add(target.id)
                    elif isinstance(target, ast.Attribute):
                        self._lock_attrs.add(target.attr)

    def visit_Call(self, node: ast.Call) -> None:
        """Check resource openers and ``acquire()`` calls."""
        name = self.ctx.qualname(node.func)
        if name in OPENERS:
            self._check_opener(node, name)
        elif (
            isinstance(node.func, ast.Attribute)
            and node.func.attr == "acquire"
            and not node.args
            and not node.keywords
        ):
            self._check_acquire(node, node.func)

    # -- openers -------------------------------------------------------------------
    def _check_opener(self, node: ast.Call, name: str) -> None:
        parents = self.ctx.parents
        parent = parents[-1] if parents else None
        what = f"`{_short(name)}(...)`"
        advice = f"open it with `with {_short(name)}(...) as ...:`"
        if isinstance(parent, ast.Attribute) and len(parents) >= 2:
            grand = parents[-2]
            if parent.attr in {"close", "__enter__", "__aenter__"}:
                return
            if isinstance(grand, ast.Call) and grand.func is parent:
                self.report(
                    node,
                    f"{what} is used and dropped without being closed: {advice}",
                )
            return
        if isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension) and (
            parent.iter is node
        ):
            self.report(node, f"{what} is iterated over and never closed: {advice}")
            return
        call = parent
        if isinstance(parent, ast.keyword) and len(parents) >= 2:
            call = parents[-2]
        if isinstance(call, ast.Call) and call is not node:
            if self.ctx.qualname(call.func) in _BORROWERS:
                self.report(
                    node,
                    f"{what} is passed to "
                    f"`{_short(self.ctx.qualname(call.func) or '')}`"
                    f" and never closed: {advice}",
                )
            return
        if isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is node:
            targets = (
                parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            )
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                self._check_bound(node, targets[0].id, what, advice)

    def _check_bound(self, node: ast.Call, var: str, what: str, advice: str) -> None:
        scope, klass = scope_of(self.ctx)
        if isinstance(scope, ast.Module | ast.Lambda) or klass is not None:
            # Module- and class-level resources live as long as the process: a design
            # decision, not a leak.
            return
        if _escapes(scope, var, self.ctx.qualname):
            return
        self.report(
            node,
            f"{what} is bound to `{var}` and closed by hand (or not at all): {advice}",
        )

    # -- locks ---------------------------------------------------------------------
    def _check_acquire(self, node: ast.Call, func: ast.Attribute) -> None:
        parents = self.ctx.parents
        holder: ast.AST | None = parents[-1] if parents else None
        if isinstance(holder, ast.Await) and len(parents) >= 2:
            holder = parents[-2]
        if not isinstance(holder, ast.Expr):
            return
        function = self.ctx.function()
        if function is not None and (
            function.name in _LOCK_WRAPPERS
            or any(word in function.name.lower() for word in ("acquire", "lock"))
        ):
            return
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id in self._lock_names:
            label = receiver.id
        elif (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and receiver.value.id in {"self", "cls"}
            and receiver.attr in self._lock_attrs
        ):
            label = f"{receiver.value.id}.{receiver.attr}"
        else:
            return
        self.report(
            node,
            f"`{label}.acquire()` with a manual `release()`: hold the lock with "
            f"`with {label}:` so that it is released on every path",
        )


def _escapes(
    scope: Scope,
    var: str,
    qualname: Callable[[ast.expr], str | None],
) -> bool:
    """Tell whether the resource bound to ``var`` is handed on or managed.

    Handed on: returned or yielded, stored on an object or in a container, given to
    an ``ExitStack``, used as a ``with`` item, captured by a nested function, or
    declared global.
    """
    parents: dict[ast.AST, ast.AST] = {}
    for node in walk_scope(scope):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            if any(isinstance(n, ast.Name) and n.id == var for n in ast.walk(node)):
                return True
            continue
        if isinstance(node, ast.Global | ast.Nonlocal) and var in node.names:
            return True
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node, parent in parents.items():
        if not (isinstance(node, ast.Name) and node.id == var):
            continue
        if isinstance(node.ctx, ast.Store):
            continue
        if _hands_on(node, parent, parents, qualname):
            return True
    return False


def _hands_on(
    node: ast.Name,
    parent: ast.AST,
    parents: dict[ast.AST, ast.AST],
    qualname: Callable[[ast.expr], str | None],
) -> bool:
    if isinstance(parent, ast.Attribute):
        # `f.read()`, `f.close()`: the resource is used, not handed on; but a bound
        # method handed on (`set_writer(f.write)`) keeps the resource in use.
        grand = parents.get(parent)
        if isinstance(grand, ast.Call) and grand.func is parent:
            return False
        return isinstance(
            grand, ast.Call | ast.keyword | ast.Assign | ast.Return | ast.Tuple
        )
    child: ast.AST = node
    # Climb through containers (`[f]`, `(f, g)`, `key=f`) to what holds them.
    while isinstance(
        parent, ast.Tuple | ast.List | ast.Set | ast.Dict | ast.keyword | ast.Starred
    ):
        up = parents.get(parent)
        if up is None:
            return False
        child, parent = parent, up
    if isinstance(parent, ast.Return | ast.Yield | ast.YieldFrom | ast.withitem):
        return True
    if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign):
        return parent.value is child
    if isinstance(parent, ast.Call):
        return parent.func is not child and _takes_ownership(parent, qualname)
    return False


def _takes_ownership(
    call: ast.Call, qualname: Callable[[ast.expr], str | None]
) -> bool:
    """Whether a call the resource is passed to may keep it.

    Only functions known to just read or write the resource (``json.load``,
    ``print``, builtins) are trusted not to: any other callee may store it.
    """
    name = qualname(call.func)
    return not (name in _BORROWERS or (name or "").startswith("builtins."))


__all__ = ["ResourceWithoutWith"]
