"""PP204: a custom exception class deriving from ``BaseException``."""

from __future__ import annotations

import ast
from typing import ClassVar

import libcst as cst

from pyprotocol.fixes.common import rewrite_at
from pyprotocol.model import Applicability, Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule


class BaseExceptionSubclass(Rule):
    """Flags ``class MyError(BaseException)``."""

    code = "PP204"
    statement_local = True
    name = "base-exception-subclass"
    summary = "Derive custom exceptions from `Exception`, never `BaseException`."
    why = (
        "`BaseException` is the root reserved for exceptions that must get past "
        "ordinary error handling: `KeyboardInterrupt`, `SystemExit`, "
        "`GeneratorExit`, `asyncio.CancelledError`. An application error derived "
        "from it slips through every `except Exception:` boundary, so a request "
        "handler or worker loop that should log it and carry on dies instead. "
        "Derive from `Exception` (or one of its subclasses). The fix replaces the "
        "base; it is unsafe because handlers written as `except Exception:` will "
        "start catching the class, which is the point but changes behaviour."
    )
    sections = ("pr:tryexcept-patterns",)
    severity = Severity.WARNING
    fix_title = "Derive from `Exception`"
    fix_applicability = Applicability.UNSAFE
    fix_reason = "`except Exception:` handlers start catching the class."
    examples: ClassVar[Examples] = Examples(
        bad=(
            "class ConfigError(BaseException):\n    pass\n",
            "import builtins\nclass Stop(builtins.BaseException): ...\n",
            "class Retry(Mixin, BaseException, metaclass=Meta): ...\n",
        ),
        good=(
            "class ConfigError(Exception):\n    pass\n",
            "class Timeout(TimeoutError): ...\n",
            "class Exit(SystemExit): ...\n",
            "from mylib import BaseException\nclass E(BaseException): ...\n",
            "class Group(BaseExceptionGroup): ...\n",
            "def f():\n    return isinstance(err, BaseException)\n",
        ),
        fixed=(
            Fixed(
                "class ConfigError(BaseException):\n    pass\n",
                "class ConfigError(Exception):\n    pass\n",
                unsafe=True,
            ),
            Fixed(
                "import builtins\n\n\nclass Stop(builtins.BaseException): ...\n",
                "import builtins\n\n\nclass Stop(Exception): ...\n",
                unsafe=True,
            ),
        ),
    )

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Flag a ``BaseException`` base."""
        for base in node.bases:
            if self.ctx.qualname(base) != "builtins.BaseException":
                continue
            message = (
                f"`{node.name}` derives from `BaseException`, so `except Exception:` "
                "boundaries will not catch it: derive from `Exception`"
            )
            fixable = "Exception" not in self.ctx.module_names
            self.report(base, message, fix=fixable)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Replace the flagged bases with ``Exception``."""
        return rewrite_at(
            tree, request.starts(), (cst.Name, cst.Attribute), _to_exception
        )


def _to_exception(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
    if isinstance(original, cst.Name) and original.value == "BaseException":
        return cst.Name("Exception")
    if isinstance(original, cst.Attribute) and original.attr.value == "BaseException":
        return cst.Name("Exception")
    return updated


__all__ = ["BaseExceptionSubclass"]
