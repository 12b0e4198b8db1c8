"""PP109: ``TypeGuard`` where ``TypeIs`` fits (Python 3.13+)."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import rewrite_at, update_imports
from pyprotocol.model import Applicability, FixInfo, Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule

_UNSAFE_REASON: Final = (
    "`TypeIs` also narrows the `else` branch and needs the narrowed type to be a "
    "subtype of the parameter's type; check both hold"
)


class PreferTypeIs(Rule):
    """Flags return annotations ``TypeGuard[X]``."""

    code = "PP109"
    statement_local = True
    name = "prefer-typeis"
    summary = "Use `TypeIs` rather than `TypeGuard` for type-narrowing functions."
    why = (
        "`TypeIs` (Python 3.13, PEP 742) narrows in both branches of an `if` and "
        "checks "
        "that the narrowed type is compatible with the argument, which is what most "
        "narrowing functions mean. `TypeGuard` narrows only the positive branch and "
        "accepts unrelated types, so mistakes go unnoticed."
    )
    sections = ("pr:type-annotations",)
    severity = Severity.WARNING
    min_target = (3, 13)
    fix_title = "Replace `TypeGuard` with `TypeIs`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import TypeGuard\n"
            "def is_str_list(v: list[object]) -> TypeGuard[list[str]]: ...\n",
        ),
        good=(
            "from typing import TypeIs\ndef is_str(v: object) -> TypeIs[str]: ...\n",
            "from mylib import TypeGuard\ndef f(v: object) -> TypeGuard[str]: ...\n",
        ),
        fixed=(
            Fixed(
                "from typing import TypeGuard\n\n\n"
                "def is_str(value: object) -> TypeGuard[str]:\n"
                "    return isinstance(value, str)\n",
                "from typing import TypeIs\n\n\n"
                "def is_str(value: object) -> TypeIs[str]:\n"
                "    return isinstance(value, str)\n",
            ),
            Fixed(
                "import typing as t\n\n\n"
                "def is_ints(value: list[object]) -> t.TypeGuard[list[int]]:\n"
                "    return all(isinstance(v, int) for v in value)\n",
                "import typing as t\nfrom typing import TypeIs\n\n\n"
                "def is_ints(value: list[object]) -> TypeIs[list[int]]:\n"
                "    return all(isinstance(v, int) for v in value)\n",
                unsafe=True,
            ),
        ),
    )

    def _check(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        returns = node.returns
        if not isinstance(returns, ast.Subscript):
            return
        if self.ctx.typing_name(returns.value) != "TypeGuard":
            return
        params = [*node.args.posonlyargs, *node.args.args]
        if self.ctx.class_scope() is not None and params:
            params = params[1:]  # self / cls
        first = params[0].annotation if params else None
        message = "`TypeGuard` narrows only the `if` branch: use `TypeIs`"
        if first is not None and self.ctx.qualname(first) == "builtins.object":
            self.report(returns.value, message, fix=True)
        else:
            fix = FixInfo(self.fix_title or "", Applicability.UNSAFE, _UNSAFE_REASON)
            self.report(
                returns.value, f"{message} if it fits ({_UNSAFE_REASON})", fix=fix
            )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a function's return annotation."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check an async function's return annotation."""
        self._check(node)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Swap the annotation's ``TypeGuard`` for ``TypeIs``."""
        tree = rewrite_at(
            tree,
            request.starts(),
            (cst.Name, cst.Attribute),
            lambda _original, _updated: cst.Name("TypeIs"),
        )
        return update_imports(
            tree,
            add=[("typing", "TypeIs", None)],
            remove_unused=[("typing", "TypeGuard"), ("typing_extensions", "TypeGuard")],
        )
