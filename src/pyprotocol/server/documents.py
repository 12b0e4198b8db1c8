"""The server's own copy of each open document, and where each edit landed.

pygls keeps documents too, but it splits lines with :meth:`str.splitlines`, which
also breaks at form feeds, U+2028 and other separators. LSP lines end only at LF,
CRLF and CR, so an incremental edit after a form feed (common in older Python
files) lands on the wrong line there. Edits are applied here through
:class:`~pyprotocol.positions.LineIndex`, which splits lines the way LSP does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Final
from urllib.parse import unquote, urlsplit

from lsprotocol import types

from pyprotocol import projectfiles
from pyprotocol.model import Finding, Span
from pyprotocol.positions import Encoding, LineIndex, split_lines

if TYPE_CHECKING:
    from collections.abc import Sequence

PYTHON_LANGUAGE_IDS: Final = frozenset({"python", "python3"})
PYTHON_SUFFIXES: Final = (".py", ".pyi")


@dataclass(frozen=True, slots=True)
class Edit:
    """Where one change landed, in code points: the replaced range and its new end.

    Lines are 1-based, columns 0-based code points, as in :class:`Span`.
    """

    line: int
    col: int
    end_line: int
    end_col: int
    new_end_line: int
    new_end_col: int

    @property
    def line_delta(self) -> int:
        """How many lines the text after the edit moved down (negative: up)."""
        return self.new_end_line - self.end_line


class Document:
    """One open text document: its URI, version, language and text."""

    __slots__ = ("_index", "checked", "language_id", "text", "uri", "version")

    def __init__(self, uri: str, text: str, version: int, language_id: str) -> None:
        """Hold a document as opened.

        Args:
            uri: The document URI.
            text: Its full text.
            version: The client's version number.
            language_id: The client's language id, e.g. ``"python"``.
        """
        self.uri = uri
        self.text = text
        self.version = version
        self.language_id = language_id
        self._index: LineIndex | None = None
        #: Python sources, and the project files (pyproject.toml, pre-commit, CI
        #: workflows, Dockerfiles) that :mod:`pyprotocol.projectfiles` checks.
        self.checked = self.is_python or (
            projectfiles.kind_of(PurePosixPath(unquote(urlsplit(uri).path))) is not None
        )

    @property
    def index(self) -> LineIndex:
        """The line index of the current text (built once per text)."""
        if self._index is None:
            self._index = LineIndex(self.text)
        return self._index

    def adopt(self, index: LineIndex) -> None:
        """Reuse an index built elsewhere (in a check thread) for the same text.

        Args:
            index: An index; ignored unless it was built for the current text.
        """
        if self._index is None and index.text is self.text:
            self._index = index

    @property
    def is_python(self) -> bool:
        """True for Python sources (by language id, or by file suffix)."""
        return self.language_id in PYTHON_LANGUAGE_IDS or self.uri.endswith(
            PYTHON_SUFFIXES
        )

    def apply(
        self,
        changes: Sequence[types.TextDocumentContentChangeEvent],
        version: int,
        encoding: Encoding,
    ) -> list[Edit]:
        """Apply the changes of one ``didChange``, in order.

        Args:
            changes: The content changes.
            version: The new version.
            encoding: The client's position units.

        Returns:
            Where each change landed, in the coordinates of the text it applied to.
        """
        edits: list[Edit] = []
        for change in changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                edits.append(self._apply_partial(change, encoding))
            else:
                edits.append(whole_text_edit(self.index, change.text))
                self._set(change.text)
        self.version = version
        return edits

    def _apply_partial(
        self, change: types.TextDocumentContentChangePartial, encoding: Encoding
    ) -> Edit:
        index = self.index
        start = index.client_offset(
            change.range.start.line, change.range.start.character, encoding
        )
        end = index.client_offset(
            change.range.end.line, change.range.end.character, encoding
        )
        start, end, text = paired(
            self.text, min(start, end), max(start, end), change.text
        )
        line, col = index.position(start)
        end_line, end_col = index.position(end)
        inserted = split_lines(text)
        if len(inserted) == 1:
            new_end = (line, col + len(text))
        else:
            new_end = (line + len(inserted) - 1, len(inserted[-1]))
        self._set(self.text[:start] + text + self.text[end:])
        return Edit(line, col, end_line, end_col, *new_end)

    def _set(self, text: str) -> None:
        self.text = text
        self._index = None


def paired(text: str, start: int, end: int, new: str) -> tuple[int, int, str]:
    r"""Widen a change over a surrogate half it completes, and join the pair.

    JSON carries a lone surrogate as a ``\ud83d`` escape. A UTF-16 client that sends
    the halves of a pair in two changes holds one character where the text here would
    hold two halves (two code points, a text that does not encode). The change is
    widened over the neighbouring half and the pair joined, so both hold the same.

    Args:
        text: The text before the change.
        start: The change's start offset.
        end: Its end offset.
        new: Its text.

    Returns:
        The start, end and text of the change to apply instead (usually the same).
    """
    widened = False
    first = new[:1] or text[end : end + 1]
    if start > 0 and _is_high(text[start - 1]) and _is_low(first):
        start -= 1
        new = text[start] + new
        widened = True
    last = new[-1:] or text[start - 1 : start]
    if end < len(text) and _is_high(last) and _is_low(text[end]):
        new += text[end]
        end += 1
        widened = True
    if widened:
        new = new.encode("utf-16-le", "surrogatepass").decode(
            "utf-16-le", "surrogatepass"
        )
    return start, end, new


def _is_high(char: str) -> bool:
    return char != "" and "\ud800" <= char <= "\udbff"


def _is_low(char: str) -> bool:
    return char != "" and "\udc00" <= char <= "\udfff"


def whole_text_edit(old: LineIndex, new_text: str) -> Edit:
    """Describe a whole-text replacement as the smallest block of changed lines.

    Args:
        old: The index of the text before.
        new_text: The text after.

    Returns:
        The edit: the first to the last line that differ.
    """
    before = old.lines
    after = split_lines(new_text)
    limit = min(len(before), len(after))
    head = 0
    while head < limit and before[head] == after[head]:
        head += 1
    tail = 0
    while (
        tail < limit - head
        and before[len(before) - 1 - tail] == after[len(after) - 1 - tail]
    ):
        tail += 1
    first = head + 1
    last_old = len(before) - tail
    last_new = len(after) - tail
    if last_old < first or last_new < first:
        # Pure insertion or deletion of whole lines: the region is the gap.
        return Edit(first, 0, max(last_old, first - 1) + 1, 0, last_new + 1, 0)
    return Edit(
        first,
        0,
        last_old,
        len(before[last_old - 1]),
        last_new,
        len(after[last_new - 1]),
    )


def carry(findings: Sequence[Finding], edit: Edit) -> list[Finding]:
    """Move findings across one edit: drop those it touches, shift those after it.

    A finding that starts exactly where the edit ends is untouched when the edit both
    ends and resumes at a line start (a whole line inserted or deleted above it).

    Args:
        findings: Findings on the text before the edit.
        edit: The edit.

    Returns:
        The findings that still stand, positioned on the text after the edit.
    """
    start = (edit.line, edit.col)
    end = (edit.end_line, edit.end_col)
    whole_lines = edit.end_col == 0 and edit.new_end_col == 0
    kept: list[Finding] = []
    for finding in findings:
        span = finding.span
        first = (span.line, span.col)
        if (span.end_line, span.end_col) < start:
            kept.append(finding)
        elif first > end or (first == end and whole_lines):
            kept.append(replace(finding, span=_shift(span, edit)))
    return kept


def _shift(span: Span, edit: Edit) -> Span:
    delta = edit.line_delta

    def moved(line: int, col: int) -> tuple[int, int]:
        if line == edit.end_line:
            return edit.new_end_line, col - edit.end_col + edit.new_end_col
        return line + delta, col

    return Span(*moved(span.line, span.col), *moved(span.end_line, span.end_col))
