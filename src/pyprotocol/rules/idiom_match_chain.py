"""PP404: a long ``if``/``elif`` chain comparing one subject with literals."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule

MIN_BRANCHES: Final = 4


def _pattern_value(node: ast.expr) -> bool:
    """A value usable as a literal or value pattern in ``case``."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return isinstance(node.operand, ast.Constant)
    # `Color.RED` is a value pattern; a bare name would be a capture pattern.
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name | ast.Attribute)
        and node.attr[:1].isupper()
    )


def _subject(test: ast.expr) -> str | None:
    """The dumped subject of ``x == lit``, ``x in (lit, ...)`` or ``x is None``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.Or):
        subjects = {_subject(value) for value in test.values}
        return subjects.pop() if len(subjects) == 1 else None
    if not isinstance(test, ast.Compare) or len(test.ops) != 1:
        return None
    op, right = test.ops[0], test.comparators[0]
    left = test.left
    if isinstance(left, ast.Constant | ast.Call):
        return None
    if isinstance(op, ast.Eq) and _pattern_value(right):
        return ast.dump(left)
    if isinstance(op, ast.Is) and isinstance(right, ast.Constant):
        return ast.dump(left) if right.value in {None, True, False} else None
    if (
        isinstance(op, ast.In)
        and isinstance(right, ast.Tuple | ast.List | ast.Set)
        and right.elts
        and all(_pattern_value(e) for e in right.elts)
    ):
        return ast.dump(left)
    return None


class MatchChain(Rule):
    """Flags ``if x == 'a': ... elif x == 'b': ...`` chains of four or more."""

    code = "PP404"
    statement_local = True
    name = "if-chain-to-match"
    summary = (
        "Write a long `if`/`elif` chain that compares one value with literals as "
        "`match`."
    )
    why = (
        "When four or more branches all compare the same value with constants, "
        "`match value:` with one `case` per constant states the dispatch once, "
        "evaluates the subject once, and lets `case 'a' | 'b':` group alternatives. "
        "Only chains where every test is `subject == literal`, `subject in "
        "(literals)`, `subject is None/True/False` or an `or` of those are flagged; "
        "the rule guesses that such a chain reads better as `match`, which is a "
        "judgement, hence the low severity."
    )
    sections = ("cgp:4-idiomatic--performant-python",)
    severity = Severity.INFO
    heuristic = True
    examples: ClassVar[Examples] = Examples(
        bad=(
            "def f(c):\n    if c == 'a':\n        return 1\n    elif c == 'b':\n"
            "        return 2\n    elif c in ('c', 'd'):\n        return 3\n"
            "    elif c is None:\n        return 4\n    else:\n        return 5\n",
            "def f(self):\n    if self.kind == Kind.A:\n        x = 1\n"
            "    elif self.kind == Kind.B:\n        x = 2\n    elif self.kind == 3:\n"
            "        x = 3\n    elif self.kind == 4 or self.kind == 5:\n        x = "
            "4\n",
        ),
        good=(
            "def f(c):\n    if c == 'a':\n        return 1\n    elif c == 'b':\n"
            "        return 2\n    elif c == 'c':\n        return 3\n",
            "def f(c, d):\n    if c == 'a':\n        return 1\n    elif d == 'b':\n"
            "        return 2\n    elif c == 'c':\n        return 3\n"
            "    elif c == 'd':\n        return 4\n",
            "def f(c, a, b, d, e):\n    if c == a:\n        return 1\n"
            "    elif c == b:\n        return 2\n    elif c == d:\n        return 3\n"
            "    elif c == e:\n        return 4\n",
            "def f(c):\n    if c > 1:\n        return 1\n    elif c > 2:\n"
            "        return 2\n    elif c > 3:\n        return 3\n    elif c > 4:\n"
            "        return 4\n",
            "def f(c):\n    match c:\n        case 'a' | 'b':\n            return 1\n"
            "        case _:\n            return 2\n",
        ),
    )

    def visit_If(self, node: ast.If) -> None:
        """Check a chain from its first ``if``."""
        parent = self.ctx.parent
        if (
            isinstance(parent, ast.If)
            and len(parent.orelse) == 1
            and parent.orelse[0] is node
        ):
            return
        branches: list[ast.If] = [node]
        current = node
        while len(current.orelse) == 1 and isinstance(current.orelse[0], ast.If):
            current = current.orelse[0]
            branches.append(current)
        run: list[ast.If] = []
        run_subject: str | None = None
        for branch in branches:
            subject = _subject(branch.test)
            if subject is not None and subject == run_subject:
                run.append(branch)
                continue
            if len(run) >= MIN_BRANCHES:
                break
            run, run_subject = ([branch], subject) if subject else ([], None)
        if len(run) >= MIN_BRANCHES:
            first = run[0]
            self.report(
                first.test,
                f"{len(run)} branches compare the same value with literals: a "
                "`match` statement would probably state this dispatch more clearly",
            )


__all__ = ["MatchChain"]
