"""PP203: ``raise X`` inside an ``except`` block without ``from``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import positions
from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.exc_common import enclosing_handler
from pyprotocol.rules.scope_names import local_nodes

_FRAMES: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_CANDIDATES: Final = ("err", "exc", "error", "original_error", "caught_error")


def _caught_pieces(handler: ast.ExceptHandler) -> set[str]:
    """The caught exception's name and the names bound from it in the handler.

    ``alias = err.with_traceback(tb)``, ``inner = group.exceptions[0]``,
    ``for sub in group.exceptions`` all hold (part of) what was caught.
    """
    if handler.name is None:
        return set()
    tainted = {handler.name}
    bindings: list[tuple[ast.expr, ast.expr]] = []
    for node in local_nodes(handler.body):
        if isinstance(node, ast.Assign):
            bindings.extend((target, node.value) for target in node.targets)
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value:
            bindings.append((node.target, node.value))
        elif isinstance(node, ast.For):
            bindings.append((node.target, node.iter))
    changed = True
    while changed:
        changed = False
        for target, value in bindings:
            if not _mentions(value, tainted):
                continue
            for name in _names_in(target) - tainted:
                tainted.add(name)
                changed = True
    return tainted


def _handlers_around(ctx: Context) -> list[ast.ExceptHandler]:
    """Every ``except`` block around the current place, in the same frame."""
    found: list[ast.ExceptHandler] = []
    for node in reversed(ctx.parents):
        if isinstance(node, ast.ExceptHandler):
            found.append(node)
        elif isinstance(node, _FRAMES):
            break
    return found


def _mentions(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _reraises_caught(
    ctx: Context, exc: ast.expr, handlers: list[ast.ExceptHandler]
) -> bool:
    """Whether ``exc`` is (part of) the caught exception rather than a new one.

    ``raise err``, ``raise err.with_traceback(tb)``, ``raise alias`` of those,
    and ``raise min(group_members, ...)``-style picks through a builtin.
    """
    pieces: set[str] = set().union(*(_caught_pieces(h) for h in handlers))
    if not pieces:
        return False
    func = exc.func if isinstance(exc, ast.Call) else None
    if isinstance(func, ast.Attribute) and func.attr == "with_traceback":
        exc = func.value
    if isinstance(exc, ast.Name):
        return exc.id in pieces
    if isinstance(exc, ast.Call) and func is not None:
        builtin = (ctx.qualname(func) or "").removeprefix("builtins.")
        picks = builtin.islower() and (ctx.qualname(func) or "").startswith("builtins.")
        return picks and _mentions(exc, pieces)
    return False


def _names_in(node: ast.AST) -> set[str]:
    found: set[str] = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Name):
            found.add(item.id)
        elif isinstance(item, ast.arg):
            found.add(item.arg)
        elif isinstance(item, ast.ExceptHandler) and item.name:
            found.add(item.name)
        elif isinstance(item, ast.Global | ast.Nonlocal):
            found.update(item.names)
    return found


class RaiseWithoutFrom(Rule):
    """Flags ``raise NewError(...)`` in a handler that does not chain the cause."""

    code = "PP203"
    replaces = ("B904",)
    name = "raise-without-from"
    summary = "Inside `except`, raise new exceptions with `from err`."
    why = (
        "Raising a new exception while handling another makes Python print both "
        "tracebacks joined by 'During handling of the above exception, another "
        "exception occurred', which reads like a second bug in the handler. "
        "`raise NewError(...) from err` records the original as the cause and says "
        "the translation is deliberate; `from None` hides it on purpose. Re-raising "
        "the caught exception itself (`raise`, `raise err`) is not flagged. The fix "
        "adds `from <name>`, binding the caught exception `as err` (or another "
        "unused name) when the handler does not name it; it is not offered for a "
        "bare `except:`, which has nothing to bind."
    )
    sections = ("pr:exception-chaining",)
    severity = Severity.WARNING
    fix_title = "Chain the cause with `from`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "try:\n    x = d[k]\nexcept KeyError:\n    raise AttributeError(k)\n",
            "try:\n    run()\nexcept OSError as e:\n    if retry:\n        return\n"
            "    raise AppError('io') \n",
            "try:\n    run()\nexcept:\n    raise AppError('failed')\n",
            "try:\n    run()\nexcept OSError as outer:\n    try:\n        undo()\n"
            "    except ValueError:\n        raise AppError('undo failed')\n",
            "try:\n    run()\nexcept OSError as err:\n    raise AppError(str(err))\n",
        ),
        good=(
            "try:\n    run()\nexcept OSError as err:\n"
            "    raise AppError('io') from err\n",
            "try:\n    run()\nexcept KeyError:\n"
            "    raise AttributeError('x') from None\n",
            "try:\n    run()\nexcept OSError:\n    cleanup()\n    raise\n",
            "try:\n    run()\nexcept OSError as err:\n    raise err\n",
            "try:\n    run()\nexcept OSError as err:\n"
            "    raise err.with_traceback(tb)\n",
            "try:\n    run()\nexcept OSError:\n    def later():\n"
            "        raise AppError('later')\n",
            "try:\n    run()\nfinally:\n    raise AppError('always')\n",
            "raise AppError('outside')\n",
            "try:\n    run()\nexcept OSError as err:\n"
            "    trimmed = err.with_traceback(None)\n    raise trimmed\n",
            "try:\n    run()\nexcept ExceptionGroup as group:\n"
            "    rest = group.exceptions\n    raise min(rest, key=rank)\n",
            "try:\n    a()\nexcept KeyError as first:\n    try:\n        b()\n"
            "    except KeyError:\n        raise first\n",
        ),
        fixed=(
            Fixed(
                "try:\n    run()\nexcept OSError as error:\n"
                "    raise AppError('io failed')\n",
                "try:\n    run()\nexcept OSError as error:\n"
                "    raise AppError('io failed') from error\n",
            ),
            Fixed(
                "def get(d, k):\n    try:\n        return d[k]\n"
                "    except (KeyError, IndexError):\n"
                "        raise LookupFailed(k)\n",
                "def get(d, k):\n    try:\n        return d[k]\n"
                "    except (KeyError, IndexError) as err:\n"
                "        raise LookupFailed(k) from err\n",
            ),
            Fixed(
                "def f(err):\n    try:\n        run(err)\n    except OSError:\n"
                "        raise AppError(err)\n",
                "def f(err):\n    try:\n        run(err)\n    except OSError as exc:\n"
                "        raise AppError(err) from exc\n",
            ),
        ),
    )

    def visit_Raise(self, node: ast.Raise) -> None:
        """Flag a raise of a new exception in a handler without a cause."""
        if node.exc is None or node.cause is not None:
            return
        handler = enclosing_handler(self.ctx)
        if handler is None:
            return
        if _reraises_caught(self.ctx, node.exc, _handlers_around(self.ctx)):
            return
        message = (
            "raising a new exception inside `except` without `from`: write "
            "`raise ... from {}` to keep the original as the cause (or `from None` "
            "to hide it on purpose)"
        )
        if handler.name is not None:
            data = {"name": handler.name}
            self.report(node, message.format(handler.name), fix=True, data=data)
            return
        if handler.type is None:
            self.report(node, message.format("err") + " (no fix: bare `except:`)")
            return
        name = self._fresh_name()
        if name is None:
            self.report(node, message.format("err"))
            return
        col = self.ctx.lines.byte_to_col(handler.lineno, handler.col_offset)
        where = f"{handler.lineno}:{col}"
        self.report(
            node, message.format(name), fix=True, data={"name": name, "bind": where}
        )

    def _fresh_name(self) -> str | None:
        scope: ast.AST = self.ctx.function() or self.ctx.tree
        taken = _names_in(scope) | self.ctx.module_names
        return next((n for n in _CANDIDATES if n not in taken), None)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Add ``from <name>`` to each raise, binding the name where needed."""
        causes: dict[tuple[int, int], str] = {}
        binds: dict[tuple[int, int], str] = {}
        for finding in request.findings:
            name = finding.data.get("name")
            if name is None:
                continue
            causes[(finding.span.line, finding.span.col)] = name
            bind = finding.data.get("bind")
            if bind is not None:
                line, _, col = bind.partition(":")
                binds[(int(line), int(col))] = name
        wrapper, where = positions(tree)
        return wrapper.visit(_Chain(where, causes, binds))


class _Chain(cst.CSTTransformer):
    """Adds causes to raises and names to handlers, by start position."""

    def __init__(
        self,
        where: dict[cst.CSTNode, tuple[int, int]],
        causes: dict[tuple[int, int], str],
        binds: dict[tuple[int, int], str],
    ) -> None:
        super().__init__()
        self.where = where
        self.causes = causes
        self.binds = binds

    def leave_Raise(
        self, original_node: cst.Raise, updated_node: cst.Raise
    ) -> cst.Raise:
        name = self.causes.get(self.where.get(original_node, (0, 0)))
        if name is None or updated_node.exc is None or updated_node.cause is not None:
            return updated_node
        return updated_node.with_changes(cause=cst.From(item=cst.Name(name)))

    def leave_ExceptHandler(
        self, original_node: cst.ExceptHandler, updated_node: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        name = self.binds.get(self.where.get(original_node, (0, 0)))
        if name is None or updated_node.name is not None or updated_node.type is None:
            return updated_node
        return updated_node.with_changes(name=cst.AsName(name=cst.Name(name)))


__all__ = ["RaiseWithoutFrom"]
