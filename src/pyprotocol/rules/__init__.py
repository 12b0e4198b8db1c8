"""The registry of own rules: one explicit list, in code order."""

from __future__ import annotations

from typing import Final

from pyprotocol.rules.base import Rule
from pyprotocol.rules.typing_abc import CollectionsAbc
from pyprotocol.rules.typing_any import NoAny
from pyprotocol.rules.typing_builtins import BuiltinGenerics
from pyprotocol.rules.typing_cast import CastWithoutComment
from pyprotocol.rules.typing_final import ConstantWithoutFinal
from pyprotocol.rules.typing_runtime_checkable import UnneededRuntimeCheckable
from pyprotocol.rules.typing_self import SelfReturn
from pyprotocol.rules.typing_typeis import PreferTypeIs
from pyprotocol.rules.typing_union import UnionSyntax

_RULES: Final[list[type[Rule]]] = [
    BuiltinGenerics,
    CollectionsAbc,
    NoAny,
    SelfReturn,
    CastWithoutComment,
    ConstantWithoutFinal,
    UnneededRuntimeCheckable,
    PreferTypeIs,
    UnionSyntax,
]

ALL_RULES: Final[tuple[type[Rule], ...]] = tuple(
    sorted(_RULES, key=lambda rule: rule.code)
)

__all__ = ["ALL_RULES", "Rule"]
