"""Scope helpers shared by the idiom, testing and FastAPI rules (not a rule)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Final

from pyprotocol.rules.base import Context

type Scope = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
type FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef

_NESTED: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def scope_of(ctx: Context) -> tuple[Scope, ast.ClassDef | None]:
    """The innermost function (or the module) around the node being visited.

    Args:
        ctx: The context.

    Returns:
        The scope node, and the class when the innermost scope is a class body.
    """
    for node in reversed(ctx.parents):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return node, None
        if isinstance(node, ast.ClassDef):
            return ctx.tree, node
    return ctx.tree, None


def walk_scope(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a scope's body, not descending into nested scopes.

    Nested function, lambda and class nodes themselves are yielded (so a caller can
    see them) but their bodies are not.

    Args:
        scope: A module, function or lambda.

    Yields:
        Every node in the scope's own body.
    """
    if isinstance(scope, ast.Lambda):
        stack: list[ast.AST] = [scope.body]
    elif isinstance(scope, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
        stack = list(reversed(scope.body))
    else:
        stack = [scope]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def walk_body(body: Sequence[ast.stmt]) -> Iterator[ast.AST]:
    """Every node under some statements, not descending into nested scopes.

    Args:
        body: Statements.

    Yields:
        The nodes, nested definitions included but not their bodies.
    """
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _NESTED):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def parent_map(root: ast.AST) -> dict[ast.AST, ast.AST]:
    """Map each node under ``root`` to its parent.

    Args:
        root: Any node.

    Returns:
        The child → parent map.
    """
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(root):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    return parents


def names_in(node: ast.AST) -> set[str]:
    """The identifiers of every ``Name`` under a node (nested scopes included).

    Args:
        node: Any node.

    Returns:
        The names.
    """
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def decorator_target(node: ast.expr) -> ast.expr:
    """The decorator without its call: ``pytest.fixture(scope=...)`` → the name.

    Args:
        node: A decorator expression.

    Returns:
        The called expression, or the decorator itself.
    """
    return node.func if isinstance(node, ast.Call) else node


def has_decorator(ctx: Context, node: FunctionNode | ast.ClassDef, *names: str) -> bool:
    """Tell whether a definition has a decorator resolving to one of ``names``.

    Args:
        ctx: The context.
        node: The definition.
        names: Qualified names.

    Returns:
        True on a match.
    """
    return any(ctx.qualname(decorator_target(d)) in names for d in node.decorator_list)


def is_fixture(ctx: Context, node: FunctionNode) -> bool:
    """Tell whether a function is a pytest (or pytest-asyncio) fixture.

    Args:
        ctx: The context.
        node: The function.

    Returns:
        True for ``@pytest.fixture`` and ``@pytest_asyncio.fixture`` functions.
    """
    return has_decorator(ctx, node, "pytest.fixture", "pytest_asyncio.fixture")


def is_test_function(node: FunctionNode, parent: ast.AST | None) -> bool:
    """Tell whether a function is a test pytest collects by default.

    Args:
        node: The function.
        parent: Its parent: the module or a ``Test*`` class.

    Returns:
        True for ``test*`` functions at module level or in a ``Test*`` class.
    """
    if not node.name.startswith("test"):
        return False
    if isinstance(parent, ast.Module):
        return True
    return isinstance(parent, ast.ClassDef) and parent.name.startswith("Test")
