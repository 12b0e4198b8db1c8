"""PP605: ``assert`` used to validate the arguments of a public function."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import ClassVar, Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.fixes.common import code_of
from pyprotocol.model import Applicability, Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule

#: Calls that narrow a type for the checker rather than validate a value.
_NARROWING_CALLS: Final = frozenset(
    {"builtins.isinstance", "builtins.issubclass", "builtins.callable"}
)
_CST_INVERSE: Final[dict[type[cst.BaseCompOp], Callable[[], cst.BaseCompOp]]] = {
    cst.Equal: cst.NotEqual,
    cst.NotEqual: cst.Equal,
    cst.Is: cst.IsNot,
    cst.IsNot: cst.Is,
    cst.In: cst.NotIn,
    cst.NotIn: cst.In,
}


def _is_public(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


class AssertValidation(Rule):
    """Flags ``assert`` statements that check a public function's arguments."""

    code = "PP605"
    statement_local = True
    replaces = ("S101",)
    name = "assert-for-validation"
    summary = "Validate arguments with an explicit check and exception, not `assert`."
    why = (
        "`python -O` strips every `assert`, so a check written as one vanishes in an "
        "optimised deployment and bad input flows on. The rule treats an `assert` as "
        "validation when it tests a parameter of a public function or method (not "
        "`self`/`cls`): that is input from a caller it does not control. It leaves "
        "alone asserts that only narrow a type for the checker (`isinstance`, "
        "`is None` / `is not None`, `callable`), invariants on the object's own "
        "state, asserts in private functions (`_helper`), nested functions, private "
        "classes, module-level code, `if TYPE_CHECKING:` / `if __debug__:` blocks, "
        "`assert_*` helper functions, and test files. The fix raises `ValueError` "
        "instead; it is unsafe because callers catching `AssertionError` see another "
        "type."
    )
    sections = ("cgp:6-security-imperatives", "pr:input-validation")
    severity = Severity.INFO
    applies_to = "code"
    heuristic = True
    fix_title = "Raise `ValueError` from an explicit check"
    fix_applicability = Applicability.UNSAFE
    fix_reason = (
        "the check now also runs under `python -O`, and it raises ValueError where "
        "callers may catch AssertionError"
    )
    examples: ClassVar[Examples] = Examples(
        bad=(
            "def withdraw(amount: int) -> None:\n    assert amount > 0\n",
            "class Account:\n    def __init__(self, owner: str) -> None:\n"
            "        assert owner, 'owner required'\n",
            "def load(path: str, mode: str) -> None:\n"
            "    assert mode in ('r', 'rb'), mode\n",
            "def scale(xs: list[float], k: float) -> None:\n"
            "    assert len(xs) > 0 and k != 0\n",
            "def f(value: object) -> None:\n"
            "    assert isinstance(value, int) and value >= 0\n",
        ),
        good=(
            "def f(x: int | None) -> int:\n    assert x is not None\n    return x\n",
            "def g(node: object) -> None:\n    assert isinstance(node, str)\n",
            "def g(b: object) -> None:\n    assert b is None or isinstance(b, int)\n",
            "def g(ctx: Ctx) -> None:\n    assert ctx.cache\n",
            "def g(data: bytes) -> None:\n    assert read_tag(data) == END\n",
            "def _helper(n: int) -> None:\n    assert n > 0\n",
            "class Stack:\n    def pop(self) -> int:\n        assert self.items\n"
            "        return self.items.pop()\n",
            "class _Impl:\n    def run(self, n: int) -> None:\n        assert n > 0\n",
            "def outer(n: int) -> None:\n    def inner(m: int) -> None:\n"
            "        assert m > 0\n",
            "import sys\nassert sys.version_info >= (3, 12)\n",
            "def assert_valid(doc: dict[str, int]) -> None:\n    assert doc['a'] > 0\n",
            "def f(x: int) -> None:\n    if __debug__:\n        assert x > 0\n",
        ),
        fixed=(
            Fixed(
                "def withdraw(amount: int) -> None:\n"
                "    assert amount > 0, 'amount must be positive'  # money\n"
                "    pay(amount)\n",
                "def withdraw(amount: int) -> None:\n"
                "    if not amount > 0:  # money\n"
                "        raise ValueError('amount must be positive')\n"
                "    pay(amount)\n",
                unsafe=True,
            ),
            Fixed(
                "def open_db(mode: str, url: str) -> None:\n"
                "    assert mode in ('r', 'w')\n"
                "    assert url and not url.startswith('file:')\n",
                "def open_db(mode: str, url: str) -> None:\n"
                "    if mode not in ('r', 'w'):\n"
                "        raise ValueError(\"expected: mode in ('r', 'w')\")\n"
                "    if not (url and not url.startswith('file:')):\n"
                "        raise ValueError("
                "\"expected: url and not url.startswith('file:')\")\n",
                unsafe=True,
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Bind to a file; whether its module is private is worked out once."""
        super().__init__(ctx)
        self._private: bool | None = None

    def visit_Assert(self, node: ast.Assert) -> None:
        """Flag an ``assert`` on a public function's parameters."""
        if self._private_module():
            return
        params = self._public_params()
        if not params or self._guarded() or self._narrowing(node.test):
            return
        used = sorted(set(self._checked(node.test, params)))
        if not used:
            return
        names = ", ".join(f"`{n}`" for n in used)
        self.report(
            node,
            f"this `assert` seems to validate the argument {names}, and `python -O` "
            "removes it: check explicitly and raise an exception",
            fix=self._alone_on_its_lines(node),
        )

    def _alone_on_its_lines(self, node: ast.Assert) -> bool:
        """True when no other statement shares the assert's lines (fixable)."""
        span = self.ctx.span(node)
        before = self.ctx.lines.line(span.line)[: span.col]
        after = self.ctx.lines.line(span.end_line)[span.end_col :].strip()
        return not before.strip() and (not after or after.startswith("#"))

    def _checked(self, test: ast.expr, params: set[str]) -> Iterator[str]:
        """Parameters the test checks directly: ``p``, ``p > 0``, ``len(p) == 2``."""
        if isinstance(test, ast.BoolOp):
            for value in test.values:
                yield from self._checked(value, params)
        elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            yield from self._checked(test.operand, params)
        elif isinstance(test, ast.Compare):
            for operand in (test.left, *test.comparators):
                yield from self._subject(operand, params)
        else:
            yield from self._subject(test, params)

    def _subject(self, node: ast.expr, params: set[str]) -> Iterator[str]:
        if self.ctx.is_call_to(node, "builtins.len") and isinstance(node, ast.Call):
            node = node.args[0] if len(node.args) == 1 else node
        if isinstance(node, ast.Name) and node.id in params:
            yield node.id

    def _private_module(self) -> bool:
        """True for modules under a private package or named ``_x.py``."""
        if self._private is None:
            parts = self.ctx.config.relative(self.ctx.path).with_suffix("").parts
            self._private = any(
                (part.startswith("_") and not part.startswith("__"))
                or part == "internal"
                for part in parts
            )
        return self._private

    def _public_params(self) -> set[str]:
        """Parameter names of the enclosing public, top-level function or method."""
        func = self.ctx.function()
        if func is None or not _is_public(func.name) or func.name.startswith("assert"):
            return set()
        for node in self.ctx.parents:
            if node is func:
                break
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return set()
            if isinstance(node, ast.ClassDef) and not _is_public(node.name):
                return set()
        args = func.args
        ordered = [*args.posonlyargs, *args.args]
        if self.ctx.class_scope() is not None and ordered:
            decorators = {self.ctx.qualname(d) for d in func.decorator_list}
            if "builtins.staticmethod" not in decorators:
                ordered = ordered[1:]
        names = {a.arg for a in [*ordered, *args.kwonlyargs]}
        names.update(a.arg for a in (args.vararg, args.kwarg) if a is not None)
        return names

    def _guarded(self) -> bool:
        """True under ``if TYPE_CHECKING:`` or ``if __debug__:``."""
        for node in self.ctx.parents:
            if not isinstance(node, ast.If):
                continue
            test = node.test
            if isinstance(test, ast.Name) and test.id == "__debug__":
                return True
            if self.ctx.typing_name(test) == "TYPE_CHECKING":
                return True
        return False

    def _narrowing(self, test: ast.expr) -> bool:
        """True when the test only narrows types (isinstance, None checks)."""
        if isinstance(test, ast.BoolOp):
            return all(self._narrowing(value) for value in test.values)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self._narrowing(test.operand)
        if isinstance(test, ast.Call):
            return self.ctx.qualname(test.func) in _NARROWING_CALLS
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            op, right = test.ops[0], test.comparators[0]
            if isinstance(op, ast.Is | ast.IsNot):
                if isinstance(right, ast.Constant) and right.value is None:
                    return True
                return self.ctx.is_call_to(test.left, "builtins.type")
        return False

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Replace each flagged ``assert`` by ``if not ...: raise ValueError(...)``."""
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        return wrapper.visit(_AssertToRaise(request.starts()))


class _AssertToRaise(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, starts: set[tuple[int, int]]) -> None:
        super().__init__()
        self.starts = starts

    def leave_SimpleStatementLine(
        self,
        original_node: cst.SimpleStatementLine,
        updated_node: cst.SimpleStatementLine,
    ) -> cst.BaseStatement:
        if len(original_node.body) != 1:
            return updated_node
        statement = original_node.body[0]
        if not isinstance(statement, cst.Assert):
            return updated_node
        pos = self.get_metadata(PositionProvider, statement, None)
        if pos is None or (pos.start.line, pos.start.column) not in self.starts:
            return updated_node
        if statement.msg is not None:
            message = statement.msg
        else:
            text = " ".join(code_of(statement.test).split())
            escaped = text.replace("\\", "\\\\").replace('"', '\\"')
            message = cst.SimpleString(f'"expected: {escaped}"')
        raise_line = cst.SimpleStatementLine(
            [cst.Raise(cst.Call(cst.Name("ValueError"), [cst.Arg(message)]))]
        )
        return cst.If(
            test=_negate(statement.test),
            body=cst.IndentedBlock(
                [raise_line], header=original_node.trailing_whitespace
            ),
            leading_lines=original_node.leading_lines,
        )


def _negate(test: cst.BaseExpression) -> cst.BaseExpression:
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and not test.lpar
    ):
        target = test.comparisons[0]
        inverse = _CST_INVERSE.get(type(target.operator))
        if inverse is not None:
            return test.with_changes(
                comparisons=[target.with_changes(operator=inverse())]
            )
    loose = cst.BooleanOperation | cst.IfExp | cst.Lambda | cst.NamedExpr
    if isinstance(test, loose) and not test.lpar:
        test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.UnaryOperation(cst.Not(), test)
