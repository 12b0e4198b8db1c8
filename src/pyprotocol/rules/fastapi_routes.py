"""Recognising FastAPI apps, routers and path operations (shared; not a rule)."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Final

from pyprotocol.rules.base import Context, Rule
from pyprotocol.rules.idiom_scope import FunctionNode

ROUTE_METHODS: Final = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route"}
)
APP_CLASSES: Final = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
ROUTER_CLASSES: Final = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
DEPENDS: Final = frozenset(
    {
        "fastapi.Depends",
        "fastapi.params.Depends",
        "fastapi.Security",
        "fastapi.params.Security",
    }
)


@dataclass(frozen=True, slots=True)
class Route:
    """A path operation decorator: ``@<receiver>.<method>(path, ...)``."""

    receiver: str
    method: str
    call: ast.Call
    path: str | None


def app_objects(ctx: Context) -> dict[str, str]:
    """Module-level names bound to ``FastAPI()`` ("app") or ``APIRouter()`` ("router").

    Args:
        ctx: The context.

    Returns:
        Name → kind.
    """
    found: dict[str, str] = {}
    for stmt in ctx.tree.body:
        if isinstance(stmt, ast.Assign):
            targets, value = stmt.targets, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        if not isinstance(value, ast.Call):
            continue
        kind = ctx.qualname(value.func)
        label = (
            "app"
            if kind in APP_CLASSES
            else "router"
            if kind in ROUTER_CLASSES
            else None
        )
        if label is None:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found[target.id] = label
    return found


def route_of(node: FunctionNode, objects: dict[str, str]) -> Route | None:
    """The path operation decorator of a function, if it has one.

    A decorator counts when its receiver is a module-level app or router, or when
    it names a path with a string literal (``@router.get("/items")``).

    Args:
        node: The function.
        objects: The module's apps and routers (see :func:`app_objects`).

    Returns:
        The route, or None.
    """
    for decorator in node.decorator_list:
        route = route_call(decorator, objects)
        if route is not None:
            return route
    return None


def route_call(node: ast.expr, objects: dict[str, str]) -> Route | None:
    """Read ``<receiver>.<method>(path, ...)`` as a route registration.

    Args:
        node: A decorator or call expression.
        objects: The module's apps and routers.

    Returns:
        The route, or None.
    """
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr in ROUTE_METHODS
        and isinstance(func.value, ast.Name)
    ):
        return None
    path_node: ast.expr | None = node.args[0] if node.args else None
    for keyword in node.keywords:
        if keyword.arg == "path":
            path_node = keyword.value
    path = (
        path_node.value
        if isinstance(path_node, ast.Constant) and isinstance(path_node.value, str)
        else None
    )
    known = func.value.id in objects
    if not known and (path is None or (path and not path.startswith("/"))):
        return None
    return Route(func.value.id, func.attr, node, path)


def unwrap_annotated(ctx: Context, annotation: ast.expr | None) -> ast.expr | None:
    """``T`` for ``Annotated[T, ...]``; the annotation itself otherwise.

    Args:
        ctx: The context.
        annotation: An annotation, or None.

    Returns:
        The underlying type expression.
    """
    if (
        isinstance(annotation, ast.Subscript)
        and ctx.typing_name(annotation.value) == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
        and annotation.slice.elts
    ):
        return annotation.slice.elts[0]
    return annotation


def annotated_extras(ctx: Context, annotation: ast.expr | None) -> list[ast.expr]:
    """The metadata of ``Annotated[T, a, b]`` (``[a, b]``), or ``[]``.

    Args:
        ctx: The context.
        annotation: An annotation, or None.

    Returns:
        The metadata expressions.
    """
    if (
        isinstance(annotation, ast.Subscript)
        and ctx.typing_name(annotation.value) == "Annotated"
        and isinstance(annotation.slice, ast.Tuple)
    ):
        return list(annotation.slice.elts[1:])
    return []


def parameters(node: FunctionNode) -> list[tuple[ast.arg, ast.expr | None]]:
    """Every named parameter of a function with its default (None when absent).

    Args:
        node: The function.

    Returns:
        ``(parameter, default)`` pairs, positional first, then keyword-only.
    """
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    padding: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    pairs = list(zip(positional, [*padding, *args.defaults], strict=True))
    pairs.extend(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    return pairs


class RouteRule(Rule):
    """Base of the rules that look at each FastAPI path operation of a module."""

    def __init__(self, ctx: Context) -> None:
        """Find the module's apps and routers (once per file, shared).

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._objects = ctx.shared("fastapi_routes.apps", lambda: app_objects(ctx))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Hand a path operation to :meth:`check_route`."""
        self._visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Hand an async path operation to :meth:`check_route`."""
        self._visit(node)

    def _visit(self, node: FunctionNode) -> None:
        route = route_of(node, self._objects)
        if route is not None:
            self.check_route(node, route)

    def check_route(self, node: FunctionNode, route: Route) -> None:
        """Check one path operation.

        Args:
            node: The decorated function.
            route: Its route decorator.
        """
