"""Settings and project policy: didChangeConfiguration, pyproject.toml, folders."""

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
    wait_until,
)

IGNORE_PP105 = '[tool.pyprotocol]\nignore = ["PP105"]\n'


async def test_did_change_configuration_rechecks(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    seen = len(client.publishes)

    client.set_configuration({"override": {"ignore": [PP105]}}, section="pyprotocol")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )

    assert codes(await diagnostics_for(client, doc.uri, 1, after=seen)) == []


async def test_pushed_settings_are_used_without_configuration_requests(
    client: RecordingClient, tmp_path: Path
) -> None:
    caps = capabilities()
    assert caps.workspace is not None
    caps.workspace.configuration = False
    await start(client, tmp_path, caps)
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    seen = len(client.publishes)

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"pyprotocol": {"override": {"severity": {PP105: "error"}}}}
        )
    )

    diagnostics = await diagnostics_for(client, doc.uri, 1, after=seen)
    assert {d.severity for d in diagnostics if d.code == PP105} == {
        types.DiagnosticSeverity.Error
    }


async def test_watched_pyproject_change_reloads_the_policy(
    client: RecordingClient, tmp_path: Path
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    await start(client, tmp_path, capabilities(watch=True))
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    registration = await wait_until(
        lambda: next(
            (
                r
                for r in client.registrations
                if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
            ),
            None,
        ),
        what="the file watcher registration",
    )
    assert "pyproject.toml" in str(registration.register_options)
    seen = len(client.publishes)

    pyproject.write_text(IGNORE_PP105, encoding="utf-8")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(
                    uri=pyproject.as_uri(), type=types.FileChangeType.Changed
                )
            ]
        )
    )

    assert codes(await diagnostics_for(client, doc.uri, 1, after=seen)) == []


async def test_pyproject_change_is_seen_without_a_watcher(
    client: RecordingClient, tmp_path: Path
) -> None:
    """Neovim on Linux registers no watchers: the next check notices the file."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    await start(client, tmp_path, capabilities(watch=False))
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    assert client.registrations == []

    pyproject.write_text(IGNORE_PP105, encoding="utf-8")
    version = doc.replace("return x or 0", "return x or 1")

    assert codes(await diagnostics_for(client, doc.uri, version)) == []


async def test_saving_pyproject_in_the_editor_reloads_the_policy(
    client: RecordingClient, tmp_path: Path
) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[project]\nname = 'demo'\n", encoding="utf-8")
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    seen = len(client.publishes)

    pyproject.write_text(IGNORE_PP105, encoding="utf-8")
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=pyproject.as_uri())
        )
    )

    assert codes(await diagnostics_for(client, doc.uri, 1, after=seen)) == []


async def test_config_errors_are_shown_once_and_logged(
    client: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pyprotocol]\nselect = "PP105"\n', encoding="utf-8"
    )
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]
    version = doc.replace("return x or 0", "return x or 1")
    await diagnostics_for(client, doc.uri, version)

    shown = [m for m in client.messages if "`select`" in m.message]
    assert len(shown) == 1
    assert shown[0].type == types.MessageType.Warning
    assert any("`select`" in m.message for m in client.log_messages)
    published = [d for p in client.published(doc.uri) for d in p.diagnostics]
    assert all("select" not in d.message for d in published)


async def test_two_workspace_folders_each_with_its_own_config(
    client: RecordingClient, tmp_path: Path
) -> None:
    strict = tmp_path / "strict"
    relaxed = tmp_path / "relaxed"
    for folder in (strict, relaxed):
        folder.mkdir()
    (strict / "pyproject.toml").write_text(
        '[tool.pyprotocol.severity]\nPP105 = "error"\n', encoding="utf-8"
    )
    client.set_configuration(
        {"override": {"severity": {PP105: "hint"}}},
        section="pyprotocol",
        scope_uri=relaxed.as_uri(),
    )
    await start(client, tmp_path, capabilities(), folders=[strict, relaxed])

    a = Doc(client, strict / "a.py", OPTIONAL_SOURCE).open()
    b = Doc(client, relaxed / "b.py", OPTIONAL_SOURCE).open()

    def severities(diagnostics: list[types.Diagnostic]) -> set[int | None]:
        return {d.severity for d in diagnostics if d.code == PP105}

    async def settled(doc: Doc, wanted: types.DiagnosticSeverity) -> None:
        def probe() -> bool | None:
            last = [p for p in client.published(doc.uri) if p.version == 1]
            return (
                bool(last and severities(list(last[-1].diagnostics)) == {wanted})
                or None
            )

        await wait_until(probe, what=f"{wanted!r} diagnostics for {doc.uri}")

    await settled(a, types.DiagnosticSeverity.Error)
    await settled(b, types.DiagnosticSeverity.Hint)


async def test_log_level_setting(client: RecordingClient, tmp_path: Path) -> None:
    await start(client, tmp_path, capabilities(), options={"logLevel": "debug"})
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    await diagnostics_for(client, doc.uri, 1)
    await wait_until(
        lambda: next(
            (
                m
                for m in client.log_messages
                if m.type == types.MessageType.Log and f"opened {doc.uri}" in m.message
            ),
            None,
        ),
        what="a debug line",
    )

    seen = len(client.publishes)
    client.set_configuration({"logLevel": "warning"}, section="pyprotocol")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    await diagnostics_for(client, doc.uri, 1, after=seen)
    quiet = Doc(client, tmp_path / "quiet.py", OPTIONAL_SOURCE).open()
    await diagnostics_for(client, quiet.uri, 1)
    assert not [m for m in client.log_messages if f"opened {quiet.uri}" in m.message]
