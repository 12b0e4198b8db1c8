"""PP202: ``except Exception`` / ``except BaseException`` that swallows the error."""

from __future__ import annotations

import ast
from functools import cached_property
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.exc_common import (
    BROAD,
    caught,
    hands_on,
    logs_traceback,
    reraises,
    type_node,
)
from pyprotocol.rules.log_common import Loggers, loggers_of

_SUPPRESS: Final = "contextlib.suppress"


class BroadExcept(Rule):
    """Flags broad handlers that neither re-raise, log a traceback, nor pass on."""

    code = "PP202"
    statement_local = True
    replaces = ("BLE001",)
    name = "broad-except"
    summary = (
        "Catch specific exceptions; `except Exception` must re-raise or report "
        "the full traceback."
    )
    why = (
        "`except Exception:` (or `BaseException`) catches every bug along with the "
        "failure the code meant to handle: a typo's `NameError` or a wrong "
        "`TypeError` becomes a silent fallback value. Catch the exceptions the "
        "block is expected to raise. A broad handler is accepted when it does not "
        "lose the error: it raises (re-raises, or raises a domain error, ideally "
        "`from` the original) or exits (`sys.exit`, `pytest.fail`); or it reports "
        "the full traceback with "
        "`log.exception(...)` / `exc_info=...` / `traceback.print_exc()`, which is "
        "what a top-level boundary (a worker loop, a request or CLI entry point, a "
        "plug-in runner) must do; or it hands the exception object on (stores it, "
        "returns it, passes it to `future.set_exception(...)` or an error "
        "collector). The rule cannot tell a boundary from ordinary code, so it "
        "accepts the traceback-logging form everywhere instead of guessing. "
        "`contextlib.suppress(Exception)` is flagged too: it is a broad handler "
        "that always swallows."
    )
    sections = ("pr:tryexcept-patterns", "cgp:4-idiomatic--performant-python")
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "try:\n    run()\nexcept Exception:\n    pass\n",
            "try:\n    run()\nexcept BaseException:\n    return None\n",
            "try:\n    run()\nexcept (ValueError, Exception) as err:\n    print(err)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "try:\n    run()\nexcept Exception as err:\n"
            "    log.warning('failed: %s', err)\n",
            "import contextlib\nwith contextlib.suppress(Exception):\n    run()\n",
            "try:\n    value = int(text)\nexcept Exception as err:\n"
            "    value = str(err)\n",
        ),
        good=(
            "try:\n    run()\nexcept ValueError:\n    pass\n",
            "try:\n    run()\nexcept Exception:\n    cleanup()\n    raise\n",
            "try:\n    run()\nexcept Exception as err:\n"
            "    raise AppError('run failed') from err\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "def serve():\n    while True:\n        try:\n            handle()\n"
            "        except Exception:\n            log.exception('request failed')\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "try:\n    run()\nexcept Exception as err:\n"
            "    log.error('failed', exc_info=err)\n",
            "try:\n    result = work()\nexcept BaseException as err:\n"
            "    future.set_exception(err)\n",
            "class Exception(Base): ...\n"
            "try:\n    run()\nexcept Exception:\n    pass\n",
            "import sys\ntry:\n    main()\nexcept Exception as err:\n"
            "    print(err)\n    sys.exit(1)\n",
            "import pytest\ndef test_x():\n    try:\n        run()\n"
            "    except Exception as err:\n        pytest.fail(f'raised {err}')\n",
            "from contextlib import suppress\nwith suppress(FileNotFoundError):\n"
            "    remove()\n",
        ),
    )

    @cached_property
    def loggers(self) -> Loggers:
        """The file's logger resolver, built on first use."""
        return loggers_of(self.ctx)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        """Flag a broad handler that loses the error."""
        broad = [name for name in caught(self.ctx, node) if name in BROAD]
        if not broad:
            return
        if reraises(self.ctx, node):
            return
        if logs_traceback(self.ctx, self.loggers, node.body):
            return
        if hands_on(self.ctx, self.loggers, node):
            return
        kind = broad[0].removeprefix("builtins.")
        self.report(
            type_node(node, self.ctx, BROAD),
            f"`except {kind}` swallows every error, bugs included: catch the "
            "specific exceptions expected here, or re-raise, or log the traceback "
            "with `log.exception(...)`",
        )

    def visit_With(self, node: ast.With) -> None:
        """Flag ``contextlib.suppress(Exception)``."""
        for item in node.items:
            expr = item.context_expr
            if not isinstance(expr, ast.Call) or not self.ctx.is_call_to(
                expr, _SUPPRESS
            ):
                continue
            for arg in expr.args:
                name = self.ctx.qualname(arg)
                if name in BROAD:
                    kind = name.removeprefix("builtins.")
                    self.report(
                        arg,
                        f"`suppress({kind})` swallows every error, bugs included: "
                        "suppress only the specific exceptions expected here",
                    )


__all__ = ["BroadExcept"]
