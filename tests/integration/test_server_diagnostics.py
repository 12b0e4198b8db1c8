"""Push diagnostics: open, change, debounce, version guard, syntax errors, close."""

from __future__ import annotations

import asyncio
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
    wait_until,
)


async def test_open_publishes_linked_diagnostics(
    client: RecordingClient, tmp_path: Path
) -> None:
    result = await start(client, tmp_path, capabilities())
    assert result.capabilities.diagnostic_provider is None
    sync = result.capabilities.text_document_sync
    assert isinstance(sync, types.TextDocumentSyncOptions)
    assert sync.change == types.TextDocumentSyncKind.Incremental
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()

    diagnostics = await diagnostics_for(client, doc.uri, 1)

    found = [d for d in diagnostics if d.code == PP105]
    assert codes(found) == [3, 7]
    first = found[0]
    assert first.range == types.Range(
        start=types.Position(line=3, character=13),
        end=types.Position(line=3, character=26),
    )
    assert first.source == "pyprotocol"
    assert first.severity == types.DiagnosticSeverity.Warning
    assert first.code_description is not None
    assert first.code_description.href.endswith("production-rules.md#type-annotations")
    assert isinstance(first.data, dict)
    assert first.data["code"] == PP105
    assert first.data["fix"]["applicability"] == "safe"


async def test_change_publishes_for_the_new_version(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    await diagnostics_for(client, doc.uri, 1)

    version = doc.replace("Optional[int]", "int | None")

    assert codes(await diagnostics_for(client, doc.uri, version)) == [7]


async def test_a_burst_of_edits_publishes_only_the_last_version(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities(), options={"debounce": 1500})
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    await diagnostics_for(client, doc.uri, 1)
    seen = len(client.publishes)

    for _ in range(10):
        doc.replace("return x or 0", "return x or 0 ")
    final = doc.version

    await diagnostics_for(client, doc.uri, final, after=seen)
    assert [p.version for p in client.publishes[seen:]] == [final]


async def test_every_publish_matches_the_text_of_its_version(
    client: RecordingClient, tmp_path: Path
) -> None:
    """With no debounce, checks race the edits: none may be published stale."""
    await start(client, tmp_path, capabilities(), options={"debounce": 0})
    lines = ["from typing import Optional", ""]
    doc = Doc(client, tmp_path / "race.py", "\n".join(lines) + "\n").open()
    await diagnostics_for(client, doc.uri, 1)
    expected = {1: 0}
    count = 0
    for step in range(40):
        if step % 3 == 2 and count:
            at = doc.text.rindex("v")
            doc.edit(at, doc.text.index("\n", at) + 1, "")
            count -= 1
        else:
            doc.edit(len(doc.text), len(doc.text), f"v{step}: Optional[int] = None\n")
            count += 1
        expected[doc.version] = count
        await asyncio.sleep(0.003 * (step % 4))

    await diagnostics_for(client, doc.uri, doc.version)
    published = client.published(doc.uri)
    versions = [p.version or 0 for p in published]
    assert versions == sorted(versions), "a stale version was published"
    for params in published:
        assert params.version is not None
        assert len(codes(params.diagnostics)) == expected[params.version]


async def test_syntax_error_keeps_the_last_good_findings(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities(), options={"debounce": 0})
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]

    # Break the syntax with a new line between the two findings.
    version = doc.replace("    return x or 0\n", "    return x or 0\ndef broken(:\n")
    diagnostics = await diagnostics_for(client, doc.uri, version)
    assert codes(diagnostics, "PP000") == [5]
    assert codes(diagnostics) == [3, 8], "the finding below moves down one line"

    # Edit the first finding while the text is still broken: it is dropped.
    version = doc.replace("Optional[int]", "Optional[float]")
    diagnostics = await diagnostics_for(client, doc.uri, version)
    assert codes(diagnostics, "PP000") == [5]
    assert codes(diagnostics) == [8]

    # Repair the syntax: every finding is fresh again.
    version = doc.replace("def broken(:\n", "")
    diagnostics = await diagnostics_for(client, doc.uri, version)
    assert codes(diagnostics, "PP000") == []
    assert codes(diagnostics) == [3, 7]


async def test_close_clears_diagnostics(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]

    doc.close()

    assert await diagnostics_for(client, doc.uri, None) == []


async def test_a_failing_check_is_logged_and_the_server_keeps_serving(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    # Deep enough to overflow the parser's stack: ast.parse raises MemoryError,
    # which the engine lets through (if it ever reports it as PP000, fine too).
    bad = Doc(client, tmp_path / "deep.py", "x = " + "-" * 200_000 + "1\n").open()
    published = await diagnostics_for(client, bad.uri, 1)

    def failure_logged() -> bool | None:
        return (
            any(
                m.type == types.MessageType.Error and "deep.py" in m.message
                for m in client.log_messages
            )
            or None
        )

    if published:
        assert codes(published, "PP000") == [0]
    else:
        await wait_until(failure_logged, what="the failure in window/logMessage")
    good = Doc(client, tmp_path / "good.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, good.uri, 1)) == [3, 7]
