"""PP601: the builtins ``eval`` and ``exec``."""

from __future__ import annotations

import ast
from typing import ClassVar

import libcst as cst

from pyprotocol.fixes.common import update_imports
from pyprotocol.model import Applicability, Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.sec_helpers import dotted, is_text, rewrite_calls, source_of


class EvalExec(Rule):
    """Flags calls to the builtin ``eval`` and ``exec``."""

    code = "PP601"
    statement_local = True
    replaces = ("S307", "S102")
    name = "no-eval-exec"
    summary = "Do not call `eval()` or `exec()`."
    why = (
        "`eval` and `exec` run any Python they are given: whoever can influence the "
        "string can run code in the process, with its rights and secrets. Parse data "
        "instead: `ast.literal_eval` for Python literals, `json.loads` for JSON, a "
        "lookup table for names. Only the builtins are flagged, resolved through "
        "imports, so a method called `eval` (`model.eval()`, `self.eval(...)`, "
        "`pandas.eval`) and `ast.literal_eval` are left alone."
    )
    sections = ("cgp:6-security-imperatives", "pr:never-do-this", "pr:async-patterns")
    severity = Severity.ERROR
    applies_to = "code"
    fix_title = "Use `ast.literal_eval`"
    fix_applicability = Applicability.UNSAFE
    fix_reason = (
        "`ast.literal_eval` only accepts literals (numbers, strings, tuples, lists, "
        "dicts, sets, booleans, None): any other expression now raises ValueError"
    )
    examples: ClassVar[Examples] = Examples(
        bad=(
            "value = eval(text)\n",
            "exec(code, namespace)\n",
            "import builtins\nbuiltins.eval(source)\n",
            "def run(src: str) -> None:\n    exec(compile(src, '<x>', 'exec'))\n",
            "eval('1 + 2')\n",
        ),
        good=(
            "import ast\nvalue = ast.literal_eval(text)\n",
            "model.eval()\n",
            "class Calc:\n    def eval(self, e: str) -> int: ...\n"
            "    def run(self) -> int:\n        return self.eval('x')\n",
            "import pandas as pd\npd.eval('a + b')\n",
            "def eval(expr: str) -> int:\n    return 0\nresult = eval('x')\n",
            "from mylib import exec\nexec(job)\n",
        ),
        fixed=(
            Fixed(
                "import json\n\n\ndef parse(text: str) -> object:\n"
                "    return eval(text)\n",
                "import json\nimport ast\n\n\ndef parse(text: str) -> object:\n"
                "    return ast.literal_eval(text)\n",
                unsafe=True,
            ),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag ``eval(...)`` and ``exec(...)``."""
        name = self.ctx.qualname(node.func)
        if name not in {"builtins.eval", "builtins.exec"}:
            return
        short = name.removeprefix("builtins.")
        constant = bool(node.args) and is_text(node.args[0])
        if constant:
            detail = (
                f"`{short}` of a constant string: write the code out instead, nothing "
                "needs to be evaluated at run time"
            )
        else:
            detail = (
                f"`{short}` runs whatever code it is given: parse data instead "
                "(`ast.literal_eval`, `json.loads`, a lookup table)"
            )
        fixable = (
            short == "eval"
            and len(node.args) == 1
            and not node.keywords
            and not isinstance(node.args[0], ast.Starred)
        )
        self.report(
            node,
            detail,
            fix=fixable,
            data={"func": source_of(self.ctx.source, node.func)},
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Call ``ast.literal_eval`` instead of ``eval``."""
        tree = rewrite_calls(
            tree,
            request,
            lambda call, _data: call.with_changes(func=dotted("ast.literal_eval")),
        )
        return update_imports(tree, add=[("ast", None, None)])
