"""PP208: an error logged inside ``except`` without its traceback."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import rewrite_at
from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.exc_common import enclosing_handler, logs_traceback, reraises
from pyprotocol.rules.log_common import (
    LogCall,
    Loggers,
    has_star_kwargs,
    keyword,
    loggers_of,
)

_ERROR_LEVELS: Final = frozenset({"logging.ERROR", "logging.CRITICAL", "logging.FATAL"})
_RENAME: Final = "rename"
_ADD_EXC_INFO: Final = "exc_info"


def _is_error_level(ctx_qualname: str | None, node: ast.expr) -> bool:
    if ctx_qualname in _ERROR_LEVELS:
        return True
    return isinstance(node, ast.Constant) and node.value in {40, 50}


class ErrorWithoutTraceback(Rule):
    """Flags ``log.error(...)`` in a handler that loses the traceback."""

    code = "PP208"
    statement_local = True
    replaces = ("TRY400",)
    name = "log-error-without-traceback"
    summary = (
        "Inside `except`, log errors with `log.exception(...)` or `exc_info=True`."
    )
    why = (
        "An error logged from a handler without its traceback says that something "
        "failed but not where: the stack that explains it is thrown away, and the "
        "log line is all that is left once the handler carries on. "
        "`log.exception(...)` logs at error level with the traceback; other levels "
        "take `exc_info=True`. The rule flags error and critical calls (and "
        "`log.log(logging.ERROR, ...)`) on a resolved logger (stdlib `logging` or "
        "structlog) inside an `except` block, unless the handler re-raises (the "
        "traceback then travels with the exception) or already logs it. The fix "
        "renames `error` to `exception` and adds `exc_info=True` to the others."
    )
    sections = ("pr:tryexcept-patterns", "pr:structured-logging")
    severity = Severity.WARNING
    fix_title = "Log the traceback"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import logging\nlog = logging.getLogger(__name__)\ntry:\n    run()\n"
            "except OSError as err:\n    log.error('run failed: %s', err)\n",
            "import logging\ntry:\n    run()\nexcept OSError:\n"
            "    logging.critical('run failed')\n",
            "import structlog\nlog = structlog.get_logger()\nasync def f():\n"
            "    try:\n        await run()\n    except OSError:\n"
            "        await log.aerror('run_failed')\n",
            "import logging\nclass Job:\n    def __init__(self):\n"
            "        self.log = logging.getLogger('job')\n    def run(self):\n"
            "        try:\n            step()\n        except ValueError:\n"
            "            self.log.error('bad value')\n",
            "import logging\ndef f(logger: logging.Logger):\n    try:\n        run()\n"
            "    except OSError:\n        logger.log(logging.ERROR, 'failed')\n",
        ),
        good=(
            "import logging\nlog = logging.getLogger(__name__)\ntry:\n    run()\n"
            "except OSError:\n    log.exception('run failed')\n",
            "import logging\nlog = logging.getLogger(__name__)\ntry:\n    run()\n"
            "except OSError:\n    log.error('run failed', exc_info=True)\n",
            "import logging\nlog = logging.getLogger(__name__)\ntry:\n    run()\n"
            "except OSError:\n    log.error('run failed')\n    raise\n",
            "import logging\nlog = logging.getLogger(__name__)\ntry:\n    run()\n"
            "except KeyError:\n    log.warning('missing key, using default')\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.error('not in a handler')\n",
            "log = Reporter()\ntry:\n    run()\nexcept OSError:\n"
            "    log.error('failed')\n",
            "import logging\nlog = logging.getLogger(__name__)\ntry:\n    run()\n"
            "except OSError:\n    def later():\n        log.error('later')\n",
        ),
        fixed=(
            Fixed(
                "import logging\n\nlog = logging.getLogger(__name__)\n\n"
                "try:\n    run()\nexcept OSError as err:\n"
                "    log.error('run failed: %s', err)\n",
                "import logging\n\nlog = logging.getLogger(__name__)\n\n"
                "try:\n    run()\nexcept OSError as err:\n"
                "    log.exception('run failed: %s', err)\n",
            ),
            Fixed(
                "import logging\n\ntry:\n    run()\nexcept OSError:\n"
                "    logging.getLogger(__name__).critical('down', extra={'a': 1})\n",
                "import logging\n\ntry:\n    run()\nexcept OSError:\n"
                "    logging.getLogger(__name__).critical('down', extra={'a': 1}, "
                "exc_info=True)\n",
            ),
        ),
    )

    @cached_property
    def loggers(self) -> Loggers:
        """The file's logger resolver, built on first use."""
        return loggers_of(self.ctx)

    def visit_Call(self, node: ast.Call) -> None:
        """Flag an error-level logging call inside a handler."""
        if not isinstance(node.func, ast.Attribute):
            return
        handler = enclosing_handler(self.ctx)
        if handler is None:
            return
        call = self.loggers.log_call(node)
        if call is None or not self._error_level(call):
            return
        if keyword(node, "exc_info") is not None or has_star_kwargs(node):
            return
        if reraises(self.ctx, handler):
            return
        if logs_traceback(self.ctx, self.loggers, handler.body):
            return
        action = _RENAME if call.method == "error" else _ADD_EXC_INFO
        hint = "`log.exception(...)`" if action == _RENAME else "`exc_info=True`"
        self.report(
            node,
            f"error logged inside `except` without its traceback: use {hint} so "
            "the log shows where it failed",
            fix=True,
            data={"action": action},
        )

    def _error_level(self, call: LogCall) -> bool:
        if call.method in {"error", "critical", "fatal"}:
            return True
        if call.method != "log" or not call.call.args:
            return False
        level = call.call.args[0]
        return _is_error_level(self.ctx.qualname(level), level)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Rename ``error`` to ``exception``, or add ``exc_info=True``."""
        return rewrite_at(tree, request.starts(), (cst.Call,), _with_traceback)


def _with_traceback(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
    del original
    if not isinstance(updated, cst.Call) or not isinstance(updated.func, cst.Attribute):
        return updated
    method = updated.func.attr.value
    if method in {"error", "aerror"}:
        renamed = method.replace("error", "exception")
        return updated.with_changes(
            func=updated.func.with_changes(attr=cst.Name(renamed))
        )
    if method.removeprefix("a") not in {"critical", "fatal", "log"}:
        return updated
    if any(
        arg.keyword is not None and arg.keyword.value == "exc_info"
        for arg in updated.args
    ):
        return updated
    last = updated.args[-1] if updated.args else None
    extra = cst.Arg(
        value=cst.Name("True"),
        keyword=cst.Name("exc_info"),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
        comma=last.comma if last is not None else cst.MaybeSentinel.DEFAULT,
    )
    if last is None:
        return updated.with_changes(args=[extra])
    kept = last.with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return updated.with_changes(args=[*updated.args[:-1], kept, extra])


__all__ = ["ErrorWithoutTraceback"]
