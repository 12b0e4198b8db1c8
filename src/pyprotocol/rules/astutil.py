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
