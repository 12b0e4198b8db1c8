"""PP405: module-level string constants that together form an enumeration."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule

MIN_MEMBERS: Final = 3
_CONSTANT: Final = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_WORD: Final = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_ ][A-Za-z0-9]+)*$")


def _string_constant(stmt: ast.stmt) -> tuple[str, str, ast.stmt] | None:
    """``(NAME, value, stmt)`` for ``NAME = "value"`` (or annotated)."""
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1:
            return None
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign):
        target = stmt.target
    else:
        return None
    value = stmt.value
    if not (
        isinstance(target, ast.Name)
        and isinstance(value, ast.Constant)
        and isinstance(value.value, str)
    ):
        return None
    return target.id, value.value, stmt


def _prefix(name: str, value: str) -> str | None:
    """The name's prefix when the rest of the name spells the value.

    ``STATUS_ACTIVE = "active"`` has prefix ``STATUS``; ``DEFAULT_HOST =
    "localhost"`` has none (the name does not spell the value).
    """
    if not _CONSTANT.match(name) or not _WORD.match(value):
        return None
    spelled = re.sub(r"[- ]", "_", value).upper()
    if not name.endswith(f"_{spelled}"):
        return None
    prefix = name[: -len(spelled) - 1]
    return prefix or None


class StringEnum(Rule):
    """Flags ``STATUS_ACTIVE = "active"``, ``STATUS_DONE = "done"``, ... groups."""

    code = "PP405"
    name = "string-constants-enum"
    summary = "Group related string constants into an `Enum`."
    why = (
        "Three or more module constants that share a prefix and whose names spell "
        "their values (`STATUS_ACTIVE = 'active'`, `STATUS_DONE = 'done'`, ...) are "
        "an enumeration written by hand: nothing ties them together, a function "
        "taking one accepts any string, and a typo is a new value. An `Enum` (a "
        "`StrEnum` where the strings cross an API) makes the set closed, iterable "
        "and checked. Constants whose values are not names (paths, messages, URLs) "
        "and prefixes such as `DEFAULT_` whose members spell different values are "
        "left alone; the grouping is still a guess."
    )
    sections = ("cgp:4-idiomatic--performant-python",)
    severity = Severity.HINT
    heuristic = True
    examples: ClassVar[Examples] = Examples(
        bad=(
            "STATUS_ACTIVE = 'active'\nSTATUS_INACTIVE = 'inactive'\n"
            "STATUS_PENDING = 'pending'\n",
            "from typing import Final\nMODE_READ_ONLY: Final = 'read-only'\n"
            "MODE_READ_WRITE: Final = 'read-write'\nMODE_APPEND: Final = 'APPEND'\n",
        ),
        good=(
            "import enum\nclass Status(enum.StrEnum):\n    ACTIVE = 'active'\n"
            "    INACTIVE = 'inactive'\n    PENDING = 'pending'\n",
            "DEFAULT_HOST = 'localhost'\nDEFAULT_USER = 'admin'\n"
            "DEFAULT_DB = 'postgres'\n",
            "STATUS_ACTIVE = 'active'\nSTATUS_INACTIVE = 'inactive'\n",
            "MSG_NOT_FOUND = 'not found: {}'\nMSG_DENIED = 'denied {}'\n"
            "MSG_OK = 'all good {}'\n",
            "def f():\n    STATUS_A = 'a'\n    STATUS_B = 'b'\n    STATUS_C = 'c'\n",
            "ACTIVE = 'active'\nINACTIVE = 'inactive'\nPENDING = 'pending'\n",
        ),
    )

    def visit_Module(self, node: ast.Module) -> None:
        """Group the module's string constants by prefix."""
        groups: defaultdict[str, list[tuple[str, str, ast.stmt]]] = defaultdict(list)
        for stmt in node.body:
            found = _string_constant(stmt)
            if found is None:
                continue
            prefix = _prefix(found[0], found[1])
            if prefix is not None:
                groups[prefix].append(found)
        for prefix, members in groups.items():
            values = {value for _, value, _ in members}
            if len(members) < MIN_MEMBERS or len(values) < len(members):
                continue
            names = ", ".join(name for name, _, _ in members)
            self.report(
                members[0][2],
                f"{len(members)} constants share the prefix `{prefix}_` and spell "
                f"their values ({names}): they look like an enumeration; consider "
                "an `Enum`",
            )


__all__ = ["StringEnum"]
