"""A recording LSP client and a client-side document model for the server tests.

Positions are converted here independently of ``pyprotocol.positions`` so that the
tests check the server's conversions against a second implementation.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

TIMEOUT: Final = 60.0
POLL: Final = 0.02
PP105: Final = "PP105"
SERVER_COMMAND: Final = [sys.executable, "-m", "pyprotocol.server"]


class RecordingClient(LanguageClient):
    """A pytest-lsp client that keeps every publish (with its version) and edit."""

    def __init__(self) -> None:
        """Create the client and register its handlers."""
        super().__init__(converter_factory=default_converter)
        self.publishes: list[types.PublishDiagnosticsParams] = []
        self.applied: list[types.ApplyWorkspaceEditParams] = []
        self.registrations: list[types.Registration] = []
        features = dict(DEFAULT_CLIENT_FEATURES)
        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_publish
        features[types.WORKSPACE_APPLY_EDIT] = _apply_edit
        features[types.CLIENT_REGISTER_CAPABILITY] = _register
        register_lsp_features(self, features)

    def published(self, uri: str) -> list[types.PublishDiagnosticsParams]:
        """Every publish for one document, oldest first.

        Args:
            uri: The document.

        Returns:
            The publishes.
        """
        return [p for p in self.publishes if p.uri == uri]


def _record_publish(
    client: RecordingClient, params: types.PublishDiagnosticsParams
) -> None:
    client.publishes.append(params)
    client.diagnostics[params.uri] = params.diagnostics


def _apply_edit(
    client: RecordingClient, params: types.ApplyWorkspaceEditParams
) -> types.ApplyWorkspaceEditResult:
    client.applied.append(params)
    return types.ApplyWorkspaceEditResult(applied=True)


def _register(client: RecordingClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


SERVER: Final = ClientServerConfig(
    server_command=SERVER_COMMAND, client_factory=RecordingClient
)


async def wait_until[T](
    probe: Callable[[], T | None], limit: float = TIMEOUT, what: str = "condition"
) -> T:
    """Poll until ``probe`` returns something other than None.

    Args:
        probe: Returns the awaited value, or None while waiting.
        limit: Seconds before giving up.
        what: What is awaited, for the failure message.

    Returns:
        The value.

    Raises:
        TimeoutError: If the value does not come in time.
    """
    deadline = time.monotonic() + limit
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            msg = f"timed out waiting for {what}"
            raise TimeoutError(msg)
        await asyncio.sleep(POLL)


async def diagnostics_for(
    client: RecordingClient, uri: str, version: int | None, *, after: int = 0
) -> list[types.Diagnostic]:
    """Wait for the publish of one version of a document.

    Args:
        client: The client.
        uri: The document.
        version: The version (None: a publish without version, e.g. on close).
        after: Only consider publishes from this index of ``client.publishes`` on.

    Returns:
        Its diagnostics (the newest such publish).
    """

    def probe() -> list[types.Diagnostic] | None:
        for params in reversed(client.publishes[after:]):
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)
        return None

    return await wait_until(probe, what=f"diagnostics of {uri} v{version}")


def codes(diagnostics: Sequence[types.Diagnostic], code: str = PP105) -> list[int]:
    """The 0-based lines of the diagnostics with one code.

    Args:
        diagnostics: Diagnostics.
        code: The code.

    Returns:
        Their start lines, sorted.
    """
    return sorted(d.range.start.line for d in diagnostics if d.code == code)


# -- client-side positions (independent of pyprotocol.positions) -------------------
def units(char: str, encoding: str) -> int:
    """The size of one character in a position encoding.

    Args:
        char: One code point.
        encoding: ``utf-8``, ``utf-16`` or ``utf-32``.

    Returns:
        Its length in that encoding's code units.
    """
    if encoding == "utf-8":
        return len(char.encode("utf-8"))
    if encoding == "utf-16":
        return 2 if ord(char) > 0xFFFF else 1
    return 1


def column(line: str, index: int, encoding: str) -> int:
    """The column of a code-point index of a line, in an encoding's units.

    Args:
        line: The line.
        index: A code-point index in it.
        encoding: The encoding.

    Returns:
        The column.
    """
    return sum(units(char, encoding) for char in line[:index])


def offset(text: str, position: types.Position, encoding: str) -> int:
    """The offset in ``text`` (LF line ends) of an LSP position.

    Args:
        text: The text.
        position: The position.
        encoding: The encoding its column counts in.

    Returns:
        The code-point offset.
    """
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    count = 0
    for index, char in enumerate(line):
        if count >= position.character:
            return start + index
        count += units(char, encoding)
    return start + len(line)


def position(text: str, at: int, encoding: str) -> types.Position:
    """The LSP position of an offset in ``text`` (LF line ends).

    Args:
        text: The text.
        at: A code-point offset.
        encoding: The encoding to count the column in.

    Returns:
        The position.
    """
    before = text[:at]
    line = before.count("\n")
    start = before.rfind("\n") + 1
    return types.Position(
        line=line, character=column(text[start:], at - start, encoding)
    )


def apply_edits(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    """Apply non-overlapping edits, all relative to ``text``.

    Args:
        text: The text.
        edits: The edits.
        encoding: The encoding their positions count in.

    Returns:
        The new text.
    """
    spans = sorted(
        (
            (
                offset(text, e.range.start, encoding),
                offset(text, e.range.end, encoding),
                e,
            )
            for e in edits
        ),
        key=lambda item: (item[0], item[1]),
    )
    out: list[str] = []
    cursor = 0
    for start, end, edit in spans:
        assert start >= cursor, "edits overlap"
        out.append(text[cursor:start])
        out.append(edit.new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def edits_for(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    """The text edits of one document in a workspace edit.

    Args:
        edit: The workspace edit.
        uri: The document.

    Returns:
        The edits (from ``changes`` or ``documentChanges``).
    """
    assert edit is not None, "the action has no edit"
    found: list[types.TextEdit] = []
    if edit.changes:
        found.extend(edit.changes.get(uri, []))
    for change in edit.document_changes or []:
        if (
            isinstance(change, types.TextDocumentEdit)
            and change.text_document.uri == uri
        ):
            found.extend(e for e in change.edits if isinstance(e, types.TextEdit))
    return found


# -- documents -----------------------------------------------------------------------
@dataclass(slots=True)
class Doc:
    """A document as the client sees it: it sends edits and tracks its version."""

    client: RecordingClient
    path: Path
    text: str
    encoding: str = "utf-16"
    version: int = 1
    language_id: str = "python"
    history: list[str] = field(default_factory=list)

    @property
    def uri(self) -> str:
        """The document's URI."""
        return self.path.as_uri()

    def open(self) -> Doc:
        """Send ``didOpen``.

        Returns:
            The document.
        """
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=self.uri,
                    language_id=self.language_id,
                    version=self.version,
                    text=self.text,
                )
            )
        )
        return self

    def replace(self, old: str, new: str, *, nth: int = 0) -> int:
        """Replace one occurrence of ``old`` with an incremental change.

        Args:
            old: Text to replace (must occur).
            new: Its replacement.
            nth: Which occurrence (0-based).

        Returns:
            The new version.
        """
        at = -1
        for _ in range(nth + 1):
            at = self.text.index(old, at + 1)
        return self.edit(at, at + len(old), new)

    def edit(self, start: int, end: int, new: str) -> int:
        """Send one incremental change replacing ``text[start:end]``.

        Args:
            start: Start offset.
            end: End offset.
            new: Replacement.

        Returns:
            The new version.
        """
        rng = types.Range(
            start=position(self.text, start, self.encoding),
            end=position(self.text, end, self.encoding),
        )
        self.text = self.text[:start] + new + self.text[end:]
        self.version += 1
        self.history.append(self.text)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=self.uri, version=self.version
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=rng, text=new)
                ],
            )
        )
        return self.version

    def apply(self, edit: types.WorkspaceEdit | None) -> int:
        """Apply a workspace edit locally and send it as one change.

        Args:
            edit: The edit the server proposed.

        Returns:
            The new version.
        """
        new_text = apply_edits(self.text, edits_for(edit, self.uri), self.encoding)
        return self.edit(0, len(self.text), new_text)

    def close(self) -> None:
        """Send ``didClose``."""
        self.client.text_document_did_close(
            types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=self.uri)
            )
        )


def capabilities(
    *,
    pull: bool = False,
    encodings: Sequence[str] | None = None,
    resolve: bool = False,
    watch: bool = False,
    document_changes: bool = True,
) -> types.ClientCapabilities:
    """Client capabilities for a test.

    Args:
        pull: Advertise pull diagnostics.
        encodings: Position encodings, preferred first.
        resolve: Advertise ``codeAction/resolve`` for edits.
        watch: Allow dynamic registration of file watchers.
        document_changes: Accept versioned document edits.

    Returns:
        The capabilities.
    """
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(
            position_encodings=[types.PositionEncodingKind(e) for e in encodings]
            if encodings
            else None
        ),
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            apply_edit=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=document_changes
            ),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=watch
            ),
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(
                dynamic_registration=False
            ),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(
                refresh_support=pull
            ),
        ),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True, code_description_support=True, data_support=True
            ),
            code_action=types.CodeActionClientCapabilities(
                data_support=True,
                is_preferred_support=True,
                resolve_support=types.ClientCodeActionResolveOptions(
                    properties=["edit"]
                )
                if resolve
                else None,
            ),
            hover=types.HoverClientCapabilities(
                content_format=[types.MarkupKind.Markdown]
            ),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
    )


async def start(
    client: RecordingClient,
    root: Path,
    caps: types.ClientCapabilities,
    *,
    folders: Sequence[Path] | None = None,
    options: dict[str, object] | None = None,
) -> types.InitializeResult:
    """Initialise a session.

    Args:
        client: The client.
        root: The root folder.
        caps: The client's capabilities.
        folders: Workspace folders (default: the root).
        options: ``initializationOptions``.

    Returns:
        The server's answer.
    """
    folders = list(folders or [root])
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[
                types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders
            ],
            initialization_options=options,
        )
    )


OPTIONAL_SOURCE: Final = """\
from typing import Optional


def first(x: Optional[int]) -> int:
    return x or 0


def second(y: Optional[str] = None) -> str:
    return y or ""
"""
