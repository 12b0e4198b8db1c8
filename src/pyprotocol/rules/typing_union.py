"""PP105: ``Optional[X]`` / ``Union[A, B]`` instead of ``X | None`` / ``A | B``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import (
    code_of,
    rewrite_at,
    typing_module_imports,
    update_imports,
)
from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule

_UNQUOTABLE: Final = (
    "no fix: a member is a forward reference, so the union must become one string, "
    "and another member holds quotes or spans lines"
)
_HIDDEN_STRING: Final = (
    "no fix: a conditional member may evaluate to a quoted forward reference, and "
    "`'X' | None` raises TypeError"
)
_FORWARD_REF_OUTSIDE_ANNOTATION: Final = (
    "no fix: a quoted forward reference outside an annotation is evaluated at runtime, "
    "where `'X' | None` raises TypeError"
)


def _operands(node: ast.Subscript) -> list[ast.expr]:
    return list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]


def _hides_string(operand: ast.expr) -> bool:
    """A member such as ``('A' if c else B)``: it may evaluate to a string."""
    return isinstance(operand, ast.IfExp | ast.BoolOp) and any(
        isinstance(n, ast.Constant) and isinstance(n.value, str)
        for n in ast.walk(operand)
    )


class UnionSyntax(Rule):
    """Flags ``typing.Optional`` and ``typing.Union`` subscripts."""

    code = "PP105"
    statement_local = True
    name = "union-syntax"
    summary = "Use `X | None` and `A | B` instead of `Optional[X]` and `Union[A, B]`."
    why = (
        "Since Python 3.10 the `|` operator builds unions directly. It reads like the "
        "set of types it denotes, needs no import, and is what type checkers print. "
        "Mixing both spellings makes a codebase look written by several hands."
    )
    sections = ("pr:type-annotations", "cgp:3-typing--static-analysis")
    replaces = ("UP007", "UP045")
    severity = Severity.WARNING
    fix_title = "Rewrite with the `|` operator"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import Optional\ndef f(x: Optional[int]) -> None: ...\n",
            "import typing as t\nx: t.Union[int, str] = 1\n",
            "from typing import Optional as Opt\ny: Opt[str] = None\n",
            "from typing import Optional\nVALUE = Optional['Console']\n",
        ),
        good=(
            "def f(x: int | None) -> None: ...\n",
            "class Optional: ...\nx: Optional[int]\n",
            "from mylib import Union\nx: Union[int, str]\n",
        ),
        fixed=(
            Fixed(
                "from typing import Optional, Union\n\n\n"
                "def f(x: Optional[int], y: Union[int, str, None]) -> "
                "Optional[Union[int, str]]:\n"
                "    return x\n",
                "def f(x: int | None, y: int | str | None) -> int | str | None:\n"
                "    return x\n",
            ),
            Fixed(
                "import typing as t\n\nx: t.Optional[t.List[int]] = None\n",
                "import typing as t\n\nx: t.List[int] | None = None\n",
            ),
            Fixed(
                "from typing import Optional\n\n\n"
                "class App:\n"
                "    def console(self) -> Optional['Console']:\n"
                "        return None\n",
                "class App:\n"
                "    def console(self) -> 'Console | None':\n"
                "        return None\n",
            ),
        ),
    )

    def visit_Subscript(self, node: ast.Subscript) -> None:
        """Flag ``Optional[...]`` and ``Union[...]``."""
        kind = self.ctx.typing_name(node.value)
        if kind not in {"Optional", "Union"}:
            return
        operands = _operands(node)
        if kind == "Optional" and len(operands) != 1:
            return
        spelled = "X | None" if kind == "Optional" else "A | B"
        message = f"`{kind}[...]` is the old spelling of a union: write `{spelled}`"
        has_string = any(
            isinstance(o, ast.Constant) and isinstance(o.value, str) for o in operands
        )
        if has_string and not self.ctx.in_annotation:
            self.report(node, f"{message} ({_FORWARD_REF_OUTSIDE_ANNOTATION})")
            return
        if not self._quotable(node):
            self.report(node, f"{message} ({_UNQUOTABLE})")
            return
        if any(_hides_string(o) for o in operands):
            self.report(node, f"{message} ({_HIDDEN_STRING})")
            return
        self.report(node, message, fix=True)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Rewrite each flagged subscript as a ``|`` union."""
        dotted: list[bool] = []
        imported = _typing_imports(request.source)
        # `from typing import Optional as Opt`: `Opt[X]` is `X | None` too.
        optional = {"Optional"} | {k for k, v in imported.items() if v[1] == "Optional"}

        def replace(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            del original
            if isinstance(updated, cst.Subscript):
                dotted.append(isinstance(updated.value, cst.Attribute))
            return _to_union(updated, optional)

        tree = rewrite_at(tree, request.starts(), (cst.Subscript,), replace)
        removals: list[tuple[str, str | None] | tuple[str, str | None, str | None]] = [
            (module, name)
            for module in ("typing", "typing_extensions")
            for name in ("Optional", "Union")
        ]
        removals.extend(
            (module, member, local)
            for local, (module, member) in imported.items()
            if local != member
        )
        if any(dotted):
            removals.extend(typing_module_imports(tree))
        return update_imports(tree, remove_unused=removals)

    def _quotable(self, node: ast.Subscript) -> bool:
        """Whether the fix can write this union, quoted if a member is a string.

        A union with a forward reference becomes one string (the members' texts
        joined, inner unions flattened, as the fix does); when that text would need
        both kinds of quotes, a backslash or a line break there is no such string,
        and no fix is offered.
        """
        parts, stringy = self._union_parts(node)
        if not stringy:
            return True
        text = " | ".join(parts)
        if ("'" in text and '"' in text) or "\\" in text or "\n" in text:
            return False
        try:
            ast.parse(text, mode="eval")
        except SyntaxError:
            return False
        return True

    def _union_parts(self, node: ast.Subscript) -> tuple[list[str], bool]:
        """The members' texts as the fix joins them, and whether one is a string."""
        parts: list[str] = []
        stringy = False
        for operand in _operands(node):
            if isinstance(operand, ast.Constant) and isinstance(operand.value, str):
                parts.append(operand.value.strip())
                stringy = True
            elif isinstance(operand, ast.Subscript) and self.ctx.typing_name(
                operand.value
            ) in {"Optional", "Union"}:
                inner, inner_stringy = self._union_parts(operand)
                parts.extend(inner)
                stringy = stringy or inner_stringy
            else:
                span = self.ctx.span(operand)
                lines = self.ctx.lines
                start = lines.offset(span.line, span.col)
                parts.append(
                    self.ctx.source[start : lines.offset(span.end_line, span.end_col)]
                )
        if self.ctx.typing_name(node.value) == "Optional":
            parts.append("None")
        return parts, stringy


def _subscript_name(node: cst.Subscript) -> str:
    value = node.value
    return value.attr.value if isinstance(value, cst.Attribute) else code_of(value)


def _typing_imports(source: str) -> dict[str, tuple[str, str]]:
    """Local names bound to ``Optional``/``Union`` by ``from typing import ...``."""
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in {
            "typing",
            "typing_extensions",
        }:
            for alias in node.names:
                if alias.name in {"Optional", "Union"}:
                    found[alias.asname or alias.name] = (node.module, alias.name)
    return found


def _to_union(updated: cst.CSTNode, optional: set[str]) -> cst.CSTNode:
    if not isinstance(updated, cst.Subscript):
        return updated
    items: list[cst.BaseExpression] = []
    for element in updated.slice:
        if not isinstance(element.slice, cst.Index):
            return updated
        items.extend(_members(element.slice.value))
    if _subscript_name(updated) in optional:
        items.append(cst.Name("None"))
    # Flatten `None` duplicates while keeping order.
    seen: set[str] = set()
    unique: list[cst.BaseExpression] = []
    for item in items:
        text = code_of(item)
        if text not in seen:
            seen.add(text)
            unique.append(item)
    if any(isinstance(item, cst.SimpleString) for item in unique):
        return _quoted_union(unique) or updated
    result: cst.BaseExpression = unique[0]
    for item in unique[1:]:
        result = cst.BinaryOperation(result, cst.BitOr(), item)
    return result


#: Expressions that bind less tightly than ``|``: as operands they keep parentheses.
_LOOSER_THAN_OR: Final = (
    cst.IfExp,
    cst.Lambda,
    cst.BooleanOperation,
    cst.Comparison,
    cst.NamedExpr,
    cst.Yield,
)


def _members(value: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The operands of a union member: ``int | None`` (an inner rewrite) gives two."""
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.BitOr):
        return [*_members(value.left), *_members(value.right)]
    return [_operand(value)]


def _operand(value: cst.BaseExpression) -> cst.BaseExpression:
    """A subscript element as an operand of ``|``, parenthesised only if needed."""
    loose = isinstance(value, _LOOSER_THAN_OR) or (
        isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Not)
    )
    if loose:
        return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return value.with_changes(lpar=[], rpar=[])


def _quoted_union(items: list[cst.BaseExpression]) -> cst.SimpleString | None:
    parts: list[str] = []
    for item in items:
        if isinstance(item, cst.SimpleString):
            value = item.evaluated_value
            if not isinstance(value, str):
                return None
            parts.append(value.strip())
        else:
            parts.append(code_of(item))
    text = " | ".join(parts)
    quote = "'" if "'" not in text else '"'
    if quote in text or "\\" in text or "\n" in text:
        return None
    try:
        ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    return cst.SimpleString(f"{quote}{text}{quote}")


__all__ = ["UnionSyntax"]
