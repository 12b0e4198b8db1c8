"""PP615: CORS allowing every origin together with credentials."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.astutil import keyword
from pyprotocol.rules.base import Context, Examples, Rule
from pyprotocol.rules.sec_helpers import is_constant

_STARLETTE_CORS: Final = frozenset(
    {
        "fastapi.middleware.cors.CORSMiddleware",
        "starlette.middleware.cors.CORSMiddleware",
    }
)
_MIDDLEWARE: Final = frozenset(
    {"starlette.middleware.Middleware", "fastapi.middleware.Middleware"}
)
_FLASK_CORS: Final = frozenset({"flask_cors.CORS", "flask_cors.cross_origin"})
_MATCH_ALL: Final = frozenset({".*", "^.*$", ".+", "^.+$", "*"})


def _is_wildcard(node: ast.expr | None) -> bool:
    """``"*"``, ``["*"]`` or ``("*",)``."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(is_constant(e, "*") for e in node.elts)
    return is_constant(node, "*")


class CorsWildcardCredentials(Rule):
    """Flags CORS set up for any origin with credentials allowed."""

    code = "PP615"
    name = "cors-wildcard-credentials"
    summary = "Do not allow every CORS origin together with credentials."
    why = (
        "Browsers refuse `Access-Control-Allow-Origin: *` with credentials, so "
        "frameworks asked for both reflect the caller's `Origin` instead: any site "
        "the user visits can then make authenticated requests with the user's "
        "cookies and read the answers. List the origins that may call the API. The "
        "rule checks Starlette/FastAPI `CORSMiddleware` (via `add_middleware`, "
        "`Middleware(...)` or directly), `allow_origin_regex` that matches "
        "everything, flask-cors `CORS(...)` / `cross_origin(...)` (whose origins "
        "default to `*`), and django-cors-headers settings in one module."
    )
    sections = ("pr:api-security",)
    severity = Severity.ERROR
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from fastapi import FastAPI\n"
            "from fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'], "
            "allow_credentials=True)\n",
            "from starlette.middleware import Middleware\n"
            "from starlette.middleware.cors import CORSMiddleware\n"
            "mw = [Middleware(CORSMiddleware, allow_origin_regex='.*', "
            "allow_credentials=True)]\n",
            "from flask_cors import CORS\nCORS(app, supports_credentials=True)\n",
            "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n",
        ),
        good=(
            "from fastapi.middleware.cors import CORSMiddleware\n"
            "app.add_middleware(CORSMiddleware, "
            "allow_origins=['https://app.example.com'], allow_credentials=True)\n",
            "from fastapi.middleware.cors import CORSMiddleware\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'])\n",
            "from flask_cors import CORS\n"
            "CORS(app, origins=['https://a.example'], supports_credentials=True)\n",
            "CORS_ALLOW_ALL_ORIGINS = True\n",
            "from mylib import CORSMiddleware\n"
            "app.add_middleware(CORSMiddleware, allow_origins=['*'], "
            "allow_credentials=True)\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Start with no django-cors-headers settings seen."""
        super().__init__(ctx)
        self._settings: dict[str, ast.Assign] = {}

    def visit_Call(self, node: ast.Call) -> None:
        """Flag CORS middleware/extension setups."""
        name = self.ctx.qualname(node.func)
        if name in _STARLETTE_CORS:
            self._starlette(node)
            return
        if name in _MIDDLEWARE or (
            isinstance(node.func, ast.Attribute) and node.func.attr == "add_middleware"
        ):
            first = node.args[0] if node.args else None
            if first is not None and self.ctx.qualname(first) in _STARLETTE_CORS:
                self._starlette(node)
            return
        if name in _FLASK_CORS:
            credentials = keyword(node, "supports_credentials")
            origins = keyword(node, "origins")
            if credentials is not None and is_constant(credentials.value, True):
                if origins is None and keyword(node, "resources") is not None:
                    return
                if origins is None or _is_wildcard(origins.value):
                    self._flag(node, "flask-cors with `supports_credentials=True`")

    def _starlette(self, node: ast.Call) -> None:
        credentials = keyword(node, "allow_credentials")
        if credentials is None or not is_constant(credentials.value, True):
            return
        origins = keyword(node, "allow_origins")
        regex = keyword(node, "allow_origin_regex")
        if (origins is not None and _is_wildcard(origins.value)) or (
            regex is not None
            and isinstance(regex.value, ast.Constant)
            and regex.value.value in _MATCH_ALL
        ):
            self._flag(node, "`CORSMiddleware` with `allow_credentials=True`")

    def visit_Assign(self, node: ast.Assign) -> None:
        """Collect django-cors-headers settings at module level."""
        if self.ctx.parent is not self.ctx.tree:
            return
        for target in node.targets:
            if isinstance(target, ast.Name) and target.id.startswith("CORS_"):
                self._settings[target.id] = node

    def finish(self) -> None:
        """Flag ``CORS_ALLOW_ALL_ORIGINS`` with ``CORS_ALLOW_CREDENTIALS``."""
        credentials = self._settings.get("CORS_ALLOW_CREDENTIALS")
        if credentials is None or not is_constant(credentials.value, True):
            return
        for name in ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"):
            setting = self._settings.get(name)
            if setting is not None and is_constant(setting.value, True):
                self._flag(setting, f"`{name} = True` with `CORS_ALLOW_CREDENTIALS`")

    def _flag(self, node: ast.AST, what: str) -> None:
        self.report(
            node,
            f"{what} lets every origin make credentialed requests: list the allowed "
            "origins",
        )
