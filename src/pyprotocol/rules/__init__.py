"""The registry of own rules: one explicit list, in code order."""

from __future__ import annotations

from typing import Final

from pyprotocol.rules.base import Rule
from pyprotocol.rules.typing_union import UnionSyntax

ALL_RULES: Final[tuple[type[Rule], ...]] = tuple(
    sorted(
        (UnionSyntax,),
        key=lambda rule: rule.code,
    )
)

__all__ = ["ALL_RULES", "Rule"]
