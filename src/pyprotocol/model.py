"""Core data types shared by the engine, the CLI and the server.

Nothing here imports pygls or libcst: these are plain values that cross every layer.
Positions are 1-based lines and 0-based columns counted in Unicode code points; the
server converts them to the client's position encoding at its edge.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Severity(enum.IntEnum):
    """How serious a finding is; the values match LSP's DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name such as ``"warning"`` (case-insensitive).

        Args:
            text: The name as written by a user.

        Returns:
            The matching severity.

        Raises:
            ValueError: If the name is not a severity.
        """
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(member.name.lower() for member in cls)
            msg = f"unknown severity {text!r} (expected one of: {names})"
            raise ValueError(msg) from None


class Applicability(enum.StrEnum):
    """Whether a fix can be applied without review."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Tag(enum.StrEnum):
    """Extra display hints for a finding (LSP DiagnosticTag)."""

    UNNECESSARY = "unnecessary"
    DEPRECATED = "deprecated"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A range: 1-based lines, 0-based code-point columns, end exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int

    def contains_line(self, line: int) -> bool:
        """Tell whether ``line`` (1-based) lies within this span.

        Args:
            line: The line number to test.

        Returns:
            True when the line is between the start and end lines.
        """
        return self.line <= line <= self.end_line


@dataclass(frozen=True, slots=True)
class FixInfo:
    """What a finding's fix would do; the edit itself is built on demand."""

    title: str
    applicability: Applicability = Applicability.SAFE
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One place where the code breaks the protocol."""

    code: str
    message: str
    span: Span
    severity: Severity
    source: str = "pyprotocol"
    href: str | None = None
    fix: FixInfo | None = None
    tags: tuple[Tag, ...] = ()
    data: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def fixable(self) -> bool:
        """True when a fix exists for this finding (safe or unsafe)."""
        return self.fix is not None
