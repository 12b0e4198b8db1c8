"""ruff in the fast lane: findings with links, quick fixes, fix-all, formatting."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Final

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from pyprotocol.sources import ruff

from .helpers import (
    OPTIONAL_SOURCE,
    PP105,
    SERVER_COMMAND,
    Doc,
    RecordingClient,
    apply_edits,
    capabilities,
    codes,
    diagnostics_for,
    start,
)
from .test_server_code_actions import FIX_ALL_KIND, actions_at, opened, titled

UNUSED_IMPORT: Final = '''\
"""A module."""

import os


def answer() -> int:
    """Return the answer."""
    return 42
'''
UNFORMATTED: Final = '''\
"""A module."""

VALUES = [1,2,
    3]
'''
MUTABLE_DEFAULT: Final = '''\
"""A module."""


def first(x: list[int] = []) -> list[int]:
    """Return the list."""
    return x
'''

MISSING_RUFF: Final = ClientServerConfig(
    server_command=SERVER_COMMAND,
    client_factory=RecordingClient,
    server_env={**os.environ, ruff.BINARY_ENV: "/nonexistent/bin/ruff"},
)


HUNG_RUFF: Final = Path(tempfile.mkdtemp(prefix="pyprotocol-test-ruff-")) / "ruff"
HUNG_RUFF.write_text("#!/bin/sh\nexec sleep 120\n", encoding="utf-8")
HUNG_RUFF.chmod(0o755)
HANGING_RUFF: Final = ClientServerConfig(
    server_command=SERVER_COMMAND,
    client_factory=RecordingClient,
    server_env={**os.environ, ruff.BINARY_ENV: str(HUNG_RUFF)},
)


@pytest.fixture(scope="module", autouse=True)
def _hung_ruff() -> Iterator[None]:
    yield
    shutil.rmtree(HUNG_RUFF.parent, ignore_errors=True)


@pytest_lsp.fixture(config=HANGING_RUFF)  # type: ignore[untyped-decorator]
async def client_with_hung_ruff(lsp_client: RecordingClient) -> AsyncIterator[None]:
    """A server whose ruff never answers."""
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=MISSING_RUFF)  # type: ignore[untyped-decorator]
async def client_without_ruff(lsp_client: RecordingClient) -> AsyncIterator[None]:
    """A server whose ruff binary is missing."""
    yield
    await lsp_client.shutdown_session()


def ruff_diagnostics(
    diagnostics: list[types.Diagnostic], code: str
) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.code == code and d.source == "ruff"]


async def test_ruff_finding_has_a_link_and_a_quick_fix(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", UNUSED_IMPORT).open()
    [unused] = ruff_diagnostics(await diagnostics_for(client, doc.uri, 1), "F401")
    assert unused.range.start == types.Position(line=2, character=7)
    assert unused.code_description is not None
    assert "#complexity-management" in unused.code_description.href
    assert list(unused.tags or []) == [types.DiagnosticTag.Unnecessary]

    fix = titled(await actions_at(client, doc, 2, 8), "(F401)")
    assert fix.kind == types.CodeActionKind.QuickFix
    assert not fix.is_preferred, "ruff's fixes are never preferred"
    version = doc.apply(fix.edit)

    assert "import os" not in doc.text
    after = await diagnostics_for(client, doc.uri, version)
    assert ruff_diagnostics(after, "F401") == []


async def test_unsafe_ruff_fixes_say_so(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = await opened(client, tmp_path, MUTABLE_DEFAULT)
    fix = titled(await actions_at(client, doc, 3, 26), "(B006)")
    assert "[unsafe:" in fix.title
    assert not fix.is_preferred


async def test_format_action_and_formatting_produce_ruff_format_output(
    client: RecordingClient, tmp_path: Path
) -> None:
    result = await start(client, tmp_path, capabilities())
    assert result.capabilities.document_formatting_provider
    path = tmp_path / "app.py"
    expected = ruff.format_source(UNFORMATTED, path)
    assert expected != UNFORMATTED
    doc = Doc(client, path, UNFORMATTED).open()
    [finding] = ruff_diagnostics(await diagnostics_for(client, doc.uri, 1), "PP900")
    assert finding.range.start.line == 2

    action = titled(await actions_at(client, doc, 2, 0), "Format document")
    assert apply_edits(doc.text, _edits(action, doc.uri), doc.encoding) == expected

    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    assert edits
    assert len(edits) < 3, "minimal edits, not the whole text"
    version = doc.edit(0, len(doc.text), apply_edits(doc.text, edits, doc.encoding))
    assert doc.text == expected
    assert (
        ruff_diagnostics(await diagnostics_for(client, doc.uri, version), "PP900") == []
    )


def _edits(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None
    changes = action.edit.document_changes or []
    return [
        edit
        for change in changes
        if isinstance(change, types.TextDocumentEdit)
        and change.text_document.uri == uri
        for edit in change.edits
        if isinstance(edit, types.TextEdit)
    ]


async def test_formatting_leaves_a_text_that_does_not_parse_alone(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", "def broken(:\n    x = [1,2]\n").open()
    await diagnostics_for(client, doc.uri, 1)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    assert not edits


async def test_fix_all_includes_ruffs_safe_fixes(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    text = '"""A module."""\n\nimport os\n' + OPTIONAL_SOURCE
    doc = await opened(client, tmp_path, text)
    before = await diagnostics_for(client, doc.uri, 1)
    assert ruff_diagnostics(before, "F401")
    assert codes(before) != []

    found = await actions_at(client, doc, 0, 0, [types.CodeActionKind.SourceFixAll])
    assert [a.kind for a in found] == [FIX_ALL_KIND]
    version = doc.apply(titled(found, "Fix all").edit)

    assert "import os" not in doc.text
    assert "Optional" not in doc.text
    after = await diagnostics_for(client, doc.uri, version)
    assert ruff_diagnostics(after, "F401") == []
    assert codes(after) == []
    assert ruff_diagnostics(after, "PP900") == [], "fixes keep a formatted file so"


async def test_ruff_can_be_turned_off(client: RecordingClient, tmp_path: Path) -> None:
    await start(client, tmp_path, capabilities(), options={"ruff": False})
    doc = Doc(client, tmp_path / "app.py", UNUSED_IMPORT + OPTIONAL_SOURCE).open()
    diagnostics = await diagnostics_for(client, doc.uri, 1)
    assert codes(diagnostics) != []
    assert [d for d in diagnostics if d.source == "ruff"] == []


async def test_missing_ruff_leaves_own_rules_working_with_one_message(
    client_without_ruff: RecordingClient, tmp_path: Path
) -> None:
    client = client_without_ruff
    await start(client, tmp_path, capabilities(), options={"debounce": 0})
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    for step in range(3):
        version = doc.replace("return x or", f"return x or {step} or")
        diagnostics = await diagnostics_for(client, doc.uri, version)
        assert codes(diagnostics) == [3, 7]
        assert [d for d in diagnostics if d.source == "ruff"] == []

    shown = [m for m in client.messages if "ruff" in m.message]
    assert len(shown) == 1, [m.message for m in client.messages]
    assert shown[0].type == types.MessageType.Warning
    assert "own rules keep working" in shown[0].message
    assert any(
        "ruff stopped working" in m.message and m.type == types.MessageType.Warning
        for m in client.log_messages
    )
    assert PP105 in {d.code for d in diagnostics}


async def test_a_hung_ruff_holds_the_own_findings_back_once(
    client_with_hung_ruff: RecordingClient, tmp_path: Path
) -> None:
    client = client_with_hung_ruff
    await start(client, tmp_path, capabilities(), options={"debounce": 0})
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    [shown] = [m for m in client.messages if "ruff" in m.message]
    assert "did not answer within 5 s" in shown.message

    started = time.monotonic()
    version = doc.replace("return x or", "return x or 1 or")
    assert codes(await diagnostics_for(client, doc.uri, version)) == [3, 7]
    assert time.monotonic() - started < 4, "ruff is left out after its timeout"
    assert len([m for m in client.messages if "ruff" in m.message]) == 1
