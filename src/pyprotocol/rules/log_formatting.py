"""PP211: f-strings, ``%`` or ``.format()`` building a logging call's message."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import positions
from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.log_common import Flavour, LogCall, Loggers, loggers_of

_FSTRING: Final = "an f-string"
_PERCENT: Final = "`%` formatting"
_FORMAT: Final = "`.format()`"
_CONCAT: Final = "string concatenation"


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def eager_kind(node: ast.expr | None) -> str | None:
    """How a message expression is formatted before the call, if it is.

    Args:
        node: The message argument.

    Returns:
        A description of the formatting, or None for a plain message.
    """
    if isinstance(node, ast.JoinedStr):
        if any(isinstance(part, ast.FormattedValue) for part in node.values):
            return _FSTRING
        return None
    if isinstance(node, ast.BinOp) and _is_text(node.left):
        if isinstance(node.op, ast.Mod):
            return _PERCENT
        if isinstance(node.op, ast.Add):
            return _CONCAT
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _CONCAT if _is_text(node.right) else None
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and _is_text(node.func.value)
    ):
        return _FORMAT
    return None


class EagerLogFormatting(Rule):
    """Flags log messages formatted before the logging call."""

    code = "PP211"
    statement_local = True
    replaces = ("G001", "G002", "G003", "G004")
    name = "log-eager-formatting"
    summary = (
        "Pass logged values as arguments or key/value fields, not formatted into "
        "the message."
    )
    why = (
        "A message built with an f-string, `%`, `.format()` or `+` is formatted "
        "even when its level is disabled, and the values are buried in text: every "
        "record gets a different message, so log aggregation cannot group them and "
        "a JSON formatter cannot emit the values as fields. With structlog, log a "
        "constant event name and key/value fields (`log.info('order_saved', "
        "order_id=order_id)`); with stdlib `logging`, a constant template with "
        "arguments (`log.info('order %s saved', order_id)`) keeps the template and "
        "the values apart on the record, and `extra={...}` adds fields. The rule "
        "checks calls on resolved loggers only. The fix, for stdlib loggers, turns "
        "an f-string whose fields are plain `{x}`, `{x!s}` or `{x!r}` into a `%s`/"
        "`%r` template with arguments, and `'...' % (a, b)` into arguments; values "
        "are then rendered with `str()` instead of `format()`, which differ only for "
        "types that customise `__format__`."
    )
    sections = ("pr:structured-logging", "pr:logging")
    severity = Severity.WARNING
    fix_title = "Pass the values as logging arguments"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info(f'saved {path:>10}')\n",
            "import logging\nlogging.warning('retry %d of %d' % (n, total))\n",
            "import structlog\nlog = structlog.get_logger()\n"
            "log.info(f'order {order_id} saved')\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.error('failed: {}'.format(err))\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.debug('user ' + name)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.log(logging.INFO, f'{count} items')\n",
        ),
        good=(
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('saved %s', path)\n",
            "import structlog\nlog = structlog.get_logger()\n"
            "log.info('order_saved', order_id=order_id)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info(f'constant text')\n",
            "print(f'saved {path}')\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('%s', f'{a}')\n",
            "log = Console()\nlog.info(f'saved {path}')\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info(MESSAGE % args)\n",
        ),
        fixed=(
            Fixed(
                "import logging\n\nlog = logging.getLogger(__name__)\n"
                "log.info(f'saved {path} ({size!r} bytes, 100%) {{ok}}')\n",
                "import logging\n\nlog = logging.getLogger(__name__)\n"
                "log.info('saved %s (%r bytes, 100%%) {ok}', path, size)\n",
            ),
            Fixed(
                "import logging\n\nlogging.warning(\n"
                "    'retry %d of %d' % (n, total),\n    exc_info=True,\n)\n",
                "import logging\n\nlogging.warning(\n"
                "    'retry %d of %d', n, total,\n    exc_info=True,\n)\n",
            ),
            Fixed(
                "import logging\n\nlog = logging.getLogger(__name__)\n"
                'log.log(logging.INFO, f"{count} items in {place.name}")\n',
                "import logging\n\nlog = logging.getLogger(__name__)\n"
                'log.log(logging.INFO, "%s items in %s", count, place.name)\n',
            ),
        ),
    )

    @cached_property
    def loggers(self) -> Loggers:
        """The file's logger resolver, built on first use."""
        return loggers_of(self.ctx)

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a logging call whose message is formatted eagerly."""
        if not isinstance(node.func, ast.Attribute):
            return
        call = self.loggers.log_call(node)
        if call is None:
            return
        kind = eager_kind(call.message)
        if kind is None or call.message is None:
            return
        if call.flavour is Flavour.STRUCTLOG:
            self.report(
                call.message,
                f"{kind} in a structlog call buries values in the event text: log "
                "a constant event with key/value fields "
                "(`log.info('order_saved', order_id=order_id)`)",
            )
            return
        fixable = _fixable(self.ctx.source, call, kind)
        self.report(
            call.message,
            f"{kind} formats the log message eagerly and buries the values in "
            "text: pass them as arguments (`log.info('saved %s', path)`) or "
            "fields (`extra={...}`)"
            + ("" if fixable else " (no automatic fix for this form)"),
            fix=fixable,
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Rewrite flagged calls into a template with arguments."""
        wrapper, where = positions(tree)
        return wrapper.visit(_Lazy(where, request.starts()))


class _Lazy(cst.CSTTransformer):
    """Rewrites calls whose message argument starts at a flagged position."""

    def __init__(
        self, where: dict[cst.CSTNode, tuple[int, int]], starts: set[tuple[int, int]]
    ) -> None:
        super().__init__()
        self.where = where
        self.starts = starts

    def leave_Call(
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.BaseExpression:
        for index, arg in enumerate(original_node.args):
            if arg.keyword is None and self.where.get(arg.value) in self.starts:
                return _lazy(updated_node, index) or updated_node
        return updated_node


def _lazy(call: cst.Call, index: int) -> cst.Call | None:
    arg = call.args[index]
    if any(a.keyword is None for a in call.args[index + 1 :]):
        return None
    split = _split(arg.value)
    if split is None:
        return None
    template, values = split
    added = [cst.Arg(value) for value in values]
    added[-1] = added[-1].with_changes(comma=arg.comma)
    message = arg.with_changes(value=template, comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(
        args=[*call.args[:index], message, *added, *call.args[index + 1 :]]
    )


def _split(
    value: cst.BaseExpression,
) -> tuple[cst.SimpleString, list[cst.BaseExpression]] | None:
    """A template and its arguments, from an f-string or ``'...' % (...)``."""
    if isinstance(value, cst.FormattedString):
        return _from_fstring(value)
    if (
        isinstance(value, cst.BinaryOperation)
        and isinstance(value.operator, cst.Modulo)
        and isinstance(value.left, cst.SimpleString)
        and isinstance(value.right, cst.Tuple)
        and value.right.elements
        and all(isinstance(e, cst.Element) for e in value.right.elements)
    ):
        return value.left, [e.value for e in value.right.elements]
    return None


def _from_fstring(
    value: cst.FormattedString,
) -> tuple[cst.SimpleString, list[cst.BaseExpression]] | None:
    letters = value.start.rstrip("'\"")
    quote = value.start[len(letters) :]
    prefix = letters.replace("f", "").replace("F", "")
    text: list[str] = []
    values: list[cst.BaseExpression] = []
    for part in value.parts:
        if isinstance(part, cst.FormattedStringText):
            literal = part.value.replace("{{", "{").replace("}}", "}")
            text.append(literal.replace("%", "%%"))
            continue
        if not isinstance(part, cst.FormattedStringExpression):
            return None
        expression = part.expression
        if (
            part.format_spec is not None
            or part.equal is not None
            or part.conversion not in {None, "s", "r"}
            or (isinstance(expression, cst.Tuple) and not expression.lpar)
        ):
            return None
        text.append("%r" if part.conversion == "r" else "%s")
        values.append(expression)
    if not values:
        return None
    return cst.SimpleString(f"{prefix}{quote}{''.join(text)}{quote}"), values


def _fixable(source: str, call: LogCall, kind: str) -> bool:
    """Whether the fix can rewrite this message: the same test the fix applies."""
    node = call.call
    position = 1 if call.method == "log" else 0
    message = call.message
    if kind not in (_FSTRING, _PERCENT) or message is None:
        return False
    if len(node.args) != position + 1 or node.args[position] is not message:
        return False
    segment = ast.get_source_segment(source, message)
    if segment is None:
        return False
    try:
        parsed = cst.parse_expression(segment)
    except cst.ParserSyntaxError:
        return False
    return _split(parsed) is not None


__all__ = ["EagerLogFormatting", "eager_kind"]
