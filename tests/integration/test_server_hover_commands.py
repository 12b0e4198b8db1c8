"""Hover on a finding, and the workspace/executeCommand commands."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from lsprotocol import types

from pyprotocol.rules.typing_union import UnionSyntax

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

FIXED_FIRST_LINE = "def first(x: int | None) -> int:"


async def hover_at(
    client: RecordingClient, doc: Doc, line: int, character: int
) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            position=types.Position(line=line, character=character),
        )
    )


async def execute(client: RecordingClient, command: str, *arguments: object) -> object:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def test_hover_explains_the_rule(client: RecordingClient, tmp_path: Path) -> None:
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    await diagnostics_for(client, doc.uri, 1)

    hover = await hover_at(client, doc, 3, 20)

    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    text = hover.contents.value
    assert "**PP105** `union-syntax`" in text
    assert UnionSyntax.why in text
    assert "Use instead:" in text
    assert UnionSyntax.examples.fixed[0].after.splitlines()[0] in text, "an example"
    assert "production-rules.md#type-annotations" in text
    assert hover.range == types.Range(
        start=types.Position(line=3, character=13),
        end=types.Position(line=3, character=26),
    )
    assert await hover_at(client, doc, 4, 4) is None, "no finding there"


async def test_commands(client: RecordingClient, tmp_path: Path) -> None:
    result = await start(client, tmp_path, capabilities())
    provider = result.capabilities.execute_command_provider
    assert provider is not None
    assert set(provider.commands) >= {
        "pyprotocol.fixAll",
        "pyprotocol.showRule",
        "pyprotocol.restart",
    }
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    await diagnostics_for(client, doc.uri, 1)

    shown = await execute(client, "pyprotocol.showRule", PP105)
    assert isinstance(shown, dict)
    assert shown["name"] == "union-syntax"
    assert UnionSyntax.why in shown["markdown"]

    seen = len(client.publishes)
    assert await execute(client, "pyprotocol.restart") is None
    assert codes(await diagnostics_for(client, doc.uri, 1, after=seen)) == [3, 7]

    applied = await execute(client, "pyprotocol.fixAll", doc.uri)
    assert isinstance(applied, dict)
    assert applied["applied"] is True
    assert len(client.applied) == 1
    version = doc.apply(client.applied[0].edit)
    assert doc.text.splitlines()[0] == FIXED_FIRST_LINE
    assert codes(await diagnostics_for(client, doc.uri, version)) == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serves_over_tcp(tmp_path: Path) -> None:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "pyprotocol.server", "--tcp", f"127.0.0.1:{port}"
    )
    client = RecordingClient()
    try:

        async def connect() -> bool | None:
            try:
                await client.start_tcp("127.0.0.1", port)
            except OSError:
                return None
            return True

        connected = False
        deadline = asyncio.get_running_loop().time() + 60
        while not connected and asyncio.get_running_loop().time() < deadline:
            connected = bool(await connect())
            if not connected:
                await asyncio.sleep(0.1)
        assert connected, "the TCP server did not come up"
        await start(client, tmp_path, capabilities())
        doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
        await wait_until(lambda: client.published(doc.uri) or None)
        assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        try:
            await asyncio.wait_for(server.wait(), 10)
        except TimeoutError:
            server.terminate()
            await server.wait()
        await client.stop()  # type: ignore[no-untyped-call]
