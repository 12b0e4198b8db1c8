"""PP701: path operations declared with ``def`` whose body visibly does I/O."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples
from pyprotocol.rules.fastapi_routes import (
    DEPENDS,
    Route,
    RouteRule,
    annotated_extras,
    parameters,
    unwrap_annotated,
)
from pyprotocol.rules.idiom_scope import FunctionNode, walk_body

#: Blocking I/O calls by qualified name.
_IO_CALLS: Final = frozenset(
    {
        "builtins.open",
        "io.open",
        "time.sleep",
        "os.system",
        "urllib.request.urlopen",
        "sqlite3.connect",
        "psycopg.connect",
        "psycopg2.connect",
        "pymysql.connect",
        "pymongo.MongoClient",
        "redis.Redis",
        "redis.StrictRedis",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "socket.create_connection",
        "shutil.copyfile",
        "shutil.copy",
        "shutil.copy2",
        "shutil.rmtree",
    }
)
#: Modules every call into which is blocking I/O.
_IO_MODULES: Final = ("subprocess.", "ftplib.", "paramiko.")
_HTTP_BLOCKING: Final = frozenset(
    {
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.options",
        "requests.request",
        "requests.Session",
        "httpx.get",
        "httpx.post",
        "httpx.put",
        "httpx.patch",
        "httpx.delete",
        "httpx.head",
        "httpx.options",
        "httpx.request",
        "httpx.stream",
        "httpx.Client",
    }
)
_SESSION_TYPES: Final = frozenset(
    {
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.session.Session",
        "sqlalchemy.orm.scoped_session",
        "sqlalchemy.engine.Connection",
        "sqlalchemy.Connection",
        "sqlmodel.Session",
        "pymongo.database.Database",
        "redis.Redis",
    }
)
_SESSION_NAMES: Final = frozenset(
    {"db", "session", "db_session", "conn", "connection", "database"}
)
_SESSION_METHODS: Final = frozenset(
    {
        "execute",
        "query",
        "commit",
        "get",
        "scalars",
        "scalar",
        "exec",
        "refresh",
        "flush",
        "rollback",
        "merge",
        "delete",
        "add",
        "find",
        "find_one",
        "insert_one",
    }
)


class SyncPathOperationIO(RouteRule):
    """Flags ``def`` path operations that call blocking I/O."""

    code = "PP701"
    name = "sync-path-operation-io"
    summary = "Declare path operations that do I/O with `async def` and async I/O."
    why = (
        "The protocol requires `async def` for every path operation that touches a "
        "database, the network or the disk. FastAPI runs a plain `def` endpoint in a "
        "thread pool of limited size, so blocking calls there cap the server's "
        "concurrency; an `async def` endpoint awaiting async I/O (httpx.AsyncClient, "
        "an async database session, aiofiles) scales with the event loop. Do not "
        "just add `async`: a blocking call inside `async def` is worse, it stalls the "
        "whole loop. The rule guesses from what the body visibly calls (open, "
        "requests, subprocess, time.sleep, sqlite3, and methods of a parameter "
        "typed or injected as a database session)."
    )
    sections = ("cgp:7-fastapi-best-practices", "pr:async-patterns")
    severity = Severity.INFO
    heuristic = True
    requires_import = "fastapi"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/rate')\ndef rate():\n"
            "    return requests.get('https://x').json()\n",
            "from fastapi import APIRouter, Depends\n"
            "from sqlalchemy.orm import Session\nrouter = APIRouter()\n"
            "@router.get('/items')\n"
            "def items(db: Session = Depends(get_db)):\n"
            "    return db.query(Item).all()\n",
            "from typing import Annotated\nfrom fastapi import APIRouter, Depends\n"
            "router = APIRouter()\n@router.post('/upload')\n"
            "def upload(session: Annotated[object, Depends(get_session)]):\n"
            "    session.commit()\n",
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/f')\ndef f():\n"
            "    with open('data.txt') as fh:\n        return fh.read()\n",
        ),
        good=(
            "import httpx\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/rate')\nasync def rate():\n"
            "    async with httpx.AsyncClient() as client:\n"
            "        return (await client.get('https://x')).json()\n",
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\n"
            "def health():\n    return {'ok': True}\n",
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "def helper():\n    return requests.get('https://x')\n",
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/items')\n"
            "def items(cache: dict):\n    return cache.get('items')\n",
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/x')\ndef x():\n    def later():\n"
            "        requests.get('https://x')\n    return {'queued': later}\n",
        ),
    )

    def check_route(self, node: FunctionNode, route: Route) -> None:
        """Flag I/O in a sync (``def``) path operation."""
        del route
        if not isinstance(node, ast.FunctionDef):
            return
        sessions = self._sessions(node)
        for sub in walk_body(node.body):
            if not isinstance(sub, ast.Call):
                continue
            what = self._io(sub, sessions)
            if what is not None:
                self.report(
                    self.ctx.name_span(node),
                    f"path operation `{node.name}` is a plain `def` but does I/O "
                    f"(`{what}`): make it `async def` and use async I/O (a blocking "
                    "call inside `async def` would stall the event loop)",
                )
                return

    def _sessions(self, node: ast.FunctionDef) -> set[str]:
        found: set[str] = set()
        for param, default in parameters(node):
            annotation = param.annotation
            base = unwrap_annotated(self.ctx, annotation)
            injected = self.ctx.is_call_to(default, *DEPENDS) if default else False
            injected = injected or any(
                self.ctx.is_call_to(extra, *DEPENDS)
                for extra in annotated_extras(self.ctx, annotation)
            )
            typed = base is not None and self.ctx.qualname(base) in _SESSION_TYPES
            if typed or (injected and param.arg in _SESSION_NAMES):
                found.add(param.arg)
        return found

    def _io(self, call: ast.Call, sessions: set[str]) -> str | None:
        name = self.ctx.qualname(call.func)
        if name is not None:
            if name in _IO_CALLS or name in _HTTP_BLOCKING:
                return name.removeprefix("builtins.")
            if name.startswith(_IO_MODULES):
                return name
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in _SESSION_METHODS
            and isinstance(func.value, ast.Name)
            and func.value.id in sessions
        ):
            return f"{func.value.id}.{func.attr}"
        return None


__all__ = ["SyncPathOperationIO"]
