"""Position encodings: é, CJK and emoji round-trip exactly in every encoding."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from .helpers import (
    PP105,
    Doc,
    RecordingClient,
    capabilities,
    column,
    diagnostics_for,
    start,
)

LINE = 'label = "é中😀"; value: Optional[int] = None'
SOURCE = f"from typing import Optional\n\n{LINE}\nother: Optional[str] = None\n"
ENCODINGS = ["utf-8", "utf-16", "utf-32"]


def expected_range(line: str, target: str, encoding: str, row: int) -> types.Range:
    at = line.index(target)
    return types.Range(
        start=types.Position(line=row, character=column(line, at, encoding)),
        end=types.Position(
            line=row, character=column(line, at + len(target), encoding)
        ),
    )


@pytest.mark.parametrize("encoding", ENCODINGS)
async def test_ranges_edits_and_actions_round_trip(
    client: RecordingClient, tmp_path: Path, encoding: str
) -> None:
    result = await start(client, tmp_path, capabilities(encodings=[encoding]))
    assert result.capabilities.position_encoding == encoding
    doc = Doc(client, tmp_path / "uni.py", SOURCE, encoding=encoding).open()

    diagnostics = await diagnostics_for(client, doc.uri, 1)
    found = [d for d in diagnostics if d.code == PP105 and d.range.start.line == 2]
    assert [d.range for d in found] == [
        expected_range(LINE, "Optional[int]", encoding, 2)
    ]

    # Type more non-BMP text before the finding, through an incremental change.
    version = doc.replace('😀"', '😀🎉中"')
    edited = doc.text.splitlines()[2]
    diagnostics = await diagnostics_for(client, doc.uri, version)
    found = [d for d in diagnostics if d.code == PP105 and d.range.start.line == 2]
    assert [d.range for d in found] == [
        expected_range(edited, "Optional[int]", encoding, 2)
    ]

    here = found[0].range.start
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            range=types.Range(start=here, end=here),
            context=types.CodeActionContext(diagnostics=found),
        )
    )
    fix = next(
        a
        for a in actions or []
        if isinstance(a, types.CodeAction) and a.title.endswith(f"({PP105})")
    )
    doc.apply(fix.edit)
    assert doc.text.splitlines()[2] == 'label = "é中😀🎉中"; value: int | None = None'

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            position=types.Position(
                line=3, character=column("other: Optional[str]", 8, encoding)
            ),
        )
    )
    assert hover is not None
    assert hover.range == expected_range(
        "other: Optional[str] = None", "Optional[str]", encoding, 3
    )


async def test_eglot_negotiates_utf32(client: RecordingClient, tmp_path: Path) -> None:
    from pytest_lsp import client_capabilities

    result = await start(client, tmp_path, client_capabilities("emacs"))
    assert result.capabilities.position_encoding == "utf-32"
    doc = Doc(client, tmp_path / "uni.py", SOURCE, encoding="utf-32").open()
    diagnostics = await diagnostics_for(client, doc.uri, 1)
    found = [d for d in diagnostics if d.code == PP105 and d.range.start.line == 2]
    assert [d.range for d in found] == [
        expected_range(LINE, "Optional[int]", "utf-32", 2)
    ]


async def test_edits_after_a_form_feed_land_on_the_right_line(
    client: RecordingClient, tmp_path: Path
) -> None:
    """LSP lines end at LF, CRLF and CR only; a form feed is not a line break."""
    await start(client, tmp_path, capabilities())
    text = "from typing import Optional\n\x0c\nx: int = 1\n"
    doc = Doc(client, tmp_path / "ff.py", text).open()
    assert [
        d for d in await diagnostics_for(client, doc.uri, 1) if d.code == PP105
    ] == []

    version = doc.replace("x: int", "x: Optional[int]")

    diagnostics = await diagnostics_for(client, doc.uri, version)
    found = [d for d in diagnostics if d.code == PP105]
    assert [d.range for d in found] == [
        expected_range("x: Optional[int] = 1", "Optional[int]", "utf-16", 2)
    ]
