"""PP101: generic classes and functions declared with old-style type variables.

The module also holds the PEP 695 helpers that PP102 reuses: reading module-level
``TypeVar`` / ``ParamSpec`` / ``TypeVarTuple`` definitions, turning them into type
parameters, and deleting the definitions (and imports) that a rewrite leaves unused.

ruff's UP046/UP047 split classes from functions, skip definitions nested in other
functions or classes, skip TypeVars with defaults, mark every fix unsafe and leave the
``T = TypeVar("T")`` lines behind. This rule handles classes, functions and methods
at any depth in one pass (methods using their class's TypeVars stay as they are), is
unsafe only where variance is declared, writes PEP 696 defaults for 3.13 targets, and
deletes the definitions nothing needs any more: not when ``__all__`` lists them or
another module of the package imports them.
"""

from __future__ import annotations

import ast
import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path, PurePath
from typing import ClassVar, Final

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import RemoveImportsVisitor

from pyprotocol.fixes.common import positions, update_imports
from pyprotocol.model import Applicability, FixInfo, Severity
from pyprotocol.rules.base import (
    TYPING_MODULES,
    Context,
    Examples,
    Fixed,
    FixRequest,
    Rule,
)

#: The ``typing`` factories whose results PEP 695 spells as type parameters.
TYPEVAR_KINDS: Final = ("TypeVar", "ParamSpec", "TypeVarTuple")
_MARKERS: Final = ("Generic", "Protocol")
_KEYWORDS: Final[Mapping[str, frozenset[str]]] = {
    "TypeVar": frozenset(
        {"bound", "covariant", "contravariant", "infer_variance", "default"}
    ),
    "ParamSpec": frozenset(
        {"bound", "covariant", "contravariant", "infer_variance", "default"}
    ),
    "TypeVarTuple": frozenset({"default"}),
}
_PREFIX: Final[Mapping[str, str]] = {
    "TypeVar": "",
    "ParamSpec": "**",
    "TypeVarTuple": "*",
}
_MAX_STRING: Final = 400
_MAX_PACKAGE_FILES: Final = 5000
_IMPORT_CLAUSE: Final = re.compile(r"\bimport\s*(\([^)]*\)|[^\n;#]*)")
#: Names that read like type variables: ``T``, ``KT``, ``T1``, ``NodeT``, ``T_co``.
_TYPEVAR_NAME: Final = re.compile(
    r"[A-Z][A-Za-z]?[0-9]*|[A-Za-z0-9]*[a-z0-9]T[0-9]*|[A-Za-z0-9_]+_(?:co|contra)"
)
#: The Python that checks fixed output: it must parse what a fix writes.
RUNNING_PYTHON: Final[tuple[int, int]] = (
    sys.version_info.major,
    sys.version_info.minor,
)
_FIX_TITLE: Final = "Declare PEP 695 type parameters"
_VARIANCE_REASON: Final = (
    "{names} declared with explicit variance: with PEP 695 the type checker infers "
    "variance from how the class uses it, and the inferred variance must match"
)

Scope = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
_SCOPES: Final = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


# -- reading TypeVar definitions -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TypeVarDef:
    """A name the module uses as a type variable, and whether PEP 695 can declare it.

    Attributes:
        name: The Python name (``T`` in ``T = TypeVar("T")``).
        kind: ``TypeVar``, ``ParamSpec`` or ``TypeVarTuple``.
        statement: The one module-level assignment defining it, when readable.
        problem: Why it cannot become a type parameter; None when it can.
        variance: ``covariant`` or ``contravariant`` when declared so.
        has_default: Whether it has a PEP 696 ``default=``.
        module_alias: ``(module, local name)`` when the factory is reached as
            ``t.TypeVar`` through ``import typing as t``.
    """

    name: str
    kind: str
    statement: ast.Assign | None = None
    problem: str | None = None
    variance: str | None = None
    has_default: bool = False
    module_alias: tuple[str, str] | None = None

    @property
    def spelled(self) -> str:
        """The parameter as PEP 695 writes it: ``T``, ``*Ts`` or ``**P``."""
        return f"{_PREFIX[self.kind]}{self.name}"


def _unreadable(name: str, kind: str) -> TypeVarDef:
    return TypeVarDef(name, kind, problem=f"cannot read the definition of `{name}`")


def _typevar_kind(ctx: Context, value: ast.expr | None) -> str | None:
    if isinstance(value, ast.Call):
        kind = ctx.typing_name(value.func)
        if kind in TYPEVAR_KINDS:
            return kind
    return None


def _variance(keywords: Mapping[str, ast.expr]) -> tuple[bool, str | None]:
    declared: str | None = None
    for key in ("covariant", "contravariant", "infer_variance"):
        value = keywords.get(key)
        if value is None:
            continue
        if not (isinstance(value, ast.Constant) and isinstance(value.value, bool)):
            return False, None
        if value.value and key != "infer_variance":
            declared = key
    return True, declared


def _shape_problem(ctx: Context, kind: str, call: ast.Call) -> bool:
    """True when the call's arguments are not a form the fix can copy."""
    args = call.args
    if any(isinstance(arg, ast.Starred) for arg in args):
        return True
    if any(keyword.arg is None for keyword in call.keywords):
        return True
    keywords = {keyword.arg for keyword in call.keywords if keyword.arg}
    if not keywords <= _KEYWORDS[kind]:
        return True
    if len(args) > 1 and (kind != "TypeVar" or "bound" in keywords):
        return True
    default = next((k.value for k in call.keywords if k.arg == "default"), None)
    return (
        kind == "TypeVarTuple"
        and default is not None
        and not (
            isinstance(default, ast.Subscript)
            and ctx.typing_name(default.value) == "Unpack"
        )
    )


def _read_definition(
    ctx: Context, name: str, kind: str, stmt: ast.Assign
) -> TypeVarDef:
    call = stmt.value
    if not isinstance(call, ast.Call) or not call.args:
        return _unreadable(name, kind)
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return _unreadable(name, kind)
    if first.value != name:
        problem = f'`{name} = {kind}("{first.value}")` gives the {kind} another name'
        return TypeVarDef(name, kind, problem=problem)
    if _shape_problem(ctx, kind, call):
        return _unreadable(name, kind)
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    readable, variance = _variance(keywords)
    if not readable:
        return _unreadable(name, kind)
    if kind == "ParamSpec" and "bound" in keywords:
        problem = f"`{name}` has a ParamSpec bound, which PEP 695 cannot spell"
        return TypeVarDef(name, kind, problem=problem)
    return TypeVarDef(
        name,
        kind,
        statement=stmt,
        variance=variance,
        has_default="default" in keywords,
        module_alias=module_alias(ctx, call.func),
    )


def module_statements(
    body: Sequence[ast.stmt], nested: bool = False
) -> Iterator[tuple[ast.stmt, bool]]:
    """Module-level statements, also those under ``if``/``try``/``with``/loops.

    Args:
        body: The statements of a module (or of a block in it).
        nested: Whether ``body`` is inside a block.

    Yields:
        Each statement and whether it is inside a block.
    """
    for stmt in body:
        yield stmt, nested
        if isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While):
            yield from module_statements([*stmt.body, *stmt.orelse], nested=True)
        elif isinstance(stmt, ast.With | ast.AsyncWith):
            yield from module_statements(stmt.body, nested=True)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            handlers = [s for h in stmt.handlers for s in h.body]
            blocks = [*stmt.body, *handlers, *stmt.orelse, *stmt.finalbody]
            yield from module_statements(blocks, nested=True)


def _assigned_typevars(ctx: Context, stmt: ast.stmt) -> Iterator[tuple[str, str]]:
    """(name, kind) for every TypeVar-like factory call assigned by ``stmt``."""
    if not isinstance(stmt, ast.Assign | ast.AnnAssign) or stmt.value is None:
        return
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    for target in targets:
        if isinstance(target, ast.Name):
            kind = _typevar_kind(ctx, stmt.value)
            if kind is not None:
                yield target.id, kind
        elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple):
            for element, value in zip(target.elts, stmt.value.elts, strict=False):
                kind = _typevar_kind(ctx, value)
                if isinstance(element, ast.Name) and kind is not None:
                    yield element.id, kind


def _collect_definitions(ctx: Context) -> dict[str, TypeVarDef]:
    defs: dict[str, TypeVarDef] = {}
    for stmt, nested in module_statements(ctx.tree.body):
        for name, kind in _assigned_typevars(ctx, stmt):
            simple = (
                not nested
                and isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            )
            if name in defs:
                problem = f"`{name}` is bound more than once in this module"
                defs[name] = TypeVarDef(name, kind, problem=problem)
            elif simple and isinstance(stmt, ast.Assign):
                defs[name] = _read_definition(ctx, name, kind, stmt)
            elif nested:
                problem = f"`{name}` is defined inside a block (`if`, `try`, ...)"
                defs[name] = TypeVarDef(name, kind, problem=problem)
            else:
                defs[name] = _unreadable(name, kind)
    return defs


def _module_bindings(tree: ast.Module) -> Counter[str]:
    """How often each name is bound in module scope (not inside defs or classes)."""
    counts: Counter[str] = Counter()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            counts[node.name] += 1
            continue
        if isinstance(
            node,
            ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp,
        ):
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            counts[node.id] += 1
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                counts[alias.asname or alias.name.partition(".")[0]] += 1
        stack.extend(ast.iter_child_nodes(node))
    return counts


def _dunder_all(tree: ast.Module) -> frozenset[str]:
    names: set[str] = set()
    for stmt in tree.body:
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, ast.AnnAssign | ast.AugAssign)
            else []
        )
        value = getattr(stmt, "value", None)
        if (
            any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets)
            and value
        ):
            names.update(
                node.value
                for node in ast.walk(value)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            )
    return frozenset(names)


def _marker_items(node: ast.Subscript) -> list[ast.expr]:
    return list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]


def _listed_name(ctx: Context, item: ast.expr) -> tuple[str, str] | None:
    """The (name, kind) of a ``Generic[...]`` item: ``T``, ``*Ts`` or ``Unpack[Ts]``."""
    if isinstance(item, ast.Name):
        return item.id, "TypeVar"
    if isinstance(item, ast.Starred) and isinstance(item.value, ast.Name):
        return item.value.id, "TypeVarTuple"
    if (
        isinstance(item, ast.Subscript)
        and ctx.typing_name(item.value) == "Unpack"
        and isinstance(item.slice, ast.Name)
    ):
        return item.slice.id, "TypeVarTuple"
    return None


def _imports_typing_generics(ctx: Context) -> bool:
    """Cheap gate: does the module import anything a type variable needs?"""
    wanted = {*TYPEVAR_KINDS, *_MARKERS}
    for qualified in ctx.imports.names.values():
        module, _, member = qualified.rpartition(".")
        if qualified in TYPING_MODULES or (
            module in TYPING_MODULES and member in wanted
        ):
            return True
    return False


def typevar_table(ctx: Context) -> TypeVarTable:
    """The type variables of a file, shared by the rules that need them.

    Args:
        ctx: The file's context.

    Returns:
        The table, built once per file.
    """
    return ctx.shared("typing_pep695.typevars", lambda: TypeVarTable(ctx))


class TypeVarTable:
    """The type variables one module uses, and which of them PEP 695 can declare.

    Known are the module-level ``TypeVar``/``ParamSpec``/``TypeVarTuple`` assignments
    and every name listed in a ``Generic[...]`` or ``Protocol[...]`` (those can only be
    type variables, even when imported).
    """

    def __init__(self, ctx: Context) -> None:
        """Scan the module of ``ctx``.

        Args:
            ctx: The context of the file (its tree and imports).
        """
        self.ctx = ctx
        self.defs: dict[str, TypeVarDef] = {}
        if not _imports_typing_generics(ctx):
            return
        self.defs = _collect_definitions(ctx)
        for node in ctx.nodes_of(ast.Subscript):
            if ctx.typing_name(node.value) in _MARKERS:
                self._add_listed(node)
        for name, definition in list(self.defs.items()):
            if definition.problem is None and self.bindings[name] > 1:
                problem = f"`{name}` is bound more than once in this module"
                self.defs[name] = replace(definition, problem=problem, statement=None)

    @cached_property
    def exported(self) -> frozenset[str]:
        """The names ``__all__`` lists."""
        return _dunder_all(self.ctx.tree)

    @cached_property
    def bindings(self) -> Counter[str]:
        """How often each name is bound at module level (``global`` adds one)."""
        counts = _module_bindings(self.ctx.tree)
        declared: list[ast.Global | ast.Nonlocal] = [
            *self.ctx.nodes_of(ast.Global),
            *self.ctx.nodes_of(ast.Nonlocal),
        ]
        counts.update(name for node in declared for name in node.names)
        return counts

    def _add_listed(self, node: ast.Subscript) -> None:
        for item in _marker_items(node):
            listed = _listed_name(self.ctx, item)
            if listed is None or listed[0] in self.defs:
                continue
            name, kind = listed
            if name in self.ctx.imports.names:
                problem = f"`{name}` is imported: its definition is not in this module"
                self.defs[name] = TypeVarDef(name, kind, problem=problem)
            else:
                self.defs[name] = _unreadable(name, kind)

    def __contains__(self, name: object) -> bool:
        """Tell whether ``name`` is a known type variable of the module."""
        return name in self.defs


# -- where type variables are used -----------------------------------------------------
@lru_cache(maxsize=4096)
def parse_type_string(text: str) -> ast.expr | None:
    """Parse a quoted annotation (forward reference) as an expression.

    Args:
        text: The string's value.

    Returns:
        The expression, or None when it is too long or not an expression.
    """
    if len(text) > _MAX_STRING:
        return None
    try:
        return ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return None


def _type_children(ctx: Context, node: ast.AST) -> list[ast.AST]:
    """The children of ``node`` that are type expressions, in source order."""
    if isinstance(node, ast.Subscript):
        kind = ctx.typing_name(node.value)
        if kind == "Literal":
            return [node.value]  # `Literal["T"]` holds a string, not a type
        if kind == "Annotated" and isinstance(node.slice, ast.Tuple):
            return [node.value, *node.slice.elts[:1]]  # metadata is not a type
    return list(ast.iter_child_nodes(node))


def _names_in_order(ctx: Context, root: ast.AST, strings: bool) -> Iterator[ast.Name]:
    """The ``Name`` nodes under ``root`` in source order (depth first)."""
    stack: list[ast.AST] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            yield node
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            parsed = parse_type_string(node.value) if strings else None
            if parsed is not None:
                stack.append(parsed)
        else:
            stack.extend(reversed(_type_children(ctx, node)))


def typevars_in(
    roots: Iterable[ast.AST],
    table: TypeVarTable,
    *,
    strings: bool = True,
    exclude: Iterable[str] = (),
) -> list[str]:
    """The known type variables used under ``roots``, in order of first appearance.

    Args:
        roots: Expressions (annotations, bases, alias values).
        table: The module's type variables.
        strings: Also look inside quoted forward references.
        exclude: Names bound elsewhere (type parameters, enclosing scopes).

    Returns:
        The names, without repeats.
    """
    skip = set(exclude)
    found: dict[str, None] = {}
    for root in roots:
        for node in _names_in_order(table.ctx, root, strings):
            if node.id in table and node.id not in skip:
                found.setdefault(node.id)
    return list(found)


def foreign_typevar(
    roots: Iterable[ast.AST], table: TypeVarTable, *, strings: bool = True
) -> str | None:
    """An imported name under ``roots`` that may be a TypeVar the module cannot see.

    PEP 695 parameters cannot be mixed with old-style TypeVars in one signature, so a
    definition that uses an imported ``NodeT`` (a TypeVar, by its name) is left alone.

    Args:
        roots: Expressions (annotations, bases, alias values).
        table: The module's type variables.
        strings: Also look inside quoted forward references.

    Returns:
        The first such name, or None.
    """
    ctx = table.ctx
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Attribute) and ctx.typing_name(node) == "AnyStr":
                return "AnyStr"  # `typing.AnyStr` is a TypeVar too
        for node in _names_in_order(table.ctx, root, strings):
            if node.id not in table and _may_be_typevar(ctx, node):
                return node.id
    return None


def _may_be_typevar(ctx: Context, node: ast.Name) -> bool:
    """Tell whether an imported name is, or reads like, a type variable."""
    qualified = ctx.imports.names.get(node.id)
    if qualified is None or qualified in ctx.imports.modules:  # `import x.y as ET`
        return False
    member = ctx.typing_name(node)
    if member is not None:
        return member == "AnyStr"
    return bool(_TYPEVAR_NAME.fullmatch(node.id.lstrip("_")))


def _foreign_problem(name: str) -> str:
    return (
        f"`{name}` is imported and may be a TypeVar, which cannot be mixed with "
        "PEP 695 type parameters"
    )


def _signature(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    args = node.args
    params = [
        *args.posonlyargs,
        *args.args,
        *([args.vararg] if args.vararg else []),
        *args.kwonlyargs,
        *([args.kwarg] if args.kwarg else []),
    ]
    annotations = [param.annotation for param in params if param.annotation is not None]
    if node.returns is not None:
        annotations.append(node.returns)
    return annotations


def type_param_names(node: ast.AST) -> frozenset[str]:
    """The names of a definition's own PEP 695 type parameters.

    Args:
        node: A class, function or ``type`` statement (anything else has none).

    Returns:
        The names.
    """
    params: list[ast.type_param] = getattr(node, "type_params", None) or []
    return frozenset(
        param.name
        for param in params
        if isinstance(param, ast.TypeVar | ast.ParamSpec | ast.TypeVarTuple)
    )


@dataclass(frozen=True, slots=True)
class _ClassGenerics:
    markers: tuple[tuple[int, ast.Subscript], ...]
    listed: tuple[str, ...] | None
    from_bases: tuple[str, ...]


def _class_generics(
    node: ast.ClassDef, outer: frozenset[str], table: TypeVarTable
) -> _ClassGenerics:
    ctx = table.ctx
    markers = tuple(
        (index, base)
        for index, base in enumerate(node.bases)
        if isinstance(base, ast.Subscript) and ctx.typing_name(base.value) in _MARKERS
    )
    others = [base for base in node.bases if all(base is not m for _, m in markers)]
    exclude = outer | type_param_names(node)
    from_bases = tuple(typevars_in(others, table, strings=False, exclude=exclude))
    listed: tuple[str, ...] | None = None
    if len(markers) == 1:
        items = [_listed_name(ctx, item) for item in _marker_items(markers[0][1])]
        if all(item is not None for item in items):
            listed = tuple(item[0] for item in items if item is not None)
    return _ClassGenerics(markers, listed, from_bases)


def scope_binds(
    node: Scope, outer: frozenset[str], table: TypeVarTable
) -> frozenset[str]:
    """The type variables a class or function binds for the code inside it.

    Args:
        node: The definition.
        outer: What enclosing scopes already bind.
        table: The module's type variables.

    Returns:
        Its PEP 695 parameters plus the old-style TypeVars it is generic over.
    """
    own = type_param_names(node)
    if isinstance(node, ast.ClassDef):
        generics = _class_generics(node, outer, table)
        listed = generics.listed or ()
        return own | frozenset(listed) | frozenset(generics.from_bases)
    return own | frozenset(typevars_in(_signature(node), table, exclude=outer | own))


def default_problem(name: str, target: tuple[int, int]) -> str | None:
    """Why a type variable with a PEP 696 default cannot be written as ``[T = ...]``.

    Args:
        name: The type variable.
        target: The target Python version.

    Returns:
        The reason, or None when the default can be written.
    """
    if target < (3, 13):
        return (
            f"`{name}` has a default (PEP 696), and `[{name} = ...]` needs target "
            f"Python 3.13; the target is {target[0]}.{target[1]}"
        )
    running = RUNNING_PYTHON
    if running < (3, 13):
        return (
            f"`{name}` has a default (PEP 696), and this Python "
            f"({running[0]}.{running[1]}) cannot check the `[{name} = ...]` it "
            "would write"
        )
    return None


def params_problem(
    names: Sequence[str], table: TypeVarTable, target: tuple[int, int], *, ordered: bool
) -> str | None:
    """Why some type variables cannot all become PEP 695 type parameters.

    Args:
        names: The type variables, in parameter order.
        table: The module's type variables.
        target: The target Python version.
        ordered: Whether the order is fixed (a class's parameters): then a parameter
            with a default may not precede one without.

    Returns:
        The first reason found, or None when the fix can declare them all.
    """
    for name in names:
        definition = table.defs[name]
        if definition.problem is not None:
            return definition.problem
        if definition.has_default and (problem := default_problem(name, target)):
            return problem
    if ordered:
        seen_default: str | None = None
        for name in names:
            if table.defs[name].has_default:
                seen_default = seen_default or name
            elif seen_default is not None:
                return (
                    f"`{name}` has no default but follows `{seen_default}`, "
                    "which has one"
                )
    return None


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


# -- plans -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Plan:
    """What PP101 found on one definition and how its fix would rewrite it."""

    node: Scope
    params: tuple[str, ...]
    message: str
    problem: str | None = None
    unsafe: str | None = None
    marker: tuple[int, str] | None = None


def _spelled(names: Iterable[str], table: TypeVarTable) -> str:
    return ", ".join(table.defs[name].spelled for name in names)


def class_plan(
    node: ast.ClassDef,
    outer: frozenset[str],
    table: TypeVarTable,
    target: tuple[int, int],
) -> Plan | None:
    """Check a class for old-style generics.

    Args:
        node: The class.
        outer: The type variables enclosing scopes bind.
        table: The module's type variables.
        target: The target Python version.

    Returns:
        The plan, or None when the class is not generic in the old style.
    """
    generics = _class_generics(node, outer, table)
    if not generics.markers and not generics.from_bases:
        return None
    params = generics.listed if generics.markers else generics.from_bases
    params = params or ()
    if generics.markers:
        index, marker = generics.markers[0]
        kind = table.ctx.typing_name(marker.value) or "Generic"
        how = f"`{kind}[...]`"
        marker_info: tuple[int, str] | None = (index, kind)
    else:
        how, marker_info = "old-style TypeVars in its bases", None
    message = (
        f"generic class `{node.name}` declares its type parameters with {how}: "
        f"write `class {node.name}[{_spelled(params, table) or '...'}]`"
    )
    problem = _class_problem(node, generics, outer, table, target)
    variant = [name for name in params if table.defs[name].variance]
    unsafe = _VARIANCE_REASON.format(names=_quoted(variant)) if variant else None
    return Plan(node, tuple(params), message, problem, unsafe, marker_info)


def _class_problem(
    node: ast.ClassDef,
    generics: _ClassGenerics,
    outer: frozenset[str],
    table: TypeVarTable,
    target: tuple[int, int],
) -> str | None:
    if node.type_params:
        return f"`{node.name}` already has type parameters"
    if len(generics.markers) > 1:
        return "it subscripts `Generic`/`Protocol` more than once"
    if generics.markers and generics.listed is None:
        return "cannot read its `Generic[...]` arguments"
    listed = generics.listed or generics.from_bases
    missing = [name for name in generics.from_bases if name not in listed]
    if missing:
        return (
            f"its bases use {_quoted(missing)}, which its `Generic[...]` does not list"
        )
    foreign = foreign_typevar(node.bases, table, strings=False)
    if foreign is not None:
        return _foreign_problem(foreign)
    clash = [name for name in listed if name in outer]
    if clash:
        return f"{_quoted(clash)} is already bound by an enclosing class or function"
    return params_problem(listed, table, target, ordered=True)


def function_plan(
    node: ast.FunctionDef | ast.AsyncFunctionDef,
    outer: frozenset[str],
    table: TypeVarTable,
    target: tuple[int, int],
) -> Plan | None:
    """Check a function's signature for module-level type variables nothing binds.

    Args:
        node: The function or method.
        outer: The type variables enclosing scopes bind.
        table: The module's type variables.
        target: The target Python version.

    Returns:
        The plan, or None when the signature uses no unbound type variable.
    """
    names = typevars_in(_signature(node), table, exclude=outer | type_param_names(node))
    if not names:
        return None
    # Parameters with defaults must come last; a function's order is otherwise free.
    params = tuple(sorted(names, key=lambda name: table.defs[name].has_default))
    message = (
        f"`{node.name}` is generic over module-level {_quoted(names)}: "
        f"write `def {node.name}[{_spelled(params, table)}](...)`"
    )
    if node.type_params:
        problem: str | None = f"`{node.name}` already has type parameters"
    elif foreign := foreign_typevar(_signature(node), table):
        problem = _foreign_problem(foreign)
    else:
        problem = params_problem(params, table, target, ordered=False)
    return Plan(node, params, message, problem)


def walk_scopes(
    tree: ast.Module, table: TypeVarTable
) -> Iterator[tuple[Scope, frozenset[str]]]:
    """Every class and function with the type variables its enclosing scopes bind.

    Args:
        tree: The module.
        table: Its type variables.

    Yields:
        The definition and the enclosing bound names.
    """
    stack: list[tuple[ast.AST, frozenset[str]]] = [(tree, frozenset())]
    while stack:
        node, bound = stack.pop()
        if isinstance(node, _SCOPES):
            yield node, bound
            bound |= scope_binds(node, bound, table)
        stack.extend((child, bound) for child in ast.iter_child_nodes(node))


def plan_for(
    node: Scope, outer: frozenset[str], table: TypeVarTable, target: tuple[int, int]
) -> Plan | None:
    """Check one definition.

    Args:
        node: A class or function.
        outer: The type variables enclosing scopes bind.
        table: The module's type variables.
        target: The target Python version.

    Returns:
        The plan, or None when there is nothing to report.
    """
    if isinstance(node, ast.ClassDef):
        return class_plan(node, outer, table, target)
    return function_plan(node, outer, table, target)


# -- building the fix ------------------------------------------------------------------
def definition_calls(tree: cst.Module) -> dict[str, cst.Call]:
    """The ``Name = factory(...)`` calls at the top of a LibCST module, by name.

    Args:
        tree: The module.

    Returns:
        A map from the assigned name to its call.
    """
    calls: dict[str, cst.Call] = {}
    for line in tree.body:
        if not isinstance(line, cst.SimpleStatementLine):
            continue
        for stmt in line.body:
            if (
                isinstance(stmt, cst.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0].target, cst.Name)
                and isinstance(stmt.value, cst.Call)
            ):
                calls.setdefault(stmt.targets[0].target.value, stmt.value)
    return calls


def unquote(expr: cst.BaseExpression) -> cst.BaseExpression:
    """Drop the quotes of a forward reference that is a plain one-line expression.

    PEP 695 bounds, defaults and alias values are evaluated lazily, so quotes are
    not needed there.

    Args:
        expr: An expression.

    Returns:
        The unquoted expression, or ``expr`` itself.
    """
    if not isinstance(expr, cst.SimpleString | cst.ConcatenatedString):
        return expr
    value = expr.evaluated_value
    if not isinstance(value, str) or "\n" in value or parse_type_string(value) is None:
        return expr
    try:
        return cst.parse_expression(value.strip())
    except cst.ParserSyntaxError:
        return expr


def _type_param(definition: TypeVarDef, call: cst.Call) -> cst.TypeParam:
    name = cst.Name(definition.name)
    positional = [arg.value for arg in call.args if arg.keyword is None][1:]
    keywords = {
        arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None
    }
    param: cst.TypeVar | cst.ParamSpec | cst.TypeVarTuple
    if definition.kind == "ParamSpec":
        param = cst.ParamSpec(name)
    elif definition.kind == "TypeVarTuple":
        param = cst.TypeVarTuple(name)
    elif positional:
        param = cst.TypeVar(
            name, bound=cst.Tuple([cst.Element(unquote(c)) for c in positional])
        )
    else:
        bound = keywords.get("bound")
        param = cst.TypeVar(name, bound=None if bound is None else unquote(bound))
    default = keywords.get("default")
    if default is None:
        return cst.TypeParam(param)
    if definition.kind == "TypeVarTuple" and isinstance(default, cst.Subscript):
        index = default.slice[0].slice
        if isinstance(index, cst.Index):
            return cst.TypeParam(param, default=unquote(index.value), star="*")
    return cst.TypeParam(param, default=unquote(default))


def build_type_parameters(
    names: Sequence[str], table: TypeVarTable, calls: Mapping[str, cst.Call]
) -> cst.TypeParameters:
    """Spell type variables as a PEP 695 parameter list.

    Args:
        names: The type variables, in order; all readable.
        table: The module's type variables.
        calls: Their defining calls in the LibCST module.

    Returns:
        ``[T: Bound, *Ts, **P]``.
    """
    return cst.TypeParameters(
        [_type_param(table.defs[name], calls[name]) for name in names]
    )


def _rewrite_class(
    node: cst.ClassDef, marker: tuple[int, str] | None, params: cst.TypeParameters
) -> cst.ClassDef:
    bases = list(node.bases)
    if marker is not None and marker[0] < len(bases):
        index, kind = marker
        arg = bases[index]
        if kind == "Protocol" and isinstance(arg.value, cst.Subscript):
            bases[index] = arg.with_changes(value=arg.value.value)
        else:
            del bases[index]
            if bases and index == len(bases) and not node.keywords:
                bases[-1] = bases[-1].with_changes(comma=arg.comma)
    if not bases and not node.keywords:
        return node.with_changes(
            type_parameters=params,
            bases=[],
            lpar=cst.MaybeSentinel.DEFAULT,
            rpar=cst.MaybeSentinel.DEFAULT,
        )
    return node.with_changes(type_parameters=params, bases=bases)


class _Rewriter(cst.CSTTransformer):
    """Adds type parameters to the definitions whose name starts where a plan says."""

    def __init__(
        self,
        where: Mapping[cst.CSTNode, tuple[int, int]],
        plans: Mapping[tuple[int, int], Plan],
        table: TypeVarTable,
        calls: Mapping[str, cst.Call],
    ) -> None:
        super().__init__()
        self.where = where
        self.plans = plans
        self.table = table
        self.calls = calls

    def _plan(self, name: cst.Name) -> Plan | None:
        start = self.where.get(name)
        return None if start is None else self.plans.get(start)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        plan = self._plan(original_node.name)
        if plan is None:
            return updated_node
        params = build_type_parameters(plan.params, self.table, self.calls)
        return _rewrite_class(updated_node, plan.marker, params)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef:
        plan = self._plan(original_node.name)
        if plan is None:
            return updated_node
        params = build_type_parameters(plan.params, self.table, self.calls)
        return updated_node.with_changes(type_parameters=params)


# -- removing what the fix left unused -------------------------------------------------
def _push_scope(
    node: Scope,
    bound: frozenset[str],
    bindings: Mapping[ast.AST, frozenset[str]],
    stack: list[tuple[ast.AST, frozenset[str]]],
) -> None:
    """Push a definition's parts, each with the names bound where it is evaluated."""
    inner = bound | type_param_names(node) | bindings.get(node, frozenset())
    stack.extend((decorator, bound) for decorator in node.decorator_list)
    if isinstance(node, ast.ClassDef):
        parts: list[ast.AST] = [*node.bases, *node.keywords, *node.body]
        stack.extend((part, inner) for part in parts)
        return
    args = node.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    defaults = [*args.defaults, *args.kw_defaults]
    stack.extend((default, bound) for default in defaults if default is not None)
    stack.extend((param, inner) for param in params if param is not None)
    stack.extend(
        (part, inner)
        for part in [*node.body, *([node.returns] if node.returns else [])]
    )


def _uses_outside(
    table: TypeVarTable, bindings: Mapping[ast.AST, frozenset[str]], names: set[str]
) -> set[str]:
    """Which of ``names`` the module still uses where no rewritten scope binds them.

    Args:
        table: The module's type variables.
        bindings: The definitions being rewritten and the names each will bind.
        names: The candidate type variables.

    Returns:
        The names still needed at module level.
    """
    skip = {id(table.defs[name].statement) for name in names}
    used: set[str] = set()
    stack: list[tuple[ast.AST, frozenset[str]]] = [(table.ctx.tree, frozenset())]
    while stack:
        node, bound = stack.pop()
        if id(node) in skip:
            continue
        if isinstance(node, _SCOPES):
            _push_scope(node, bound, bindings, stack)
            continue
        if isinstance(node, ast.TypeAlias) or node in bindings:
            bound = bound | type_param_names(node) | bindings.get(node, frozenset())
        if isinstance(node, ast.Name):
            if node.id in names and node.id not in bound:
                used.add(node.id)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            used.update(name for name in node.names if name in names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            parsed = parse_type_string(node.value)
            if parsed is not None:
                stack.append((parsed, bound))
        stack.extend((child, bound) for child in ast.iter_child_nodes(node))
    return used


def _drop_definitions(tree: cst.Module, names: set[str]) -> cst.Module:
    """Remove the module-level ``name = TypeVar(...)`` statements of ``names``."""
    body: list[cst.BaseStatement] = []
    carry: list[cst.EmptyLine] = []
    for line in tree.body:
        if isinstance(line, cst.SimpleStatementLine):
            kept = [stmt for stmt in line.body if not _defines(stmt, names)]
            if not kept:
                carry = carry or [
                    empty for empty in line.leading_lines if empty.comment is None
                ]
                continue
            if len(kept) < len(line.body):
                kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
                line = line.with_changes(body=kept)
        if carry and not line.leading_lines:
            line = line.with_changes(leading_lines=carry)
        carry = []
        body.append(line)
    return tree.with_changes(body=body)


def _defines(stmt: cst.BaseSmallStatement, names: set[str]) -> bool:
    return (
        isinstance(stmt, cst.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0].target, cst.Name)
        and stmt.targets[0].target.value in names
        and isinstance(stmt.value, cst.Call)
    )


def finish_fix(
    tree: cst.Module,
    table: TypeVarTable,
    bindings: Mapping[ast.AST, frozenset[str]],
    imports: Iterable[tuple[str, str | None]] = (),
    modules: Iterable[tuple[str, str]] = (),
    path: PurePath | None = None,
) -> cst.Module:
    """Delete the TypeVar definitions a rewrite left unused, then unused imports.

    A definition goes when every remaining use of its name lies in a scope that now
    binds it as a type parameter, ``__all__`` does not list it, and no other module
    of the file's package imports it.

    Args:
        tree: The rewritten module.
        table: The type variables of the module before the rewrite.
        bindings: The rewritten definitions (``ast`` nodes of the original) and the
            type parameters each now declares.
        imports: More (module, name) imports to drop when unused.
        modules: (module, local name) module imports to drop when unused.
        path: The file, to look for other modules of its package importing a name.

    Returns:
        The module without the dead definitions and imports.
    """
    candidates = {
        name
        for names in bindings.values()
        for name in names
        if table.defs[name].statement is not None and table.defs[name].problem is None
    }
    removable = candidates - _uses_outside(table, bindings, candidates) - table.exported
    if removable and path is not None:
        removable -= imported_elsewhere(path, removable)
    removals = set(imports)
    aliases = set(modules)
    for name in removable:
        definition = table.defs[name]
        removals.update((module, definition.kind) for module in TYPING_MODULES)
        if definition.module_alias is not None:
            aliases.add(definition.module_alias)
    if removable:
        tree = _drop_definitions(tree, removable)
    # LibCST's import removal is slow: only ask it about imports that are now unused.
    dead, dead_modules = _dead_imports(tree.code, removals, aliases)
    tree = _remove_module_imports(tree, dead_modules)
    if not dead:
        return tree
    return update_imports(tree, remove_unused=dead)


def _dead_imports(
    code: str, removals: set[tuple[str, str | None]], aliases: set[tuple[str, str]]
) -> tuple[list[tuple[str, str | None]], set[tuple[str, str]]]:
    """Which candidate imports the rewritten code imports and no longer uses."""
    try:
        module = ast.parse(code)
    except (SyntaxError, ValueError):
        return sorted(removals, key=lambda r: (r[0], r[1] or "")), aliases
    used: set[str] = set()
    imported: dict[tuple[str, str | None], set[str]] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.add(node.value)  # ``__all__`` entries
            parsed = parse_type_string(node.value)
            if parsed is not None:
                used.update(n.id for n in ast.walk(parsed) if isinstance(n, ast.Name))
        elif isinstance(node, ast.ImportFrom) and node.module in TYPING_MODULES:
            for alias in node.names:
                local = alias.asname or alias.name
                imported.setdefault((node.module, alias.name), set()).add(local)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name
                imported.setdefault((alias.name, None), set()).add(local)
    dead = [
        pair
        for pair in sorted(removals, key=lambda r: (r[0], r[1] or ""))
        if pair in imported and not imported[pair] & used
    ]
    dead_modules = {
        (name, local)
        for name, local in aliases
        if local in imported.get((name, None), set()) and local not in used
    }
    return dead, dead_modules


def _package_files(file: Path) -> Iterator[Path]:
    """The other Python files of the package holding ``file`` (or of its folder)."""
    top: Path | None = None
    folder = file.parent
    while (folder / "__init__.py").is_file():
        top = folder
        folder = folder.parent
    files = top.rglob("*.py") if top is not None else file.parent.glob("*.py")
    return (other for other in files if other != file)


def imported_elsewhere(path: PurePath, names: set[str]) -> set[str]:
    """Which of ``names`` another module of the file's package imports or reads.

    A text search over the package on disk (or the file's folder when it is in no
    package): a name counts when an ``import`` clause lists it or an attribute
    access ``.name`` spells it. Deleting such a definition would break that module.

    Args:
        path: The file being fixed.
        names: Module-level names about to be deleted.

    Returns:
        The names to keep; all of them when the package is too big to search.
    """
    try:
        file = Path(path).resolve()
        if not file.is_file():
            return set()
        return _search_package(file, names)
    except OSError:
        return set(names)


def _search_package(file: Path, names: set[str]) -> set[str]:
    """The ``names`` that some file of ``file``'s package mentions (see above)."""
    found: set[str] = set()
    for count, other in enumerate(_package_files(file)):
        if count >= _MAX_PACKAGE_FILES:
            return set(names)
        text = other.read_text(encoding="utf-8", errors="replace")
        for name in names - found:
            if name in text and _mentions(text, name):
                found.add(name)
        if found == names:
            break
    return found


def _mentions(text: str, name: str) -> bool:
    word = re.compile(rf"\b{re.escape(name)}\b")
    if re.search(rf"\w\.{re.escape(name)}\b", text):
        return True
    return any(word.search(clause) for clause in _IMPORT_CLAUSE.findall(text))


def _remove_module_imports(
    tree: cst.Module, aliases: set[tuple[str, str]]
) -> cst.Module:
    """Drop ``import typing`` / ``import typing as t`` when nothing uses it any more."""
    if not aliases:
        return tree
    context = CodemodContext()
    for module, local in sorted(aliases):
        asname = None if local == module else local
        RemoveImportsVisitor.remove_unused_import(context, module, None, asname)
    new = RemoveImportsVisitor(context).transform_module(tree)
    if new.body and tree.body and not tree.body[0].leading_lines:
        # A removed first import leaves the blank lines that followed it at the top.
        new = new.with_changes(
            body=[new.body[0].with_changes(leading_lines=[]), *new.body[1:]]
        )
    return new


def module_alias(ctx: Context, expr: ast.expr) -> tuple[str, str] | None:
    """Which typing module ``expr`` reaches through a module import, if any.

    Args:
        ctx: The file's context.
        expr: An expression such as ``t.TypeVar``.

    Returns:
        ``(module, local name)``, e.g. ``("typing", "t")``, or None.
    """
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        module = ctx.imports.names.get(expr.value.id)
        if module in TYPING_MODULES:
            return module, expr.value.id
    return None


# -- the rule --------------------------------------------------------------------------
class Pep695Generics(Rule):
    """Flags generic classes and functions that use old-style type variables."""

    code = "PP101"
    replaces = ("UP046", "UP047", "UP049")
    name = "pep695-generics"
    summary = (
        "Declare generic classes and functions with PEP 695 type parameters "
        "(`class Box[T]`, `def first[T](xs: list[T]) -> T`), not `TypeVar` and "
        "`Generic`."
    )
    why = (
        "Since Python 3.12 a generic class or function declares its type parameters in "
        "its own header. The scope of each parameter is then visible where it is "
        "declared, no module-level `T = TypeVar('T')` has to be kept in sync with its "
        "string name, `Generic[...]` disappears from the bases, and variance is "
        "inferred instead of encoded in names like `T_co`."
    )
    sections = ("pr:type-parameter-syntax-pep-695", "cgp:3-typing--static-analysis")
    severity = Severity.WARNING
    fix_title = _FIX_TITLE
    examples: ClassVar[Examples] = Examples(
        bad=(
            'from typing import Generic, TypeVar\nT = TypeVar("T")\n'
            "class Box(Generic[T]):\n    pass\n",
            'from typing import TypeVar\nT = TypeVar("T")\n'
            "def first(xs: list[T]) -> T:\n    return xs[0]\n",
            'import typing as t\nT_co = t.TypeVar("T_co", covariant=True)\n'
            "class Source(t.Protocol[T_co]):\n    def get(self) -> T_co: ...\n",
            "from typing import Generic\nfrom mylib.types import T\n"
            "class Box(Generic[T]):\n    pass\n",
            'from typing import TypeVar\nK = TypeVar("K")\nV = TypeVar("V")\n'
            "class Table(dict[K, V]):\n    pass\n",
            'from typing import TypeVar\nS = TypeVar("S")\n'
            "class Tools:\n    def pick(self, items: 'list[S]') -> S:\n"
            "        return items[0]\n",
            'from typing import TypeVar\nT = TypeVar("U")\n'
            "def same(x: T) -> T:\n    return x\n",
            'from typing import TypeVar\nT = TypeVar("T")\n'
            "def f[U](x: T, y: U) -> T:\n    return x\n",
        ),
        good=(
            "class Box[T]:\n    def get(self) -> T: ...\n"
            "def first[T](xs: list[T]) -> T:\n    return xs[0]\n",
            'from typing import TypeVar\nT = TypeVar("T")\nPair = tuple[T, T]\n',
            "class T:\n    pass\ndef make(x: T) -> T:\n    return x\n",
            "from typing_extensions import Self, override\n"
            "class Node:\n    @override\n"
            "    def clone(self) -> Self:\n        return self\n",
            "class Registry(dict[str, int]):\n    pass\n",
            'from typing import TypeVar\nT = TypeVar("T")\n'
            "def outer[T](x: T) -> T:\n    def inner(y: T) -> T:\n        return y\n"
            "    return inner(x)\n",
            "from typing import Protocol\nclass Closer(Protocol):\n"
            "    def close(self) -> None: ...\n",
            "from typing import Any\ndef f(x: list[Any]) -> Any:\n    return x\n",
            'from typing import Literal, TypeVar\nT = TypeVar("T")\n'
            'def f(mode: Literal["T"]) -> None: ...\n',
        ),
        fixed=(
            Fixed(
                "from typing import Generic, TypeVar\n\n"
                'T = TypeVar("T")\n\n\n'
                "class Box(Generic[T]):\n"
                "    def __init__(self, item: T) -> None:\n"
                "        self.item = item\n\n"
                "    def get(self) -> T:\n"
                "        return self.item\n\n\n"
                "def unbox(box: Box[T]) -> T:\n"
                "    return box.get()\n",
                "class Box[T]:\n"
                "    def __init__(self, item: T) -> None:\n"
                "        self.item = item\n\n"
                "    def get(self) -> T:\n"
                "        return self.item\n\n\n"
                "def unbox[T](box: Box[T]) -> T:\n"
                "    return box.get()\n",
            ),
            Fixed(
                "from collections.abc import Callable\n"
                "from typing import ParamSpec, TypeVar\n\n"
                'P = ParamSpec("P")\n'
                'R = TypeVar("R")\n\n\n'
                "def logged(func: Callable[P, R]) -> Callable[P, R]:\n"
                "    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:\n"
                "        return func(*args, **kwargs)\n\n"
                "    return wrapper\n",
                "from collections.abc import Callable\n\n\n"
                "def logged[**P, R](func: Callable[P, R]) -> Callable[P, R]:\n"
                "    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:\n"
                "        return func(*args, **kwargs)\n\n"
                "    return wrapper\n",
            ),
            Fixed(
                "from typing import TYPE_CHECKING, Generic, TypeVar\n\n"
                "from .base import Base\n\n"
                "if TYPE_CHECKING:\n"
                "    from collections.abc import Hashable\n\n"
                'K = TypeVar("K", bound="Hashable")\n'
                'V = TypeVar("V", int, str)\n\n\n'
                "class Table(Generic[K, V], Base[K]):\n"
                "    def get(self, key: K) -> V: ...\n",
                "from typing import TYPE_CHECKING\n\n"
                "from .base import Base\n\n"
                "if TYPE_CHECKING:\n"
                "    from collections.abc import Hashable\n\n\n"
                "class Table[K: Hashable, V: (int, str)](Base[K]):\n"
                "    def get(self, key: K) -> V: ...\n",
            ),
            Fixed(
                "import typing as t\n\n"
                'T = t.TypeVar("T")\n'
                'S = t.TypeVar("S")\n\n\n'
                "class Stack(t.Generic[T]):\n"
                "    def push(self, item: T) -> None: ...\n\n"
                "    def map(self, fn: t.Callable[[T], S]) -> 'Stack[S]': ...\n",
                "import typing as t\n\n\n"
                "class Stack[T]:\n"
                "    def push(self, item: T) -> None: ...\n\n"
                "    def map[S](self, fn: t.Callable[[T], S]) -> 'Stack[S]': ...\n",
            ),
            Fixed(
                "from typing import Protocol, TypeVar\n\n"
                'T = TypeVar("T")\n'
                "Pair = tuple[T, T]\n\n\n"
                "class Sink(Protocol[T]):\n"
                "    def send(self, item: T) -> None: ...\n",
                "from typing import Protocol, TypeVar\n\n"
                'T = TypeVar("T")\n'
                "Pair = tuple[T, T]\n\n\n"
                "class Sink[T](Protocol):\n"
                "    def send(self, item: T) -> None: ...\n",
            ),
            Fixed(
                "from typing import Generic, TypeVar\n\n"
                'T_co = TypeVar("T_co", covariant=True)\n\n\n'
                "class Reader(Generic[T_co]):\n"
                "    def read(self) -> T_co: ...\n",
                "class Reader[T_co]:\n    def read(self) -> T_co: ...\n",
                unsafe=True,
            ),
            Fixed(
                "from typing import TypeVar, TypeVarTuple\n\n"
                'T = TypeVar("T")\n'
                'Ts = TypeVarTuple("Ts")\n\n\n'
                "def head(*args: *tuple[T, *Ts]) -> T:\n"
                "    return args[0]\n",
                "def head[T, *Ts](*args: *tuple[T, *Ts]) -> T:\n    return args[0]\n",
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Bind the rule to one file and read the file's type variables.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self.table = typevar_table(ctx)
        self._inside: dict[int, frozenset[str]] = {}

    def _outer(self) -> frozenset[str]:
        """The type variables the enclosing classes and functions bind."""
        bound: frozenset[str] = frozenset()
        for node in self.ctx.parents:
            if isinstance(node, _SCOPES):
                inside = self._inside.get(id(node))
                if inside is None:
                    inside = bound | scope_binds(node, bound, self.table)
                    self._inside[id(node)] = inside
                bound = inside
        return bound

    def _check(self, node: Scope) -> None:
        if not self.table.defs:
            return
        plan = plan_for(node, self._outer(), self.table, self.ctx.target_version)
        if plan is None:
            return
        where = self.ctx.name_span(node)
        if plan.problem is not None:
            self.report(where, f"{plan.message} (no fix: {plan.problem})")
        elif plan.unsafe is not None:
            info = FixInfo(_FIX_TITLE, Applicability.UNSAFE, plan.unsafe)
            self.report(where, f"{plan.message} ({plan.unsafe})", fix=info)
        else:
            self.report(where, plan.message, fix=True)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Check a class."""
        self._check(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a function or method."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check a coroutine function."""
        self._check(node)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Declare type parameters on the flagged definitions and clean up after."""
        table = TypeVarTable(self.ctx)
        starts = request.starts()
        plans: dict[tuple[int, int], Plan] = {}
        for node, outer in walk_scopes(self.ctx.tree, table):
            plan = plan_for(node, outer, table, request.target_version)
            if plan is None or plan.problem is not None:
                continue
            if plan.unsafe is not None and not request.unsafe:
                continue
            span = self.ctx.name_span(node)
            if (span.line, span.col) in starts:
                plans[span.line, span.col] = plan
        if not plans:
            return tree
        wrapper, where = positions(tree)
        tree = wrapper.visit(_Rewriter(where, plans, table, definition_calls(tree)))
        imports = [
            (module, name)
            for plan in plans.values()
            if plan.marker is not None and plan.marker[1] == "Generic"
            for module in TYPING_MODULES
            for name in ("Generic", "Unpack")
        ]
        modules = {
            alias
            for plan in plans.values()
            if plan.marker is not None and isinstance(plan.node, ast.ClassDef)
            for base in plan.node.bases[plan.marker[0] : plan.marker[0] + 1]
            if isinstance(base, ast.Subscript)
            and (alias := module_alias(self.ctx, base.value)) is not None
        }
        bindings: dict[ast.AST, frozenset[str]] = {
            plan.node: frozenset(plan.params) for plan in plans.values()
        }
        return finish_fix(tree, table, bindings, imports, modules, request.path)


__all__ = ["Pep695Generics"]
