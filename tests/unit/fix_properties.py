"""Fix-safety properties, shared by ``test_fix_safety.py`` and ``bench/fix_safety.py``.

For one text, :func:`check_text` runs ``engine.fix`` (safe, and with ``--unsafe``) and
checks that

- every fix that was offered applied (none was dropped or failed),
- the output parses and compiles,
- fixing the output again changes nothing (idempotence) and leaves no wanted fix,
- safe fixes keep the module's meaning: the ``ast`` of the module before and after is
  the same once :class:`Normaliser` has put what each fix means to change in one
  canonical form (``Optional[X]`` and ``X | None`` both become the same union, ...).
"""

from __future__ import annotations

import ast
import copy
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from pathlib_canon import canonical

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.model import Applicability
from pyprotocol.rules.astutil import dotted_name

#: ``typing`` aliases and the names the fixes (PP103, PP104, PP109) put instead.
ALIASES: Final[dict[str, str]] = {
    "List": "list",
    "Dict": "dict",
    "Set": "set",
    "FrozenSet": "frozenset",
    "Tuple": "tuple",
    "Type": "type",
    "Text": "str",
    "DefaultDict": "defaultdict",
    "Deque": "deque",
    "AbstractSet": "set",
    "ContextManager": "AbstractContextManager",
    "AsyncContextManager": "AbstractAsyncContextManager",
    "TypeGuard": "TypeIs",
}
#: Modules whose members the typing fixes move between (an alias of one is dropped).
TYPE_MODULES: Final = frozenset(
    {
        "typing",
        "typing_extensions",
        "collections",
        "collections.abc",
        "re",
        "contextlib",
    }
)
_REDUCTIONS: Final = frozenset({"sum", "any", "all", "min", "max"})
_LOG_METHODS: Final = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal"}
)
_TYPEVARS: Final = frozenset({"TypeVar", "ParamSpec", "TypeVarTuple"})
_STATUS: Final = re.compile(r"HTTP_(\d{3})_\w+")
_PERCENT: Final = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?(?P<spec>[#0 +\-]*[\d*]*(?:\.[\d*]+)?[a-zA-Z%])"
)
_WITH_CONTEXT: Final = (
    ast.Name,
    ast.Attribute,
    ast.Subscript,
    ast.Starred,
    ast.List,
    ast.Tuple,
)
_RANDOM: Final[dict[str, str]] = {"randbits": "getrandbits", "randbelow": "randrange"}


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _module_aliases(tree: ast.Module) -> set[str]:
    """Local names bound to the modules the typing fixes move members between."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in TYPE_MODULES:
                    found.add(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module == "collections":
            found.update(a.asname or a.name for a in node.names if a.name == "abc")
    return found


class Normaliser(ast.NodeTransformer):
    """Put both sides of every intended fix change into one canonical form."""

    def __init__(self, tree: ast.Module) -> None:
        self.modules = _module_aliases(tree)
        # `from typing import Set as TypingSet`: `TypingSet` means `Set`.
        self.renamed = {
            alias.asname: alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module in TYPE_MODULES
            for alias in node.names
            if alias.asname
        }

    def _name(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.renamed.get(node.id, node.id)
        return _last_name(node)

    # -- names, imports -----------------------------------------------------------
    def visit_Import(self, node: ast.Import) -> None:
        return None

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.ImportFrom | None:
        return node if node.module == "__future__" else None

    def visit_Pass(self, node: ast.Pass) -> None:
        return None

    def visit_Name(self, node: ast.Name) -> ast.expr:
        name = self.renamed.get(node.id, node.id)
        return ast.Name(ALIASES.get(name, name), ast.Load())

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        dotted = dotted_name(node.value)
        match = _STATUS.fullmatch(node.attr)
        if match is not None:
            return ast.Constant(int(match.group(1)))
        if dotted is not None and (dotted in self.modules or dotted in TYPE_MODULES):
            return ast.Name(ALIASES.get(node.attr, node.attr), ast.Load())
        self.generic_visit(node)
        node.ctx = ast.Load()
        return node

    # -- unions (PP105) -------------------------------------------------------------
    def _operands(self, node: ast.expr) -> Iterator[ast.expr]:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            yield from self._operands(node.left)
            yield from self._operands(node.right)
            return
        if isinstance(node, ast.Subscript):
            kind = self._name(node.value)
            elts = (
                node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            )
            if kind == "Optional" and len(elts) == 1:
                yield from self._operands(elts[0])
                yield ast.Constant(None)
                return
            if kind == "Union":
                for elt in elts:
                    yield from self._operands(elt)
                return
        yield node

    def _union(self, node: ast.expr) -> ast.expr:
        unique: dict[str, ast.expr] = {}
        for operand in self._operands(node):
            visited = self.visit(operand)
            unique.setdefault(ast.dump(visited), visited)
        items = list(unique.values())
        result = items[0]
        for item in items[1:]:
            result = ast.BinOp(result, ast.BitOr(), item)
        return result

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        if isinstance(node.op, ast.BitOr):
            return self._union(node)
        if (
            isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            args = node.right.elts if isinstance(node.right, ast.Tuple) else []
            pieces = _percent_pieces(node.left.value, [self.visit(a) for a in args])
            if pieces is not None:
                return pieces
        self.generic_visit(node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        if self._name(node.value) in {"Optional", "Union"}:
            return self._union(node)
        self.generic_visit(node)
        node.ctx = ast.Load()
        return node

    # -- annotations: quoted ones are parsed (a fix may quote a whole union) -------
    def _annotation(self, node: ast.expr | None) -> ast.expr | None:
        if node is None:
            return None
        return self.expr(_unquote(node))

    def expr(self, node: ast.expr) -> ast.expr:
        """Visit an expression (the result is an expression again)."""
        result = self.visit(node)
        assert isinstance(result, ast.expr)
        return result

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.annotation = self._annotation(node.annotation)
        return node

    # -- definitions (PP101, PP107, PP406, PP508) ----------------------------------
    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> ast.FunctionDef | ast.AsyncFunctionDef:
        node.type_params = []
        node.decorator_list = [
            self.visit(d) for d in node.decorator_list if not _is_asyncio_mark(d)
        ]
        node.args = self.visit(node.args)
        node.returns = self._annotation(node.returns)
        node.body = self._body(node.body)
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        return self._function(node)  # type: ignore[return-value]

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self._function(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        node.type_params = []
        bases = []
        for base in node.bases:
            if isinstance(base, ast.Subscript):
                kind = _last_name(base.value)
                if kind == "Generic":
                    continue
                if kind == "Protocol":
                    base = base.value
            bases.append(self.visit(base))
        node.bases = bases
        node.keywords = [self.visit(k) for k in node.keywords]
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                _self_returns(item, node.name)
        node.body = self._body(node.body)
        return node

    def visit_arguments(self, node: ast.arguments) -> ast.arguments:
        positional = [*node.posonlyargs, *node.args]
        defaults: list[ast.expr | None] = [None] * (
            len(positional) - len(node.defaults)
        )
        defaults.extend(node.defaults)
        for index, arg in enumerate(positional):
            defaults[index] = _lift_depends(arg, defaults[index])
        kw_defaults = [
            _lift_depends(arg, default)
            for arg, default in zip(node.kwonlyargs, node.kw_defaults, strict=True)
        ]
        self.generic_visit(node)
        node.defaults = [
            ast.Constant(...) if d is None else self.visit(d) for d in defaults
        ]
        node.kw_defaults = [
            ast.Constant(...) if d is None else self.visit(d) for d in kw_defaults
        ]
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        func = node.func
        name = _last_name(func)
        dotted = dotted_name(func)
        if name in {"dataclass"} and not node.args:
            node.keywords = [k for k in node.keywords if k.arg != "slots"]
            if not node.keywords:
                return self.expr(func)
        if name in _REDUCTIONS and node.args and isinstance(node.args[0], ast.ListComp):
            comp = node.args[0]
            node.args[0] = ast.GeneratorExp(comp.elt, comp.generators)
        if name in {"safe_load", "safe_load_all"} and isinstance(
            func, ast.Attribute | ast.Name
        ):
            renamed = name.removeprefix("safe_")
            node.func = (
                ast.Name(renamed)
                if isinstance(func, ast.Name)
                else ast.Attribute(func.value, renamed)
            )
        if dotted is not None and (
            dotted.startswith(("random.", "secrets."))
            or dotted in {"randint", "randrange", "choice"}
        ):
            member = _RANDOM.get(name or "", name or "")
            node.func = ast.Name(f"random:{member}")
        elif (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Call)
            and dotted_name(func.value.func) == "secrets.SystemRandom"
        ):
            node.func = ast.Name(f"random:{func.attr}")
        if name in {"sleep"} and dotted in {"sleep", "time.sleep", "asyncio.sleep"}:
            node.func = ast.Name("sleep:")
        if (
            name is not None
            and isinstance(func, ast.Attribute)
            and (name.removeprefix("a") in _LOG_METHODS or name == "log")
        ):
            return self._log_call(node, func)
        self.generic_visit(node)
        return node

    def _log_call(self, node: ast.Call, func: ast.Attribute) -> ast.expr:
        method = func.attr.replace("exception", "error")
        node.func = ast.Attribute(self.visit(func.value), method, ast.Load())
        node.keywords = [self.visit(k) for k in node.keywords if k.arg != "exc_info"]
        index = 1 if method in {"log", "alog"} else 0
        args = [self.visit(a) for a in node.args]
        if len(args) > index:
            message = args[index]
            rest = args[index + 1 :]
            if isinstance(message, ast.Constant) and isinstance(message.value, str):
                pieces = _percent_pieces(message.value, rest) if rest else None
                if pieces is not None:
                    args = [*args[:index], pieces]
        node.args = args
        return node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.expr:
        self.generic_visit(node)
        values: list[ast.expr] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue) and value.format_spec is None:
                conversion = 115 if value.conversion == -1 else value.conversion
                values.append(ast.FormattedValue(value.value, conversion, None))
            else:
                values.append(value)
        return _merged(values)

    def visit_Await(self, node: ast.Await) -> ast.expr:
        inner = self.visit(node.value)
        if isinstance(inner, ast.Call) and dotted_name(inner.func) == "sleep:":
            return inner
        node.value = inner
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.Compare:
        self.generic_visit(node)
        node.comparators = [
            ast.Set(right.elts)
            if isinstance(op, ast.In | ast.NotIn)
            and isinstance(right, ast.List | ast.Tuple)
            else right
            for op, right in zip(node.ops, node.comparators, strict=True)
        ]
        return node

    # -- statements (PP102, PP111, PP201, PP203, PP402) ---------------------------
    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.ExceptHandler:
        if node.type is None:
            node.type = ast.Name("BaseException")
        self.generic_visit(node)
        for raised in ast.walk(node):
            if isinstance(raised, ast.Raise):
                raised.cause = None
        if node.name is not None and not any(
            isinstance(n, ast.Name) and n.id == node.name for n in ast.walk(node)
        ):
            node.name = None
        return node

    def visit_TypeAlias(self, node: ast.TypeAlias) -> ast.Assign:
        return ast.Assign([self.visit(node.name)], self.visit(node.value))

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.stmt:
        annotation = _unquote(node.annotation)
        kind = _last_name(annotation)
        if node.value is not None and kind in {"TypeAlias", "Final"}:
            return ast.Assign([self.visit(node.target)], self.visit(node.value))
        if (
            isinstance(annotation, ast.Subscript)
            and _last_name(annotation.value) == "Final"
        ):
            annotation = annotation.slice
        node.annotation = self._annotation(annotation)  # type: ignore[assignment]
        node.target = self.visit(node.target)
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Assign(self, node: ast.Assign) -> ast.Assign | None:
        value = node.value
        if isinstance(value, ast.Call) and _last_name(value.func) in _TYPEVARS:
            return None
        self.generic_visit(node)
        if isinstance(node.value, ast.ListComp):
            node.value = _identity_list(node.value)
        return node

    def _body(self, body: list[ast.stmt]) -> list[ast.stmt]:
        folded = _fold_append_loops(body)
        result: list[ast.stmt] = []
        for stmt in folded:
            visited = self.visit(stmt)
            if isinstance(visited, ast.stmt):
                result.append(visited)
            elif isinstance(visited, list):
                result.extend(visited)
        return result

    def generic_visit(self, node: ast.AST) -> ast.AST:
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(node, name, self._body(block))
        return super().generic_visit(node)


def _unquote(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            return _unquote(ast.parse(node.value.strip(), mode="eval").body)
        except SyntaxError:
            return node
    if isinstance(node, ast.Subscript):
        node.slice = _unquote(node.slice)
    elif isinstance(node, ast.Tuple):
        node.elts = [_unquote(e) for e in node.elts]
    elif isinstance(node, ast.BinOp):
        node.left, node.right = _unquote(node.left), _unquote(node.right)
    elif isinstance(node, ast.IfExp):
        node.body, node.orelse = _unquote(node.body), _unquote(node.orelse)
    return node


def _is_asyncio_mark(node: ast.expr) -> bool:
    dotted = dotted_name(node)
    return dotted is not None and dotted.endswith("mark.asyncio")


def _self_returns(node: ast.FunctionDef | ast.AsyncFunctionDef, klass: str) -> None:
    returns = node.returns
    if returns is None:
        return
    returns = _unquote(copy.deepcopy(returns))
    if _last_name(returns) in {klass, "Self"} and not isinstance(
        returns, ast.Subscript
    ):
        node.returns = ast.Name("Self")


def _lift_depends(arg: ast.arg, default: ast.expr | None) -> ast.expr | None:
    """``x: Annotated[T, Depends(f)]`` → ``x: T = Depends(f)`` (PP702)."""
    annotation = arg.annotation
    if (
        default is not None
        or not isinstance(annotation, ast.Subscript)
        or _last_name(annotation.value) != "Annotated"
        or not isinstance(annotation.slice, ast.Tuple)
    ):
        return default
    *kept, last = annotation.slice.elts
    if not (
        isinstance(last, ast.Call) and _last_name(last.func) in {"Depends", "Security"}
    ):
        return default
    arg.annotation = (
        kept[0]
        if len(kept) == 1
        else ast.Subscript(annotation.value, ast.Tuple(kept, ast.Load()), ast.Load())
    )
    return last


def _identity_list(comp: ast.ListComp) -> ast.expr:
    """``[x for x in it]`` → ``list(it)``: what PP402 writes for a plain copy."""
    (generator,) = comp.generators if len(comp.generators) == 1 else (None,)
    if (
        generator is not None
        and not generator.ifs
        and not generator.is_async
        and isinstance(comp.elt, ast.Name)
        and isinstance(generator.target, ast.Name)
        and comp.elt.id == generator.target.id
    ):
        return ast.Call(ast.Name("list"), [generator.iter], [])
    return comp


def _fold_append_loops(body: list[ast.stmt]) -> list[ast.stmt]:
    """``out = []`` then a loop that only appends to it → ``out = [... for ...]``."""
    result: list[ast.stmt] = []
    for stmt in body:
        previous = result[-1] if result else None
        folded = _fold(previous, stmt) if previous is not None else None
        if folded is not None:
            result[-1] = folded
        else:
            result.append(stmt)
    return result


def _fold(previous: ast.stmt, loop: ast.stmt) -> ast.stmt | None:
    if (
        not isinstance(loop, ast.For | ast.AsyncFor)
        or loop.orelse
        or len(loop.body) != 1
    ):
        return None
    if not isinstance(previous, ast.Assign | ast.AnnAssign):
        return None
    targets = (
        previous.targets if isinstance(previous, ast.Assign) else [previous.target]
    )
    value = previous.value
    if (
        len(targets) != 1
        or not isinstance(targets[0], ast.Name)
        or not isinstance(value, ast.List)
        or value.elts
    ):
        return None
    stmt = loop.body[0]
    ifs: list[ast.expr] = []
    if isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1:
        ifs = [stmt.test]
        stmt = stmt.body[0]
    if not (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Call)
        and isinstance(stmt.value.func, ast.Attribute)
        and stmt.value.func.attr == "append"
        and dotted_name(stmt.value.func.value) == targets[0].id
        and len(stmt.value.args) == 1
    ):
        return None
    is_async = int(isinstance(loop, ast.AsyncFor))
    comp = ast.ListComp(
        stmt.value.args[0],
        [ast.comprehension(loop.target, loop.iter, ifs, is_async)],
    )
    previous.value = comp
    return previous


def _merged(values: list[ast.expr]) -> ast.JoinedStr:
    merged: list[ast.expr] = []
    for value in values:
        if (
            isinstance(value, ast.Constant)
            and merged
            and isinstance(merged[-1], ast.Constant)
        ):
            merged[-1] = ast.Constant(str(merged[-1].value) + str(value.value))
        elif not (isinstance(value, ast.Constant) and value.value == ""):
            merged.append(value)
    return ast.JoinedStr(merged)


def _percent_pieces(template: str, args: Sequence[ast.expr]) -> ast.JoinedStr | None:
    """A ``%`` template with its arguments, as the f-string it equals."""
    values: list[ast.expr] = []
    remaining = list(args)
    position = 0
    for match in _PERCENT.finditer(template):
        values.append(ast.Constant(template[position : match.start()]))
        position = match.end()
        spec = match.group("spec")
        if spec == "%":
            values.append(ast.Constant("%"))
            continue
        if match.group("key") is not None or not remaining:
            return None
        value = remaining.pop(0)
        if spec in {"s", "r", "a"}:
            values.append(ast.FormattedValue(value, ord(spec), None))
        else:
            values.append(ast.FormattedValue(value, -1, ast.Constant(f"%{spec}")))
    values.append(ast.Constant(template[position:]))
    if remaining:
        return None
    return _merged(values)


def normalised(source: str) -> str:
    """The canonical dump of a module (see :class:`Normaliser`).

    Args:
        source: Python text that parses.

    Returns:
        ``ast.dump`` of the normalised module.
    """
    tree = canonical(engine.parse(source))
    normaliser = Normaliser(tree)
    tree.body = normaliser._body(tree.body)
    for node in ast.walk(tree):
        if isinstance(node, _WITH_CONTEXT):
            node.ctx = ast.Load()
    return ast.dump(tree)


@dataclass(slots=True)
class Outcome:
    """What checking one text found."""

    fixed: str = ""
    applied: Counter[str] = field(default_factory=Counter)
    properties: int = 0
    failures: list[str] = field(default_factory=list)


def _wanted_left(source: str, path: str, unsafe: bool) -> list[str]:
    """Fixable findings left after fixing (a fix that does not converge)."""
    return [
        f"{f.code}@{f.span.line}:{f.span.col}"
        for f in engine.check(source, path, Config())
        if f.fix is not None
        and f.source == "pyprotocol"
        and (unsafe or f.fix.applicability is Applicability.SAFE)
    ]


def check_text(source: str, path: str, *, unsafe: bool) -> Outcome:
    """Check the fix properties on one text.

    Args:
        source: Python text that parses.
        path: Its path (decides test-file rules).
        unsafe: Apply unsafe fixes too (the behaviour check is then skipped).

    Returns:
        The fixes applied per rule, the number of properties checked and the failures.
    """
    outcome = Outcome()
    logging.disable(logging.CRITICAL)
    try:
        result = engine.fix(source, path, Config(), unsafe=unsafe)
    finally:
        logging.disable(logging.NOTSET)
    outcome.fixed = result.source
    outcome.applied.update(f.code for f in result.applied)
    mode = "unsafe" if unsafe else "safe"
    outcome.properties += 1
    if result.skipped:
        outcome.failures.append(f"{path} [{mode}]: fixes dropped: {result.skipped}")
    if not result.changed:
        return outcome
    outcome.properties += 3
    try:
        compile(result.source, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as err:
        outcome.failures.append(f"{path} [{mode}]: output does not compile: {err}")
        return outcome
    again = engine.fix(result.source, path, Config(), unsafe=unsafe)
    if again.changed:
        codes = sorted({f.code for f in again.applied})
        outcome.failures.append(f"{path} [{mode}]: not idempotent: {codes}")
    left = _wanted_left(result.source, path, unsafe)
    if left:
        outcome.failures.append(f"{path} [{mode}]: fixable findings left: {left[:5]}")
    if not unsafe:
        outcome.properties += 1
        before, after = normalised(source), normalised(result.source)
        if before != after:
            outcome.failures.append(
                f"{path} [safe]: behaviour may change: "
                + _first_difference(before, after)
            )
    return outcome


def _first_difference(before: str, after: str) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
        min(len(before), len(after)),
    )
    start = max(at - 150, 0)
    end = at + 150
    return f"\n  before: ...{before[start:end]}\n  after:  ...{after[start:end]}"
