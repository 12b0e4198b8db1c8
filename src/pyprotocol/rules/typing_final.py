"""PP111: module-level CONSTANT_CASE assignments without ``Final``."""

from __future__ import annotations

import ast
import re
from collections import Counter
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import positions, update_imports
from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule

_CONSTANT: Final = re.compile(r"^_?[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^_?[A-Z]{2,}[0-9]*$")
_FACTORIES: Final = frozenset(
    {
        "TypeVar",
        "ParamSpec",
        "TypeVarTuple",
        "NewType",
        "NamedTuple",
        "TypedDict",
        "namedtuple",
        "Enum",
        "IntEnum",
        "StrEnum",
        "Flag",
        "IntFlag",
        "TypeAliasType",
    }
)


def _rebound(ctx: Context) -> Counter[str]:
    """How many times each name is bound anywhere in the module."""
    counts: Counter[str] = Counter(
        node.id
        for node in ctx.nodes_of(ast.Name)
        if isinstance(node.ctx, ast.Store | ast.Del)
    )
    scoped: list[ast.Global | ast.Nonlocal] = [
        *ctx.nodes_of(ast.Global),
        *ctx.nodes_of(ast.Nonlocal),
    ]
    for statement in scoped:
        for name in statement.names:
            counts[name] += 2
    return counts


class ConstantWithoutFinal(Rule):
    """Flags ``MAX_SIZE = 10`` at module level when ``MAX_SIZE`` is never rebound."""

    code = "PP111"
    name = "constant-needs-final"
    summary = "Declare module-level constants with `typing.Final`."
    why = (
        "A CONSTANT_CASE name only promises by convention that it never changes. "
        "`Final` makes the type checker hold the code to that promise, in this module "
        "and in every module that imports it, and lets it infer the literal value."
    )
    sections = ("cgp:3-typing--static-analysis", "cgp:2-code-style-formatting--linting")
    severity = Severity.INFO
    fix_title = "Annotate it as `Final`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "MAX_SIZE = 10\n",
            "DEFAULT_NAME: str = 'x'\n",
            "import logging\nLOGGER = logging.getLogger(__name__)\n",
        ),
        good=(
            "from typing import Final\nMAX_SIZE: Final = 10\n",
            "__all__ = ['x']\n__version__ = '1'\n",
            "from typing import TypeVar\nT = TypeVar('T')\nKT = TypeVar('KT')\n",
            "COUNT = 0\ndef bump() -> None:\n    global COUNT\n    COUNT += 1\n",
            "def f() -> None:\n    LOCAL_MAX = 3\n",
            "class C:\n    LIMIT = 3\n",
            "max_size = 10\nValue = int\n",
            "DEBUG = False\nif env():\n    DEBUG = True\n",
        ),
        fixed=(
            Fixed(
                '"""Settings."""\n\nimport os\n\n'
                "TIMEOUT_SECONDS = 30\n"
                "BASE_URL: str = os.environ.get('BASE_URL', 'http://localhost')\n",
                '"""Settings."""\n\nimport os\nfrom typing import Final\n\n'
                "TIMEOUT_SECONDS: Final = 30\n"
                "BASE_URL: Final[str] = os.environ.get('BASE_URL', 'http://localhost')\n",
            ),
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        """Check the module's top-level assignments."""
        counts = _rebound(self.ctx)
        for stmt in node.body:
            target, value = _single_target(stmt)
            if (
                target is None
                or not _CONSTANT.match(target.id)
                or counts[target.id] != 1
            ):
                continue
            if isinstance(value, ast.Call) and _callee(value) in _FACTORIES:
                continue
            if isinstance(stmt, ast.AnnAssign) and self._is_final(stmt.annotation):
                continue
            self.report(
                target,
                f"`{target.id}` is named as a constant: declare it `Final` so that "
                "nothing can rebind it",
                fix=True,
            )

    def _is_final(self, annotation: ast.expr) -> bool:
        if isinstance(annotation, ast.Subscript):
            annotation = annotation.value
        return self.ctx.typing_name(annotation) in {"Final", "ClassVar"}

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Add ``Final`` (keeping an existing type as its argument)."""
        wrapper, starts = positions(tree)
        tree = wrapper.visit(_AddFinal(request.starts(), starts))
        return update_imports(tree, add=[("typing", "Final", None)])


def _single_target(stmt: ast.stmt) -> tuple[ast.Name | None, ast.expr | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        return (target if isinstance(target, ast.Name) else None), stmt.value
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target = stmt.target
        return (target if isinstance(target, ast.Name) else None), stmt.value
    return None, None


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


class _AddFinal(cst.CSTTransformer):
    def __init__(
        self, wanted: set[tuple[int, int]], starts: dict[cst.CSTNode, tuple[int, int]]
    ) -> None:
        super().__init__()
        self.wanted = wanted
        self.starts = starts

    def leave_Assign(
        self, original_node: cst.Assign, updated_node: cst.Assign
    ) -> cst.Assign | cst.AnnAssign:
        target = original_node.targets[0].target
        if self.starts.get(target) not in self.wanted:
            return updated_node
        return cst.AnnAssign(
            target=updated_node.targets[0].target,
            annotation=cst.Annotation(cst.Name("Final")),
            value=updated_node.value,
        )

    def leave_AnnAssign(
        self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign
    ) -> cst.AnnAssign:
        if self.starts.get(original_node.target) not in self.wanted:
            return updated_node
        inner = updated_node.annotation.annotation
        final = cst.Subscript(
            cst.Name("Final"), [cst.SubscriptElement(cst.Index(inner))]
        )
        return updated_node.with_changes(annotation=cst.Annotation(final))
