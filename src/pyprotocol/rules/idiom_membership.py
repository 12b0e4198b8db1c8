"""PP403: membership test against a list or tuple literal instead of a set."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule

_NUMBERS: Final = (int, float, complex)


def _hashable_literal(node: ast.expr) -> bool:
    """A constant (or a tuple of constants) that a set literal can hold."""
    if isinstance(node, ast.Constant):
        return True
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub | ast.UAdd)
        and isinstance(node.operand, ast.Constant)
        and isinstance(node.operand.value, _NUMBERS)
        and not isinstance(node.operand.value, bool)
    ):
        return True
    return isinstance(node, ast.Tuple) and all(_hashable_literal(e) for e in node.elts)


class LiteralMembership(Rule):
    """Flags ``x in [1, 2, 3]`` and ``x not in ("a", "b")``."""

    code = "PP403"
    statement_local = True
    name = "literal-membership"
    summary = "Test membership against a set literal, not a list or tuple literal."
    why = (
        "`x in [...]` compares `x` with every element in turn; `x in {...}` is one "
        "hash lookup, and when every element is a constant Python builds the set "
        "once, at compile time, as a frozenset. The protocol asks for data structures "
        "chosen by access pattern: sets for lookups. Only literals whose elements are "
        "all hashable constants are flagged, so the rewrite cannot raise at runtime "
        "because of an element. (A value that is itself unhashable, such as a list, "
        "would make the set lookup raise; comparing such a value with constants is "
        "already a bug.)"
    )
    sections = ("pr:language-level-python-312", "cgp:4-idiomatic--performant-python")
    severity = Severity.WARNING
    fix_title = "Use a set literal"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "def f(x):\n    return x in [1, 2, 3]\n",
            "def f(x):\n    return x not in ('a', 'b')\n",
            "def f(x):\n    if x in (-1, None, (1, 2)):\n        return 1\n",
        ),
        good=(
            "def f(x):\n    return x in {1, 2, 3}\n",
            "def f(x, a, b):\n    return x in (a, b)\n",
            "def f(x):\n    return x in [1]\n",
            "def f(x):\n    return x in ([1], [2])\n",
            "def f(x):\n    for y in [1, 2, 3]:\n        print(y)\n",
            "def f(x):\n    return x == [1, 2]\n",
        ),
        fixed=(
            Fixed(
                "def f(x):\n    return x in [1, 2, 3]\n",
                "def f(x):\n    return x in {1, 2, 3}\n",
            ),
            Fixed(
                "def f(mode):\n    return mode not in (\n        'r',\n        'w',\n"
                "    )\n",
                "def f(mode):\n    return mode not in {\n        'r',\n        'w',\n"
                "    }\n",
            ),
            Fixed(
                "def f(x, y):\n    return x in ('a', 'b') and y in [1, 2]\n",
                "def f(x, y):\n    return x in {'a', 'b'} and y in {1, 2}\n",
            ),
        ),
    )

    def visit_Compare(self, node: ast.Compare) -> None:
        """Flag ``in`` / ``not in`` against constant list and tuple literals."""
        for op, right in zip(node.ops, node.comparators, strict=True):
            if not isinstance(op, ast.In | ast.NotIn):
                continue
            if not isinstance(right, ast.List | ast.Tuple) or len(right.elts) < 2:
                continue
            if not all(_hashable_literal(e) for e in right.elts):
                continue
            kind = "list" if isinstance(right, ast.List) else "tuple"
            self.report(
                right,
                f"membership test against a {kind} literal scans it element by "
                "element: use a set literal `{...}`",
                fix=True,
            )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Turn each flagged list or tuple literal into a set literal."""
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        return wrapper.visit(_SetMaker(request.starts()))


class _SetMaker(cst.CSTTransformer):
    """Replaces literals by start position; a tuple starts at its parenthesis."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, starts: set[tuple[int, int]]) -> None:
        super().__init__()
        self.starts = starts

    def _hit(self, node: cst.List | cst.Tuple) -> bool:
        anchor: cst.CSTNode = (
            node.lpar[-1] if isinstance(node, cst.Tuple) and node.lpar else node
        )
        pos = self.get_metadata(PositionProvider, anchor, None)
        return pos is not None and (pos.start.line, pos.start.column) in self.starts

    def leave_List(
        self, original_node: cst.List, updated_node: cst.List
    ) -> cst.BaseExpression:
        return _to_set(updated_node) if self._hit(original_node) else updated_node

    def leave_Tuple(
        self, original_node: cst.Tuple, updated_node: cst.Tuple
    ) -> cst.BaseExpression:
        return _to_set(updated_node) if self._hit(original_node) else updated_node


def _to_set(updated: cst.List | cst.Tuple) -> cst.BaseExpression:
    if isinstance(updated, cst.List):
        return cst.Set(
            elements=updated.elements,
            lbrace=cst.LeftCurlyBrace(
                whitespace_after=updated.lbracket.whitespace_after
            ),
            rbrace=cst.RightCurlyBrace(
                whitespace_before=updated.rbracket.whitespace_before
            ),
            lpar=updated.lpar,
            rpar=updated.rpar,
        )
    if isinstance(updated, cst.Tuple) and updated.lpar:
        lpar, rpar = updated.lpar[-1], updated.rpar[0]
        return cst.Set(
            elements=updated.elements,
            lbrace=cst.LeftCurlyBrace(whitespace_after=lpar.whitespace_after),
            rbrace=cst.RightCurlyBrace(whitespace_before=rpar.whitespace_before),
            lpar=updated.lpar[:-1],
            rpar=updated.rpar[1:],
        )
    return updated


__all__ = ["LiteralMembership"]
