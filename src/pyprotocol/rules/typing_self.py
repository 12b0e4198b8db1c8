"""PP107: a method returning its own instance annotated with the class, not ``Self``."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import ClassVar

import libcst as cst

from pyprotocol.fixes.common import rewrite_at, update_imports
from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule


def _returns(body: list[ast.stmt]) -> Iterator[ast.Return]:
    """Return statements of a function body, not of nested functions or classes."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Return):
            yield node
        if isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _names_class(annotation: ast.expr, class_name: str) -> bool:
    if isinstance(annotation, ast.Name):
        return annotation.id == class_name
    return isinstance(annotation, ast.Constant) and annotation.value == class_name


class SelfReturn(Rule):
    """Flags ``def copy(self) -> "Node": return self``-style annotations."""

    code = "PP107"
    statement_local = True
    name = "use-self"
    summary = (
        "Annotate methods that return their own instance with `Self`, "
        "not the class name."
    )
    why = (
        "A method that returns `self` (or builds a new instance with `cls(...)` / "
        "`type(self)(...)`) returns an instance of whatever subclass it is called on. "
        "Naming the class in the annotation loses that: a subclass's fluent calls are "
        "typed as the base class. `typing.Self` says what the code does. The rule only "
        "fires when every `return` really returns such an instance, so a method that "
        "returns `Node(...)` explicitly is left alone."
    )
    sections = ("pr:type-annotations", "cgp:3-typing--static-analysis")
    replaces = ("PYI019", "PYI034")
    severity = Severity.WARNING
    fix_title = "Annotate the return as `Self`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "class Node:\n    def touch(self) -> 'Node':\n        return self\n",
            "class Q:\n    @classmethod\n    def make(cls) -> 'Q':\n        return "
            "cls()\n",
            "class B:\n    def clone(self) -> 'B':\n        return type(self)()\n",
            "class C:\n    def __enter__(self) -> 'C':\n        return self\n",
        ),
        good=(
            "from typing import Self\nclass N:\n    def touch(self) -> Self:\n       "
            " return self\n",
            "class P:\n    def __add__(self, o: 'P') -> 'P':\n        return P()\n",
            "class R:\n    @staticmethod\n    def make() -> 'R':\n        return R()\n",
            "class S:\n    def spec(self) -> 'S': ...\n",
            "class T:\n    def other(self, t: 'T') -> 'T':\n        return t\n",
        ),
        fixed=(
            Fixed(
                "from __future__ import annotations\n\n\n"
                "class Query:\n"
                "    def where(self, clause: str) -> Query:\n"
                "        self.clauses.append(clause)\n"
                "        return self\n\n"
                "    @classmethod\n"
                "    def create(cls) -> 'Query':\n"
                "        return cls()\n",
                "from __future__ import annotations\nfrom typing import Self\n\n\n"
                "class Query:\n"
                "    def where(self, clause: str) -> Self:\n"
                "        self.clauses.append(clause)\n"
                "        return self\n\n"
                "    @classmethod\n"
                "    def create(cls) -> Self:\n"
                "        return cls()\n",
            ),
        ),
    )

    def _check(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        klass = self.ctx.parent
        if not isinstance(klass, ast.ClassDef) or node.returns is None:
            return
        if not _names_class(node.returns, klass.name):
            return
        decorators = {self.ctx.qualname(d) for d in node.decorator_list}
        if "builtins.staticmethod" in decorators or not node.args.args:
            return
        first = node.args.args[0].arg
        returns = list(_returns(node.body))
        if not returns or not all(self._is_own(r.value, first) for r in returns):
            return
        self.report(
            node.returns,
            f"`{node.name}` returns its own instance: annotate it `-> Self` so that "
            f"subclasses get their own type, not `{klass.name}`",
            fix=True,
        )

    def _is_own(self, value: ast.expr | None, first: str) -> bool:
        if isinstance(value, ast.Name):
            return value.id == first
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        if isinstance(func, ast.Name):
            return func.id == first
        if isinstance(func, ast.Attribute) and func.attr == "__class__":
            return isinstance(func.value, ast.Name) and func.value.id == first
        return (
            isinstance(func, ast.Call)
            and self.ctx.qualname(func.func) == "builtins.type"
            and len(func.args) == 1
            and isinstance(func.args[0], ast.Name)
            and func.args[0].id == first
        )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a method."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check an async method."""
        self._check(node)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Replace the annotation with ``Self`` and import it."""
        tree = rewrite_at(
            tree,
            request.starts(),
            (cst.Name, cst.SimpleString),
            lambda _original, _updated: cst.Name("Self"),
        )
        return update_imports(tree, add=[("typing", "Self", None)])
