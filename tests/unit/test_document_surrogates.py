"""Surrogate halves sent in separate changes join into one character."""

from __future__ import annotations

import pytest
from lsprotocol import types

from pyprotocol.positions import Encoding
from pyprotocol.server.documents import Document, paired


def change(
    line: int, start: int, end: int, text: str
) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=line, character=start),
            end=types.Position(line=line, character=end),
        ),
        text=text,
    )


@pytest.mark.parametrize(
    ("text", "start", "end", "new", "expected"),
    [
        ("a\ud83d", 2, 2, "\ude00b", (1, 2, "\U0001f600b")),  # low half after a high
        ("\ude00", 0, 0, "x\ud83d", (0, 1, "x\U0001f600")),  # high half before a low
        ("\ud83dX\ude00", 1, 2, "", (0, 3, "\U0001f600")),  # a deletion joins them
        ("\ud800", 1, 1, "\ud800", (1, 1, "\ud800")),  # two highs stay apart
        ("ab", 1, 1, "c", (1, 1, "c")),
        ("", 0, 0, "", (0, 0, "")),
    ],
)
def test_paired(
    text: str, start: int, end: int, new: str, expected: tuple[int, int, str]
) -> None:
    assert paired(text, start, end, new) == expected


def test_document_joins_halves_and_reports_the_widened_edit() -> None:
    doc = Document("file:///a.py", "s = '\ud83d'\nt = 1\n", 1, "python")
    (edit,) = doc.apply([change(0, 6, 6, "\ude00")], 2, Encoding.UTF16)
    assert doc.text == "s = '\U0001f600'\nt = 1\n"
    assert (edit.line, edit.col, edit.end_line, edit.end_col) == (1, 5, 1, 6)
    assert (edit.new_end_line, edit.new_end_col) == (1, 6)
    # UTF-16 positions after the pair count it as two units.
    doc.apply([change(0, 7, 8, "")], 3, Encoding.UTF16)
    assert doc.text == "s = '\U0001f600\nt = 1\n"
