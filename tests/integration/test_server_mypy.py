"""mypy's slow lane: unsaved buffers, versions, carried findings, failures.

The servers here run real mypy with a cache folder of their own (``XDG_CACHE_HOME``),
so nothing is left in the user's cache.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Final

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from pyprotocol.sources import mypy

from .helpers import (
    SERVER_COMMAND,
    Doc,
    RecordingClient,
    capabilities,
    diagnostics_for,
    start,
    wait_until,
)
from .test_server_code_actions import actions_at, titled
from .test_server_pull import pull

CACHE: Final = Path(tempfile.mkdtemp(prefix="pyprotocol-test-mypy-cache-"))
FAIL_MARKER: Final = CACHE / "fail-once"
SLOW_SECONDS: Final = 6.0
ENV: Final = {**os.environ, "XDG_CACHE_HOME": str(CACHE)}
MYPY: Final = ClientServerConfig(
    server_command=SERVER_COMMAND, client_factory=RecordingClient, server_env=ENV
)
SLOW_MYPY: Final = ClientServerConfig(
    server_command=SERVER_COMMAND,
    client_factory=RecordingClient,
    server_env={**ENV, mypy.DELAY_ENV: str(SLOW_SECONDS)},
)
FAILING_MYPY: Final = ClientServerConfig(
    server_command=SERVER_COMMAND,
    client_factory=RecordingClient,
    server_env={**ENV, mypy.FAIL_ONCE_ENV: str(FAIL_MARKER)},
)

RETURNS_INT: Final = '''\
"""A module."""


def name() -> int:
    """Return a name."""
    return 1
'''
INVARIANT: Final = '''\
"""A module."""


def total(values: list[float]) -> float:
    """Add the values."""
    return sum(values)


COUNTS: list[int] = [1, 2]
TOTAL = total(COUNTS)
'''
ANY_RETURN: Final = '''\
"""A module."""

import json


def parse(text: str) -> int:
    """Read a number."""
    return json.loads(text)
'''


def options(idle_ms: int = 300) -> dict[str, object]:
    return {"debounce": 0, "mypy": {"enabled": True, "idleMs": idle_ms}}


@pytest.fixture(scope="module", autouse=True)
def _cache() -> Iterator[None]:
    yield
    shutil.rmtree(CACHE, ignore_errors=True)


@pytest_lsp.fixture(config=MYPY)  # type: ignore[untyped-decorator]
async def mypy_client(lsp_client: RecordingClient) -> AsyncIterator[None]:
    """A server with its own mypy cache."""
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SLOW_MYPY)  # type: ignore[untyped-decorator]
async def slow_client(lsp_client: RecordingClient) -> AsyncIterator[None]:
    """A server whose mypy runs take at least SLOW_SECONDS."""
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=FAILING_MYPY)  # type: ignore[untyped-decorator]
async def failing_client(lsp_client: RecordingClient) -> AsyncIterator[None]:
    """A server whose next mypy run crashes while FAIL_MARKER exists."""
    yield
    await lsp_client.shutdown_session()


def typed(diagnostics: Sequence[types.Diagnostic]) -> list[types.Diagnostic]:
    return [d for d in diagnostics if d.source == "mypy"]


async def publish_where(
    client: RecordingClient,
    uri: str,
    version: int,
    wanted: Callable[[list[types.Diagnostic]], bool],
) -> list[types.Diagnostic]:
    """Wait for a publish of one version whose diagnostics satisfy ``wanted``."""

    def probe() -> list[types.Diagnostic] | None:
        for params in client.published(uri):
            if params.version == version and wanted(list(params.diagnostics)):
                return list(params.diagnostics)
        return None

    return await wait_until(probe, what=f"a matching publish of {uri} v{version}")


def first_publish(
    client: RecordingClient, uri: str, version: int
) -> list[types.Diagnostic]:
    return next(
        list(p.diagnostics) for p in client.published(uri) if p.version == version
    )


def saved(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


async def test_type_error_follows_unsaved_edits(
    mypy_client: RecordingClient, tmp_path: Path
) -> None:
    client = mypy_client
    await start(client, tmp_path, capabilities(), options=options(idle_ms=1000))
    doc = Doc(client, saved(tmp_path / "app.py", RETURNS_INT), RETURNS_INT).open()
    await diagnostics_for(client, doc.uri, 1)

    broken = doc.replace("return 1", 'return "😀x"')
    [error] = typed(
        await publish_where(client, doc.uri, broken, lambda d: bool(typed(d)))
    )
    assert error.code == "return-value"
    assert error.severity == types.DiagnosticSeverity.Error
    # mypy counts UTF-8 bytes; the client gets UTF-16 units (the emoji is two).
    assert error.range == types.Range(
        start=types.Position(line=5, character=11),
        end=types.Position(line=5, character=16),
    )
    assert error.code_description is not None
    assert "#3-typing--static-analysis" in error.code_description.href

    # An edit above moves the standing error with the text until mypy runs again.
    shifted = doc.edit(0, 0, "# A comment.\n")
    [carried] = typed(await diagnostics_for(client, doc.uri, shifted))
    assert carried.range.start == types.Position(line=6, character=11)
    assert [
        d.range.start.line for d in typed(first_publish(client, doc.uri, shifted))
    ] == [6]

    # The fix is on another line: the error stands until mypy has checked it.
    fixed = doc.replace("-> int:", "-> str:")
    await diagnostics_for(client, doc.uri, fixed)
    assert typed(first_publish(client, doc.uri, fixed)), "carried until mypy ran"
    await publish_where(client, doc.uri, fixed, lambda d: not typed(d))
    assert (tmp_path / "app.py").read_text(encoding="utf-8") == RETURNS_INT


async def test_notes_become_related_information(
    mypy_client: RecordingClient, tmp_path: Path
) -> None:
    client = mypy_client
    caps = capabilities()
    assert caps.text_document is not None
    assert caps.text_document.publish_diagnostics is not None
    caps.text_document.publish_diagnostics.related_information = True
    await start(client, tmp_path, caps, options=options())
    doc = Doc(client, saved(tmp_path / "app.py", INVARIANT), INVARIANT).open()

    [error] = typed(await publish_where(client, doc.uri, 1, lambda d: bool(typed(d))))
    assert error.code == "arg-type"
    related = error.related_information or []
    assert any("invariant" in item.message for item in related)
    assert all(item.location.uri == doc.uri for item in related)


async def test_suppress_with_type_ignore(
    mypy_client: RecordingClient, tmp_path: Path
) -> None:
    client = mypy_client
    await start(client, tmp_path, capabilities(), options=options())
    text = RETURNS_INT.replace("return 1", 'return "x"  # noqa: ERA001')
    doc = Doc(client, saved(tmp_path / "app.py", text), text).open()
    await publish_where(client, doc.uri, 1, lambda d: bool(typed(d)))

    found = await actions_at(client, doc, 5, 12)
    action = titled(found, "type: ignore")
    assert action.title == "Suppress with `# type: ignore[return-value]`"
    assert not [a for a in found if "Suppress return-value on this line" in a.title]
    version = doc.apply(action.edit)

    assert '    return "x"  # type: ignore[return-value]  # noqa: ERA001\n' in doc.text
    await publish_where(client, doc.uri, version, lambda d: not typed(d))


async def test_mypy_is_off_unless_the_client_turns_it_on(
    mypy_client: RecordingClient, tmp_path: Path
) -> None:
    client = mypy_client
    await start(client, tmp_path, capabilities(), options={"debounce": 0})
    text = RETURNS_INT.replace("return 1", 'return "x"')
    doc = Doc(client, saved(tmp_path / "app.py", text), text).open()
    await diagnostics_for(client, doc.uri, 1)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri)
        )
    )
    await asyncio.sleep(3)
    assert not [
        d for p in client.published(doc.uri) for d in typed(list(p.diagnostics))
    ]


async def test_roots_per_folder_and_outside_any_project(
    mypy_client: RecordingClient, tmp_path: Path
) -> None:
    client = mypy_client
    relaxed, strict = tmp_path / "relaxed", tmp_path / "strict"
    saved(relaxed / "pyproject.toml", "[tool.mypy]\nstrict = false\n")
    saved(strict / "pyproject.toml", '[project]\nname = "strict"\n')
    settings = {**options(), "logLevel": "debug"}
    await start(
        client, tmp_path, capabilities(), folders=[relaxed, strict], options=settings
    )
    outside = Doc(client, saved(tmp_path / "loose" / "c.py", ANY_RETURN), ANY_RETURN)
    lax = Doc(client, saved(relaxed / "pkg" / "a.py", ANY_RETURN), ANY_RETURN)
    tight = Doc(client, saved(strict / "pkg" / "b.py", ANY_RETURN), ANY_RETURN)
    for doc in (outside, lax, tight):
        doc.open()

    for doc in (outside, tight):
        [error] = typed(
            await publish_where(client, doc.uri, 1, lambda d: bool(typed(d)))
        )
        assert error.code == "no-any-return"
    # The relaxed project's own configuration is not strict: mypy ran, found nothing.
    done = f"mypy: 0 findings for {lax.uri} v1 (root {relaxed})"
    await wait_until(
        lambda: next((m for m in client.log_messages if done in m.message), None),
        what=done,
    )
    assert not [
        d for p in client.published(lax.uri) for d in typed(list(p.diagnostics))
    ]


async def test_slow_mypy_does_not_delay_fast_diagnostics(
    slow_client: RecordingClient, tmp_path: Path
) -> None:
    client = slow_client
    await start(client, tmp_path, capabilities(), options=options(idle_ms=0))
    text = RETURNS_INT.replace("return 1", 'return "x"')
    slow = Doc(client, saved(tmp_path / "slow.py", text), text)
    other = Doc(client, saved(tmp_path / "other.py", RETURNS_INT), RETURNS_INT)
    opened = time.monotonic()
    slow.open()
    await diagnostics_for(client, slow.uri, 1)
    fast = time.monotonic() - opened

    # While slow.py's mypy run is in flight, another file's fast lane answers.
    other.open()
    await diagnostics_for(client, other.uri, 1)
    started = time.monotonic()
    version = other.replace("return 1", "return 2")
    await diagnostics_for(client, other.uri, version)
    edit_latency = time.monotonic() - started
    assert not typed(client.diagnostics.get(slow.uri, [])), "mypy was still running"

    await publish_where(client, slow.uri, 1, lambda d: bool(typed(d)))
    typed_latency = time.monotonic() - opened
    assert typed_latency >= SLOW_SECONDS
    assert fast < SLOW_SECONDS / 2
    assert edit_latency < SLOW_SECONDS / 2
    print(
        f"fast lane {fast * 1000:.0f} ms after open, {edit_latency * 1000:.0f} ms after"
        f" an edit; mypy {typed_latency * 1000:.0f} ms after open"
    )


async def test_mypy_crash_is_shown_once_and_the_lane_recovers(
    failing_client: RecordingClient, tmp_path: Path
) -> None:
    client = failing_client
    FAIL_MARKER.touch()
    await start(client, tmp_path, capabilities(), options=options())
    text = RETURNS_INT.replace("return 1", 'return "x"')
    doc = Doc(client, saved(tmp_path / "app.py", text), text).open()
    await diagnostics_for(client, doc.uri, 1)
    await wait_until(
        lambda: next((m for m in client.messages if "mypy" in m.message), None),
        what="the crash message",
    )
    assert not FAIL_MARKER.exists()

    version = doc.replace('"x"', '"y"')
    [error] = typed(
        await publish_where(client, doc.uri, version, lambda d: bool(typed(d)))
    )
    assert error.code == "return-value"
    shown = [m for m in client.messages if "mypy" in m.message]
    assert len(shown) == 1
    assert "simulated mypy crash" in shown[0].message
    assert any("mypy stopped working" in m.message for m in client.log_messages)
    assert any("mypy works again" in m.message for m in client.log_messages)


async def test_pull_clients_are_asked_to_pull_mypys_findings(
    mypy_client: RecordingClient, tmp_path: Path
) -> None:
    client = mypy_client
    await start(client, tmp_path, capabilities(pull=True), options=options())
    text = RETURNS_INT.replace("return 1", 'return "x"')
    doc = Doc(client, saved(tmp_path / "app.py", text), text).open()
    first = await pull(client, doc)
    assert isinstance(first, types.RelatedFullDocumentDiagnosticReport)

    await wait_until(
        lambda: client.diagnostic_refresh_count or None, what="diagnostic refresh"
    )
    after = await pull(client, doc, first.result_id)
    if isinstance(after, types.RelatedUnchangedDocumentDiagnosticReport):
        items = first.items  # mypy had landed before the first pull
    else:
        assert isinstance(after, types.RelatedFullDocumentDiagnosticReport)
        assert after.result_id != first.result_id
        items = after.items
    assert [d.code for d in typed(items)] == ["return-value"]
    assert client.publishes == []
