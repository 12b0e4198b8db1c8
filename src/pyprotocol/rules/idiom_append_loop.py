"""PP402: a ``for`` loop that only appends to a list, instead of a comprehension."""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Sequence
from typing import ClassVar

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.idiom_scope import names_in, scope_of, walk_scope

type _Loop = ast.For | ast.AsyncFor


def _append_of(stmt: ast.stmt) -> tuple[str, ast.expr] | None:
    """``(list name, appended value)`` when ``stmt`` is ``name.append(value)``."""
    if not isinstance(stmt, ast.Expr) or not isinstance(stmt.value, ast.Call):
        return None
    call = stmt.value
    func = call.func
    if not (
        isinstance(func, ast.Attribute)
        and func.attr == "append"
        and isinstance(func.value, ast.Name)
        and len(call.args) == 1
        and not call.keywords
        and not isinstance(call.args[0], ast.Starred)
    ):
        return None
    return func.value.id, call.args[0]


def _shape(loop: _Loop) -> tuple[str, ast.expr, ast.expr | None] | None:
    """``(list name, element, condition)`` for a loop that only appends."""
    if loop.orelse or len(loop.body) != 1:
        return None
    stmt = loop.body[0]
    test: ast.expr | None = None
    if isinstance(stmt, ast.If):
        if stmt.orelse or len(stmt.body) != 1:
            return None
        test = stmt.test
        stmt = stmt.body[0]
    found = _append_of(stmt)
    if found is None:
        return None
    return found[0], found[1], test


def _is_empty_list(node: ast.expr | None) -> bool:
    return isinstance(node, ast.List) and not node.elts


def _binds_empty(stmt: ast.stmt, var: str) -> bool:
    """Tell whether ``stmt`` is ``var = []`` (or ``var: T = []``)."""
    if isinstance(stmt, ast.Assign):
        return (
            len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == var
            and _is_empty_list(stmt.value)
        )
    return (
        isinstance(stmt, ast.AnnAssign)
        and isinstance(stmt.target, ast.Name)
        and stmt.target.id == var
        and _is_empty_list(stmt.value)
    )


class AppendLoop(Rule):
    """Flags ``for x in xs: out.append(f(x))`` where ``out`` is a fresh list."""

    code = "PP402"
    statement_local = True
    replaces = ("PERF401",)
    name = "append-loop"
    summary = "Build a list with a comprehension, not a loop that only appends."
    why = (
        "A comprehension says in one expression what the list holds, and since Python "
        "3.12 it is inlined (PEP 709), so it runs about twice as fast as a loop that "
        "looks up and calls `append` on every item. The rule flags loops whose whole "
        "body is one `append` (optionally under one `if`) to a list created empty in "
        "the same scope. The fix rewrites `out = []` directly followed by such a loop "
        "into `out = [... for ...]` when nothing else reads the loop variable, no "
        "comment would be lost and no `try` could observe a half-built list."
    )
    sections = ("pr:language-level-python-312", "cgp:4-idiomatic--performant-python")
    severity = Severity.INFO
    fix_title = "Rewrite as a list comprehension"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n"
            "    return out\n",
            "def f(xs):\n    out = [0]\n    for x in xs:\n        if x:\n"
            "            out.append(x)\n    return out\n",
            "async def f(xs):\n    out = list()\n    n = 1\n    async for x in xs:\n"
            "        out.append(x + n)\n    return out\n",
        ),
        good=(
            "def f(xs):\n    return [x * 2 for x in xs]\n",
            "def f(xs):\n    out = []\n    for x in xs:\n        if x not in out:\n"
            "            out.append(x)\n    return out\n",
            "def f(xs, out):\n    for x in xs:\n        out.append(x)\n",
            "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n"
            "        print(x)\n    return out\n",
            "def f(xs):\n    out = []\n    for x in xs:\n        if x:\n"
            "            out.append(x)\n        else:\n            out.append(0)\n",
            "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n"
            "    else:\n        out.append(None)\n",
            "class C:\n    out = []\n    for x in range(3):\n        out.append(x)\n",
        ),
        fixed=(
            Fixed(
                "def f(xs):\n    out = []\n    for x in xs:\n        if x > 0:\n"
                "            out.append(x * 2)\n    return out\n",
                "def f(xs):\n    out = [x * 2 for x in xs if x > 0]\n    return out\n",
            ),
            Fixed(
                "def f(pairs):\n    keys: list[str] = []  # keep me\n"
                "    for k, _v in pairs:\n        keys.append(k)\n    return keys\n",
                "def f(pairs):\n    keys: list[str] = [k for k, _v in pairs]  # keep "
                "me\n"
                "    return keys\n",
            ),
            Fixed(
                "def f(a, b):\n    out = []\n    for x in a, b:\n"
                "        out.append(x)\n    return out\n",
                "def f(a, b):\n    out = list((a, b))\n    return out\n",
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Prepare the lazily computed comment lines.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._comments: set[int] | None = None

    def visit_For(self, node: ast.For) -> None:
        """Check a loop."""
        self._check(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        """Check an async loop."""
        self._check(node)

    def _check(self, loop: _Loop) -> None:
        shape = _shape(loop)
        if shape is None:
            return
        var, element, test = shape
        scope, klass = scope_of(self.ctx)
        if klass is not None:
            return
        used = names_in(loop.iter) | names_in(element)
        if test is not None:
            used |= names_in(test)
        if var in used or any(
            isinstance(n, ast.Yield | ast.YieldFrom | ast.NamedExpr)
            for part in (element, test, loop.iter)
            if part is not None
            for n in ast.walk(part)
        ):
            return
        nodes = list(walk_scope(scope))
        if not any(
            isinstance(n, ast.Assign | ast.AnnAssign)
            and n.lineno < loop.lineno
            and self._creates_list(n, var)
            for n in nodes
        ):
            return
        previous = self._previous(loop)
        if previous is not None and _binds_empty(previous, var):
            fixable = self._fix_is_safe(loop, nodes, previous)
            self.report(
                loop,
                f"this loop only appends to `{var}`: build it with a list "
                "comprehension",
                fix=fixable,
            )
            return
        self.report(
            loop,
            f"this loop only appends to `{var}`: use a comprehension, or "
            f"`{var}.extend(...)` with a generator",
        )

    def _creates_list(self, node: ast.Assign | ast.AnnAssign, var: str) -> bool:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not (
            len(targets) == 1
            and isinstance(targets[0], ast.Name)
            and targets[0].id == var
        ):
            return False
        value = node.value
        if isinstance(value, ast.List | ast.ListComp):
            return True
        return self.ctx.is_call_to(value, "builtins.list") if value else False

    def _previous(self, loop: _Loop) -> ast.stmt | None:
        parent = self.ctx.parent
        for field in ("body", "orelse", "finalbody", "handlers"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and loop in block:
                index = block.index(loop)
                previous = block[index - 1] if index else None
                return previous if isinstance(previous, ast.stmt) else None
        return None

    def _fix_is_safe(self, loop: _Loop, nodes: list[ast.AST], start: ast.stmt) -> bool:
        if self.ctx.enclosing(ast.Try, ast.TryStar) is not None:
            return False
        targets = names_in(loop.target)
        inside = {id(n) for n in ast.walk(loop)}
        for node in nodes:
            if (
                isinstance(node, ast.Name)
                and node.id in targets
                and id(node) not in inside
            ):
                return False
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            ) and (names_in(node) & targets):
                return False
        comments = self._comment_lines()
        end = loop.end_lineno or loop.lineno
        return not any(line in comments for line in range(start.lineno + 1, end + 1))

    def _comment_lines(self) -> set[int]:
        if self._comments is None:
            found: set[int] = set()
            try:
                for token in tokenize.generate_tokens(
                    io.StringIO(self.ctx.source).readline
                ):
                    if token.type == tokenize.COMMENT:
                        found.add(token.start[0])
            except (tokenize.TokenError, SyntaxError):
                found = set(range(1, len(self.ctx.lines.lines) + 2))
            self._comments = found
        return self._comments

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Fold each flagged loop into the empty-list assignment before it."""
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        return wrapper.visit(_Folder(request.starts()))


def _needs_parens(node: cst.BaseExpression) -> bool:
    if node.lpar:
        return False
    return isinstance(node, cst.IfExp | cst.Lambda | cst.Tuple | cst.NamedExpr)


def _paren(node: cst.BaseExpression) -> cst.BaseExpression:
    if _needs_parens(node):
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def _loop_parts(
    loop: cst.For,
) -> tuple[cst.BaseExpression, cst.BaseExpression | None] | None:
    """The appended element and the optional condition of a flagged loop."""
    body = loop.body
    statements = list(body.body)
    if len(statements) != 1:
        return None
    stmt: cst.CSTNode = statements[0]
    test: cst.BaseExpression | None = None
    if isinstance(stmt, cst.If):
        test = stmt.test
        inner = list(stmt.body.body)
        if len(inner) != 1:
            return None
        stmt = inner[0]
    if isinstance(stmt, cst.SimpleStatementLine):
        if len(stmt.body) != 1:
            return None
        stmt = stmt.body[0]
    if not isinstance(stmt, cst.Expr) or not isinstance(stmt.value, cst.Call):
        return None
    args = stmt.value.args
    if len(args) != 1:
        return None
    return args[0].value, test


def _folded(
    assign: cst.SimpleStatementLine, loop: cst.For
) -> cst.SimpleStatementLine | None:
    parts = _loop_parts(loop)
    if parts is None or len(assign.body) != 1:
        return None
    element, test = parts
    small = assign.body[0]
    if not isinstance(small, cst.Assign | cst.AnnAssign):
        return None
    value: cst.BaseExpression
    identity = (
        test is None
        and loop.asynchronous is None
        and isinstance(element, cst.Name)
        and isinstance(loop.target, cst.Name)
        and element.value == loop.target.value
    )
    if identity:
        iterable = loop.iter.with_changes(lpar=[], rpar=[])
        if isinstance(iterable, cst.Tuple):
            iterable = iterable.with_changes(
                lpar=[cst.LeftParen()], rpar=[cst.RightParen()]
            )
        value = cst.Call(cst.Name("list"), [cst.Arg(iterable)])
    else:
        value = cst.ListComp(
            elt=element,
            for_in=cst.CompFor(
                target=loop.target,
                iter=_paren(loop.iter),
                ifs=[cst.CompIf(_paren(test))] if test is not None else [],
                asynchronous=loop.asynchronous,
            ),
        )
    return assign.with_changes(body=[small.with_changes(value=value)])


class _Folder(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, starts: set[tuple[int, int]]) -> None:
        super().__init__()
        self.starts = starts

    def _fold(
        self,
        originals: Sequence[cst.BaseStatement],
        body: Sequence[cst.BaseStatement],
    ) -> list[cst.BaseStatement]:
        out: list[cst.BaseStatement] = []
        for index, stmt in enumerate(body):
            pos = self.get_metadata(PositionProvider, originals[index], None)
            if (
                isinstance(stmt, cst.For)
                and pos is not None
                and (pos.start.line, pos.start.column) in self.starts
                and out
                and isinstance(out[-1], cst.SimpleStatementLine)
            ):
                folded = _folded(out[-1], stmt)
                if folded is not None:
                    out[-1] = folded
                    continue
            out.append(stmt)
        return out

    def leave_Module(
        self, original_node: cst.Module, updated_node: cst.Module
    ) -> cst.Module:
        body = self._fold(original_node.body, updated_node.body)
        return updated_node.with_changes(body=body)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = self._fold(original_node.body, updated_node.body)
        return updated_node.with_changes(body=body)


__all__ = ["AppendLoop"]
