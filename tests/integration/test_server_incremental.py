"""Incremental checks in the server: a fast phase, then the whole-module rules."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types

from .helpers import RecordingClient, capabilities, diagnostics_for, start, wait_until

PP111 = "PP111"  # constants declared Final: a rule that reads the whole module

SOURCE = "LIMIT = 3\n" + "".join(
    f"\n\ndef f{i}(value: int) -> int:\n    return value + LIMIT + {i}\n"
    for i in range(40)
)


def has(diagnostics: list[types.Diagnostic], code: str) -> bool:
    return any(d.code == code for d in diagnostics)


def open_source(client: RecordingClient, uri: str) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=SOURCE
            )
        )
    )


def rebind_limit(client: RecordingClient, uri: str) -> None:
    """Version 2: LIMIT rebound in one function, so PP111 no longer holds anywhere."""
    line = SOURCE.splitlines().index("def f7(value: int) -> int:")
    at = types.Position(line=line + 1, character=0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at),
                    text="    global LIMIT\n    LIMIT = 4\n",
                )
            ],
        )
    )


async def test_an_edit_inside_a_function_refreshes_a_whole_module_finding(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities(), options={"debounce": 0})
    path = tmp_path / "limits.py"
    uri = path.as_uri()
    open_source(client, uri)
    assert has(await diagnostics_for(client, uri, 1), PP111)

    # Rebinding LIMIT in one function: PP111 no longer holds anywhere.
    rebind_limit(client, uri)

    def refreshed() -> bool | None:
        last = [p for p in client.published(uri) if p.version == 2]
        return True if last and not has(list(last[-1].diagnostics), PP111) else None

    await wait_until(refreshed, what="the second phase's publish")
    # Every publish for version 2 is for version 2's text: the first one carried
    # PP111 over, the last one is complete.
    versions = [p.version or 0 for p in client.published(uri)]
    assert versions == sorted(versions)


async def test_pull_clients_see_the_second_phase(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities(pull=True), options={"debounce": 0})
    uri = (tmp_path / "limits.py").as_uri()
    open_source(client, uri)
    report = await pull(client, uri, None)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert has(list(report.items), PP111)
    rebind_limit(client, uri)
    previous = report.result_id
    for _ in range(100):
        report = await pull(client, uri, previous)
        if isinstance(report, types.RelatedFullDocumentDiagnosticReport):
            previous = report.result_id
            if not has(list(report.items), PP111):
                return
        await asyncio.sleep(0.05)
    msg = "a pull never showed the second phase's result"
    raise AssertionError(msg)


async def pull(
    client: RecordingClient, uri: str, previous: str | None
) -> types.DocumentDiagnosticReport:
    return await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            previous_result_id=previous,
        )
    )
