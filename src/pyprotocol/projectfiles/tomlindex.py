"""Where tables and keys are in a TOML text (``tomllib`` gives values, no positions).

:class:`TomlIndex` scans a text that ``tomllib`` has already accepted and records the
offsets of every table header, every key (as a full dotted path, so ``[tool.mypy]``
and ``[tool.mypy.overrides]`` stay apart and ``tool.mypy.strict = true`` under the
root table counts as ``tool.mypy``) and every value. The scanner always advances, so a
text it does not understand gives fewer positions, never a hang or an exception.
"""

from __future__ import annotations

import re
import tomllib
from typing import Final

from pyprotocol.model import Span
from pyprotocol.positions import LineIndex

type KeyPath = tuple[str, ...]

_BARE: Final = re.compile(r"[A-Za-z0-9_-]+")
_AT: Final = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END: Final = re.compile(r"\s*\(at end of document\)\s*$")
_SPACE: Final = " \t"


class TomlIndex:
    """Offsets of the tables, keys and values of a TOML text."""

    def __init__(self, text: str) -> None:
        """Scan ``text``.

        Args:
            text: A TOML document (ideally one ``tomllib`` accepts).
        """
        self.text = text
        self.lines = LineIndex(text)
        #: Explicit table headers (``[a.b]`` / ``[[a.b]]``, first occurrence).
        self.tables: dict[KeyPath, tuple[int, int]] = {}
        #: Keys by full path: the offsets of the key text.
        self.keys: dict[KeyPath, tuple[int, int]] = {}
        #: Values by full key path: the offsets of the value text.
        self.values: dict[KeyPath, tuple[int, int]] = {}
        self._scan()

    # -- queries -------------------------------------------------------------------
    def span_of(self, start: int, end: int) -> Span:
        """The span between two offsets.

        Args:
            start: Start offset.
            end: End offset (exclusive).

        Returns:
            The span.
        """
        line, col = self.lines.position(start)
        end_line, end_col = self.lines.position(end)
        return Span(line, col, end_line, end_col)

    def table_span(self, path: KeyPath) -> Span | None:
        """Where a table is declared: its header, or its first dotted key.

        Args:
            path: The table's path, e.g. ``("tool", "mypy")``.

        Returns:
            The span, or None when the text never mentions the table.
        """
        if path in self.tables:
            return self.span_of(*self.tables[path])
        inner = [
            offsets
            for key, offsets in self.keys.items()
            if len(key) > len(path) and key[: len(path)] == path
        ]
        if inner:
            return self.span_of(*min(inner))
        return None

    def key_span(self, path: KeyPath) -> Span | None:
        """Where a key is written.

        Args:
            path: The key's full path, e.g. ``("tool", "mypy", "strict")``.

        Returns:
            The span of the key text, or None when it is not written.
        """
        if path in self.keys:
            return self.span_of(*self.keys[path])
        return None

    def nearest(self, path: KeyPath) -> Span | None:
        """The key if written, else the closest enclosing table that is.

        Args:
            path: A key or table path.

        Returns:
            The span, or None when no part of the path is in the text.
        """
        for size in range(len(path), 0, -1):
            prefix = path[:size]
            found = self.key_span(prefix) or self.table_span(prefix)
            if found is not None:
                return found
        return None

    def string_span(self, path: KeyPath, value: str) -> Span | None:
        """Where a string appears inside the value of a key (e.g. an array item).

        Args:
            path: The key whose value holds the string.
            value: The decoded string.

        Returns:
            The span of the quoted string, or None when it is not found verbatim.
        """
        if path not in self.values:
            return None
        start, end = self.values[path]
        best: tuple[int, int] | None = None
        for quote in ('"', "'"):
            at = self.text.find(f"{quote}{value}{quote}", start, end)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, at + len(value) + 2)
        return self.span_of(*best) if best else None

    # -- scanning ------------------------------------------------------------------
    def _scan(self) -> None:
        text = self.text
        size = len(text)
        table: KeyPath = ()
        pos = 0
        while pos < size:
            pos = self._skip_blank(pos)
            if pos >= size:
                break
            if text[pos] == "[":
                table, pos = self._header(pos)
            else:
                pos = self._key_value(pos, table)
            pos = self._line_end(pos)

    def _header(self, pos: int) -> tuple[KeyPath, int]:
        start = pos
        array = self.text.startswith("[[", pos)
        path, pos = self._key(pos + (2 if array else 1))
        pos = self._skip_space(pos)
        pos += 2 if array else 1
        self.tables.setdefault(path, (start, min(pos, len(self.text))))
        return path, pos

    def _key_value(self, pos: int, table: KeyPath) -> int:
        start = pos
        path, key_end = self._key(pos)
        if not path:
            return pos + 1
        pos = self._skip_space(key_end)
        if pos >= len(self.text) or self.text[pos] != "=":
            return max(pos, start + 1)
        value_start = self._skip_space(pos + 1)
        value_end = self._value(value_start, (*table, *path))
        full = (*table, *path)
        self.keys.setdefault(full, (start, key_end))
        self.values.setdefault(full, (value_start, value_end))
        return max(value_end, start + 1)

    def _key(self, pos: int) -> tuple[KeyPath, int]:
        """Read a dotted key; return its parts and the offset after the last part."""
        text = self.text
        parts: list[str] = []
        end = pos
        while True:
            pos = self._skip_space(pos)
            if pos >= len(text):
                break
            part, after = self._key_part(pos)
            if part is None:
                break
            parts.append(part)
            end = after
            pos = self._skip_space(after)
            if pos < len(text) and text[pos] == ".":
                pos += 1
                continue
            break
        return tuple(parts), end

    def _key_part(self, pos: int) -> tuple[str | None, int]:
        text = self.text
        char = text[pos]
        if char in "\"'":
            end = self._string_end(pos)
            raw = text[pos:end]
            try:
                decoded = tomllib.loads(f"k = {raw}")["k"]
            except tomllib.TOMLDecodeError:
                return None, end
            return (decoded if isinstance(decoded, str) else None), end
        match = _BARE.match(text, pos)
        if match is None:
            return None, pos
        return match.group(), match.end()

    def _value(self, pos: int, path: KeyPath) -> int:
        text = self.text
        if pos >= len(text):
            return pos
        char = text[pos]
        if char in "\"'":
            return self._string_end(pos)
        if char == "[":
            return self._bracket_end(pos)
        if char == "{":
            return self._inline_table(pos, path)
        end = pos
        while end < len(text) and text[end] not in "\r\n#,]}":
            end += 1
        while end > pos and text[end - 1] in _SPACE:
            end -= 1
        return end

    def _inline_table(self, pos: int, path: KeyPath) -> int:
        """Record the keys of ``{ a = 1, b.c = 2 }`` under ``path``."""
        text = self.text
        pos += 1
        while pos < len(text):
            pos = self._skip_blank(pos)
            if pos >= len(text):
                break
            if text[pos] == "}":
                return pos + 1
            if text[pos] == ",":
                pos += 1
                continue
            before = pos
            pos = self._key_value(pos, path)
            pos = max(pos, before + 1)
        return pos

    def _bracket_end(self, pos: int) -> int:
        """The offset after the ``]`` or ``}`` closing the bracket at ``pos``."""
        text = self.text
        depth = 0
        while pos < len(text):
            char = text[pos]
            if char in "\"'":
                pos = self._string_end(pos)
                continue
            if char == "#":
                pos = self._comment_end(pos)
                continue
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
                if depth == 0:
                    return pos + 1
            pos += 1
        return pos

    def _string_end(self, pos: int) -> int:
        """The offset after the string starting at ``pos`` (any of the four forms)."""
        text = self.text
        quote = text[pos]
        if text.startswith(quote * 3, pos):
            return self._multiline_end(pos + 3, quote)
        pos += 1
        while pos < len(text) and text[pos] not in "\r\n":
            if quote == '"' and text[pos] == "\\":
                pos += 2
                continue
            if text[pos] == quote:
                return pos + 1
            pos += 1
        return pos

    def _multiline_end(self, pos: int, quote: str) -> int:
        text = self.text
        while pos < len(text):
            if quote == '"' and text[pos] == "\\":
                pos += 2
                continue
            if text.startswith(quote * 3, pos):
                end = pos + 3
                # Up to two quotes right before the closing ones belong to the string.
                while end < len(text) and text[end] == quote and end - pos < 5:
                    end += 1
                return end
            pos += 1
        return pos

    def _skip_space(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] in _SPACE:
            pos += 1
        return pos

    def _skip_blank(self, pos: int) -> int:
        """Skip spaces, newlines and comments."""
        text = self.text
        while pos < len(text):
            char = text[pos]
            if char in " \t\r\n":
                pos += 1
            elif char == "#":
                pos = self._comment_end(pos)
            else:
                break
        return pos

    def _comment_end(self, pos: int) -> int:
        while pos < len(self.text) and self.text[pos] not in "\r\n":
            pos += 1
        return pos

    def _line_end(self, pos: int) -> int:
        """Skip to the end of the current line (the rest is a comment or blank)."""
        return self._comment_end(pos)


def decode_error(err: tomllib.TOMLDecodeError, lines: LineIndex) -> tuple[str, Span]:
    """The message and position of a TOML syntax error.

    ``tomllib`` puts the position at the end of its message:
    ``"Invalid value (at line 3, column 9)"`` with a 1-based column.

    Args:
        err: The error.
        lines: The text's line index.

    Returns:
        The message without the position, and the span to flag.
    """
    text = str(err)
    match = _AT.search(text)
    if match is not None:
        line = min(max(int(match.group(1)), 1), max(len(lines.lines), 1))
        col = max(int(match.group(2)) - 1, 0)
        return text[: match.start()], point(lines, line, col)
    end = _AT_END.search(text)
    if end is not None:
        line, col = lines.position(len(lines.text))
        return text[: end.start()], point(lines, line, col)
    return text, Span(1, 0, 1, len(lines.line(1)))


def point(lines: LineIndex, line: int, col: int) -> Span:
    """A one-character span at a position, or the whole line past its end.

    Args:
        lines: The text's line index.
        line: The 1-based line.
        col: The code-point column.

    Returns:
        The span.
    """
    text = lines.line(line)
    if col < len(text):
        return Span(line, col, line, col + 1)
    return Span(line, 0, line, len(text))
