"""Small questions about ``ast`` calls that many rules ask."""

from __future__ import annotations

import ast


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    """The keyword argument ``name`` of a call.

    Args:
        call: The call.
        name: The keyword.

    Returns:
        The keyword node, or None.
    """
    for item in call.keywords:
        if item.arg == name:
            return item
    return None


def has_star_kwargs(call: ast.Call) -> bool:
    """Tell whether a call passes ``**mapping`` (so any keyword may be present).

    Args:
        call: The call.

    Returns:
        True when a ``**`` argument is present.
    """
    return any(item.arg is None for item in call.keywords)


def dotted_name(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None.

    Args:
        node: An expression.

    Returns:
        The dotted text, or None when the chain does not start at a name.
    """
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
