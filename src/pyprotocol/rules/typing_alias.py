"""PP102: type aliases declared with ``TypeAlias`` or a bare assignment, not ``type``.

``X: TypeAlias = ...`` is always reported. A bare module-level ``X = list[int]`` is
reported as a guess when its value is clearly a type and its name is PascalCase.

The fix writes ``type X = ...`` (with type parameters for module-level TypeVars, via
the PEP 695 helpers of PP101). A ``type`` alias is a lazily evaluated
``TypeAliasType`` at runtime: it cannot be called, subclassed or passed to
``isinstance()``. So the fix is offered only when this module never uses the name at
runtime, and it is safe only for a private name that nothing else can import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import positions
from pyprotocol.model import Applicability, FixInfo, Severity
from pyprotocol.rules.base import (
    CANCEL_CHECK_STEPS,
    TYPING_MODULES,
    Context,
    Examples,
    Fixed,
    FixRequest,
    Rule,
)
from pyprotocol.rules.typing_pep695 import (
    TypeVarTable,
    build_type_parameters,
    definition_calls,
    finish_fix,
    foreign_typevar,
    module_alias,
    module_statements,
    params_problem,
    typevar_table,
    typevars_in,
    unquote,
)

_TYPING_GENERICS: Final = frozenset(
    {
        "AbstractSet",
        "Annotated",
        "AsyncContextManager",
        "AsyncGenerator",
        "AsyncIterable",
        "AsyncIterator",
        "Awaitable",
        "Callable",
        "ChainMap",
        "Collection",
        "Container",
        "ContextManager",
        "Coroutine",
        "Counter",
        "DefaultDict",
        "Deque",
        "Dict",
        "FrozenSet",
        "Generator",
        "ItemsView",
        "Iterable",
        "Iterator",
        "KeysView",
        "List",
        "Literal",
        "Mapping",
        "MappingView",
        "MutableMapping",
        "MutableSequence",
        "MutableSet",
        "Optional",
        "OrderedDict",
        "Reversible",
        "Sequence",
        "Set",
        "Tuple",
        "Type",
        "Union",
        "ValuesView",
    }
)
_BUILTIN_GENERICS: Final = frozenset(
    {"dict", "frozenset", "list", "set", "tuple", "type"}
)
_BUILTIN_TYPES: Final = _BUILTIN_GENERICS | frozenset(
    {
        "bool",
        "bytearray",
        "bytes",
        "complex",
        "float",
        "int",
        "memoryview",
        "object",
        "range",
        "slice",
        "str",
    }
)
_COLLECTIONS: Final = frozenset(
    {"ChainMap", "Counter", "OrderedDict", "defaultdict", "deque"}
)
_PASCAL: Final = re.compile(r"_?[A-Z][A-Za-z0-9]*")
_CASTS: Final = frozenset(f"{module}.cast" for module in TYPING_MODULES)
_FIX_TITLE: Final = "Declare with a `type` statement"
_RUNTIME: Final = (
    "a `type` alias is a TypeAliasType at runtime, which cannot be called, "
    "subclassed or passed to isinstance()"
)


def is_generic_subscript(ctx: Context, node: ast.AST) -> bool:
    """Tell whether ``node`` subscripts a typing, builtin or collections generic.

    Args:
        ctx: The file's context (for imports).
        node: Any node.

    Returns:
        True for ``list[int]``, ``t.Optional[X]``, ``abc.Callable[..., int]``, ...
    """
    if not isinstance(node, ast.Subscript):
        return False
    qualified = ctx.qualname(node.value)
    if qualified is None:
        return False
    module, _, member = qualified.rpartition(".")
    if module in TYPING_MODULES:
        return member in _TYPING_GENERICS
    if module == "builtins":
        return member in _BUILTIN_GENERICS
    if module == "collections":
        return member in _COLLECTIONS
    return module == "collections.abc"


def _union_member(ctx: Context, node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.Name):
        qualified = ctx.qualname(node)
        return qualified is not None and qualified.removeprefix("builtins.") in (
            _BUILTIN_TYPES
        )
    return looks_like_type(ctx, node)


def looks_like_type(ctx: Context, node: ast.expr) -> bool:
    """Tell whether an expression is clearly a type.

    Args:
        ctx: The file's context.
        node: The expression.

    Returns:
        True for a subscripted typing/builtin/collections generic, or a ``|`` union
        of those, builtin type names and ``None`` (not of ``None`` alone).
    """
    if is_generic_subscript(ctx, node):
        return True
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr)):
        return False
    sides = (node.left, node.right)
    if all(isinstance(side, ast.Constant) for side in sides):
        return False
    return all(_union_member(ctx, side) for side in sides)


def _is_alias_name(name: str) -> bool:
    return bool(_PASCAL.fullmatch(name)) and any(char.islower() for char in name)


@dataclass(frozen=True, slots=True)
class _Alias:
    """A module-level statement that declares, or looks like, a type alias."""

    stmt: ast.Assign | ast.AnnAssign
    name: str
    value: ast.expr
    annotated: bool


def _alias_of(ctx: Context, stmt: ast.stmt) -> _Alias | None:
    if isinstance(stmt, ast.AnnAssign):
        if (
            isinstance(stmt.target, ast.Name)
            and stmt.value is not None
            and ctx.typing_name(stmt.annotation) == "TypeAlias"
        ):
            return _Alias(stmt, stmt.target.id, stmt.value, annotated=True)
        return None
    if (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and _is_alias_name(stmt.targets[0].id)
        and looks_like_type(ctx, stmt.value)
    ):
        return _Alias(stmt, stmt.targets[0].id, stmt.value, annotated=False)
    return None


def _typing_children(
    ctx: Context, node: ast.AST, aliases: set[int]
) -> list[tuple[ast.AST, bool]]:
    """The children of ``node`` that are evaluated as types rather than values."""
    if isinstance(node, ast.arg) and node.annotation is not None:
        return [(node.annotation, True)]
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
        return [(node.returns, True)]
    if isinstance(node, ast.AnnAssign):
        typed: list[tuple[ast.AST, bool]] = [(node.annotation, True)]
        if node.value is not None and id(node) in aliases:
            typed.append((node.value, True))
        return typed
    if isinstance(node, ast.Assign) and id(node) in aliases:
        return [(node.value, True)]
    if isinstance(node, ast.TypeAlias):
        return [(node.value, True)]
    if is_generic_subscript(ctx, node) and isinstance(node, ast.Subscript):
        return [(node.slice, True)]
    if isinstance(node, ast.Call) and node.args and ctx.qualname(node.func) in _CASTS:
        return [(node.args[0], True)]
    return []


def runtime_uses(
    ctx: Context, names: Collection[str], aliases: set[int]
) -> dict[str, list[int]]:
    """The lines where the module uses each of ``names`` as a value, not as a type.

    Annotations, alias values, the arguments of typing generics and the first
    argument of ``cast()`` are type contexts; everything else is runtime.

    Args:
        ctx: The file's context.
        names: Module-level names.
        aliases: ``id()`` of the statements whose values are type aliases.

    Returns:
        The line numbers per name (names not used at runtime are left out).
    """
    lines: dict[str, list[int]] = {}
    stack: list[tuple[ast.AST, bool]] = [(ctx.tree, False)]
    steps = 0
    while stack:
        steps += 1
        if not steps % CANCEL_CHECK_STEPS:
            ctx.check_cancelled()
        node, typed = stack.pop()
        if isinstance(node, ast.Name):
            if node.id in names and not typed and isinstance(node.ctx, ast.Load):
                lines.setdefault(node.id, []).append(node.lineno)
            continue
        if typed:
            stack.extend((child, True) for child in ast.iter_child_nodes(node))
            continue
        special = _typing_children(ctx, node, aliases)
        stack.extend(special)
        skip = {id(child) for child, _ in special}
        stack.extend(
            (child, False)
            for child in ast.iter_child_nodes(node)
            if id(child) not in skip
        )
    return lines


@dataclass(frozen=True, slots=True)
class _Plan:
    alias: _Alias
    params: tuple[str, ...]
    message: str
    problem: str | None = None
    unsafe: str | None = None


class TypeAliasStatement(Rule):
    """Flags type aliases that are not declared with a ``type`` statement."""

    code = "PP102"
    replaces = ("UP040",)
    name = "type-alias-statement"
    summary = (
        "Declare type aliases with `type X = ...`, not `X: TypeAlias = ...` or a bare "
        "`X = list[int]`."
    )
    why = (
        "Since Python 3.12 the `type` statement declares an alias explicitly: type "
        "checkers never mistake it for a variable, its value is evaluated lazily so "
        "forward references need no quotes, and a generic alias declares its type "
        "parameters in place instead of borrowing module-level TypeVars. Bare "
        "assignments are flagged only when the value is clearly a type and the name "
        "is PascalCase; that part is a guess."
    )
    sections = ("pr:type-parameter-syntax-pep-695", "cgp:3-typing--static-analysis")
    severity = Severity.WARNING
    heuristic = True
    fix_title = _FIX_TITLE
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import TypeAlias\nJson: TypeAlias = dict[str, object]\n",
            "import typing as t\nIds: t.TypeAlias = list[int]\n",
            "from typing import TypeAlias\nclass A:\n    Key: TypeAlias = str\n",
            "Headers = dict[str, str]\n",
            "from typing import Optional\nMaybeName = Optional[str]\n",
            "from collections.abc import Callable\nHandler = Callable[..., int]\n",
            "Scalar = int | float | None\n",
            'from typing import Literal\nMode = Literal["r", "w"]\n',
            "from typing import TypeAlias\nNumber: TypeAlias = int\nx = Number(3)\n",
        ),
        good=(
            "type Json = dict[str, object]\n",
            "from models import User\nAccount = User\n",
            "from typing import NewType\nUserId = NewType('UserId', int)\n",
            "from typing import TypeVar\nT = TypeVar('T')\n",
            "DEFAULT_HEADERS = dict[str, str]\n",
            "def f() -> None:\n    Pair = tuple[int, int]\n",
            "class A:\n    Pair = tuple[int, int]\n",
            "Flags = READ | WRITE\n",
            "Mask = 1 | 2\n",
            "Registry = dict[str, int]\nitems = Registry()\n",
            "__all__ = list[str]\n",
        ),
        fixed=(
            Fixed(
                "from typing import TypeAlias\n\n"
                "_Json: TypeAlias = dict[str, '_Json'] | list['_Json'] | None\n\n\n"
                "def load(text: str) -> _Json:\n"
                "    return None\n",
                "type _Json = dict[str, '_Json'] | list['_Json'] | None\n\n\n"
                "def load(text: str) -> _Json:\n"
                "    return None\n",
            ),
            Fixed(
                "from typing import TypeVar\n\n"
                'T = TypeVar("T")\n\n'
                "_Pair = tuple[T, T]\n\n\n"
                "def swap(pair: _Pair[int]) -> _Pair[int]:\n"
                "    return pair[1], pair[0]\n",
                "type _Pair[T] = tuple[T, T]\n\n\n"
                "def swap(pair: _Pair[int]) -> _Pair[int]:\n"
                "    return pair[1], pair[0]\n",
            ),
            Fixed(
                "import typing as t\n\n"
                "Callback: t.TypeAlias = 'Callable[[Event], None]'\n",
                "type Callback = Callable[[Event], None]\n",
                unsafe=True,
            ),
            Fixed(
                "from typing import Optional, TypeAlias, TypeVar\n\n"
                'K = TypeVar("K", bound=str)\n'
                'V = TypeVar("V")\n'
                "Table: TypeAlias = dict[K, list[V]]  # by key\n"
                "MaybeId = Optional[int]\n\n\n"
                "def first(table: Table[str, int], key: MaybeId) -> None: ...\n",
                "from typing import Optional\n\n"
                "type Table[K: str, V] = dict[K, list[V]]  # by key\n"
                "type MaybeId = Optional[int]\n\n\n"
                "def first(table: Table[str, int], key: MaybeId) -> None: ...\n",
                unsafe=True,
            ),
            Fixed(
                "from collections.abc import Callable\n"
                "from typing import ParamSpec, TypeVar\n\n"
                'P = ParamSpec("P")\n'
                'R = TypeVar("R")\n'
                "_Wrapped = Callable[P, R]\n\n\n"
                "def wrap(f: _Wrapped[P, R]) -> _Wrapped[P, R]:\n"
                "    return f\n",
                "from collections.abc import Callable\n"
                "from typing import ParamSpec, TypeVar\n\n"
                'P = ParamSpec("P")\n'
                'R = TypeVar("R")\n'
                "type _Wrapped[**P, R] = Callable[P, R]\n\n\n"
                "def wrap(f: _Wrapped[P, R]) -> _Wrapped[P, R]:\n"
                "    return f\n",
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Bind the rule to one file.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._table: TypeVarTable | None = None
        self._aliases: dict[int, _Alias] | None = None
        self._uses: dict[str, list[int]] | None = None

    def _module_aliases(self) -> dict[int, _Alias]:
        if self._aliases is None:
            found = (
                _alias_of(self.ctx, stmt)
                for stmt, nested in module_statements(self.ctx.tree.body)
                if not nested or isinstance(stmt, ast.AnnAssign)
            )
            self._aliases = {id(alias.stmt): alias for alias in found if alias}
        return self._aliases

    def _runtime_uses(self) -> dict[str, list[int]]:
        if self._uses is None:
            aliases = self._module_aliases()
            names = {alias.name for alias in aliases.values()}
            self._uses = runtime_uses(self.ctx, names, set(aliases))
        return self._uses

    def _typevars(self) -> TypeVarTable:
        if self._table is None:
            self._table = typevar_table(self.ctx)
        return self._table

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        """Flag ``X: TypeAlias = ...``."""
        if self.ctx.typing_name(node.annotation) != "TypeAlias" or node.value is None:
            return
        if not isinstance(node.target, ast.Name):
            return
        alias = self._module_aliases().get(id(node))
        if alias is None:
            name = node.target.id
            self.report(
                node.target,
                f"`{name}: TypeAlias = ...` is the old way to declare a type alias: "
                f"write `type {name} = ...` (no fix: only module-level aliases are "
                "rewritten)",
            )
            return
        self._check(alias)

    def visit_Assign(self, node: ast.Assign) -> None:
        """Flag a module-level assignment that looks like a type alias."""
        alias = self._module_aliases().get(id(node))
        if alias is not None:
            self._check(alias)

    def _check(self, alias: _Alias) -> None:
        plan = self._plan(alias, self._typevars(), self.ctx.target_version)
        if plan is None:
            return
        where = (
            alias.stmt.target
            if isinstance(alias.stmt, ast.AnnAssign)
            else (alias.stmt.targets[0])
        )
        # A bare assignment is only guessed to be an alias: say so quietly.
        severity = Severity.INFO if isinstance(alias.stmt, ast.Assign) else None
        if plan.problem is not None:
            message = f"{plan.message} (no fix: {plan.problem})"
            self.report(where, message, severity=severity)
        elif plan.unsafe is not None:
            info = FixInfo(_FIX_TITLE, Applicability.UNSAFE, plan.unsafe)
            self.report(where, plan.message, fix=info, severity=severity)
        else:
            self.report(where, plan.message, fix=True, severity=severity)

    def _plan(
        self, alias: _Alias, table: TypeVarTable, target: tuple[int, int]
    ) -> _Plan | None:
        name = alias.name
        uses = self._runtime_uses().get(name, [])
        if not alias.annotated and (uses or table.bindings[name] > 1):
            return None  # used as a value, or a variable: probably not an alias
        params = tuple(typevars_in([alias.value], table))
        spelled = ", ".join(table.defs[param].spelled for param in params)
        header = f"type {name}[{spelled}]" if params else f"type {name}"
        if alias.annotated:
            message = (
                f"`{name}: TypeAlias = ...` is the old way to declare a type alias: "
                f"write `{header} = ...`"
            )
        else:
            message = (
                f"`{name} = ...` looks like a type alias (a guess from its value): "
                f"declare it with `{header} = ...`"
            )
        problem = self._problem(alias, params, uses, table, target)
        return _Plan(alias, params, message, problem, self._unsafe(name, table))

    def _problem(
        self,
        alias: _Alias,
        params: tuple[str, ...],
        uses: list[int],
        table: TypeVarTable,
        target: tuple[int, int],
    ) -> str | None:
        if table.bindings[alias.name] > 1:
            return f"`{alias.name}` is bound more than once in this module"
        if uses:
            return (
                f"`{alias.name}` is used at runtime (line {min(uses)}), and {_RUNTIME}"
            )
        problem = params_problem(params, table, target, ordered=True)
        if problem is not None:
            return problem
        foreign = foreign_typevar([alias.value], table)
        if foreign is not None:
            return (
                f"`{foreign}` is imported and may be a TypeVar, which the `type` "
                "statement would have to declare"
            )
        return None

    @staticmethod
    def _unsafe(name: str, table: TypeVarTable) -> str | None:
        if name.startswith("_") and name not in table.exported:
            return None
        return (
            f"`{name}` is public: code elsewhere may use it at runtime, and {_RUNTIME}"
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Rewrite the flagged aliases as ``type`` statements."""
        table = typevar_table(self.ctx)
        starts = request.starts()
        plans: dict[tuple[int, int], _Plan] = {}
        for alias in self._module_aliases().values():
            plan = self._plan(alias, table, request.target_version)
            if plan is None or plan.problem is not None:
                continue
            if plan.unsafe is not None and not request.unsafe:
                continue
            start = self.ctx.span(alias.stmt)
            if (start.line, start.col) in starts:
                plans[start.line, start.col] = plan
        if not plans:
            return tree
        wrapper, where = positions(tree)
        calls = definition_calls(tree)
        tree = wrapper.visit(_AliasRewriter(where, plans, table, calls))
        bindings: dict[ast.AST, frozenset[str]] = {
            plan.alias.stmt: frozenset(plan.params) for plan in plans.values()
        }
        imports = [(module, "TypeAlias") for module in TYPING_MODULES]
        modules = {
            imported
            for plan in plans.values()
            if isinstance(plan.alias.stmt, ast.AnnAssign)
            and (imported := module_alias(self.ctx, plan.alias.stmt.annotation))
        }
        return finish_fix(tree, table, bindings, imports, modules, request.path)


class _AliasRewriter(cst.CSTTransformer):
    """Turns the planned assignments into ``type`` statements."""

    def __init__(
        self,
        where: Mapping[cst.CSTNode, tuple[int, int]],
        plans: Mapping[tuple[int, int], _Plan],
        table: TypeVarTable,
        calls: Mapping[str, cst.Call],
    ) -> None:
        super().__init__()
        self.where = where
        self.plans = plans
        self.table = table
        self.calls = calls

    def _replace(
        self, original: cst.Assign | cst.AnnAssign, updated: cst.Assign | cst.AnnAssign
    ) -> cst.BaseSmallStatement:
        start = self.where.get(original)
        plan = None if start is None else self.plans.get(start)
        if plan is None or updated.value is None:
            return updated
        params = (
            build_type_parameters(plan.params, self.table, self.calls)
            if plan.params
            else None
        )
        value = unquote(updated.value) if plan.alias.annotated else updated.value
        return cst.TypeAlias(
            name=cst.Name(plan.alias.name),
            value=value,
            type_parameters=params,
            semicolon=updated.semicolon,
        )

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> cst.BaseSmallStatement:
        return self._replace(original_node, updated_node)

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.BaseSmallStatement:
        return self._replace(original_node, updated_node)


__all__ = ["TypeAliasStatement"]
