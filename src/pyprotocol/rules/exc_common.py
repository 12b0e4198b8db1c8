"""What exception handlers catch and what they do with it, for the exception rules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Final

from pyprotocol.model import Span
from pyprotocol.rules.base import Context
from pyprotocol.rules.log_common import Loggers, keyword
from pyprotocol.rules.scope_names import local_nodes

BROAD: Final = frozenset({"builtins.Exception", "builtins.BaseException"})
CANCELLED: Final = frozenset(
    {"asyncio.CancelledError", "asyncio.exceptions.CancelledError"}
)
#: Calls that never return normally: they end the process or raise.
_EXITS: Final = frozenset(
    {
        "sys.exit",
        "os._exit",
        "os.abort",
        "pytest.fail",
        "pytest.skip",
        "pytest.xfail",
        "pytest.exit",
    }
)
_TRACEBACK_PRINTERS: Final = frozenset(
    {
        "traceback.print_exc",
        "traceback.print_exception",
        "traceback.format_exc",
        "traceback.format_exception",
        "sys.excepthook",
    }
)
#: Calls whose argument is rendered, not kept: passing the exception to them is
#: not handing it on.
_RENDERERS: Final = frozenset(
    {"builtins.str", "builtins.repr", "builtins.print", "builtins.format"}
)
_CAPTURES: Final = frozenset({"sys.exc_info", "sys.exception"})
_SCOPES: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def caught(ctx: Context, handler: ast.ExceptHandler) -> list[str | None]:
    """The qualified names of the types a handler catches.

    Args:
        ctx: The file's context.
        handler: The handler.

    Returns:
        One entry per type (None when it does not resolve); empty for a bare
        ``except:``.
    """
    kind = handler.type
    if kind is None:
        return []
    types = kind.elts if isinstance(kind, ast.Tuple) else [kind]
    return [ctx.qualname(t) for t in types]


def type_node(
    handler: ast.ExceptHandler, ctx: Context, names: frozenset[str]
) -> ast.AST:
    """The node to flag for a handler: the first caught type among ``names``.

    Args:
        handler: The handler.
        ctx: The file's context.
        names: Qualified names of interest.

    Returns:
        That type expression, or the handler itself.
    """
    kind = handler.type
    if kind is None:
        return handler
    for node in kind.elts if isinstance(kind, ast.Tuple) else [kind]:
        if ctx.qualname(node) in names:
            return node
    return kind


def keyword_span(ctx: Context, node: ast.stmt | ast.ExceptHandler, word: str) -> Span:
    """The span of the keyword that opens a statement (``except``, ``try``).

    Args:
        ctx: The file's context.
        node: The statement or handler.
        word: The keyword.

    Returns:
        Its span, on the statement's first line.
    """
    col = ctx.lines.byte_to_col(node.lineno, node.col_offset)
    return Span(node.lineno, col, node.lineno, col + len(word))


def enclosing_handler(ctx: Context) -> ast.ExceptHandler | None:
    """The innermost ``except`` block around the current place, in the same frame.

    Args:
        ctx: The context, positioned at the place.

    Returns:
        The handler, or None outside any handler (or only in one of an outer
        function).
    """
    for node in reversed(ctx.parents):
        if isinstance(node, ast.ExceptHandler):
            return node
        if isinstance(node, _SCOPES):
            return None
    return None


def raises(handler: ast.ExceptHandler) -> Iterator[ast.Raise]:
    """The ``raise`` statements of a handler (not of functions defined in it).

    Args:
        handler: The handler.

    Yields:
        Each raise statement.
    """
    for node in local_nodes(handler.body):
        if isinstance(node, ast.Raise):
            yield node


def reraises(ctx: Context, handler: ast.ExceptHandler) -> bool:
    """Tell whether a handler raises (anything) or ends the process.

    Args:
        ctx: The file's context.
        handler: The handler.

    Returns:
        True when some path through the handler raises or exits.
    """
    if next(raises(handler), None) is not None:
        return True
    return any(ctx.is_call_to(node, *_EXITS) for node in local_nodes(handler.body))


def logs_traceback(ctx: Context, loggers: Loggers, body: list[ast.stmt]) -> bool:
    """Tell whether code logs (or prints) the full traceback of the current error.

    Args:
        ctx: The context, positioned inside the enclosing handler or try.
        loggers: The file's logger resolver.
        body: The statements to look through.

    Returns:
        True on ``log.exception(...)``, a logging call with ``exc_info`` (not
        ``False``), or a ``traceback.print_exc()``-style call.
    """
    for node in local_nodes(body):
        if not isinstance(node, ast.Call):
            continue
        if ctx.is_call_to(node, *_TRACEBACK_PRINTERS):
            return True
        call = loggers.log_call(node)
        if call is None:
            continue
        if call.method == "exception":
            return True
        info = keyword(node, "exc_info")
        if info is not None and not (
            isinstance(info.value, ast.Constant) and info.value.value in {False, None}
        ):
            return True
    return False


def hands_on(ctx: Context, loggers: Loggers, handler: ast.ExceptHandler) -> bool:
    """Tell whether a handler passes the caught exception object on.

    Storing it, returning or yielding it, putting it in a container literal,
    passing it to a callable (a future's ``set_exception``, an error collector) or
    capturing it with ``sys.exc_info()`` moves the error elsewhere rather than
    dropping it. Rendering it (``str(err)``, ``print(err)``, a log message without
    traceback) does not count.

    Args:
        ctx: The file's context.
        loggers: The file's logger resolver.
        handler: The handler.

    Returns:
        True when the bound exception is handed on somewhere.
    """
    name = handler.name
    for node in local_nodes(handler.body):
        if isinstance(node, ast.Call) and ctx.is_call_to(node, *_CAPTURES):
            return True
        if name is None:
            continue
        if isinstance(node, ast.Call):
            if _passes(ctx, loggers, node, name):
                return True
        elif any(_is_name(value, name) for value in _kept_values(node)):
            return True
    return False


def _kept_values(node: ast.AST) -> list[ast.expr | None]:
    """The values a statement or literal keeps (returns, stores, holds)."""
    if isinstance(node, ast.Return | ast.Yield | ast.Assign | ast.AnnAssign):
        return [node.value]
    if isinstance(node, ast.Dict):
        return list(node.values)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return list(node.elts)
    return []


def _passes(ctx: Context, loggers: Loggers, call: ast.Call, name: str) -> bool:
    values = [*call.args, *(k.value for k in call.keywords)]
    if not any(_is_name(v, name) for v in values):
        return False
    if ctx.qualname(call.func) in _RENDERERS:
        return False
    return loggers.log_call(call) is None


def _is_name(value: ast.AST | None, name: str) -> bool:
    if isinstance(value, ast.Starred):
        value = value.value
    return isinstance(value, ast.Name) and value.id == name


def awaits_in(body: list[ast.stmt]) -> bool:
    """Tell whether statements suspend (``await``, ``async for``, ``async with``).

    Args:
        body: The statements.

    Returns:
        True when some statement can suspend, i.e. receive a cancellation.
    """
    return any(
        isinstance(node, ast.Await | ast.AsyncFor | ast.AsyncWith)
        for node in local_nodes(body)
    )


__all__ = [
    "BROAD",
    "CANCELLED",
    "awaits_in",
    "caught",
    "enclosing_handler",
    "hands_on",
    "keyword_span",
    "logs_traceback",
    "raises",
    "reraises",
    "type_node",
]
