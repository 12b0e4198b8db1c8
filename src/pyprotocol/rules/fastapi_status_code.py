"""PP704: ``status_code=201``-style integers instead of ``status.HTTP_201_CREATED``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import rewrite_at, update_imports
from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.fastapi_routes import ROUTE_METHODS

#: Status constants whose names are the same in every Starlette release.
STATUS_NAMES: Final[dict[int, str]] = {
    100: "CONTINUE",
    101: "SWITCHING_PROTOCOLS",
    102: "PROCESSING",
    103: "EARLY_HINTS",
    200: "OK",
    201: "CREATED",
    202: "ACCEPTED",
    203: "NON_AUTHORITATIVE_INFORMATION",
    204: "NO_CONTENT",
    205: "RESET_CONTENT",
    206: "PARTIAL_CONTENT",
    207: "MULTI_STATUS",
    208: "ALREADY_REPORTED",
    226: "IM_USED",
    300: "MULTIPLE_CHOICES",
    301: "MOVED_PERMANENTLY",
    302: "FOUND",
    303: "SEE_OTHER",
    304: "NOT_MODIFIED",
    305: "USE_PROXY",
    307: "TEMPORARY_REDIRECT",
    308: "PERMANENT_REDIRECT",
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    402: "PAYMENT_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    407: "PROXY_AUTHENTICATION_REQUIRED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    410: "GONE",
    411: "LENGTH_REQUIRED",
    412: "PRECONDITION_FAILED",
    415: "UNSUPPORTED_MEDIA_TYPE",
    417: "EXPECTATION_FAILED",
    418: "IM_A_TEAPOT",
    421: "MISDIRECTED_REQUEST",
    423: "LOCKED",
    424: "FAILED_DEPENDENCY",
    425: "TOO_EARLY",
    426: "UPGRADE_REQUIRED",
    428: "PRECONDITION_REQUIRED",
    429: "TOO_MANY_REQUESTS",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
    451: "UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "INTERNAL_SERVER_ERROR",
    501: "NOT_IMPLEMENTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
    505: "HTTP_VERSION_NOT_SUPPORTED",
    506: "VARIANT_ALSO_NEGOTIATES",
    507: "INSUFFICIENT_STORAGE",
    508: "LOOP_DETECTED",
    510: "NOT_EXTENDED",
    511: "NETWORK_AUTHENTICATION_REQUIRED",
}
#: Codes whose constant was renamed in Starlette 0.48 (old name deprecated).
RENAMED: Final[dict[int, tuple[str, str]]] = {
    413: ("REQUEST_ENTITY_TOO_LARGE", "CONTENT_TOO_LARGE"),
    414: ("REQUEST_URI_TOO_LONG", "URI_TOO_LONG"),
    416: ("REQUESTED_RANGE_NOT_SATISFIABLE", "RANGE_NOT_SATISFIABLE"),
    422: ("UNPROCESSABLE_ENTITY", "UNPROCESSABLE_CONTENT"),
}
_EXCEPTIONS: Final = frozenset(
    {
        "fastapi.HTTPException",
        "fastapi.exceptions.HTTPException",
        "starlette.exceptions.HTTPException",
    }
)
_RESPONSE_MODULES: Final = (
    "fastapi.responses.",
    "starlette.responses.",
)
_RESPONSES: Final = frozenset({"fastapi.Response", "fastapi.responses.Response"})
_STATUS_MODULES: Final = frozenset({"fastapi.status", "starlette.status"})


def constant_name(code: int) -> str | None:
    """``HTTP_201_CREATED`` for 201, when the name is stable across versions.

    Args:
        code: An HTTP status code.

    Returns:
        The constant's name, or None.
    """
    name = STATUS_NAMES.get(code)
    return f"HTTP_{code}_{name}" if name else None


class StatusConstants(Rule):
    """Flags integer status codes given to FastAPI routes, exceptions and responses."""

    code = "PP704"
    name = "status-code-constant"
    summary = "Name status codes with `status.HTTP_...` constants, not bare integers."
    why = (
        "`status_code=status.HTTP_201_CREATED` says what the number means, is "
        "checked by the type checker and autocompleted by editors; `status_code=201` "
        "is a magic number a reader has to decode. The rule flags integer status "
        "codes given to path operation decorators, `HTTPException` and response "
        "classes, and assigned to `response.status_code`. The fix imports `status` "
        "from FastAPI, except where the name `status` already means something else "
        "in scope; codes 413, 414, 416 and 422, whose constants Starlette renamed, "
        "get no fix."
    )
    sections = ("cgp:7-fastapi-best-practices",)
    severity = Severity.WARNING
    requires_import = "fastapi"
    fix_title = "Use the `status.HTTP_...` constant"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from fastapi import FastAPI\napp = FastAPI()\n"
            "@app.post('/items', status_code=201)\ndef create():\n    pass\n",
            "from fastapi import HTTPException\ndef f():\n"
            "    raise HTTPException(status_code=404, detail='gone')\n",
            "from fastapi import HTTPException\ndef f():\n"
            "    raise HTTPException(422)\n",
            "from fastapi.responses import JSONResponse\ndef f():\n"
            "    return JSONResponse({}, status_code=202)\n",
            "from fastapi import Response\ndef f(response: Response):\n"
            "    response.status_code = 204\n",
        ),
        good=(
            "from fastapi import FastAPI, status\napp = FastAPI()\n"
            "@app.post('/items', status_code=status.HTTP_201_CREATED)\n"
            "def create():\n    pass\n",
            "import fastapi\ndef check(r):\n    assert r.status_code == 200\n",
            "import fastapi\ndef log(status_code: int = 500):\n    pass\n"
            "def f():\n    log(status_code=404)\n",
            "import fastapi\nimport requests\ndef f():\n"
            "    requests.Response().status_code = 200\n",
        ),
        fixed=(
            Fixed(
                "from fastapi import FastAPI, HTTPException\n\napp = FastAPI()\n\n\n"
                "@app.post('/items', status_code=201)\n"
                "def create(item: dict):\n"
                "    if not item:\n"
                "        raise HTTPException(status_code=400, detail='empty')\n",
                "from fastapi import status, FastAPI, HTTPException\n\n"
                "app = FastAPI()\n\n\n"
                "@app.post('/items', status_code=status.HTTP_201_CREATED)\n"
                "def create(item: dict):\n"
                "    if not item:\n"
                "        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, "
                "detail='empty')\n",
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Check once whether the name ``status`` is free at module level.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        bound = ctx.imports.names.get("status")
        self._status_import = bound
        self._status_free = (
            bound in _STATUS_MODULES
            if bound is not None
            else "status" not in ctx.module_names
        )

    def visit_Call(self, node: ast.Call) -> None:
        """Check status codes passed to routes, exceptions and responses."""
        name = self.ctx.qualname(node.func)
        is_route = (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in (*ROUTE_METHODS, "add_api_route", "websocket")
            and isinstance(self.ctx.parent, ast.FunctionDef | ast.AsyncFunctionDef)
            and node in self.ctx.parent.decorator_list
        ) or (
            isinstance(node.func, ast.Attribute) and node.func.attr == "add_api_route"
        )
        is_exception = name in _EXCEPTIONS
        is_response = name is not None and (
            name in _RESPONSES or name.startswith(_RESPONSE_MODULES)
        )
        if not (is_route or is_exception or is_response):
            return
        for keyword in node.keywords:
            if keyword.arg == "status_code":
                self._check(keyword.value)
        if is_exception and node.args:
            self._check(node.args[0])

    def visit_Assign(self, node: ast.Assign) -> None:
        """Check ``response.status_code = 204`` on an injected ``Response``."""
        for target in node.targets:
            if (
                isinstance(target, ast.Attribute)
                and target.attr == "status_code"
                and isinstance(target.value, ast.Name)
                and self._is_response_param(target.value.id)
            ):
                self._check(node.value)

    def _is_response_param(self, name: str) -> bool:
        function = self.ctx.function()
        if function is None:
            return False
        for param in (*function.args.posonlyargs, *function.args.args):
            if param.arg == name and param.annotation is not None:
                qualified = self.ctx.qualname(param.annotation) or ""
                return qualified in _RESPONSES or qualified.startswith(
                    _RESPONSE_MODULES
                )
        return False

    def _check(self, value: ast.expr) -> None:
        if not (
            isinstance(value, ast.Constant)
            and isinstance(value.value, int)
            and not isinstance(value.value, bool)
        ):
            return
        code = value.value
        constant = constant_name(code)
        if code in RENAMED:
            old, new = RENAMED[code]
            self.report(
                value,
                f"status code {code} as a bare integer: use `status.HTTP_{code}_{new}` "
                f"(`HTTP_{code}_{old}` before Starlette 0.48) (no fix: the name "
                "depends on the Starlette version)",
            )
            return
        if constant is None:
            return
        message = f"status code {code} as a bare integer: use `status.{constant}`"
        if not self._status_free or self._status_shadowed():
            self.report(
                value, f"{message} (no fix: `status` means something else here)"
            )
            return
        self.report(value, message, fix=True, data={"constant": constant})

    def _status_shadowed(self) -> bool:
        for scope in self.ctx.parents:
            if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                args = scope.args
                every = (
                    *args.posonlyargs,
                    *args.args,
                    *args.kwonlyargs,
                    *(a for a in (args.vararg, args.kwarg) if a is not None),
                )
                if any(a.arg == "status" for a in every):
                    return True
                if any(
                    isinstance(n, ast.Name)
                    and n.id == "status"
                    and isinstance(n.ctx, ast.Store)
                    for n in ast.walk(scope)
                ):
                    return True
        return False

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Replace each flagged integer with its constant and import ``status``."""
        names = {
            (f.span.line, f.span.col): f.data["constant"]
            for f in request.findings
            if "constant" in f.data
        }

        def replace(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            del original
            if not isinstance(updated, cst.Integer):
                return updated
            code = int(updated.value)
            constant = constant_name(code)
            if constant is None or constant not in names.values():
                return updated
            return cst.Attribute(cst.Name("status"), cst.Name(constant))

        tree = rewrite_at(tree, set(names), (cst.Integer,), replace)
        if self._status_import in _STATUS_MODULES:
            return tree
        return update_imports(tree, add=[("fastapi", "status", None)])


__all__ = ["StatusConstants"]
