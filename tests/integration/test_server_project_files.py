"""Project files open in the editor (pyproject.toml, Dockerfile) are checked too."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from pyprotocol.projectfiles import FILE_RULES

from .helpers import Doc, RecordingClient, capabilities, diagnostics_for, start

RULES = {rule.name: rule for rule in FILE_RULES}


async def test_pyproject_and_dockerfile_get_diagnostics_and_hover(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    requires = RULES["requires-python-below-312"]
    name, text = requires.examples.bad[0]
    pyproject = Doc(client, tmp_path / name, text, language_id="toml").open()
    found = [
        d
        for d in await diagnostics_for(client, pyproject.uri, 1)
        if d.code == requires.code
    ]
    assert len(found) == 1
    assert found[0].code_description is not None

    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=pyproject.uri),
            position=found[0].range.start,
        )
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert f"**{requires.code}** `{requires.name}`" in hover.contents.value

    alpine = RULES["docker-alpine-python"]
    name, text = alpine.examples.bad[0]
    dockerfile = Doc(client, tmp_path / name, text, language_id="dockerfile").open()
    codes = {d.code for d in await diagnostics_for(client, dockerfile.uri, 1)}
    assert alpine.code in codes

    # Code actions never add a trailing comment to a Dockerfile instruction.
    here = types.Position(line=0, character=0)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=dockerfile.uri),
            range=types.Range(start=here, end=types.Position(line=50, character=0)),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions


async def test_other_files_are_left_alone(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities())
    notes = Doc(
        client, tmp_path / "notes.md", "# Notes\n", language_id="markdown"
    ).open()
    python = Doc(client, tmp_path / "app.py", "x = 1\n").open()
    await diagnostics_for(client, python.uri, 1)
    assert client.published(notes.uri) == []
