"""PP407: ``list.pop(0)`` / ``list.insert(0, x)`` in a loop: a queue on a list."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Rule
from pyprotocol.rules.idiom_scope import scope_of, walk_scope

_LOOPS: Final = (ast.For, ast.AsyncFor, ast.While)
_SCOPES: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _is_zero(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and node.value == 0
        and not isinstance(node.value, bool)
    )


class ListAsQueue(Rule):
    """Flags ``queue.pop(0)`` and ``queue.insert(0, x)`` on lists inside loops."""

    code = "PP407"
    name = "list-as-queue"
    summary = "Use `collections.deque` for a queue, not `list.pop(0)`/`insert(0, x)`."
    why = (
        "Removing or inserting at the front of a list moves every other element: "
        "O(n) per call, so draining a queue of n items costs O(n²). "
        "`collections.deque` does `popleft()` and `appendleft()` in O(1); the "
        "protocol requires choosing data structures by access pattern. The rule "
        "flags these calls only inside a loop (where the quadratic cost appears), "
        "`insert(0, x)` only when the list is also consumed with `pop()`, and "
        "only on names known to hold a list: created from a list literal, a list "
        "comprehension or `list(...)`, or annotated `list[...]`."
    )
    sections = ("pr:language-level-python-312", "pr:4-performance-optimization")
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "def bfs(start):\n    todo = [start]\n    while todo:\n"
            "        node = todo.pop(0)\n        todo.extend(node.children)\n",
            "def f(items: list[int]) -> None:\n    for x in range(3):\n"
            "        items.insert(0, x)\n        items.pop()\n",
            "class Q:\n    def __init__(self):\n        self.items = []\n"
            "    def drain(self):\n        while self.items:\n"
            "            self.items.pop(0)\n",
        ),
        good=(
            "from collections import deque\ndef bfs(start):\n    todo = "
            "deque([start])\n"
            "    while todo:\n        todo.popleft()\n",
            "def f(argv):\n    args = list(argv)\n    prog = args.pop(0)\n"
            "    return prog\n",
            "def f(todo):\n    while todo:\n        todo.pop(0)\n",
            "def f():\n    todo = [1, 2]\n    while todo:\n        todo.pop()\n",
            "def f():\n    todo = [1, 2]\n    while todo:\n        todo.pop(1)\n",
            "def f(xs):\n    out = []\n    for x in reversed(xs):\n"
            "        out.insert(0, x)\n    return out\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Collect ``self.<attr>`` names assigned a list anywhere in the module.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._list_attrs: set[str] = set()
        assignments: list[ast.Assign | ast.AnnAssign] = [
            *ctx.nodes_of(ast.Assign),
            *ctx.nodes_of(ast.AnnAssign),
        ]
        for node in assignments:
            if self._is_list(
                node.value, node.annotation if isinstance(node, ast.AnnAssign) else None
            ):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == "self"
                    ):
                        self._list_attrs.add(target.attr)

    def _is_list(self, value: ast.expr | None, annotation: ast.expr | None) -> bool:
        if annotation is not None:
            base = (
                annotation.value
                if isinstance(annotation, ast.Subscript)
                else annotation
            )
            if self.ctx.qualname(base) in {"builtins.list", "typing.List"}:
                return True
        if isinstance(value, ast.List | ast.ListComp):
            return True
        return value is not None and self.ctx.is_call_to(value, "builtins.list")

    def visit_Call(self, node: ast.Call) -> None:
        """Flag front pops and inserts on lists inside loops."""
        func = node.func
        if not isinstance(func, ast.Attribute) or node.keywords:
            return
        if func.attr == "pop" and len(node.args) == 1 and _is_zero(node.args[0]):
            better = "popleft()"
        elif func.attr == "insert" and len(node.args) == 2 and _is_zero(node.args[0]):
            better = "appendleft(x)"
        else:
            return
        if not self._in_loop():
            return
        receiver = func.value
        if func.attr == "insert" and not self._popped(receiver):
            # Prepending without consuming builds a list backwards; not a queue.
            return
        if isinstance(receiver, ast.Name):
            if not self._local_list(receiver.id):
                return
            label = receiver.id
        elif (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and receiver.value.id == "self"
            and receiver.attr in self._list_attrs
        ):
            label = f"self.{receiver.attr}"
        else:
            return
        self.report(
            node,
            f"`{label}.{func.attr}(0{', x' if func.attr == 'insert' else ''})` in a "
            f"loop shifts the whole list each time: use a `collections.deque` and "
            f"`{better}`",
        )

    def _popped(self, receiver: ast.expr) -> bool:
        """Tell whether the scope also calls ``receiver.pop()``."""
        scope, _ = scope_of(self.ctx)
        wanted = ast.dump(receiver)
        return any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "pop"
            and ast.dump(node.func.value) == wanted
            for node in walk_scope(scope)
        )

    def _in_loop(self) -> bool:
        for parent in reversed(self.ctx.parents):
            if isinstance(parent, _LOOPS):
                return True
            if isinstance(parent, _SCOPES):
                return False
        return False

    def _local_list(self, name: str) -> bool:
        scope, _ = scope_of(self.ctx)
        if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = scope.args
            for arg in (
                *arguments.posonlyargs,
                *arguments.args,
                *arguments.kwonlyargs,
            ):
                if arg.arg == name and arg.annotation is not None:
                    return self._is_list(None, arg.annotation)
        for node in walk_scope(scope):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    annotation = (
                        node.annotation if isinstance(node, ast.AnnAssign) else None
                    )
                    if self._is_list(node.value, annotation):
                        return True
        return False


__all__ = ["ListAsQueue"]
