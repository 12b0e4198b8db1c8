"""A deliberately non-compliant module: pre-3.12 typing idioms.

`uv run pyprotocol check examples/` reports every finding here; `pyprotocol fix`
rewrites what it can do safely.
"""

from __future__ import annotations

import typing as t
from typing import Any, Callable, Dict, Generic, List, Optional, TypeVar, Union

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")

JsonValue = Union[str, int, float, bool, None]


class Registry(Generic[K, V]):
    """Maps keys to values and remembers the order they were added in."""

    def __init__(self) -> None:
        self.items: Dict[K, V] = {}
        self.order: List[K] = []

    def add(self, key: K, value: V) -> Registry:
        """Add an entry and return the registry, for chaining."""
        self.items[key] = value
        self.order.append(key)
        return self

    def get(self, key: K) -> Optional[V]:
        """The value for ``key``, if any."""
        return self.items.get(key)


def first(items: List[T], default: Optional[T] = None) -> Optional[T]:
    """The first item, or ``default``."""
    return items[0] if items else default


def apply(func: Callable[[int], int], values: t.Iterable[int]) -> t.List[int]:
    """Apply ``func`` to each value."""
    return [func(value) for value in values]


def load(raw: Dict[str, Any]) -> JsonValue:
    """Pick the payload out of a decoded document."""
    return raw.get("payload")
