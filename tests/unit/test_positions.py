"""Position conversion: code points, UTF-16, UTF-8, line endings."""

from __future__ import annotations

import pytest

from pyprotocol.positions import Encoding, LineIndex, split_lines, unit_length


def test_split_lines_handles_every_terminator() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert split_lines("a\n") == ["a", ""]


@pytest.mark.parametrize(
    ("text", "utf8", "utf16", "utf32"),
    [("abc", 3, 3, 3), ("é", 2, 1, 1), ("中文", 6, 2, 2), ("😀", 4, 2, 1)],
)
def test_unit_length(text: str, utf8: int, utf16: int, utf32: int) -> None:
    assert unit_length(text, Encoding.UTF8) == utf8
    assert unit_length(text, Encoding.UTF16) == utf16
    assert unit_length(text, Encoding.UTF32) == utf32


@pytest.mark.parametrize("encoding", list(Encoding))
def test_round_trip_on_non_ascii_lines(encoding: Encoding) -> None:
    text = "x = 'é中😀' + y\r\nz = 1\n"
    index = LineIndex(text)
    line = index.line(1)
    for col in range(len(line) + 1):
        client = index.to_client(1, col, encoding)
        assert index.from_client(*client, encoding) == (1, col)


def test_ast_byte_columns_become_code_points() -> None:
    index = LineIndex("s = '😀é'; t = 1\n")
    # 't' sits after 4 + 2 bytes of non-ASCII text.
    byte_col = len("s = '😀é'; ".encode())
    assert index.byte_to_col(1, byte_col) == len("s = '😀é'; ")


def test_offsets_round_trip() -> None:
    text = "ab\r\ncd\ne"
    index = LineIndex(text)
    for offset in range(len(text) + 1):
        line, col = index.position(offset)
        if text[offset - 1 : offset + 1] != "\r\n":
            assert index.offset(line, col) == offset
