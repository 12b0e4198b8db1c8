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

_FORWARD_REF_OUTSIDE_ANNOTATION: Final = (
    "no fix: a quoted forward reference outside an annotation is evaluated at runtime, "
    "where `'X' | None` raises TypeError"
)


def _operands(node: ast.Subscript) -> list[ast.expr]:
    return list(node.slice.elts) if isinstance(node.slice, ast.Tuple) else [node.slice]


class UnionSyntax(Rule):
    """Flags ``typing.Optional`` and ``typing.Union`` subscripts."""

    code = "PP105"
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
        self.report(node, message, fix=True)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Rewrite each flagged subscript as a ``|`` union."""
        dotted: list[bool] = []

        def replace(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            if isinstance(updated, cst.Subscript):
                dotted.append(isinstance(updated.value, cst.Attribute))
            return _to_union(original, updated)

        tree = rewrite_at(tree, request.starts(), (cst.Subscript,), replace)
        removals: list[tuple[str, str | None] | tuple[str, str | None, str | None]] = [
            (module, name)
            for module in ("typing", "typing_extensions")
            for name in ("Optional", "Union")
        ]
        if any(dotted):
            removals.extend(typing_module_imports(tree))
        return update_imports(tree, remove_unused=removals)


def _subscript_name(node: cst.Subscript) -> str:
    value = node.value
    return value.attr.value if isinstance(value, cst.Attribute) else code_of(value)


def _to_union(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
    del original
    if not isinstance(updated, cst.Subscript):
        return updated
    items: list[cst.BaseExpression] = []
    for element in updated.slice:
        if not isinstance(element.slice, cst.Index):
            return updated
        items.append(_operand(element.slice.value))
    if _subscript_name(updated).endswith("Optional"):
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
