"""PP703: path operations registered on the ``FastAPI`` app instead of routers."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Rule
from pyprotocol.rules.fastapi_routes import ROUTE_METHODS, app_objects, route_call

MIN_DOMAINS: Final = 3
_APP_NAMES: Final = frozenset({"app", "application", "api"})
#: First path segments that are infrastructure, not a domain.
_INFRA: Final = frozenset(
    {
        "",
        "health",
        "healthz",
        "healthcheck",
        "ready",
        "readyz",
        "live",
        "livez",
        "ping",
        "status",
        "metrics",
        "version",
        "docs",
        "openapi.json",
        "favicon.ico",
        "robots.txt",
    }
)


def _domain(path: str) -> str | None:
    first = path.strip("/").split("/", 1)[0]
    if first.startswith("{") or first in _INFRA:
        return None
    return first


class AppRoutes(Rule):
    """Flags routes on an imported app, and apps serving many domains directly."""

    code = "PP703"
    name = "routes-on-app"
    summary = "Register path operations on `APIRouter`s, one module per domain."
    why = (
        "The protocol requires `APIRouter` to organise path operations by domain. "
        "Routes declared on the `FastAPI` app itself end up in one module (or in "
        "modules that import the app, which creates import cycles and hides where "
        "routes come from). The rule flags path operations registered on an `app` "
        "imported from another module, and, in the module that creates the app, "
        "path operations for three or more domains (first path segments such as "
        "`/users`, `/items`, `/orders`; health and metrics endpoints do not count). "
        "Where a small app's routes belong is a judgement, hence the low severity."
    )
    sections = ("cgp:7-fastapi-best-practices",)
    severity = Severity.INFO
    heuristic = True
    requires_import = "fastapi"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/users/{id}')\ndef user(id: int):\n    pass\n"
            "@app.get('/items')\ndef items():\n    pass\n"
            "@app.post('/orders')\ndef order():\n    pass\n",
            "import fastapi\nfrom myapp.main import app\n@app.get('/users')\n"
            "def users():\n    pass\n",
        ),
        good=(
            "from fastapi import APIRouter\nrouter = APIRouter(prefix='/users')\n"
            "@router.get('/{id}')\ndef user(id: int):\n    pass\n",
            "from fastapi import FastAPI\nfrom .routers import items, users\n"
            "app = FastAPI()\napp.include_router(users.router)\n"
            "app.include_router(items.router)\n@app.get('/health')\n"
            "def health():\n    return {'ok': True}\n",
            "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/')\n"
            "def root():\n    pass\n@app.get('/items')\ndef items():\n    pass\n",
            "import fastapi\nfrom .deps import router\n@router.get('/users')\n"
            "def users():\n    pass\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Find the module's apps and routers.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._objects = app_objects(ctx)

    def visit_Module(self, node: ast.Module) -> None:
        """Count the domains served directly by each app created here."""
        apps = {name for name, kind in self._objects.items() if kind == "app"}
        domains: dict[str, set[str]] = {name: set() for name in apps}
        count: dict[str, int] = dict.fromkeys(apps, 0)
        for sub in ast.walk(node):
            if not isinstance(sub, ast.Call):
                continue
            route = route_call(sub, self._objects)
            if route is None or route.receiver not in apps:
                continue
            count[route.receiver] += 1
            domain = _domain(route.path) if route.path is not None else None
            if domain is not None:
                domains[route.receiver].add(domain)
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign | ast.AnnAssign):
                continue
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if not isinstance(target, ast.Name) or target.id not in apps:
                    continue
                served = sorted(domains[target.id])
                if len(served) >= MIN_DOMAINS:
                    listed = ", ".join(f"/{d}" for d in served)
                    self.report(
                        stmt,
                        f"`{target.id}` serves {count[target.id]} path operations "
                        f"for {len(served)} domains ({listed}) directly: move each "
                        "domain to an `APIRouter` in its own module",
                    )
                    domains[target.id] = set()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check routes on an imported app."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check routes on an imported app."""
        self._check(node)

    def _check(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            if not (
                isinstance(decorator, ast.Call)
                and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr in ROUTE_METHODS
                and isinstance(decorator.func.value, ast.Name)
            ):
                continue
            receiver = decorator.func.value.id
            source = self.ctx.imports.names.get(receiver)
            if receiver not in _APP_NAMES or source is None:
                continue
            self.report(
                decorator,
                f"path operation `{node.name}` is registered on `{receiver}` "
                f"imported from `{source.rpartition('.')[0] or source}`: declare it "
                "on an `APIRouter` in this module and include the router in the app",
            )


__all__ = ["AppRoutes"]
