"""The server writes no file and runs no workspace code unless the workspace is trusted.

(No ``shell=True`` and a timeout on every subprocess are checked on the source in
``tests/unit/test_hostile.py``.)
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Final

from .rawclient import Json, RawServer
from .sessions import digest

FIXABLE: Final = (
    "from typing import List, Optional\n\n\n"
    "def first(x: Optional[int], y: List[int]) -> int:\n"
    "    return x or y[0]\n"
)
#: A mypy plugin: importing it is running workspace code, and leaves a mark.
PLUGIN: Final = """\
import os
from pathlib import Path

from mypy.plugin import Plugin

Path(os.environ["PYPROTOCOL_TEST_MARKER"]).write_text("imported")


def plugin(version):
    return Plugin
"""
PYPROJECT: Final = """\
[project]
name = "workspace"
requires-python = ">=3.12"

[tool.mypy]
plugins = ["marker_plugin.py"]
"""

type Files = dict[Path, tuple[int, int, bytes]]


def files(root: Path) -> Files:
    """Every file and folder under a root: modification time, inode and bytes."""
    return {
        path: (
            path.stat().st_mtime_ns,
            path.stat().st_ino,
            path.read_bytes() if path.is_file() else b"",
        )
        for path in sorted(root.rglob("*"))
    }


def workspace(root: Path) -> Path:
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (root / "marker_plugin.py").write_text(PLUGIN, encoding="utf-8")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    app = root / "pkg" / "app.py"
    app.write_text(FIXABLE, encoding="utf-8")
    return app


def environment(cache: Path, marker: Path) -> dict[str, str]:
    return {
        **os.environ,
        "XDG_CACHE_HOME": str(cache),
        "PYPROTOCOL_TEST_MARKER": str(marker),
    }


async def wait_for(server: RawServer, uri: str, version: int) -> list[Json]:
    deadline = time.monotonic() + 60
    while True:
        for params in server.publishes(uri):
            if params.get("version") == version:
                return list(params["diagnostics"])
        assert server.alive, server.describe()
        assert time.monotonic() < deadline, f"no publish of v{version}"
        await asyncio.sleep(0.01)


async def edit_and_fix(server: RawServer, path: Path) -> None:
    """Open, edit, ask for every action, fix all, format and save: the client's
    side of each edit is applied by the client alone (here: never)."""
    uri = path.as_uri()
    document = {"uri": uri}
    server.notify(
        "textDocument/didOpen",
        {
            "textDocument": {
                "uri": uri,
                "languageId": "python",
                "version": 1,
                "text": FIXABLE,
            }
        },
    )
    await wait_for(server, uri, 1)
    end = {"line": 9, "character": 0}
    server.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": end, "end": end}, "text": "\n\n"}],
        },
    )
    await wait_for(server, uri, 2)
    everything = {"start": {"line": 0, "character": 0}, "end": end}
    actions = await server.result(
        "textDocument/codeAction",
        {"textDocument": document, "range": everything, "context": {"diagnostics": []}},
    )
    assert actions, "the fixable file has actions"
    for command in ("pyprotocol.fixAll", "pyprotocol.restart"):
        arguments = [uri] if command == "pyprotocol.fixAll" else []
        await server.result(
            "workspace/executeCommand", {"command": command, "arguments": arguments}
        )
    await server.result(
        "textDocument/formatting",
        {"textDocument": document, "options": {"tabSize": 4, "insertSpaces": True}},
    )
    server.notify("textDocument/didSave", {"textDocument": document})
    assert server.applied, "fixAll asked the client to apply its edit"
    held = await server.result(
        "workspace/executeCommand",
        {"command": "pyprotocol.documentHash", "arguments": [uri]},
    )
    assert held["sha256"] == digest(FIXABLE + "\n\n")


async def test_the_server_writes_no_file(tmp_path: Path) -> None:
    root, cache, marker = tmp_path / "ws", tmp_path / "cache", tmp_path / "marker"
    root.mkdir()
    app = workspace(root)
    before = files(root)
    options = {"debounce": 0, "mypy": {"enabled": True, "idleMs": 0}}
    server = await RawServer.start(root, options, env=environment(cache, marker))
    try:
        await edit_and_fix(server, app)
        # mypy ran (the workspace is trusted here), outside the workspace.
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert time.monotonic() < deadline, "mypy did not run"
            await asyncio.sleep(0.1)
    finally:
        assert await server.stop() == 0, server.describe()
    assert files(root) == before
    assert app.read_text(encoding="utf-8") == FIXABLE


async def test_mypy_runs_no_workspace_code_unless_enabled(tmp_path: Path) -> None:
    root, cache, marker = tmp_path / "ws", tmp_path / "cache", tmp_path / "marker"
    root.mkdir()
    app = workspace(root)
    for options in ({"debounce": 0}, {"debounce": 0, "mypy": {"enabled": False}}):
        server = await RawServer.start(root, options, env=environment(cache, marker))
        try:
            await edit_and_fix(server, app)
            await asyncio.sleep(3)  # past the idle pause after open, edit and save
        finally:
            assert await server.stop() == 0, server.describe()
        assert not marker.exists(), f"workspace code ran with {options}"
        assert not cache.exists(), "mypy left a cache: it ran"
