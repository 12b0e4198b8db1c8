"""PP210: ``logging.FileHandler`` (a log file that grows forever)."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.log_common import keyword

_HANDLER: Final = "logging.FileHandler"
_MESSAGE: Final = (
    "{what} writes a log file that is never rotated: use "
    "`logging.handlers.RotatingFileHandler` (maxBytes, backupCount) or "
    "`TimedRotatingFileHandler`"
)


class UnrotatedLogFile(Rule):
    """Flags plain file handlers in application code."""

    code = "PP210"
    statement_local = True
    name = "unrotated-log-file"
    summary = "Write log files through a rotating handler, not `logging.FileHandler`."
    why = (
        "A `FileHandler` appends to one file for as long as the process lives: on a "
        "server it grows until the disk is full, and there is no point at which "
        "old records are archived or dropped. `RotatingFileHandler` (by size, with "
        "`maxBytes` and `backupCount`) or `TimedRotatingFileHandler` (by time) "
        "keep it bounded; `WatchedFileHandler` is fine where an external "
        "`logrotate` does the rotating. The rule flags `logging.FileHandler(...)`, "
        "`logging.basicConfig(filename=...)` (which creates one) and "
        "`'class': 'logging.FileHandler'` in a `dictConfig` dictionary. Test files "
        "are not checked. No fix is offered: the size or age limits are a policy "
        "decision, and a `RotatingFileHandler` with the default `maxBytes=0` never "
        "rotates."
    )
    sections = ("pr:logging",)
    severity = Severity.WARNING
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import logging\nhandler = logging.FileHandler('app.log')\n",
            "from logging import FileHandler as FH\nh = FH(path)\n",
            "import logging\nlogging.basicConfig(filename='app.log', level=10)\n",
            "CONFIG = {'handlers': {'file': {'class': 'logging.FileHandler', "
            "'filename': 'app.log'}}}\n",
        ),
        good=(
            "from logging.handlers import RotatingFileHandler\n"
            "h = RotatingFileHandler('app.log', maxBytes=10_000_000, backupCount=5)\n",
            "import logging.handlers\n"
            "h = logging.handlers.TimedRotatingFileHandler('app.log', when='D')\n",
            "import logging.handlers\n"
            "h = logging.handlers.WatchedFileHandler('a.log')\n",
            "import logging\nlogging.basicConfig(level=logging.INFO)\n",
            "class FileHandler:\n    pass\nh = FileHandler('x')\n",
            "x = {'class': 'logging.StreamHandler'}\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag ``FileHandler(...)`` and ``basicConfig(filename=...)``."""
        name = self.ctx.qualname(node.func)
        if name == _HANDLER:
            self.report(node, _MESSAGE.format(what="`logging.FileHandler`"))
        elif name == "logging.basicConfig":
            found = keyword(node, "filename")
            if found is not None:
                what = "`basicConfig(filename=...)`"
                self.report(found, _MESSAGE.format(what=what))

    def visit_Dict(self, node: ast.Dict) -> None:
        """Flag ``'class': 'logging.FileHandler'`` in a dictConfig dictionary."""
        for key, value in zip(node.keys, node.values, strict=True):
            if (
                isinstance(key, ast.Constant)
                and key.value == "class"
                and isinstance(value, ast.Constant)
                and value.value == _HANDLER
            ):
                self.report(value, _MESSAGE.format(what="this `FileHandler` entry"))


__all__ = ["UnrotatedLogFile"]
