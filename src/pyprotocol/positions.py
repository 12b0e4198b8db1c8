r"""Every conversion between position units happens here, and only here.

The engine counts columns in code points (what LibCST and ruff's JSON use). ``ast``
counts UTF-8 bytes, LSP clients count UTF-16 code units by default (or UTF-8 / UTF-32
when negotiated). Lines end at ``\\n``, ``\\r\\n`` or ``\\r``, as in LSP.
"""

from __future__ import annotations

import bisect
import enum
import re
from typing import Final

_LINE_END: Final = re.compile(r"\r\n|\r|\n")


class Encoding(enum.StrEnum):
    """Units a client counts columns in (LSP ``PositionEncodingKind``)."""

    UTF8 = "utf-8"
    UTF16 = "utf-16"
    UTF32 = "utf-32"


def split_lines(text: str) -> list[str]:
    """Split text into lines the way LSP does, without the line terminators.

    Args:
        text: The document text.

    Returns:
        The lines; an empty last line is kept when the text ends with a newline.
    """
    return _LINE_END.split(text)


def unit_length(text: str, encoding: Encoding) -> int:
    """Length of ``text`` in the given units.

    Args:
        text: Any text.
        encoding: The units to count in.

    Returns:
        The number of UTF-8 bytes, UTF-16 code units or code points.
    """
    if encoding is Encoding.UTF32 or text.isascii():
        return len(text)
    if encoding is Encoding.UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def from_units(line: str, column: int, encoding: Encoding) -> int:
    """Turn a column in ``encoding`` units into a code-point column on ``line``.

    A column that falls inside a character rounds down to that character's start;
    a column past the end of the line clamps to the line's length.

    Args:
        line: The line's text.
        column: The column in the client's units.
        encoding: The client's units.

    Returns:
        The code-point column.
    """
    if column <= 0:
        return 0
    if encoding is Encoding.UTF32 or line.isascii():
        return min(column, len(line))
    count = 0
    for index, char in enumerate(line):
        count += unit_length(char, encoding)
        if count > column:
            return index
    return len(line)


class LineIndex:
    """Line starts of a text, for converting offsets and columns."""

    __slots__ = ("_starts", "lines", "text")

    def __init__(self, text: str) -> None:
        """Index ``text``.

        Args:
            text: The document text.
        """
        self.text = text
        self.lines = split_lines(text)
        self._starts = [0, *(match.end() for match in _LINE_END.finditer(text))]

    def with_ends(self) -> list[str]:
        """The lines with their terminators (no empty last piece).

        Like ``str.splitlines(keepends=True)``, but breaking only where LSP and
        ``ast`` do: a form feed or U+2028 inside a line does not end it.

        Returns:
            The lines.
        """
        ends = [*self._starts[1:], len(self.text)]
        pieces = [
            self.text[start:end] for start, end in zip(self._starts, ends, strict=True)
        ]
        if pieces and not pieces[-1]:
            pieces.pop()
        return pieces

    def line(self, number: int) -> str:
        """The text of a 1-based line, or ``""`` past the end.

        Args:
            number: The 1-based line number.

        Returns:
            The line without its terminator.
        """
        if 1 <= number <= len(self.lines):
            return self.lines[number - 1]
        return ""

    def byte_to_col(self, number: int, byte_col: int) -> int:
        """Convert an ``ast`` column (UTF-8 bytes) to a code-point column.

        Args:
            number: The 1-based line number.
            byte_col: The column in UTF-8 bytes.

        Returns:
            The column in code points.
        """
        text = self.line(number)
        if text.isascii():
            return min(byte_col, len(text))
        encoded = text.encode("utf-8", "surrogatepass")
        return len(encoded[:byte_col].decode("utf-8", "ignore"))

    def offset(self, number: int, col: int) -> int:
        """Offset in the text of a (1-based line, code-point column) position.

        Args:
            number: The 1-based line number (clamped to the document).
            col: The code-point column (clamped to the line).

        Returns:
            The offset into :attr:`text`.
        """
        if number < 1:
            return 0
        if number > len(self._starts):
            return len(self.text)
        return self._starts[number - 1] + min(max(col, 0), len(self.lines[number - 1]))

    def position(self, offset: int) -> tuple[int, int]:
        """The (1-based line, code-point column) of an offset.

        Args:
            offset: An offset into the text (clamped to it).

        Returns:
            The line and column.
        """
        offset = min(max(offset, 0), len(self.text))
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, min(offset - self._starts[index], len(self.lines[index]))

    def to_client(self, number: int, col: int, encoding: Encoding) -> tuple[int, int]:
        """Convert an engine position to a client position (both 0-based in LSP).

        Args:
            number: The 1-based line number.
            col: The code-point column.
            encoding: The client's units.

        Returns:
            The 0-based line and the column in the client's units, clamped to the text.
        """
        if number > len(self.lines):
            last = len(self.lines)
            return last - 1, unit_length(self.lines[-1], encoding)
        text = self.line(number)
        col = min(max(col, 0), len(text))
        return max(number - 1, 0), unit_length(text[:col], encoding)

    def from_client(
        self, line: int, column: int, encoding: Encoding
    ) -> tuple[int, int]:
        """Convert a 0-based client position to an engine position.

        Args:
            line: The 0-based line.
            column: The column in the client's units.
            encoding: The client's units.

        Returns:
            The 1-based line and the code-point column.
        """
        number = min(max(line, 0), len(self.lines) - 1) + 1
        return number, from_units(self.line(number), column, encoding)

    def client_offset(self, line: int, column: int, encoding: Encoding) -> int:
        """Offset in the text of a 0-based client position.

        As LSP specifies, a column past the end of its line means the line's end and
        a line past the last one means the end of the text.

        Args:
            line: The 0-based line.
            column: The column in the client's units.
            encoding: The client's units.

        Returns:
            The offset into :attr:`text`.
        """
        if line >= len(self.lines):
            return len(self.text)
        return self.offset(*self.from_client(line, column, encoding))
