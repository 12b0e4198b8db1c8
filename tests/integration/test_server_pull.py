"""Pull diagnostics for clients that support them, push for the others; never both."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import client_capabilities

from pyprotocol.projectfiles import FILE_RULES

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


async def pull(
    client: RecordingClient, doc: Doc, previous: str | None = None
) -> object:
    return await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            previous_result_id=previous,
        )
    )


async def test_neovim_pulls_and_gets_no_pushes(
    client: RecordingClient, tmp_path: Path
) -> None:
    result = await start(client, tmp_path, client_capabilities("neovim@v0.11"))
    provider = result.capabilities.diagnostic_provider
    assert isinstance(provider, types.DiagnosticOptions)
    assert provider.identifier == "pyprotocol"
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()

    report = await pull(client, doc)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert codes(report.items) == [3, 7]
    first = next(d for d in report.items if d.code == PP105)
    assert first.code_description is not None
    assert "#type-annotations" in first.code_description.href

    same = await pull(client, doc, report.result_id)
    assert isinstance(same, types.RelatedUnchangedDocumentDiagnosticReport)
    assert same.result_id == report.result_id

    doc.replace("Optional[int]", "int | None")
    changed = await pull(client, doc, report.result_id)
    assert isinstance(changed, types.RelatedFullDocumentDiagnosticReport)
    assert codes(changed.items) == [7]
    assert changed.result_id != report.result_id

    doc.close()
    # A request after the close makes sure every earlier message was handled.
    await pull(client, doc)
    assert client.publishes == [], "a pull client must not get pushed diagnostics"


async def test_push_client_is_not_offered_pull(
    client: RecordingClient, tmp_path: Path
) -> None:
    result = await start(client, tmp_path, client_capabilities("visual-studio-code"))
    assert result.capabilities.diagnostic_provider is None
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]


async def test_pull_client_can_ask_for_push(
    client: RecordingClient, tmp_path: Path
) -> None:
    result = await start(
        client, tmp_path, capabilities(pull=True), options={"diagnostics": "push"}
    )
    assert result.capabilities.diagnostic_provider is None
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1)) == [3, 7]


async def test_workspace_diagnostics_report_progress(
    client: RecordingClient, tmp_path: Path
) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "closed.py").write_text(OPTIONAL_SOURCE, encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "vendored.py").write_text(OPTIONAL_SOURCE, encoding="utf-8")
    (tmp_path / "open.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\nrequires-python = '>=3.10'\n", encoding="utf-8"
    )
    await start(client, tmp_path, capabilities(pull=True))
    doc = Doc(client, tmp_path / "open.py", OPTIONAL_SOURCE).open()  # unsaved edits
    progress_id = "workspace-check"
    client.progress_reports[progress_id] = []

    report = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(
            previous_result_ids=[], work_done_token=progress_id
        )
    )

    by_uri = {item.uri: item for item in report.items}
    pyproject = (tmp_path / "pyproject.toml").as_uri()
    assert set(by_uri) == {
        doc.uri,
        (tmp_path / "pkg" / "closed.py").as_uri(),
        pyproject,
    }
    project = by_uri[pyproject]
    assert isinstance(project, types.WorkspaceFullDocumentDiagnosticReport)
    requires = next(r for r in FILE_RULES if r.name == "requires-python-below-312")
    assert requires.code in {d.code for d in project.items}
    opened = by_uri[doc.uri]
    assert isinstance(opened, types.WorkspaceFullDocumentDiagnosticReport)
    assert opened.version == 1
    assert codes(opened.items) == [3, 7], "open documents are checked as edited"
    closed = by_uri[(tmp_path / "pkg" / "closed.py").as_uri()]
    assert isinstance(closed, types.WorkspaceFullDocumentDiagnosticReport)
    assert codes(closed.items) == [3, 7]
    kinds = [type(value).__name__ for value in client.progress_reports[progress_id]]
    assert kinds[0] == "WorkDoneProgressBegin"
    assert kinds[-1] == "WorkDoneProgressEnd"

    again = await client.workspace_diagnostic_async(
        types.WorkspaceDiagnosticParams(
            previous_result_ids=[
                types.PreviousResultId(uri=closed.uri, value=str(closed.result_id))
            ]
        )
    )
    unchanged = next(item for item in again.items if item.uri == closed.uri)
    assert isinstance(unchanged, types.WorkspaceUnchangedDocumentDiagnosticReport)


async def test_settings_change_asks_a_pull_client_to_refresh(
    client: RecordingClient, tmp_path: Path
) -> None:
    await start(client, tmp_path, capabilities(pull=True))
    doc = Doc(client, tmp_path / "app.py", OPTIONAL_SOURCE).open()
    report = await pull(client, doc)
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert codes(report.items) == [3, 7]

    client.set_configuration({"override": {"ignore": [PP105]}}, section="pyprotocol")
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )

    await wait_until(
        lambda: client.diagnostic_refresh_count or None, what="diagnostic refresh"
    )
    after = await pull(client, doc, report.result_id)
    assert isinstance(after, types.RelatedFullDocumentDiagnosticReport)
    assert codes(after.items) == []
