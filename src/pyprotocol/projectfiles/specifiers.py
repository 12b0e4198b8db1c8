"""Just enough of PEP 508 and PEP 440 to judge version bounds.

Requirements are split into name and version clauses; versions are compared by their
release numbers (pre-, post- and dev-release parts are ignored, which is precise
enough to tell whether a range has bounds and whether it admits an old Python).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_NAME: Final = re.compile(
    r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$",
    re.DOTALL,
)
_CLAUSE: Final = re.compile(r"^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$")
_RELEASE: Final = re.compile(r"^v?(\d+(?:\.\d+)*)(\.\*)?")
_LOWER: Final = frozenset({">=", ">", "~=", "==", "==="})
_UPPER: Final = frozenset({"<", "<=", "~=", "==", "==="})

type Release = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Clause:
    """One version clause such as ``>=1.2``."""

    op: str
    version: str

    @property
    def release(self) -> Release | None:
        """The release numbers of the version, or None when it has none."""
        match = _RELEASE.match(self.version)
        if match is None:
            return None
        return tuple(int(part) for part in match.group(1).split("."))

    @property
    def wildcard(self) -> bool:
        """True for ``==1.2.*`` / ``!=1.2.*``."""
        return self.version.endswith(".*")


@dataclass(frozen=True, slots=True)
class Requirement:
    """A dependency as written: name, version clauses, and whether it is a URL."""

    text: str
    name: str
    clauses: tuple[Clause, ...]
    url: bool = False


def parse_requirement(text: str) -> Requirement | None:
    """Read a PEP 508 requirement string.

    Args:
        text: E.g. ``"requests[socks]>=2.31,<3; python_version < '3.13'"``.

    Returns:
        The requirement, or None when it cannot be read.
    """
    match = _NAME.match(text)
    if match is None:
        return None
    name, rest = match.group(1), match.group(3)
    if rest.startswith("@"):
        return Requirement(text, name, (), url=True)
    spec = rest.partition(";")[0].strip()
    if spec.startswith("(") and spec.endswith(")"):
        spec = spec[1:-1]
    clauses = parse_specifier(spec)
    return None if clauses is None else Requirement(text, name, clauses)


def parse_specifier(spec: str) -> tuple[Clause, ...] | None:
    """Read a comma-separated version specifier.

    Args:
        spec: E.g. ``">=3.12,<4"``; empty for none.

    Returns:
        The clauses, or None when one cannot be read.
    """
    if not spec.strip():
        return ()
    clauses: list[Clause] = []
    for part in spec.split(","):
        match = _CLAUSE.match(part)
        if match is None:
            return None
        clauses.append(Clause(match.group(1), match.group(2)))
    return tuple(clauses)


def has_lower(clauses: tuple[Clause, ...]) -> bool:
    """Tell whether a specifier sets a lower bound.

    Args:
        clauses: The clauses.

    Returns:
        True when some clause bounds the version from below.
    """
    return any(clause.op in _LOWER for clause in clauses)


def has_upper(clauses: tuple[Clause, ...]) -> bool:
    """Tell whether a specifier sets an upper bound (a pin counts).

    Args:
        clauses: The clauses.

    Returns:
        True when some clause bounds the version from above.
    """
    return any(clause.op in _UPPER for clause in clauses)


def next_major(clauses: tuple[Clause, ...]) -> int | None:
    """The major version after the lower bound, to suggest ``<NEXT``.

    Args:
        clauses: The clauses.

    Returns:
        The lower bound's first release number plus one, or None.
    """
    for clause in clauses:
        release = clause.release
        if clause.op in _LOWER and release:
            return release[0] + 1
    return None


def _pad(release: Release, size: int) -> Release:
    return release + (0,) * (size - len(release))


def _compare(left: Release, right: Release) -> int:
    size = max(len(left), len(right))
    a, b = _pad(left, size), _pad(right, size)
    return (a > b) - (a < b)


def _prefix_equal(candidate: Release, prefix: Release) -> bool:
    return _pad(candidate, len(prefix))[: len(prefix)] == prefix


def _satisfies(candidate: Release, clause: Clause) -> bool:
    """Whether a release satisfies one clause (clauses without release: True)."""
    release = clause.release
    if release is None:
        return True
    order = _compare(candidate, release)
    match clause.op:
        case ">=":
            return order >= 0
        case ">":
            return order > 0
        case "<=":
            return order <= 0
        case "<":
            return order < 0
        case "~=":
            return order >= 0 and _prefix_equal(candidate, release[:-1] or release)
        case "!=":
            return (
                not _prefix_equal(candidate, release) if clause.wildcard else order != 0
            )
        case _:
            return _prefix_equal(candidate, release) if clause.wildcard else order == 0


def admits(clauses: tuple[Clause, ...], candidate: Release) -> bool:
    """Tell whether a release satisfies every clause.

    Args:
        clauses: The specifier's clauses.
        candidate: A release such as ``(3, 11, 9)``.

    Returns:
        True when it satisfies them all.
    """
    return all(_satisfies(candidate, clause) for clause in clauses)


#: Python releases older than 3.12 a ``requires-python`` must rule out.
OLD_PYTHONS: Final[tuple[Release, ...]] = (
    (2, 7, 18),
    *((3, minor, 0) for minor in range(12)),
    *((3, minor, 99) for minor in range(12)),
)


def oldest_admitted(clauses: tuple[Clause, ...]) -> Release | None:
    """The oldest Python before 3.12 that a ``requires-python`` admits.

    Args:
        clauses: The specifier's clauses.

    Returns:
        That release (as ``(3, minor)``), or None when only 3.12+ is admitted.
    """
    for candidate in sorted(OLD_PYTHONS):
        if admits(clauses, candidate):
            return candidate[:2]
    return None
