"""What a name holds: the bindings of names per scope, for rules that resolve values.

Rules that need to know whether ``log`` is a logger or ``client`` an HTTP client ask
:class:`Scopes` for the bindings of a name as seen from a place in the tree. Python's
own scoping is followed: a name bound anywhere in a function is local to it (unless
declared ``global``/``nonlocal``), class bodies do not enclose their methods, and the
module scope comes last. Only bindings whose value is known are useful to callers;
every other binding (a ``for`` target, an unpacking, an ``except ... as``) is recorded
without a value so that callers can refuse to guess.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pyprotocol.rules.base import Context

type ScopeNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
_NESTED: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPREHENSIONS: Final = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


@dataclass(frozen=True, slots=True)
class Binding:
    """One binding of a name: its value and annotation when known."""

    value: ast.expr | None
    annotation: ast.expr | None = None
    #: The ``with``/``async with`` statement that bound the name, if any.
    via_with: bool = False


@dataclass(frozen=True, slots=True)
class Found:
    """The bindings of a name in the scope that owns it."""

    bindings: tuple[Binding, ...]
    #: The enclosing functions of that scope, outermost first (empty: module).
    chain: tuple[ScopeNode, ...]


def local_nodes(nodes: Sequence[ast.AST]) -> Iterator[ast.AST]:
    """Walk nodes without entering nested functions, classes or lambdas.

    The nested definitions themselves are yielded (their decorators, defaults and
    bases are not walked).

    Args:
        nodes: The roots, e.g. a function body.

    Yields:
        Every node under the roots that runs in the same frame.
    """
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def enclosing_scopes(parents: Sequence[ast.AST]) -> tuple[ScopeNode, ...]:
    """The functions (and lambdas) enclosing a place, outermost first.

    Args:
        parents: The ancestors of the place, outermost first.

    Returns:
        The enclosing function scopes.
    """
    return tuple(
        node
        for node in parents
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
    )


class _Collector:
    """Gathers the bindings of one scope."""

    def __init__(self) -> None:
        self.bindings: dict[str, list[Binding]] = {}
        self.declared_outer: set[str] = set()

    def add(self, name: str, binding: Binding) -> None:
        self.bindings.setdefault(name, []).append(binding)

    def target(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.add(target.id, Binding(value))
        elif isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self.target(element, None)
        elif isinstance(target, ast.Starred):
            self.target(target.value, None)

    def statement(self, node: ast.AST) -> None:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                self.target(target, node.value)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name):
                self.add(node.target.id, Binding(node.value, node.annotation))
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor):
            self.target(node.target, None)
        elif isinstance(node, ast.NamedExpr):
            self.add(node.target.id, Binding(node.value))
        elif isinstance(node, ast.With | ast.AsyncWith):
            self.with_items(node.items)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            self.declared_outer.update(node.names)
        else:
            for name in _opaque_names(node):
                self.add(name, Binding(None))

    def with_items(self, items: list[ast.withitem]) -> None:
        for item in items:
            if isinstance(item.optional_vars, ast.Name):
                binding = Binding(item.context_expr, via_with=True)
                self.add(item.optional_vars.id, binding)
            elif item.optional_vars is not None:
                self.target(item.optional_vars, None)

    def walk(self, nodes: Sequence[ast.AST]) -> None:
        stack = list(reversed(nodes))
        while stack:
            node = stack.pop()
            self.statement(node)
            if isinstance(node, _NESTED):
                continue
            if isinstance(node, _COMPREHENSIONS):
                # Comprehension targets are local to the comprehension; only a
                # walrus inside binds here, and it is picked up below.
                stack.extend(n for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
                continue
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _opaque_names(node: ast.AST) -> list[str]:
    """Names a statement binds to values this module cannot follow."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [alias.asname or alias.name.partition(".")[0] for alias in node.names]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar):
        return [node.name] if node.name else []
    if isinstance(node, ast.MatchMapping):
        return [node.rest] if node.rest else []
    return []


def _parameters(node: ScopeNode, collector: _Collector) -> None:
    args = node.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    for arg in every:
        collector.add(arg.arg, Binding(None, arg.annotation))


class Scopes:
    """The bindings of every scope of a module, computed on demand."""

    def __init__(self, tree: ast.Module) -> None:
        """Index a module.

        Args:
            tree: The module.
        """
        self.tree = tree
        self._cache: dict[int, _Collector] = {}
        self._attributes: dict[
            int, dict[str, list[tuple[Binding, tuple[ScopeNode, ...]]]]
        ] = {}

    def _scope(self, node: ast.Module | ScopeNode) -> _Collector:
        found = self._cache.get(id(node))
        if found is None:
            found = _Collector()
            if isinstance(node, ast.Module):
                found.walk(node.body)
            else:
                _parameters(node, found)
                body = [node.body] if isinstance(node, ast.Lambda) else node.body
                found.walk(body)
            self._cache[id(node)] = found
        return found

    def lookup(self, name: str, chain: Sequence[ScopeNode]) -> Found | None:
        """The bindings of ``name`` as seen from inside the innermost of ``chain``.

        Args:
            name: The name.
            chain: The enclosing function scopes, outermost first.

        Returns:
            The bindings and the scope chain they live in, or None when nothing in
            the module binds the name (a builtin, a star import, a typo).
        """
        for depth in range(len(chain), 0, -1):
            scope = self._scope(chain[depth - 1])
            if name in scope.declared_outer:
                # ``global``/``nonlocal``: the binding lives further out.
                continue
            if name in scope.bindings:
                return Found(tuple(scope.bindings[name]), tuple(chain[:depth]))
        module = self._scope(self.tree)
        if name in module.bindings:
            return Found(tuple(module.bindings[name]), ())
        return None

    def self_attribute(
        self, klass: ast.ClassDef, attr: str
    ) -> list[tuple[Binding, tuple[ScopeNode, ...]]]:
        """What ``self.<attr>`` / ``cls.<attr>`` is assigned across a class.

        Looks at class-body assignments and at ``self.<attr> = value`` in the
        class's own methods (the first parameter's name stands for ``self``).

        Args:
            klass: The class.
            attr: The attribute name.

        Returns:
            Each assignment with the scope chain its value is evaluated in; empty
            when the class never assigns the attribute.
        """
        table = self._attributes.get(id(klass))
        if table is None:
            table = self._attributes[id(klass)] = self._attribute_table(klass)
        return table.get(attr, [])

    def _attribute_table(
        self, klass: ast.ClassDef
    ) -> dict[str, list[tuple[Binding, tuple[ScopeNode, ...]]]]:
        table: dict[str, list[tuple[Binding, tuple[ScopeNode, ...]]]] = {}
        for name, bindings in self._class_body(klass).bindings.items():
            table[name] = [(b, ()) for b in bindings]
        for method in klass.body:
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = method.args.posonlyargs + method.args.args
            if not params:
                continue
            me = params[0].arg
            for node in local_nodes(method.body):
                for target, value, annotation in _attribute_targets(node):
                    if isinstance(target.value, ast.Name) and target.value.id == me:
                        entry = (Binding(value, annotation), (method,))
                        table.setdefault(target.attr, []).append(entry)
        return table

    def _class_body(self, klass: ast.ClassDef) -> _Collector:
        found = self._cache.get(id(klass))
        if found is None:
            found = _Collector()
            for stmt in klass.body:
                found.statement(stmt)
            self._cache[id(klass)] = found
        return found


def _attribute_targets(
    node: ast.AST,
) -> Iterator[tuple[ast.Attribute, ast.expr | None, ast.expr | None]]:
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Attribute):
                yield target, node.value, None
            else:
                yield from _opaque_attributes(target)
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Attribute):
        yield node.target, node.value, node.annotation
    elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor):
        yield from _opaque_attributes(node.target)
    elif isinstance(node, ast.With | ast.AsyncWith):
        for item in node.items:
            if item.optional_vars is not None:
                yield from _opaque_attributes(item.optional_vars)


def _opaque_attributes(
    target: ast.expr,
) -> Iterator[tuple[ast.Attribute, ast.expr | None, ast.expr | None]]:
    """Attribute targets whose assigned value cannot be followed."""
    for node in ast.walk(target):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            yield node, None, None


def scopes_of(ctx: Context) -> Scopes:
    """The bindings index of a file, shared by every rule checking it.

    Args:
        ctx: The file's context.

    Returns:
        The index, built on first request.
    """
    return ctx.shared("scope_names.scopes", lambda: Scopes(ctx.tree))


__all__ = [
    "Binding",
    "Found",
    "ScopeNode",
    "Scopes",
    "enclosing_scopes",
    "local_nodes",
    "scopes_of",
]
