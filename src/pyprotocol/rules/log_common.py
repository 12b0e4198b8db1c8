"""Which calls are logging calls: loggers resolved through their bindings.

A call is a logging call when its receiver is known to be a logger, never because a
variable happens to be called ``log``. Known loggers are:

- the ``logging`` module's own functions (``logging.error(...)``);
- the result of ``logging.getLogger(...)``, ``logging.LoggerAdapter(...)``,
  ``structlog.get_logger(...)`` / ``structlog.stdlib.get_logger(...)`` /
  ``structlog.wrap_logger(...)``, and of ``getChild``/``bind``/``new`` on a logger;
- names bound to those (module-level, local, ``with ... as``), parameters and
  variables annotated ``logging.Logger`` or a structlog logger type, and
  ``self.<name>`` attributes that every assignment in the class binds to a logger.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pyprotocol.rules.astutil import has_star_kwargs, keyword
from pyprotocol.rules.base import Context
from pyprotocol.rules.scope_names import (
    Binding,
    ScopeNode,
    Scopes,
    enclosing_scopes,
    scopes_of,
)


class Flavour(StrEnum):
    """Which logging library a logger belongs to."""

    STDLIB = "stdlib"
    STRUCTLOG = "structlog"


LEVEL_METHODS: Final = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal"}
)
_STDLIB_METHODS: Final = LEVEL_METHODS | {"log"}
_STRUCTLOG_METHODS: Final = _STDLIB_METHODS | {"msg"}
#: structlog's async variants are these names prefixed with ``a``.
_METHODS_A: Final = _STRUCTLOG_METHODS
_FACTORIES: Final[dict[str, Flavour]] = {
    "logging.getLogger": Flavour.STDLIB,
    "logging.LoggerAdapter": Flavour.STDLIB,
    "logging.Logger": Flavour.STDLIB,
    "structlog.get_logger": Flavour.STRUCTLOG,
    "structlog.getLogger": Flavour.STRUCTLOG,
    "structlog.stdlib.get_logger": Flavour.STRUCTLOG,
    "structlog.wrap_logger": Flavour.STRUCTLOG,
}
_TYPES: Final[dict[str, Flavour]] = {
    "logging.Logger": Flavour.STDLIB,
    "logging.LoggerAdapter": Flavour.STDLIB,
    "logging.RootLogger": Flavour.STDLIB,
    "structlog.BoundLogger": Flavour.STRUCTLOG,
    "structlog.BoundLoggerBase": Flavour.STRUCTLOG,
    "structlog.stdlib.BoundLogger": Flavour.STRUCTLOG,
    "structlog.stdlib.AsyncBoundLogger": Flavour.STRUCTLOG,
    "structlog.typing.FilteringBoundLogger": Flavour.STRUCTLOG,
    "structlog.types.FilteringBoundLogger": Flavour.STRUCTLOG,
    "structlog.typing.BindableLogger": Flavour.STRUCTLOG,
}
#: Methods of a logger that return another logger of the same library.
_DERIVING: Final = frozenset({"getChild", "bind", "new", "unbind", "try_unbind"})
_MAX_DEPTH: Final = 8


@dataclass(frozen=True, slots=True)
class LogCall:
    """A call to a logging method."""

    call: ast.Call
    #: The method, without structlog's ``a`` prefix for async variants.
    method: str
    flavour: Flavour
    #: The message (structlog: the event) argument, when there is one.
    message: ast.expr | None


class Loggers:
    """Resolves logging calls in one file."""

    def __init__(self, ctx: Context, scopes: Scopes | None = None) -> None:
        """Prepare for one file.

        Args:
            ctx: The file's context.
            scopes: Shared scope bindings, computed here when omitted.
        """
        self.ctx = ctx
        self.scopes = scopes or scopes_of(ctx)

    def log_call(self, node: ast.Call) -> LogCall | None:
        """Tell whether a call logs, and how.

        Args:
            node: A call, at the place the traversal is at.

        Returns:
            The logging call, or None.
        """
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        if func.attr not in _STRUCTLOG_METHODS and func.attr[1:] not in _METHODS_A:
            return None
        name = self.ctx.qualname(func)
        if name == f"logging.{func.attr}" and func.attr in _STDLIB_METHODS:
            return _make(node, func.attr, Flavour.STDLIB)
        flavour = self.flavour(func.value)
        if flavour is Flavour.STDLIB and func.attr in _STDLIB_METHODS:
            return _make(node, func.attr, flavour)
        if flavour is Flavour.STRUCTLOG:
            method = func.attr
            if method not in _STRUCTLOG_METHODS and method[1:] in _STRUCTLOG_METHODS:
                method = method[1:] if method.startswith("a") else method
            if method in _STRUCTLOG_METHODS:
                return _make(node, method, flavour)
        return None

    def flavour(self, expr: ast.expr) -> Flavour | None:
        """Which library's logger an expression evaluates to, if known.

        Args:
            expr: An expression at the place the traversal is at.

        Returns:
            The library, or None when the expression is not known to be a logger.
        """
        return self._flavour(expr, enclosing_scopes(self.ctx.parents), 0)

    def _flavour(
        self, expr: ast.expr, chain: Sequence[ScopeNode], depth: int
    ) -> Flavour | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Call):
            return self._call_flavour(expr, chain, depth)
        if isinstance(expr, ast.Name):
            found = self.scopes.lookup(expr.id, chain)
            if found is None:
                return None
            return self._agree([(b, found.chain) for b in found.bindings], depth + 1)
        if isinstance(expr, ast.Attribute):
            if self.ctx.qualname(expr) == "logging.root":
                return Flavour.STDLIB
            return self._attribute_flavour(expr, chain, depth)
        return None

    def _call_flavour(
        self, expr: ast.Call, chain: Sequence[ScopeNode], depth: int
    ) -> Flavour | None:
        name = self.ctx.qualname(expr.func)
        if name is not None:
            return _FACTORIES.get(name)
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in _DERIVING:
            return self._flavour(func.value, chain, depth + 1)
        return None

    def _attribute_flavour(
        self, expr: ast.Attribute, chain: Sequence[ScopeNode], depth: int
    ) -> Flavour | None:
        owner = expr.value
        if not isinstance(owner, ast.Name) or not chain:
            return None
        method = chain[-1]
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        params = method.args.posonlyargs + method.args.args
        if not params or params[0].arg != owner.id:
            return None
        klass = self._class_of(method)
        if klass is None:
            return None
        return self._agree(self.scopes.self_attribute(klass, expr.attr), depth + 1)

    def _class_of(
        self, method: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> ast.ClassDef | None:
        return self.ctx.class_of(method)

    def _agree(
        self,
        bindings: Sequence[tuple[Binding, Sequence[ScopeNode]]],
        depth: int,
    ) -> Flavour | None:
        """The flavour every binding agrees on, or None."""
        flavours = {self._binding_flavour(b, chain, depth) for b, chain in bindings}
        if len(flavours) != 1:
            return None
        return flavours.pop()

    def _binding_flavour(
        self, binding: Binding, chain: Sequence[ScopeNode], depth: int
    ) -> Flavour | None:
        if binding.annotation is not None:
            typed = _TYPES.get(self.ctx.qualname(binding.annotation) or "")
            if typed is not None:
                return typed
        if binding.value is None or binding.via_with:
            return None
        return self._flavour(binding.value, chain, depth)


def loggers_of(ctx: Context) -> Loggers:
    """The logger resolver of a file, shared by every rule checking it.

    Args:
        ctx: The file's context.

    Returns:
        The resolver, built on first request.
    """
    return ctx.shared("log_common.loggers", lambda: Loggers(ctx))


def _make(node: ast.Call, method: str, flavour: Flavour) -> LogCall:
    position = 1 if method == "log" else 0
    message: ast.expr | None = None
    if len(node.args) > position and not any(
        isinstance(a, ast.Starred) for a in node.args[: position + 1]
    ):
        message = node.args[position]
    else:
        for keyword in node.keywords:
            if keyword.arg in {"msg", "event"}:
                message = keyword.value
    return LogCall(node, method, flavour, message)


__all__ = [
    "LEVEL_METHODS",
    "Flavour",
    "LogCall",
    "Loggers",
    "has_star_kwargs",
    "keyword",
    "loggers_of",
]
