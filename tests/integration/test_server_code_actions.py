"""Every code action kind, applied to the text, with the result checked."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from .helpers import (
    OPTIONAL_SOURCE,
    PP105,
    Doc,
    RecordingClient,
    capabilities,
    codes,
    diagnostics_for,
    start,
)

FIXED = """\
def first(x: int | None) -> int:
    return x or 0


def second(y: str | None = None) -> str:
    return y or ""
"""
FIX_ALL_KIND = "source.fixAll.pyprotocol"


async def actions_at(
    client: RecordingClient,
    doc: Doc,
    line: int,
    character: int,
    only: list[types.CodeActionKind | str] | None = None,
) -> list[types.CodeAction]:
    here = types.Position(line=line, character=character)
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            range=types.Range(start=here, end=here),
            context=types.CodeActionContext(
                diagnostics=[],
                only=[types.CodeActionKind(k) for k in only] if only else None,
            ),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


def titled(found: list[types.CodeAction], text: str) -> types.CodeAction:
    matches = [a for a in found if text in a.title]
    assert len(matches) == 1, [a.title for a in found]
    return matches[0]


async def opened(client: RecordingClient, tmp_path: Path, text: str) -> Doc:
    doc = Doc(client, tmp_path / "app.py", text).open()
    await diagnostics_for(client, doc.uri, 1)
    return doc


async def test_quick_fix_rewrites_one_finding(
    client: RecordingClient, tmp_path: Path
) -> None:
    result = await start(client, tmp_path, capabilities())
    provider = result.capabilities.code_action_provider
    assert isinstance(provider, types.CodeActionOptions)
    assert not provider.resolve_provider
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    found = await actions_at(client, doc, 3, 15)
    fix = titled(found, f"({PP105})")
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred
    assert "unsafe" not in fix.title
    assert fix.diagnostics is not None
    assert [d.code for d in fix.diagnostics] == [PP105]
    version = doc.apply(fix.edit)

    assert "def first(x: int | None) -> int:" in doc.text
    assert "from typing import Optional" in doc.text, "still used by second()"
    assert codes(await diagnostics_for(client, doc.uri, version)) == [7]

    found = await actions_at(client, doc, 7, 16)
    doc.apply(titled(found, f"({PP105})").edit)
    assert doc.text == FIXED


async def test_edits_are_minimal_and_versioned(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    fix = titled(await actions_at(client, doc, 7, 16), f"({PP105})")

    assert fix.edit is not None
    assert fix.edit.document_changes is not None
    change = fix.edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == 1
    edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
    assert [(e.range.start.line, e.range.end.line) for e in edits] == [(7, 7)]
    assert "def" not in edits[0].new_text, "only the changed characters are replaced"


async def test_fix_all_of_a_rule(client: RecordingClient, tmp_path: Path) -> None:
    await start(client, tmp_path, capabilities())
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    action = titled(
        await actions_at(client, doc, 3, 15), f"Fix all {PP105} in this file"
    )
    assert action.kind == types.CodeActionKind.QuickFix
    version = doc.apply(action.edit)

    assert doc.text == FIXED
    assert codes(await diagnostics_for(client, doc.uri, version)) == []


async def test_source_fix_all(client: RecordingClient, tmp_path: Path) -> None:
    await start(client, tmp_path, capabilities())
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    found = await actions_at(
        client, doc, 0, 0, only=[types.CodeActionKind.SourceFixAll]
    )

    assert [a.kind for a in found] == [FIX_ALL_KIND]
    doc.apply(found[0].edit)
    assert doc.text == FIXED


async def test_only_filters_kinds(client: RecordingClient, tmp_path: Path) -> None:
    await start(client, tmp_path, capabilities())
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    found = await actions_at(client, doc, 3, 15, only=[types.CodeActionKind.QuickFix])

    assert found
    assert {a.kind for a in found} == {types.CodeActionKind.QuickFix}


async def test_suppress_adds_a_noqa_comment(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    action = titled(
        await actions_at(client, doc, 3, 15), f"Suppress {PP105} on this line"
    )
    version = doc.apply(action.edit)

    assert doc.text.splitlines()[3] == (
        "def first(x: Optional[int]) -> int:  # noqa: PP105"
    )
    assert codes(await diagnostics_for(client, doc.uri, version)) == [7]


async def test_suppress_merges_into_an_existing_noqa(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    text = OPTIONAL_SOURCE.replace(
        "def second(y: Optional[str] = None) -> str:",
        "def second(y: Optional[str] = None) -> str:  # noqa: E501",
    )
    doc = await opened(client, tmp_path, text)

    action = titled(
        await actions_at(client, doc, 7, 16), f"Suppress {PP105} on this line"
    )
    version = doc.apply(action.edit)

    assert doc.text.splitlines()[7].endswith("# noqa: E501, PP105")
    assert codes(await diagnostics_for(client, doc.uri, version)) == [3]


async def test_no_suppression_inside_a_string(
    client: RecordingClient, tmp_path: Path
) -> None:
    """A comment after an unterminated triple-quoted string would change it."""
    await start(client, tmp_path, capabilities())
    text = 'from typing import Optional\nVALUE: Optional[int] = len("""\ntext""")\n'
    doc = await opened(client, tmp_path, text)

    found = await actions_at(client, doc, 1, 9)

    assert not [a for a in found if a.title.startswith("Suppress")]
    assert titled(found, f"({PP105})")


async def test_lazy_clients_resolve_the_edit(
    client: RecordingClient, tmp_path: Path
) -> None:
    result = await start(client, tmp_path, capabilities(resolve=True))
    provider = result.capabilities.code_action_provider
    assert isinstance(provider, types.CodeActionOptions)
    assert provider.resolve_provider
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    found = await actions_at(client, doc, 3, 15)
    assert all(a.edit is None for a in found)
    for title in (f"({PP105})", "Suppress", f"Fix all {PP105}", "safely fixable"):
        resolved = await client.code_action_resolve_async(titled(found, title))
        assert resolved.edit is not None, title

    fix = await client.code_action_resolve_async(titled(found, f"({PP105})"))
    doc.apply(fix.edit)
    assert "def first(x: int | None) -> int:" in doc.text


async def test_eglot_gets_edits_in_the_actions(
    client: RecordingClient, tmp_path: Path
) -> None:
    from pytest_lsp import client_capabilities

    await start(client, tmp_path, client_capabilities("emacs"))
    doc = await opened(client, tmp_path, OPTIONAL_SOURCE)

    found = await actions_at(client, doc, 3, 15)

    assert found
    assert all(a.edit is not None for a in found)
