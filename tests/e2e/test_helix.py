"""Helix: editors/helix/languages.toml parses, and its command starts a working server.

Helix itself is not installable here (no Debian 12 package, nothing on PyPI or npm). The
test plays Helix's part: it reads the file as Helix would, starts the command it names,
sends ``config`` as ``initializationOptions`` and answers ``workspace/configuration``
from it the way Helix does (the section's dotted path looked up in ``config``), then
waits for the diagnostic of a non-compliant file.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = Path(__file__).resolve().parents[2]
LANGUAGES = REPO / "editors" / "helix" / "languages.toml"
SAMPLE = "from typing import Optional\nx: Optional[int] = None\n"
HREF = "production-rules.md#type-annotations"
TIMEOUT = 60.0


def load() -> dict[str, Any]:
    return tomllib.loads(LANGUAGES.read_text(encoding="utf-8"))


def language(config: dict[str, Any], name: str) -> dict[str, Any]:
    found = [entry for entry in config["language"] if entry["name"] == name]
    assert len(found) == 1, f"one [[language]] named {name}"
    entry: dict[str, Any] = found[0]
    return entry


def server_names(entry: dict[str, Any]) -> list[str]:
    """Names in `language-servers` (plain strings or `{ name = ... }` tables)."""
    return [
        item if isinstance(item, str) else item["name"]
        for item in entry["language-servers"]
    ]


def helix_section(config: object, section: str | None) -> object:
    """Helix's answer to workspace/configuration: `config` walked by the dotted path."""
    if section is None:
        return config
    value = config
    for part in section.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def test_languages_toml_adds_pyprotocol_beside_the_usual_servers() -> None:
    config = load()
    server = config["language-server"]["pyprotocol"]
    assert server["command"] == "pyprotocol"
    assert server["args"] == ["serve"]
    assert set(server["config"]) == {"pyprotocol"}
    for name in ("python", "toml", "yaml", "dockerfile"):
        names = server_names(language(config, name))
        assert names[-1] == "pyprotocol", f"{name}: pyprotocol goes last (hover etc.)"
        assert len(names) >= 2, f"{name}: pyprotocol is an add-on beside another server"
    assert "ruff" in server_names(language(config, "python"))


async def test_the_named_command_starts_the_server_helix_style(tmp_path: Path) -> None:
    config = load()
    server = config["language-server"]["pyprotocol"]
    # Installed as a console script next to the interpreter running the tests.
    search = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )
    command = shutil.which(server["command"], path=search)
    assert command is not None, f"{server['command']!r} is not on PATH"

    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n", encoding="utf-8"
    )
    target = project / "app.py"
    target.write_text(SAMPLE, encoding="utf-8")
    uri = target.as_uri()

    client = LanguageClient("helix", "25.07")
    published: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()
    shown: list[str] = []
    asked: list[str | None] = []

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    @client.feature(types.WINDOW_SHOW_MESSAGE)  # type: ignore[untyped-decorator]
    def on_message(params: types.ShowMessageParams) -> None:
        shown.append(params.message)

    @client.feature(types.WORKSPACE_CONFIGURATION)  # type: ignore[untyped-decorator]
    def on_configuration(params: types.ConfigurationParams) -> list[object]:
        asked.extend(item.section for item in params.items)
        return [helix_section(server["config"], item.section) for item in params.items]

    await client.start_io(command, *server["args"], cwd=project)
    try:
        result = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    process_id=os.getpid(),
                    root_uri=project.as_uri(),
                    workspace_folders=[
                        types.WorkspaceFolder(uri=project.as_uri(), name="project")
                    ],
                    initialization_options=server["config"],
                    capabilities=types.ClientCapabilities(
                        workspace=types.WorkspaceClientCapabilities(
                            configuration=True, workspace_folders=True
                        ),
                        text_document=types.TextDocumentClientCapabilities(
                            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                                version_support=True
                            ),
                        ),
                    ),
                )
            ),
            TIMEOUT,
        )
        assert result.server_info is not None
        assert result.server_info.name == "pyprotocol"
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=SAMPLE
                )
            )
        )
        diagnostics: Sequence[types.Diagnostic] = []
        while not any(d.code == "PP105" for d in diagnostics):
            params = await asyncio.wait_for(published.get(), TIMEOUT)
            if params.uri == uri:
                diagnostics = params.diagnostics
        pp105 = next(d for d in diagnostics if d.code == "PP105")
        assert pp105.code_description is not None
        assert pp105.code_description.href.endswith(HREF)
        assert pp105.range.start == types.Position(line=1, character=3)
        assert "pyprotocol" in asked, "the server asks for its section"
        assert shown == [], f"the server complained about the settings: {shown}"
        await asyncio.wait_for(client.shutdown_async(None), TIMEOUT)
        client.exit(None)
    finally:
        await stop(client)


async def stop(client: LanguageClient) -> None:
    """Wait for the server to exit; kill it if it does not."""
    try:
        await asyncio.wait_for(asyncio.shield(client.stop()), 15)  # type: ignore[no-untyped-call]
    except TimeoutError:
        process = client._server  # pygls keeps no public handle
        if process is not None and process.returncode is None:
            process.kill()
        await asyncio.wait_for(client.stop(), TIMEOUT)  # type: ignore[no-untyped-call]
