"""A misbehaving client: the server answers with an error or logs, and keeps serving.

Every test ends by asking the server for a document's hash and hover (it must answer)
and by shutting it down (it must exit cleanly).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Final

import pytest

from .helpers import OPTIONAL_SOURCE
from .rawclient import Json, RawServer, client_capabilities
from .sessions import digest, utf16

METHOD_NOT_FOUND: Final = -32601
INVALID_PARAMS: Final = -32602
INTERNAL_ERROR: Final = -32603
ORIGIN: Final = {"line": 0, "character": 0}
EMPTY: Final = {"start": ORIGIN, "end": ORIGIN}
HOLD: Final = 0.5


class Editor:
    """A server, its workspace, and the moves of a client (proper or not)."""

    def __init__(self, server: RawServer, root: Path) -> None:
        self.server = server
        self.root = root

    def uri(self, name: str = "app.py") -> str:
        return (self.root / name).as_uri()

    def open(self, text: str, name: str = "app.py", version: int = 1) -> str:
        uri = self.uri(name)
        self.server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": version,
                    "text": text,
                }
            },
        )
        return uri

    def change(self, uri: str, version: Json, changes: Json) -> None:
        self.server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": changes,
            },
        )

    def close(self, uri: str) -> None:
        self.server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    async def held(self, uri: str) -> Json:
        return await self.server.result(
            "workspace/executeCommand",
            {"command": "pyprotocol.documentHash", "arguments": [uri]},
        )

    async def hover(self, uri: str, position: Json) -> Json:
        return await self.server.request(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": position}
        )

    async def actions(self, uri: str, rng: Json) -> Json:
        return await self.server.request(
            "textDocument/codeAction",
            {
                "textDocument": {"uri": uri},
                "range": rng,
                "context": {"diagnostics": []},
            },
        )

    async def published(self, uri: str, version: int, after: int = 0) -> Json:
        """The diagnostics of the first publish of a version (from ``after`` on)."""
        deadline = time.monotonic() + 60
        while True:
            found = [
                p for p in self.server.publishes(uri)[after:] if p["version"] == version
            ]
            if found:
                return found[0]["diagnostics"]
            assert self.server.alive, self.server.describe()
            assert time.monotonic() < deadline, f"no publish of {uri} v{version}"
            await asyncio.sleep(0.01)

    async def still_serves(self) -> None:
        """A normal document gets its diagnostics, hash and hover."""
        text = "from typing import Optional\nX: Optional[int] = None\n"
        uri = self.open(text, name="still_serves.py")
        diagnostics = await self.published(uri, 1)
        assert [d["code"] for d in diagnostics if d["code"] == "PP105"] == ["PP105"]
        held = await self.held(uri)
        assert held["sha256"] == digest(text)
        hover = await self.hover(uri, {"line": 1, "character": 4})
        assert "PP105" in hover["result"]["contents"]["value"]
        assert self.server.alive

    def logged(self, fragment: str) -> bool:
        return any(fragment in message for message in self.server.logs())


@pytest.fixture
async def editor(tmp_path: Path) -> AsyncIterator[Editor]:
    server = await RawServer.start(tmp_path, {"debounce": 0})
    editor = Editor(server, tmp_path)
    try:
        yield editor
        await editor.still_serves()
    finally:
        code = await server.stop()
    assert code == 0, server.describe()


def own(diagnostics: Json) -> list[str]:
    """The codes of pyprotocol's own findings (ruff's vary with its version)."""
    return [d["code"] for d in diagnostics if d["source"] == "pyprotocol"]


def error_code(answer: Json) -> int:
    assert "error" in answer, f"expected an error response, got {answer}"
    return int(answer["error"]["code"])


async def test_unknown_request_is_method_not_found(editor: Editor) -> None:
    answer = await editor.server.request("pyprotocol/noSuchMethod", {"x": 1})
    assert error_code(answer) == METHOD_NOT_FOUND
    answer = await editor.server.request("$/noSuchRequest", None)
    assert error_code(answer) == METHOD_NOT_FOUND


async def test_unknown_notifications_are_ignored(editor: Editor) -> None:
    before = len(editor.server.notifications)
    editor.server.notify("pyprotocol/noSuchNotification", {"x": 1})
    editor.server.notify("$/noSuchNotification", None)
    editor.server.notify("$/cancelRequest", {"id": 12345})
    await asyncio.sleep(HOLD)
    assert not [
        n
        for n in editor.server.notifications[before:]
        if n["method"] == "textDocument/publishDiagnostics"
    ]


async def test_requests_for_a_document_never_opened(editor: Editor) -> None:
    uri = editor.uri("never.py")
    assert (await editor.actions(uri, EMPTY))["result"] is None
    assert (await editor.hover(uri, ORIGIN))["result"] is None
    formatting = await editor.server.request(
        "textDocument/formatting",
        {"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": True}},
    )
    assert formatting["result"] is None
    fix_all = await editor.server.result(
        "workspace/executeCommand",
        {"command": "pyprotocol.fixAll", "arguments": [uri]},
    )
    assert fix_all == {"applied": False, "reason": "the document is not open"}
    assert await editor.held(uri) is None
    # A push client was not offered pull diagnostics: the method is not there.
    pulled = await editor.server.request(
        "textDocument/diagnostic", {"textDocument": {"uri": uri}}
    )
    assert error_code(pulled) == METHOD_NOT_FOUND
    assert editor.server.applied == []


async def test_requests_for_a_closed_document(editor: Editor) -> None:
    uri = editor.open(OPTIONAL_SOURCE)
    await editor.published(uri, 1)
    editor.close(uri)
    assert (await editor.actions(uri, EMPTY))["result"] is None
    assert (await editor.hover(uri, {"line": 3, "character": 20}))["result"] is None
    fix_all = await editor.server.result(
        "workspace/executeCommand",
        {"command": "pyprotocol.fixAll", "arguments": [uri]},
    )
    assert fix_all["applied"] is False
    assert await editor.held(uri) is None
    cleared = editor.server.publishes(uri)[-1]
    assert (cleared["diagnostics"], cleared.get("version")) == ([], None)


async def test_pull_requests_for_a_document_never_opened(tmp_path: Path) -> None:
    caps = client_capabilities()
    caps["textDocument"]["diagnostic"] = {}
    server = await RawServer.start(tmp_path, {"debounce": 0}, caps)
    try:
        uri = (tmp_path / "never.py").as_uri()
        report = await server.result(
            "textDocument/diagnostic", {"textDocument": {"uri": uri}}
        )
        assert report == {"kind": "full", "items": []}
    finally:
        assert await server.stop() == 0, server.describe()


async def test_out_of_range_positions_are_clamped(editor: Editor) -> None:
    uri = editor.open(OPTIONAL_SOURCE)
    await editor.published(uri, 1)
    far = {"line": 400, "character": 3}
    past_line = {"line": 3, "character": 500}
    ranges = [
        {"start": far, "end": {"line": 900, "character": 0}},
        {"start": past_line, "end": {"line": 3, "character": 900}},
        {"start": {"line": 7, "character": 9}, "end": {"line": 3, "character": 13}},
        {"start": ORIGIN, "end": far},
    ]
    for rng in ranges:
        answer = await editor.actions(uri, rng)
        assert "result" in answer, (rng, answer)
    for position in (far, past_line, {"line": 2**31 - 1, "character": 2**31 - 1}):
        answer = await editor.hover(uri, position)
        assert answer.get("result") is None, (position, answer)
    # A range that spans everything, backwards, still gets the whole-file fix.
    backwards = await editor.actions(uri, {"start": far, "end": ORIGIN})
    assert any("Fix all" in a["title"] for a in backwards["result"])


async def test_positions_lsprotocol_rejects_get_invalid_params(editor: Editor) -> None:
    uri = editor.open(OPTIONAL_SOURCE)
    await editor.published(uri, 1)
    for position in (
        {"line": -1, "character": 0},
        {"line": 0, "character": -5},
        {"line": 2**31, "character": 0},
    ):
        assert error_code(await editor.hover(uri, position)) == INVALID_PARAMS
        rng = {"start": position, "end": ORIGIN}
        assert error_code(await editor.actions(uri, rng)) == INVALID_PARAMS
    assert editor.logged("has invalid params; answered with an error")


async def test_invalid_params_to_requests_get_an_error(editor: Editor) -> None:
    uri = editor.open(OPTIONAL_SOURCE)
    await editor.published(uri, 1)
    wrong = [
        ("textDocument/hover", {"textDocument": {"uri": uri}, "position": "here"}),
        ("textDocument/hover", {"textDocument": 5}),
        ("textDocument/hover", None),
        ("textDocument/codeAction", {"textDocument": {"uri": uri}}),
        ("textDocument/formatting", {"textDocument": {"uri": uri}, "options": []}),
        ("workspace/executeCommand", {"command": 3}),
        ("workspace/executeCommand", {"command": "pyprotocol.noSuchCommand"}),
    ]
    for method, params in wrong:
        answer = await editor.server.request(method, params, limit=10)
        assert error_code(answer) == INVALID_PARAMS, (method, params, answer)
    # pygls calls a command without its arguments when the list is left out.
    missing = await editor.server.request(
        "workspace/executeCommand", {"command": "pyprotocol.fixAll"}
    )
    assert error_code(missing) == INTERNAL_ERROR
    assert editor.server.applied == []


async def test_invalid_params_to_notifications_are_logged(editor: Editor) -> None:
    uri = editor.open("x = 1\n")
    await editor.published(uri, 1)
    editor.change(uri, "two", [{"text": "y = 2\n"}])
    editor.change(uri, 2, 5)
    editor.server.notify("textDocument/didOpen", {"textDocument": {"uri": 7}})
    editor.server.notify("textDocument/didClose", None)
    held = await editor.held(uri)
    assert (held["version"], held["sha256"]) == (1, digest("x = 1\n"))
    assert editor.logged("Invalid Params")


async def test_malformed_messages_are_skipped(editor: Editor) -> None:
    editor.server.write(b"Content-Length: 9\r\n\r\n{not json")
    editor.server.write(b"Content-Length: 2\r\n\r\n[]")
    editor.server.send({"jsonrpc": "1.0", "id": 99, "method": "shutdown"})
    editor.server.send({"jsonrpc": "2.0", "method": 5})
    await asyncio.sleep(HOLD)
    assert editor.server.alive


async def test_change_with_an_older_version_is_applied_and_rechecked(
    editor: Editor,
) -> None:
    uri = editor.open(OPTIONAL_SOURCE, version=5)
    diagnostics = await editor.published(uri, 5)
    assert [d["code"] for d in diagnostics].count("PP105") == 2
    seen = len(editor.server.publishes(uri))
    # The same version again, then an older one: the edits are the client's text.
    whole = {"range": {"start": ORIGIN, "end": {"line": 99, "character": 0}}}
    editor.change(uri, 5, [{**whole, "text": "x = 1\n"}])
    editor.change(uri, 3, [{"range": EMPTY, "text": "y = 2\n"}])
    held = await editor.held(uri)
    assert (held["version"], held["sha256"]) == (3, digest("y = 2\nx = 1\n"))
    # The result for v5's old text is not passed off as the new text's.
    assert own(await editor.published(uri, 3, after=seen)) == []
    actions = (await editor.actions(uri, EMPTY))["result"] or []
    assert not [a for a in actions if "PP105" in str(a)]
    versions = {
        change["textDocument"]["version"]
        for action in actions
        for change in action.get("edit", {}).get("documentChanges", [])
    }
    assert versions <= {3}
    assert editor.logged("back to v3: checking it afresh")


async def test_change_to_a_closed_document_is_ignored(editor: Editor) -> None:
    uri = editor.open("x = 1\n")
    await editor.published(uri, 1)
    editor.close(uri)
    editor.change(uri, 2, [{"range": EMPTY, "text": "y = 2\n"}])
    editor.change(editor.uri("never.py"), 2, [{"text": "z = 3\n"}])
    assert await editor.held(uri) is None
    assert await editor.held(editor.uri("never.py")) is None
    assert editor.logged("change to a document that is not open")


async def test_opening_twice_replaces_the_document(editor: Editor) -> None:
    uri = editor.open(OPTIONAL_SOURCE, version=4)
    await editor.published(uri, 4)
    uri = editor.open("z = 1\n", version=1)
    assert own(await editor.published(uri, 1)) == []
    held = await editor.held(uri)
    assert (held["version"], held["sha256"]) == (1, digest("z = 1\n"))


async def test_change_past_the_end_lands_at_the_end(editor: Editor) -> None:
    uri = editor.open("a = 1\nb = 2")
    past = {"start": {"line": 7, "character": 3}, "end": {"line": 9, "character": 0}}
    editor.change(uri, 2, [{"range": past, "text": "\nc = 3\n"}])
    past_line = {
        "start": {"line": 0, "character": 40},
        "end": {"line": 0, "character": 80},
    }
    editor.change(uri, 3, [{"range": past_line, "text": "  # one"}])
    expected = "a = 1  # one\nb = 2\nc = 3\n"
    held = await editor.held(uri)
    assert (held["version"], held["sha256"]) == (3, digest(expected))
    assert own(await editor.published(uri, 3)) == []


async def test_a_huge_change(editor: Editor) -> None:
    uri = editor.open("x = 1\n")
    await editor.published(uri, 1)
    body = "from typing import Optional\n" + "y: Optional[int] = None\n" * 40_000
    started = time.monotonic()
    editor.change(uri, 2, [{"range": EMPTY, "text": body}])
    held = await editor.held(uri)
    assert held["length"] == utf16(body + "x = 1\n")
    diagnostics = await editor.published(uri, 2)
    assert len(diagnostics) >= 40_000
    assert time.monotonic() - started < 60
    # Back to small: the next version is checked as quickly as ever.
    everything = {"start": ORIGIN, "end": {"line": 200_000, "character": 0}}
    editor.change(uri, 3, [{"range": everything, "text": "x = 2\n"}])
    assert own(await editor.published(uri, 3)) == []
