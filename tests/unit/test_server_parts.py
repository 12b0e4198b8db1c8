"""The server's pure parts: edits, carried findings, titles, settings, documents."""

from __future__ import annotations

from pathlib import PurePath

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from pyprotocol.config import Config
from pyprotocol.model import Applicability, Finding, FixInfo, Severity, Span
from pyprotocol.positions import Encoding, LineIndex
from pyprotocol.server.actions import (
    Target,
    code_actions,
    commentable_lines,
    fix_title,
    text_edits,
)
from pyprotocol.server.documents import Document, Edit, carry, whole_text_edit
from pyprotocol.server.settings import Settings

ALPHABET = st.sampled_from(["a", "b", " ", "\n", "\r\n", "\r", "é", "中", "😀", "#"])
TEXTS = st.lists(ALPHABET, max_size=30).map("".join)


def offset_of(text: str, line: int, character: int) -> int:
    """An independent reading of a UTF-32 LSP position (LF, CRLF and CR breaks)."""
    at = 0
    for _ in range(line):
        breaks = [i for i in (text.find("\n", at), text.find("\r", at)) if i >= 0]
        if not breaks:
            return len(text)
        first = min(breaks)
        at = first + (2 if text.startswith("\r\n", first) else 1)
    end = len(text)
    breaks = [i for i in (text.find("\n", at), text.find("\r", at)) if i >= 0]
    if breaks:
        end = min(breaks)
    return min(at + character, end)


def apply(text: str, edits: list[types.TextEdit]) -> str:
    spans = sorted(
        (
            offset_of(text, e.range.start.line, e.range.start.character),
            offset_of(text, e.range.end.line, e.range.end.character),
            e.new_text,
        )
        for e in edits
    )
    out, cursor = [], 0
    for start, end, new in spans:
        assert start >= cursor
        out += [text[cursor:start], new]
        cursor = end
    return "".join([*out, text[cursor:]])


@settings(max_examples=300, deadline=None)
@given(TEXTS, TEXTS)
def test_text_edits_turn_old_into_new(old: str, new: str) -> None:
    edits = text_edits(old, new, LineIndex(old), Encoding.UTF32)
    assert apply(old, edits) == new
    if old == new:
        assert edits == []


def test_text_edits_are_small() -> None:
    old = "import a\n\nx = 1\ny = 2\n" + "pad\n" * 50 + "z = 3\n"
    new = old.replace("y = 2", "y = 20").replace("z = 3", "z = 4")
    edits = text_edits(old, new, LineIndex(old), Encoding.UTF16)
    assert [(e.range.start.line, e.new_text) for e in edits] == [(3, "0"), (54, "4")]


def finding(line: int, col: int, end_line: int, end_col: int) -> Finding:
    return Finding("PP105", "m", Span(line, col, end_line, end_col), Severity.WARNING)


def test_carry_keeps_before_drops_touched_and_shifts_after() -> None:
    before, touched, after = (
        finding(1, 0, 1, 3),
        finding(3, 2, 3, 8),
        finding(6, 4, 6, 9),
    )
    same_line_after = finding(3, 12, 3, 15)
    # Replace line 3 columns 1..10 with "X\nY": one line added.
    edit = Edit(3, 1, 3, 10, 4, 1)
    kept = carry([before, touched, after, same_line_after], edit)
    assert [f.span for f in kept] == [
        Span(1, 0, 1, 3),
        Span(7, 4, 7, 9),
        Span(4, 3, 4, 6),
    ]


def test_carry_shifts_a_finding_below_an_inserted_line() -> None:
    at_line_start = finding(5, 0, 5, 4)
    edit = Edit(5, 0, 5, 0, 6, 0)  # "new line\n" inserted at the start of line 5
    assert [f.span for f in carry([at_line_start], edit)] == [Span(6, 0, 6, 4)]


def test_whole_text_edit_finds_the_changed_block() -> None:
    old = LineIndex("a\nb\nc\nd\n")
    assert whole_text_edit(old, "a\nB\nC\nd\n") == Edit(2, 0, 3, 1, 3, 1)
    assert whole_text_edit(old, "a\nx\nb\nc\nd\n") == Edit(2, 0, 2, 0, 3, 0)
    assert whole_text_edit(old, "a\nc\nd\n") == Edit(2, 0, 3, 0, 2, 0)


def test_document_applies_utf16_changes_with_emoji() -> None:
    doc = Document("file:///a.py", 'x = "😀"\ny = 1\n', 1, "python")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=0, character=7),
            end=types.Position(line=0, character=7),
        ),
        text="é",
    )
    [edit] = doc.apply([change], 2, Encoding.UTF16)
    assert doc.text == 'x = "😀é"\ny = 1\n'
    assert (edit.line, edit.col, edit.new_end_col) == (1, 6, 7)
    assert doc.version == 2


def test_commentable_lines_skip_strings_and_continuations() -> None:
    text = 'a = f("""\nb""")\nc = 1 + \\\n    2\nd = (1,\n     2)\n'
    assert commentable_lines(text) == {2, 4, 5, 6}


def target(findings: list[Finding]) -> Target:
    text = "from typing import Optional\nx: Optional[int] = None\n"
    return Target(
        uri="file:///a.py",
        version=1,
        text=text,
        index=LineIndex(text),
        path=PurePath("a.py"),
        config=Config(),
        findings=findings,
        parsed=True,
        encoding=Encoding.UTF16,
        versioned_edits=False,
    )


def test_unsafe_fixes_say_so_and_are_never_preferred() -> None:
    unsafe = Finding(
        "PP105",
        "m",
        Span(2, 3, 2, 16),
        Severity.WARNING,
        fix=FixInfo("Rewrite", Applicability.UNSAFE, "it changes runtime behaviour"),
    )
    assert fix_title(unsafe) == "Rewrite (PP105) [unsafe: it changes runtime behaviour]"
    actions = code_actions(target([unsafe]), Span(2, 5, 2, 5), [], None, lazy=True)
    fix = next(a for a in actions if a.title.startswith("Rewrite"))
    assert not fix.is_preferred
    assert all(a.kind != "source.fixAll.pyprotocol" for a in actions), "safe only"


def test_settings_report_bad_values_and_keep_defaults() -> None:
    merged = Settings().merged(
        {
            "pyprotocol": {
                "debounce": -5,
                "logLevel": "loud",
                "colour": 1,
                "override": {},
            }
        }
    )
    assert merged.debounce_ms == Settings().debounce_ms
    assert merged.log_level == "info"
    assert len(merged.errors) == 3
    assert Settings().merged({"debounce": 0}).debounce == 0
    assert Settings().merged([]) == Settings(), "Lua sends an empty table as []"
