"""PP408: a list comprehension passed to ``sum``/``any``/``all``/``min``/``max``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.model import Applicability, FixInfo, Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule

_CONSUMERS: Final = ("sum", "any", "all", "min", "max")
_SHORT_CIRCUIT: Final = frozenset({"any", "all"})
_FIX_TITLE: Final = "Pass a generator expression"
_SIDE_EFFECTS: Final = (
    ast.Call,
    ast.Await,
    ast.NamedExpr,
    ast.Yield,
    ast.YieldFrom,
)
_PURE_ITERABLE_CALLS: Final = frozenset(
    {"builtins.range", "builtins.enumerate", "builtins.zip", "builtins.reversed"}
)
_VIEW_METHODS: Final = frozenset({"items", "keys", "values"})


class GeneratorArgument(Rule):
    """Flags ``any([x for x in xs])``-style calls."""

    code = "PP408"
    statement_local = True
    replaces = ("C419",)
    name = "comprehension-in-reduction"
    summary = (
        "Pass a generator, not a list comprehension, to `sum`, `any`, `all`, `min` "
        "and `max`."
    )
    why = (
        "These functions consume their argument once. A list comprehension builds "
        "the whole list in memory first; a generator feeds one item at a time "
        "(O(1) memory), and lets `any`/`all` stop at the first decisive item. For "
        "`sum`, `min` and `max` the rewrite is always safe. For `any` and `all` it "
        "stops evaluating early: the fix is safe when the comprehension has no calls "
        "or other side effects and iterates over a plain name, attribute, literal, "
        "`range`/`enumerate`/`zip` or dictionary view, and unsafe otherwise."
    )
    sections = ("pr:language-level-python-312", "cgp:4-idiomatic--performant-python")
    severity = Severity.WARNING
    fix_title = _FIX_TITLE
    examples: ClassVar[Examples] = Examples(
        bad=(
            "def f(xs):\n    return sum([x * 2 for x in xs])\n",
            "def f(xs):\n    return any([check(x) for x in xs])\n",
            "def f(xs):\n    return max([len(x) for x in xs], default=0)\n",
        ),
        good=(
            "def f(xs):\n    return sum(x * 2 for x in xs)\n",
            "def f(xs):\n    return sum([1, 2, 3])\n",
            "def f(xs):\n    return sorted([x for x in xs])\n",
            "def sum(xs):\n    return xs\ndef g(xs):\n    return sum([x for x in "
            "xs])\n",
            "def f(xs):\n    return len([x for x in xs])\n",
            "async def f(xs):\n    return sum([x async for x in xs])\n",
        ),
        fixed=(
            Fixed(
                "def f(xs):\n    return sum([x * 2 for x in xs])\n",
                "def f(xs):\n    return sum(x * 2 for x in xs)\n",
            ),
            Fixed(
                "def f(xs):\n    return sum([x for x in xs], start=10)\n",
                "def f(xs):\n    return sum((x for x in xs), start=10)\n",
            ),
            Fixed(
                "def f(d):\n    return all([v > 0 for k, v in d.items() if k])\n",
                "def f(d):\n    return all(v > 0 for k, v in d.items() if k)\n",
            ),
            Fixed(
                "def f(xs):\n    return any([check(x) for x in xs])\n",
                "def f(xs):\n    return any(check(x) for x in xs)\n",
                unsafe=True,
            ),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a list comprehension as the first argument of a reduction."""
        name = self.ctx.qualname(node.func)
        if name is None or name.removeprefix("builtins.") not in _CONSUMERS:
            return
        if not name.startswith("builtins.") or not node.args:
            return
        first = node.args[0]
        if not isinstance(first, ast.ListComp) or _is_async(first):
            # An async comprehension would become an async generator, which these
            # functions cannot consume.
            return
        short = name.removeprefix("builtins.")
        safe = short not in _SHORT_CIRCUIT or self._pure(first)
        info = FixInfo(
            _FIX_TITLE,
            Applicability.SAFE if safe else Applicability.UNSAFE,
            None
            if safe
            else (
                f"`{short}` stops at the first decisive item: calls in the "
                "comprehension would no longer all run"
            ),
        )
        self.report(
            first,
            f"`{short}()` consumes its argument once: pass a generator expression "
            "instead of building a list",
            fix=info,
        )

    def _pure(self, comp: ast.ListComp) -> bool:
        first, *rest = comp.generators
        parts: list[ast.AST] = [comp.elt, *first.ifs]
        for generator in rest:
            parts.extend((generator.iter, *generator.ifs))
        if any(isinstance(n, _SIDE_EFFECTS) for part in parts for n in ast.walk(part)):
            return False
        return self._plain_iterable(first.iter)

    def _plain_iterable(self, node: ast.expr) -> bool:
        if isinstance(
            node, ast.Name | ast.Attribute | ast.List | ast.Tuple | ast.Set | ast.Dict
        ):
            return True
        if not isinstance(node, ast.Call):
            return False
        if self.ctx.qualname(node.func) in _PURE_ITERABLE_CALLS:
            return not node.keywords and all(
                isinstance(arg, ast.Constant) or self._plain_iterable(arg)
                for arg in node.args
            )
        return (
            isinstance(node.func, ast.Attribute)
            and node.func.attr in _VIEW_METHODS
            and not node.args
            and isinstance(node.func.value, ast.Name | ast.Attribute)
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Turn each flagged list comprehension into a generator expression."""
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        return wrapper.visit(_Unbracket(request.starts()))


def _is_async(comp: ast.ListComp) -> bool:
    """Whether a comprehension is asynchronous: ``async for``, or an ``await`` in it.

    The first iterable is evaluated outside the comprehension, so an ``await`` there
    does not count.
    """
    first, *rest = comp.generators
    parts: list[ast.AST] = [comp.elt, *first.ifs]
    for generator in rest:
        parts.extend((generator.iter, *generator.ifs))
    return any(generator.is_async for generator in comp.generators) or any(
        isinstance(node, ast.Await) for part in parts for node in ast.walk(part)
    )


class _Unbracket(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, starts: set[tuple[int, int]]) -> None:
        super().__init__()
        self.starts = starts

    def leave_Call(
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.BaseExpression:
        if not original_node.args:
            return updated_node
        pos = self.get_metadata(PositionProvider, original_node.args[0].value, None)
        if pos is None or (pos.start.line, pos.start.column) not in self.starts:
            return updated_node
        return _unbracket(updated_node)


def _unbracket(updated: cst.Call) -> cst.Call:
    args = list(updated.args)
    comp = args[0].value if args else None
    if not isinstance(comp, cst.ListComp):
        return updated
    sole = len(args) == 1
    generator = cst.GeneratorExp(
        elt=comp.elt,
        for_in=comp.for_in,
        lpar=[]
        if sole
        else [cst.LeftParen(whitespace_after=comp.lbracket.whitespace_after)],
        rpar=[]
        if sole
        else [cst.RightParen(whitespace_before=comp.rbracket.whitespace_before)],
    )
    if not sole:
        args[0] = args[0].with_changes(value=generator)
        return updated.with_changes(args=args)
    # The brackets' inner whitespace moves to the call's parentheses.
    args[0] = args[0].with_changes(
        value=generator, whitespace_after_arg=comp.rbracket.whitespace_before
    )
    return updated.with_changes(
        args=args, whitespace_before_args=comp.lbracket.whitespace_after
    )


__all__ = ["GeneratorArgument"]
