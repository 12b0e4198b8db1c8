"""Where a value comes from: the class or factory that made it, for the async rules.

``Origins.origin(expr)`` answers "``client`` was made by ``httpx.AsyncClient(...)``"
by following the bindings of names (assignments, ``with ... as``, annotations of
parameters and variables) and of ``self.<attr>`` across a class. Path arithmetic is
followed too: ``Path(x) / "a"``, ``p.parent``, ``p.with_suffix(...)`` stay paths.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pyprotocol.rules.base import Context
from pyprotocol.rules.scope_names import (
    Binding,
    ScopeNode,
    Scopes,
    enclosing_scopes,
    scopes_of,
)

PATH_TYPES: Final = frozenset(
    {"pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath"}
)
_PATH_CLASSMETHODS: Final = frozenset({"cwd", "home"})
_PATH_RETURNING: Final = frozenset(
    {
        "with_name",
        "with_suffix",
        "with_stem",
        "joinpath",
        "resolve",
        "absolute",
        "expanduser",
        "relative_to",
    }
)
_MAX_DEPTH: Final = 8


@dataclass(frozen=True, slots=True)
class Origin:
    """The qualified name of what made a value, and the call that did, if seen."""

    name: str
    call: ast.Call | None = None


class Origins:
    """Resolves the origin of expressions in one file."""

    def __init__(self, ctx: Context, scopes: Scopes | None = None) -> None:
        """Prepare for one file.

        Args:
            ctx: The file's context.
            scopes: Shared scope bindings, computed here when omitted.
        """
        self.ctx = ctx
        self.scopes = scopes or scopes_of(ctx)

    def origin(self, expr: ast.expr) -> Origin | None:
        """What made the value of ``expr``, at the place the traversal is at.

        Args:
            expr: An expression.

        Returns:
            Its origin, or None when unknown.
        """
        return self._origin(expr, enclosing_scopes(self.ctx.parents), 0)

    def _origin(
        self, expr: ast.expr, chain: Sequence[ScopeNode], depth: int
    ) -> Origin | None:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(expr, ast.Call):
            return self._call_origin(expr, chain, depth)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return _as_path(self._origin(expr.left, chain, depth + 1))
        if isinstance(expr, ast.Name):
            found = self.scopes.lookup(expr.id, chain)
            if found is None:
                return None
            return self._agree([(b, found.chain) for b in found.bindings], depth)
        if isinstance(expr, ast.Attribute):
            if expr.attr == "parent":
                return _as_path(self._origin(expr.value, chain, depth + 1))
            return self._attribute_origin(expr, chain, depth)
        return None

    def _call_origin(
        self, expr: ast.Call, chain: Sequence[ScopeNode], depth: int
    ) -> Origin | None:
        name = self.ctx.qualname(expr.func)
        if name is not None:
            owner, _, method = name.rpartition(".")
            if owner in PATH_TYPES and method in _PATH_CLASSMETHODS:
                return Origin(owner, expr)
            return Origin(name, expr)
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in _PATH_RETURNING:
            return _as_path(self._origin(func.value, chain, depth + 1))
        return None

    def _attribute_origin(
        self, expr: ast.Attribute, chain: Sequence[ScopeNode], depth: int
    ) -> Origin | None:
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
        return self._agree(self.scopes.self_attribute(klass, expr.attr), depth)

    def _class_of(
        self, method: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> ast.ClassDef | None:
        return self.ctx.class_of(method)

    def _agree(
        self,
        bindings: Sequence[tuple[Binding, Sequence[ScopeNode]]],
        depth: int,
    ) -> Origin | None:
        """The origin every binding agrees on (by name), or None."""
        origins = [self._binding_origin(b, chain, depth + 1) for b, chain in bindings]
        if not origins or any(o is None for o in origins):
            return None
        names = {o.name for o in origins if o is not None}
        if len(names) != 1:
            return None
        # One binding: keep its call (to read its arguments); several: only the name.
        return origins[0] if len(origins) == 1 else Origin(names.pop())

    def _binding_origin(
        self, binding: Binding, chain: Sequence[ScopeNode], depth: int
    ) -> Origin | None:
        if binding.annotation is not None:
            name = self.ctx.qualname(binding.annotation)
            if name is not None:
                return Origin(name)
        if binding.value is None:
            return None
        return self._origin(binding.value, chain, depth)


def origins_of(ctx: Context) -> Origins:
    """The origin resolver of a file, shared by every rule checking it.

    Args:
        ctx: The file's context.

    Returns:
        The resolver, built on first request.
    """
    return ctx.shared("async_common.origins", lambda: Origins(ctx))


def _as_path(origin: Origin | None) -> Origin | None:
    if origin is not None and origin.name in PATH_TYPES:
        return Origin(origin.name)
    return None


__all__ = ["PATH_TYPES", "Origin", "Origins", "origins_of"]
