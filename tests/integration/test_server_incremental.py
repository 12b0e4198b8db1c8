"""Incremental checks in the server: a fast phase, then the whole-module rules."""

from __future__ import annotations

import ast
import asyncio
import random
import time
from pathlib import Path

from lsprotocol import types

from .helpers import (
    Doc,
    RecordingClient,
    capabilities,
    diagnostics_for,
    start,
    wait_until,
)

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


async def test_after_random_edits_the_settled_diagnostics_equal_a_full_check(
    client: RecordingClient, tmp_path: Path
) -> None:
    # A real module with classes, methods and whole-module findings, edited inside
    # methods, between definitions and at the top; typed quickly (debounce 0, no
    # waiting), then left alone: what the server settles on must be a full check's.
    import mypy

    import pyprotocol.engine

    module = Path(mypy.__file__).with_name("fastparse.py")
    source = await asyncio.to_thread(module.read_text, encoding="utf-8")
    await start(
        client, tmp_path, capabilities(), options={"debounce": 0, "ruff": False}
    )
    doc = Doc(client, tmp_path / "module.py", source).open()
    await diagnostics_for(client, doc.uri, 1)
    rng = random.Random(11)  # noqa: S311 - reproducible edits
    for step in range(30):  # the last edit is the rebinding
        lines = doc.text.splitlines(keepends=True)
        kind = step % 3
        if kind == 0:
            # A constant between top-level definitions: a whole-module finding.
            heads = [i for i, line in enumerate(lines) if line.startswith("def ")]
            at, new = rng.choice(heads), f"LIMIT_{step} = {step}\n\n\n"
        elif step == 29:
            # Rebinding a constant inside a method: only the second phase sees
            # that PP111 no longer holds for it.
            bodies = [
                i for i, line in enumerate(lines) if line.startswith(" " * 8 + "r")
            ]
            at = rng.choice(bodies)
            new = "        global LIMIT_0\n        LIMIT_0 = 1\n"
        elif kind == 1:
            # Inside a method body: a statement-local finding.
            bodies = [
                i for i, line in enumerate(lines) if line.startswith(" " * 8 + "r")
            ]
            at, new = (
                rng.choice(bodies),
                "        if x in [1, 2, 3]:\n            pass\n",
            )
        else:
            at, new = rng.randrange(1, len(lines)), ""
        offset = sum(len(line) for line in lines[:at])
        end = offset + (len(lines[at]) if not new else 0)
        candidate = doc.text[:offset] + new + doc.text[end:]
        if parses(candidate):
            doc.edit(offset, end, new)
    final = doc.version
    initial = pyprotocol.engine.analyse(source, doc.path).findings
    assert final > 20, "too few edits parsed to prove anything"
    await diagnostics_for(client, doc.uri, final)
    settled = await wait_until(
        lambda: quiet(client, doc.uri, final), limit=30, what="no more publishes"
    )
    expected = pyprotocol.engine.analyse(doc.text, doc.path).findings
    assert expected != initial, "the edits changed no finding: the test proves nothing"
    assert sorted((d.code, d.range.start.line) for d in settled) == sorted(
        (f.code, f.span.line - 1) for f in expected
    )


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


_SEEN: dict[str, tuple[int, float]] = {}


def quiet(
    client: RecordingClient, uri: str, version: int
) -> list[types.Diagnostic] | None:
    """The last publish, once nothing new has come for a second."""
    published = client.published(uri)
    count = len(published)
    now = time.monotonic()
    seen = _SEEN.get(uri)
    if seen is None or seen[0] != count:
        _SEEN[uri] = (count, now)
        return None
    if now - seen[1] < 1.0 or published[-1].version != version:
        return None
    return list(published[-1].diagnostics)
