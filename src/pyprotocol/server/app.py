"""The pygls language server: state on one class, one thin handler per LSP method.

Two lanes feed each document's diagnostics. The fast lane (own rules and ruff, on
every change after the debounce) is :class:`~pyprotocol.server.scheduler.Scheduler`;
the slow lane (mypy, on open, save and idle) is
:class:`~pyprotocol.server.typecheck.TypeLane`. Every publish is the fast findings of
one version plus the mypy findings positioned for that same version.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Final, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.uris import from_fs_path, to_fs_path

from pyprotocol import __version__, engine, projectfiles
from pyprotocol.config import Config
from pyprotocol.model import Finding
from pyprotocol.positions import Encoding, LineIndex
from pyprotocol.server import actions, hover
from pyprotocol.server.convert import (
    encoding_of,
    to_diagnostics,
    to_range,
    to_span,
    to_type_diagnostics,
)
from pyprotocol.server.documents import PYTHON_SUFFIXES, Document
from pyprotocol.server.logs import ClientLogHandler
from pyprotocol.server.scheduler import (
    DocState,
    DocumentClosedError,
    Outcome,
    Result,
    Scheduler,
    Snapshot,
)
from pyprotocol.server.settings import LOG_LEVELS, SECTION, ConfigStore, Settings
from pyprotocol.server.tools import RuffRun, merged
from pyprotocol.server.typecheck import TIMEOUT_SECONDS as TYPE_TIMEOUT_SECONDS
from pyprotocol.server.typecheck import (
    Hooks,
    TypeDoc,
    TypeLane,
    TypeRequest,
    without_ruff_twins,
)
from pyprotocol.sources import mypy, ruff
from pyprotocol.workspace import UnreadableError, read_source

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pygls.server import ServerErrors

log = logging.getLogger("pyprotocol.server")

NAME: Final = "pyprotocol"
CMD_FIX_ALL: Final = "pyprotocol.fixAll"
CMD_SHOW_RULE: Final = "pyprotocol.showRule"
CMD_RESTART: Final = "pyprotocol.restart"
CMD_DOCUMENT_HASH: Final = "pyprotocol.documentHash"
PYPROJECT: Final = "pyproject.toml"
MAX_WORKSPACE_FILES: Final = 5000
CHECK_WORKERS: Final = 2
#: Threads that wait on mypy's subprocesses (runs are serialised per project root).
MYPY_WORKERS: Final = 2
#: How much lower mypy's CPU priority is than the server's (POSIX).
MYPY_NICENESS: Final = 5
UNTITLED: Final = PurePath("untitled.py")
_CONSEQUENCES: Final = {
    ruff.SOURCE: "ruff's findings are missing; the own rules keep working.",
    mypy.SOURCE: "type errors are not updated; mypy runs again after the next change "
    "or save.",
}

T = TypeVar("T")
#: Stands for a request answered (with an error) while it was read.
ANSWERED: Final = object()
type _Call = tuple[object, tuple[object, ...], None]


class Protocol(LanguageServerProtocol):
    """pygls's protocol, minus its document store: the server keeps its own.

    pygls would apply each change to its copy first, splitting lines with
    ``str.splitlines`` and clamping the change's range *in place*, so the handler
    would see a different range than the client sent. Documents live in
    :mod:`pyprotocol.server.documents` instead.
    """

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Iterator[_Call]:
        """Hand ``didOpen`` to the server's handler only."""
        yield from self._user(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Iterator[_Call]:
        """Hand ``didChange`` to the server's handler only."""
        yield from self._user(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Iterator[_Call]:
        """Hand ``didClose`` to the server's handler only."""
        yield from self._user(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user(self, method: str, params: object) -> Iterator[_Call]:
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    def structure_message(self, data: dict[str, Any]) -> Any:  # noqa: ANN401 - pygls's
        """Structure one message; a request whose params do not fit gets an error.

        pygls raises here, and its reader loop logs the error and drops the message:
        a request with wrong params (a negative position, a string for a number)
        would never be answered, and the client would wait for it forever.

        Args:
            data: One JSON object of the message (nested ones are passed through).

        Returns:
            The structured message, or :data:`ANSWERED` for a request answered here.

        Raises:
            JsonRpcException: For a notification or response that does not fit
                (pygls's loop logs it).
        """
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" not in data or "method" not in data:
                raise
            log.warning(
                "request %s (%s) has invalid params; answered with an error",
                data["id"],
                data["method"],
            )
            self._send_response(data["id"], None, error.to_response_error())
            return ANSWERED

    def handle_message(self, message: Any) -> None:  # noqa: ANN401 - pygls's
        """Handle a message, except a request :meth:`structure_message` answered.

        Args:
            message: The structured message.
        """
        if message is not ANSWERED:
            super().handle_message(message)


class PyprotocolServer(LanguageServer):
    """The language server: documents, settings and the check scheduler."""

    def __init__(self) -> None:
        """Create the server (features are registered by :func:`create_server`)."""
        super().__init__(
            NAME,
            __version__,
            types.TextDocumentSyncKind.Incremental,
            protocol_cls=Protocol,
        )
        self.executor = ThreadPoolExecutor(
            CHECK_WORKERS, thread_name_prefix="pyprotocol"
        )
        self.mypy_executor = ThreadPoolExecutor(
            MYPY_WORKERS, thread_name_prefix="pyprotocol-mypy"
        )
        self.configs = ConfigStore()
        self.scheduler = Scheduler(
            self._run_check, self._snapshot, self._on_result, self.executor
        )
        self.types = TypeLane(
            Hooks(
                request=self._type_request,
                root=self._type_root,
                check=self._type_check,
                published=self._on_types,
                health=functools.partial(self.tool_health, mypy.SOURCE),
            ),
            self.mypy_executor,
        )
        self.failing: set[str] = set()
        self.related_information = False
        self.init_settings = Settings()
        self.pushed_settings: object = None
        self.global_settings = Settings()
        self.folder_settings: dict[str, Settings] = {}
        self.encoding = Encoding.UTF16
        self.pull = False
        self.lazy_actions = False
        self.versioned_edits = False
        self.reported: set[str] = set()
        self.log_handler = ClientLogHandler(self._send_log)
        root = logging.getLogger("pyprotocol")
        root.addHandler(self.log_handler)
        root.setLevel(logging.INFO)

    # -- client capabilities ---------------------------------------------------------
    def supports(self, getter: Callable[[types.ClientCapabilities], object]) -> bool:
        """Tell whether the client advertised a capability.

        Args:
            getter: Reads the capability; a missing parent counts as False.

        Returns:
            True when the capability is present and truthy.
        """
        try:
            return bool(getter(self.client_capabilities))
        except AttributeError:
            return False

    @property
    def can_configure(self) -> bool:
        """The client answers ``workspace/configuration``."""
        return self.supports(lambda c: c.workspace.configuration)  # type: ignore[union-attr]

    @property
    def can_refresh(self) -> bool:
        """The client accepts ``workspace/diagnostic/refresh``."""
        return self.supports(lambda c: c.workspace.diagnostics.refresh_support)  # type: ignore[union-attr]

    # -- logging and messages --------------------------------------------------------
    def _send_log(self, kind: types.MessageType, text: str) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=text))

    def report_once(self, errors: Sequence[str]) -> None:
        """Show each configuration problem once, and log it.

        Args:
            errors: Problems found in settings or ``[tool.pyprotocol]``.
        """
        for error in errors:
            if error in self.reported:
                continue
            self.reported.add(error)
            log.warning("configuration: %s", error)
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning, message=f"pyprotocol: {error}"
                )
            )

    def tool_health(self, tool: str, problem: str | None) -> None:
        """Tell the user once when a tool stops working, and log when it works again.

        One visible message per failure streak (not per keystroke); each failure
        is logged.

        Args:
            tool: ``"ruff"`` or ``"mypy"``.
            problem: What went wrong, or None when the tool just worked.
        """
        if problem is None:
            if tool in self.failing:
                self.failing.discard(tool)
                log.info("%s works again", tool)
            return
        if tool in self.failing:
            log.info("%s failed again: %s", tool, problem)
            return
        self.failing.add(tool)
        log.warning("%s stopped working: %s", tool, problem)
        consequence = _CONSEQUENCES.get(tool, "")
        self.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Warning,
                message=f"pyprotocol: {problem} \N{EM DASH} {consequence}",
            )
        )

    def report_server_error(self, error: Exception, source: ServerErrors) -> None:
        """Log a failure of a handler; the server keeps serving.

        Args:
            error: The exception.
            source: Where pygls caught it.
        """
        log.error("internal error (%s): %s", source.__name__, error, exc_info=error)

    # -- settings --------------------------------------------------------------------
    def apply_settings(self, settings: Settings) -> None:
        """Apply the global settings that are not per folder.

        Args:
            settings: The global settings.
        """
        self.global_settings = settings
        level = LOG_LEVELS.get(settings.log_level, logging.INFO)
        logging.getLogger("pyprotocol").setLevel(level)
        self.report_once([f"settings: {e}" for e in settings.errors])

    async def refresh_settings(self) -> bool:
        """Read the settings again (``workspace/configuration`` when supported).

        Returns:
            True when they changed.
        """
        before = self.effective_settings()
        base = self.init_settings.merged(self.pushed_settings)
        folders = self.folder_uris()
        values: Sequence[object] = []
        if self.can_configure:
            items = [types.ConfigurationItem(section=SECTION)] + [
                types.ConfigurationItem(scope_uri=uri, section=SECTION)
                for uri in folders
            ]
            try:
                values = await self.workspace_configuration_async(
                    types.ConfigurationParams(items=items)
                )
            except Exception as err:  # noqa: BLE001 - keep the settings we have
                log.warning("workspace/configuration failed: %s", err)
        merged = base.merged(values[0]) if values else base
        self.apply_settings(merged)
        self.folder_settings = {}
        for uri, value in zip(folders, values[1:], strict=False):
            folder = merged.merged(value)
            self.report_once([f"settings of {uri}: {e}" for e in folder.errors])
            self.folder_settings[uri] = folder
        return before != self.effective_settings()

    def effective_settings(self) -> tuple[Settings, ...]:
        """The settings in force: global, then each folder's.

        Returns:
            The settings, for comparison.
        """
        folders = self.folder_uris()
        return (
            self.global_settings,
            *(self.folder_settings.get(uri, self.global_settings) for uri in folders),
        )

    def folder_uris(self) -> list[str]:
        """The URIs of the workspace folders (or of the root when there are none).

        Returns:
            The URIs.
        """
        folders = self.workspace.folders
        uris = [str(folder.uri) for folder in folders.values()]
        if not uris and self.workspace.root_uri:
            uris = [str(self.workspace.root_uri)]
        return uris

    def folder_of(self, path: Path | None) -> str | None:
        """The workspace folder a file belongs to (the innermost).

        Args:
            path: The file.

        Returns:
            The folder's URI, or None.
        """
        if path is None:
            return None
        best: tuple[int, str] | None = None
        for uri in self.folder_uris():
            folder = fs_path(uri)
            if folder is not None and path.is_relative_to(folder):
                depth = len(folder.parts)
                if best is None or depth > best[0]:
                    best = (depth, uri)
        return best[1] if best else None

    def settings_for(self, path: Path | None) -> Settings:
        """The settings that apply to a file.

        Args:
            path: The file, if the document is one.

        Returns:
            Its folder's settings, else the global ones.
        """
        folder = self.folder_of(path)
        if folder is not None and folder in self.folder_settings:
            return self.folder_settings[folder]
        return self.global_settings

    def recheck_all(self) -> None:
        """Settings or project policy changed: make every document's result stale."""
        self.scheduler.invalidate()
        self.types.invalidate()
        for uri in list(self.types.docs):
            self.types.trigger(uri, 0)
        if self.pull:
            if self.can_refresh:
                self.workspace_diagnostic_refresh(None)
        else:
            self.scheduler.schedule_all()

    # -- checks --------------------------------------------------------------------
    def _snapshot(self, state: DocState, generation: int) -> Snapshot:
        doc = state.doc
        path = fs_path(doc.uri)
        settings = self.settings_for(path)
        return Snapshot(
            uri=doc.uri,
            version=doc.version,
            generation=generation,
            text=doc.text,
            path=path,
            is_python=doc.is_python,
            override=settings.override,
            ruff=settings.ruff,
        )

    def config_for(
        self, path: Path | None, override: dict[str, object] | None
    ) -> Config:
        """The configuration of a file (thread-safe).

        Args:
            path: The file, if the document is one.
            override: Editor overrides.

        Returns:
            The configuration.
        """
        folder = path.parent if path is not None else None
        if folder is None:
            roots = [fs_path(uri) for uri in self.folder_uris()]
            folder = next((root for root in roots if root is not None), None)
        try:
            return self.configs.resolve(folder, override or {})
        except Exception:
            log.exception("could not read the configuration for %s", path)
            return Config()

    def _run_check(self, snapshot: Snapshot) -> Outcome:
        """Check one snapshot; runs in a worker thread and never raises."""
        config = self.config_for(snapshot.path, dict(snapshot.override))
        outcome = Outcome(snapshot, config)
        path = snapshot.path or UNTITLED
        if config.is_excluded(path):
            return outcome
        try:
            findings = self._findings(snapshot, path, config, outcome)
            if outcome.syntax_error is not None:
                return outcome
            outcome.findings = findings
            index = outcome.index = outcome.index or LineIndex(snapshot.text)
            outcome.diagnostics = to_diagnostics(
                findings, index, self.scheduler.encoding
            )
        except Exception as err:
            log.exception("checking %s v%s failed", snapshot.uri, snapshot.version)
            outcome.failure = f"{type(err).__name__}: {err}"
        return outcome

    def _second_phase(
        self,
        snapshot: Snapshot,
        config: Config,
        extra: list[Finding],
        cancelled: Callable[[], bool],
    ) -> Outcome | None:
        """Run the whole-module rules after a fast check (in a worker thread).

        Returns:
            The complete outcome, or None when stopped or nothing changed.
        """
        analyser = snapshot.analyser
        if analyser is None:
            return None
        try:
            analysis = analyser.complete(cancelled)
            if analysis is None:
                return None
            outcome = Outcome(snapshot, config, refined=True)
            outcome.findings = merged(analysis.findings, extra)
            index = outcome.index = analysis.index or LineIndex(snapshot.text)
            outcome.diagnostics = to_diagnostics(
                outcome.findings, index, self.scheduler.encoding
            )
        except Exception:
            log.exception("the second phase of %s failed", snapshot.uri)
            return None
        return outcome

    def _findings(
        self, snapshot: Snapshot, path: PurePath, config: Config, outcome: Outcome
    ) -> list[Finding]:
        if not snapshot.is_python:
            # pyproject.toml, pre-commit, workflows, Dockerfiles; else nothing.
            return projectfiles.check_file(snapshot.text, path, config) or []
        # ruff works in its own processes while the own rules run here.
        running = RuffRun.start(snapshot.text, path, config) if snapshot.ruff else None
        analyser = snapshot.analyser
        if analyser is None:
            analysis = engine.analyse(snapshot.text, path, config)
        else:
            # Re-check what the edit touched; the rest follows in a second phase.
            analysis = analyser.analyse_fast(snapshot.text, path, config)
        for message in analysis.internal_errors:
            log.warning("a rule failed on %s: %s", snapshot.uri, message)
        outcome.syntax_error = analysis.syntax_error
        outcome.index = analysis.index
        extra: list[Finding] = []
        if running is not None and analysis.syntax_error is not None:
            running.cancel()
        elif running is not None:
            try:
                extra, outcome.ruff_error = running.collect(
                    snapshot.text, path, config, analysis.index
                )
            except Exception as err:
                log.exception("ruff's findings for %s could not be read", snapshot.uri)
                extra, outcome.ruff_error = [], f"{type(err).__name__}: {err}"
        if analyser is not None and analyser.pending:
            outcome.followup = functools.partial(
                self._second_phase, snapshot, config, extra
            )
        return merged(analysis.findings, extra)

    def _on_result(self, state: DocState, result: Result, outcome: Outcome) -> None:
        self.report_once(outcome.config.errors)
        if outcome.ruff_error is not None:
            self.tool_health(ruff.SOURCE, outcome.ruff_error or None)
        if not self.pull:
            self.publish(
                state.doc.uri, self.diagnostics_of(state, result), result.version
            )
        elif outcome.refined and self.can_refresh:
            # The whole-module rules changed what the client pulled: pull again.
            self.workspace_diagnostic_refresh(None)

    def type_findings(self, state: DocState, result: Result) -> list[mypy.MypyFinding]:
        """The mypy findings that stand for a fast result's version.

        Args:
            state: The document's state.
            result: Its fast result.

        Returns:
            mypy's findings positioned for the result's version, minus those ruff
            reports too.
        """
        found = self.types.findings(state.doc.uri, result.version)
        return without_ruff_twins(found, result.findings) if found else []

    def diagnostics_of(self, state: DocState, result: Result) -> list[types.Diagnostic]:
        """The diagnostics to show for a result: fast findings plus mypy's.

        Args:
            state: The document's state.
            result: Its fast result.

        Returns:
            The diagnostics, all for the result's version.
        """
        found = self.type_findings(state, result)
        if not found:
            return result.diagnostics
        extra = to_type_diagnostics(
            found,
            state.doc.uri,
            result.index,
            self.encoding,
            related=self.related_information,
        )
        return [*result.diagnostics, *extra]

    def result_id(self, state: DocState, result: Result) -> str:
        """The pull result id of a document's diagnostics (fast and mypy).

        Args:
            state: The document's state.
            result: Its fast result.

        Returns:
            The id.
        """
        return f"{result.result_id}:{self.types.serial(state.doc.uri)}"

    # -- mypy ----------------------------------------------------------------------
    def _type_request(self, uri: str) -> TypeRequest | None:
        state = self.scheduler.states.get(uri)
        path = fs_path(uri)
        if state is None or path is None or not state.doc.is_python:
            return None
        settings = self.settings_for(path)
        if not settings.mypy_enabled:
            return None
        doc = state.doc
        return TypeRequest(uri, doc.version, doc.text, path, settings.override)

    def _type_root(self, request: TypeRequest) -> Path:
        """The folder mypy runs in (thread-safe): the project, else the folder."""
        config = self.config_for(request.path, dict(request.override))
        if config.root is not None:
            return config.root
        folder = fs_path(self.folder_of(request.path) or "")
        return folder or request.path.parent

    def _type_check(
        self, request: TypeRequest, root: Path, handle: mypy.Handle
    ) -> list[mypy.MypyFinding] | None:
        """Run mypy on a request (in a mypy worker thread)."""
        config = self.config_for(request.path, dict(request.override))
        if config.is_excluded(request.path):
            return []
        if not request.path.is_file():
            # mypy reads the file it checks (the buffer is its shadow).
            log.info("mypy: %s is not on disk yet; checked after a save", request.uri)
            return None
        try:
            engine.parse(request.text)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return None
        found = mypy.check(
            request.text,
            request.path,
            root,
            config,
            timeout=TYPE_TIMEOUT_SECONDS,
            handle=handle,
            niceness=MYPY_NICENESS,
        )
        return [
            result
            for result in found
            if engine.finding_enabled(result.finding, config, request.path)
        ]

    def _on_types(self, doc: TypeDoc) -> None:
        """Show the new mypy findings of a document with its fast ones."""
        state = self.scheduler.states.get(doc.uri)
        if state is None:
            return
        if self.pull:
            if self.can_refresh:
                self.workspace_diagnostic_refresh(None)
            return
        result = state.result
        if (
            result is not None
            and result.version == state.doc.version == doc.version
            and result.generation == self.scheduler.generation
        ):
            self.publish(doc.uri, self.diagnostics_of(state, result), result.version)
        # Otherwise the fast lane is about to publish this version, mypy included.

    def publish(
        self, uri: str, diagnostics: list[types.Diagnostic], version: int | None
    ) -> None:
        """Push diagnostics (push mode only).

        Args:
            uri: The document.
            diagnostics: Its diagnostics.
            version: The version they are for.
        """
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=diagnostics, version=version
            )
        )

    async def in_thread[T](self, function: Callable[[], T]) -> T:
        """Run blocking work in the check pool.

        Args:
            function: The work.

        Returns:
            Its result.
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, function)

    def target(self, state: DocState, result: Result) -> actions.Target:
        """What code actions work on: the checked version of a document.

        Args:
            state: The document's state.
            result: Its current result.

        Returns:
            The target.
        """
        findings = list(result.findings)
        if result.syntax_error is not None:
            findings.append(result.syntax_error)
        findings.extend(found.finding for found in self.type_findings(state, result))
        path = fs_path(state.doc.uri)
        return actions.Target(
            uri=state.doc.uri,
            version=result.version,
            text=result.text,
            index=result.index,
            path=fs_path(state.doc.uri) or UNTITLED,
            config=result.config,
            findings=findings,
            parsed=result.syntax_error is None,
            encoding=self.encoding,
            versioned_edits=self.versioned_edits,
            python=state.doc.is_python,
            extras=result.extras,
            ruff=self.settings_for(path).ruff,
        )

    # -- workspace -----------------------------------------------------------------
    def workspace_files(self) -> list[Path]:
        """The Python and project files of every workspace folder, minus excluded ones.

        Returns:
            Up to :data:`MAX_WORKSPACE_FILES` paths.
        """
        found: dict[Path, None] = {}
        for uri in self.folder_uris():
            root = fs_path(uri)
            if root is None or not root.is_dir():
                continue
            config = self.config_for(root / "__init__.py", None)
            for path in (*projectfiles.project_files(root, config), *_walk(root, self)):
                found[path] = None
                if len(found) >= MAX_WORKSPACE_FILES:
                    log.warning("workspace diagnostics stop at %d files", len(found))
                    return list(found)
        return list(found)

    def check_file(self, path: Path) -> tuple[list[types.Diagnostic], str]:
        """Check a file on disk (not open in the editor).

        Args:
            path: The file.

        Returns:
            Its diagnostics and a result id.
        """
        status = path.stat()
        result_id = f"{self.scheduler.generation}:{status.st_mtime_ns}:{status.st_size}"
        settings = self.settings_for(path)
        config = self.config_for(path, dict(settings.override))
        try:
            text = read_source(path)
        except UnreadableError as err:
            log.info("skipped %s: %s", path, err)
            return [], result_id
        if path.suffix in PYTHON_SUFFIXES:
            analysis = engine.analyse(text, path, config, tools=settings.ruff)
            findings = analysis.findings
        else:
            findings = projectfiles.check_file(text, path, config) or []
        return to_diagnostics(findings, LineIndex(text), self.encoding), result_id


def _walk(root: Path, server: PyprotocolServer) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        config = server.config_for(here / "__init__.py", None)
        dirs[:] = sorted(d for d in dirs if not config.is_excluded(here / d))
        for name in sorted(files):
            candidate = here / name
            if name.endswith(PYTHON_SUFFIXES) and not config.is_excluded(candidate):
                yield candidate


def fs_path(uri: str) -> Path | None:
    """The file system path of a ``file:`` URI.

    Args:
        uri: A document or folder URI.

    Returns:
        The path, or None for other schemes.
    """
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


# -- handlers ------------------------------------------------------------------------
def initialize(ls: PyprotocolServer, params: types.InitializeParams) -> None:
    """Read the client's capabilities and options; pick push or pull diagnostics."""
    ls.log_handler.attach(asyncio.get_running_loop())
    ls.init_settings = Settings().merged(params.initialization_options)
    ls.apply_settings(ls.init_settings)
    ls.encoding = encoding_of(ls.workspace.position_encoding)
    ls.scheduler.encoding = ls.encoding
    caps = params.capabilities
    text = caps.text_document
    can_pull = text is not None and text.diagnostic is not None
    mode = ls.init_settings.diagnostics
    ls.pull = can_pull and mode != "push"
    if mode == "pull" and not can_pull:
        log.warning("the client cannot pull diagnostics; pushing them")
    resolve = text.code_action.resolve_support if text and text.code_action else None
    ls.lazy_actions = resolve is not None and "edit" in resolve.properties
    edit_caps = caps.workspace.workspace_edit if caps.workspace else None
    ls.versioned_edits = bool(edit_caps and edit_caps.document_changes)
    ls.related_information = ls.supports(
        lambda c: c.text_document.publish_diagnostics.related_information  # type: ignore[union-attr]
    ) or ls.supports(lambda c: c.text_document.diagnostic.related_information)  # type: ignore[union-attr]
    ls.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=list(actions.KINDS), resolve_provider=ls.lazy_actions
        ),
    )(code_action)
    if ls.lazy_actions:
        ls.feature(types.CODE_ACTION_RESOLVE)(code_action_resolve)
    if ls.pull:
        ls.feature(
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            types.DiagnosticOptions(
                identifier=NAME,
                inter_file_dependencies=False,
                workspace_diagnostics=True,
            ),
        )(document_diagnostic)
        ls.feature(types.WORKSPACE_DIAGNOSTIC)(workspace_diagnostic)
    log.info(
        "pyprotocol %s: %s diagnostics, %s positions, %s code actions",
        __version__,
        "pull" if ls.pull else "push",
        ls.encoding,
        "lazy" if ls.lazy_actions else "eager",
    )


async def initialized(ls: PyprotocolServer, params: types.InitializedParams) -> None:
    """Fetch settings and register the watchers the client lets us register."""
    del params
    registrations: list[types.Registration] = []
    if ls.supports(
        lambda c: c.workspace.did_change_watched_files.dynamic_registration  # type: ignore[union-attr]
    ):
        watcher = types.FileSystemWatcher(glob_pattern=f"**/{PYPROJECT}")
        registrations.append(
            types.Registration(
                id=str(uuid.uuid4()),
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                    watchers=[watcher]
                ),
            )
        )
    if ls.supports(
        lambda c: c.workspace.did_change_configuration.dynamic_registration  # type: ignore[union-attr]
    ):
        registrations.append(
            types.Registration(
                id=str(uuid.uuid4()),
                method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                register_options=types.DidChangeConfigurationRegistrationOptions(
                    section=SECTION
                ),
            )
        )
    if registrations:
        try:
            await ls.client_register_capability_async(
                types.RegistrationParams(registrations=registrations)
            )
        except Exception as err:  # noqa: BLE001 - watching is a convenience
            log.warning("could not register watchers: %s", err)
    if await ls.refresh_settings():
        ls.recheck_all()


def did_open(ls: PyprotocolServer, params: types.DidOpenTextDocumentParams) -> None:
    """Track the document and check it at once (push mode); mypy starts too."""
    item = params.text_document
    state = ls.scheduler.open(
        Document(item.uri, item.text, item.version, item.language_id)
    )
    log.debug("opened %s v%s (%s)", item.uri, item.version, item.language_id)
    if not ls.pull and state.doc.checked:
        ls.scheduler.schedule(state, 0)
    if state.doc.is_python:
        ls.types.open(item.uri, item.version)
        ls.types.trigger(item.uri, 0)


def did_change(ls: PyprotocolServer, params: types.DidChangeTextDocumentParams) -> None:
    """Apply the edits, move the standing findings, and re-arm the debounce timer."""
    uri = params.text_document.uri
    state = ls.scheduler.states.get(uri)
    if state is None:
        log.warning("change to a document that is not open: %s", uri)
        return
    version = params.text_document.version
    previous = state.doc.version
    edits = state.doc.apply(params.content_changes, version, ls.encoding)
    if version <= previous:
        # Versions only grow; results are matched to texts by version, so a reused
        # number could pass off an older text's result (and its edits) as current.
        log.warning(
            "change to %s goes from v%s back to v%s: checking it afresh",
            uri,
            previous,
            version,
        )
        doc = state.doc
        state = ls.scheduler.open(Document(uri, doc.text, version, doc.language_id))
        if doc.is_python:
            ls.types.open(uri, version)
    else:
        ls.scheduler.changed(state, edits)
        ls.types.changed(uri, edits, state.doc.version)
    settings = ls.settings_for(fs_path(uri))
    if not ls.pull and state.doc.checked:
        ls.scheduler.schedule(state, settings.debounce)
    ls.types.trigger(uri, settings.mypy_idle)


def did_save(ls: PyprotocolServer, params: types.DidSaveTextDocumentParams) -> None:
    """Reload the policy when a pyproject.toml is saved; else check now if stale.

    A saved file may change what mypy finds in the other open files (they import
    it): mypy runs now on the saved one, and after the idle pause on the others.
    """
    uri = params.text_document.uri
    if uri.endswith(PYPROJECT):
        ls.configs.invalidate()
        ls.recheck_all()
        return
    if uri.endswith(PYTHON_SUFFIXES):
        ls.types.saved()
        for other in list(ls.types.docs):
            delay = ls.settings_for(fs_path(other)).mypy_idle
            ls.types.trigger(other, 0 if other == uri else delay)
    state = ls.scheduler.states.get(uri)
    if (
        state is not None
        and not ls.pull
        and state.doc.checked
        and not ls.scheduler.is_current(state)
    ):
        ls.scheduler.schedule(state, 0)


def did_close(ls: PyprotocolServer, params: types.DidCloseTextDocumentParams) -> None:
    """Forget the document and clear its diagnostics (push mode)."""
    uri = params.text_document.uri
    ls.scheduler.close(uri)
    ls.types.close(uri)
    if not ls.pull:
        ls.publish(uri, [], None)


async def did_change_configuration(
    ls: PyprotocolServer, params: types.DidChangeConfigurationParams
) -> None:
    """Take pushed settings, fetch the rest, and check everything again."""
    settings = params.settings
    if isinstance(settings, dict) and SECTION in settings:
        ls.pushed_settings = settings[SECTION]
    await ls.refresh_settings()
    ls.recheck_all()


def did_change_watched_files(
    ls: PyprotocolServer, params: types.DidChangeWatchedFilesParams
) -> None:
    """Reload the project policy when a pyproject.toml changed on disk."""
    if any(change.uri.endswith(PYPROJECT) for change in params.changes):
        ls.configs.invalidate()
        ls.recheck_all()


async def did_change_folders(
    ls: PyprotocolServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    """Folders came or went: their settings and policies too."""
    del params
    ls.configs.invalidate()
    await ls.refresh_settings()
    ls.recheck_all()


async def document_diagnostic(
    ls: PyprotocolServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    """Pull mode: the diagnostics of the document's current version."""
    state = ls.scheduler.states.get(params.text_document.uri)
    if state is None or not state.doc.checked:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    try:
        result = await ls.scheduler.current(state)
    except DocumentClosedError:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    result_id = ls.result_id(state, result)
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(
        items=ls.diagnostics_of(state, result), result_id=result_id
    )


async def workspace_diagnostic(
    ls: PyprotocolServer, params: types.WorkspaceDiagnosticParams
) -> types.WorkspaceDiagnosticReport:
    """Pull mode: diagnostics for every Python file of the workspace, with progress."""
    token = params.work_done_token
    previous = {item.uri: item.value for item in params.previous_result_ids}
    files = await ls.in_thread(ls.workspace_files)
    if token is not None:
        ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="pyprotocol", message=f"checking {len(files)} files", percentage=0
            ),
        )
    items: list[types.WorkspaceDocumentDiagnosticReport] = []
    try:
        for number, path in enumerate(files, start=1):
            items.append(await _workspace_item(ls, path, previous))
            if token is not None and (number % 20 == 0 or number == len(files)):
                ls.work_done_progress.report(
                    token,
                    types.WorkDoneProgressReport(
                        message=f"{number}/{len(files)} files",
                        percentage=number * 100 // max(len(files), 1),
                    ),
                )
    finally:
        if token is not None:
            ls.work_done_progress.end(
                token, types.WorkDoneProgressEnd(message=f"{len(items)} files checked")
            )
    return types.WorkspaceDiagnosticReport(items=items)


async def _workspace_item(
    ls: PyprotocolServer, path: Path, previous: dict[str, str]
) -> types.WorkspaceDocumentDiagnosticReport:
    uri = str(from_fs_path(str(path)))
    state = ls.scheduler.states.get(uri)
    if state is not None:
        try:
            result = await ls.scheduler.current(state)
        except DocumentClosedError:
            pass
        else:
            return types.WorkspaceFullDocumentDiagnosticReport(
                uri=uri,
                items=ls.diagnostics_of(state, result),
                version=result.version,
                result_id=ls.result_id(state, result),
            )
    try:
        diagnostics, result_id = await ls.in_thread(
            functools.partial(ls.check_file, path)
        )
    except Exception:
        log.exception("checking %s failed", path)
        diagnostics, result_id = [], None
    if result_id is not None and previous.get(uri) == result_id:
        return types.WorkspaceUnchangedDocumentDiagnosticReport(
            uri=uri, result_id=result_id, version=None
        )
    return types.WorkspaceFullDocumentDiagnosticReport(
        uri=uri, items=diagnostics, version=None, result_id=result_id
    )


async def code_action(
    ls: PyprotocolServer, params: types.CodeActionParams
) -> list[types.CodeAction | types.Command] | None:
    """Quick fixes, fix-all, fix-all-of-a-rule and suppressions for a range."""
    state = ls.scheduler.states.get(params.text_document.uri)
    if state is None or not state.doc.checked:
        return None
    try:
        result = await ls.scheduler.current(state)
    except DocumentClosedError:
        return None
    target = ls.target(state, result)
    area = to_span(params.range, result.index, ls.encoding)
    only = [str(kind) for kind in params.context.only] if params.context.only else None
    found = await ls.in_thread(
        functools.partial(
            actions.code_actions,
            target,
            area,
            params.context.diagnostics,
            only,
            lazy=ls.lazy_actions,
        )
    )
    return list(found) or None


async def code_action_resolve(
    ls: PyprotocolServer, params: types.CodeAction
) -> types.CodeAction:
    """Compute the edit of an action sent without one."""
    data = params.data if isinstance(params.data, dict) else {}
    state = ls.scheduler.states.get(str(data.get("uri", "")))
    if state is None:
        return params
    try:
        result = await ls.scheduler.current(state)
    except DocumentClosedError:
        return params
    target = ls.target(state, result)
    resolved = await ls.in_thread(functools.partial(actions.resolve, target, params))
    if resolved is None:
        log.info("the action %r no longer applies", params.title)
        return params
    return resolved


async def hover_finding(
    ls: PyprotocolServer, params: types.HoverParams
) -> types.Hover | None:
    """Explain the rule of the findings under the cursor."""
    state = ls.scheduler.states.get(params.text_document.uri)
    if state is None or not state.doc.checked:
        return None
    try:
        result = await ls.scheduler.current(state)
    except DocumentClosedError:
        return None
    position = params.position
    area = to_span(types.Range(start=position, end=position), result.index, ls.encoding)
    standing = ls.target(state, result).findings
    hits = [f for f in standing if actions.touches(f.span, area)]
    if not hits:
        return None
    return types.Hover(
        contents=types.MarkupContent(
            kind=types.MarkupKind.Markdown,
            value=hover.finding_markdown(hits, result.config.links),
        ),
        range=to_range(hits[0].span, result.index, ls.encoding),
    )


async def shutdown(ls: PyprotocolServer, params: None) -> None:
    """Stop checking: cancel timers and queued checks."""
    del params
    for uri in list(ls.scheduler.states):
        ls.scheduler.close(uri)
    ls.types.close_all()
    for executor in (ls.executor, ls.mypy_executor):
        executor.shutdown(wait=False, cancel_futures=True)


async def formatting(
    ls: PyprotocolServer, params: types.DocumentFormattingParams
) -> list[types.TextEdit] | None:
    """Format a whole document with ruff format, as minimal edits.

    A text that does not parse is left alone (no edits; the reason is logged).
    """
    uri = params.text_document.uri
    state = ls.scheduler.states.get(uri)
    if state is None or not state.doc.is_python:
        return None
    path = fs_path(uri)
    if not ls.settings_for(path).ruff:
        log.info("formatting %s: ruff is turned off (setting `ruff`)", uri)
        return None
    text, version = state.doc.text, state.doc.version
    try:
        return await ls.in_thread(
            functools.partial(format_edits, text, path or UNTITLED, ls.encoding)
        )
    except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
        log.warning("not formatting %s v%s: it does not parse (%s)", uri, version, err)
    except ruff.RuffError as err:
        ls.tool_health(ruff.SOURCE, str(err))
    return None


def format_edits(
    text: str, path: PurePath, encoding: Encoding
) -> list[types.TextEdit] | None:
    """The minimal edits that format a text with ruff format.

    Args:
        text: The document's text.
        path: Its path.
        encoding: The client's units.

    Returns:
        The edits (empty when the text is formatted already), or None when ruff
        printed nothing.

    Raises:
        SyntaxError: When the text does not parse (also ValueError, MemoryError,
            RecursionError, as :func:`ast.parse` raises them).
        RuffError: When ruff is missing or fails.
    """
    engine.parse(text)
    formatted = ruff.format_source(text, path)
    if not formatted:
        return None  # never replace a text with nothing
    return actions.text_edits(text, formatted, LineIndex(text), encoding)


# -- commands ------------------------------------------------------------------------
async def command_fix_all(ls: PyprotocolServer, uri: str) -> dict[str, object]:
    """``pyprotocol.fixAll``: apply every safe fix to a document via applyEdit."""
    state = ls.scheduler.states.get(uri)
    if state is None or not state.doc.is_python:
        return {"applied": False, "reason": "the document is not open"}
    result = await ls.scheduler.current(state)
    target = ls.target(state, result)
    action = types.CodeAction(
        title="Fix all", data={"uri": uri, "action": actions.ACTION_FIX_ALL}
    )
    resolved = await ls.in_thread(functools.partial(actions.resolve, target, action))
    if resolved is None or resolved.edit is None:
        return {"applied": False, "reason": "nothing to fix"}
    response = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=resolved.edit, label="pyprotocol: fix all")
    )
    return {"applied": bool(response.applied), "reason": response.failure_reason or ""}


def command_show_rule(ls: PyprotocolServer, code: str) -> dict[str, str] | None:
    """``pyprotocol.showRule``: a rule's explanation, as Markdown."""
    del ls
    rule = hover.find_rule(code)
    if rule is None:
        log.warning("showRule: no rule %r", code)
        return None
    return {
        "code": rule.code,
        "name": rule.name,
        "summary": rule.summary,
        "markdown": hover.rule_markdown(rule),
    }


async def command_restart(ls: PyprotocolServer) -> None:
    """``pyprotocol.restart``: forget cached policy and settings, check everything."""
    ls.configs.invalidate()
    ls.reported.clear()
    ls.failing.clear()
    await ls.refresh_settings()
    ls.recheck_all()
    log.info("checks restarted")


def command_document_hash(ls: PyprotocolServer, uri: str) -> dict[str, object] | None:
    r"""``pyprotocol.documentHash``: the server's copy of a document, as a hash.

    The hash is over the text's UTF-16 code units (little-endian), LSP's default
    position units, so a surrogate pair hashes the same whether it arrived as one
    character or as two ``\u`` escapes.

    Args:
        ls: The server.
        uri: The document.

    Returns:
        ``uri``, ``version``, ``sha256`` and ``length`` (UTF-16 code units), or None
        when the document is not open.
    """
    state = ls.scheduler.states.get(uri)
    if state is None:
        log.info("documentHash: %s is not open", uri)
        return None
    data = state.doc.text.encode("utf-16-le", "surrogatepass")
    return {
        "uri": uri,
        "version": state.doc.version,
        "sha256": hashlib.sha256(data).hexdigest(),
        "length": len(data) // 2,
    }


def create_server() -> PyprotocolServer:
    """Build the server with every feature registered.

    Returns:
        The server, ready to start.
    """
    server = PyprotocolServer()
    features: list[tuple[str, Callable[..., object], object]] = [
        (types.INITIALIZE, initialize, None),
        (types.INITIALIZED, initialized, None),
        (types.SHUTDOWN, shutdown, None),
        (types.TEXT_DOCUMENT_DID_OPEN, did_open, None),
        (types.TEXT_DOCUMENT_DID_CHANGE, did_change, None),
        (types.TEXT_DOCUMENT_DID_SAVE, did_save, types.SaveOptions(include_text=False)),
        (types.TEXT_DOCUMENT_DID_CLOSE, did_close, None),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, did_change_configuration, None),
        (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, did_change_watched_files, None),
        (types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, did_change_folders, None),
        (types.TEXT_DOCUMENT_HOVER, hover_finding, None),
        (types.TEXT_DOCUMENT_FORMATTING, formatting, types.DocumentFormattingOptions()),
    ]
    for method, handler, options in features:
        server.feature(method, options)(handler)
    server.command(CMD_FIX_ALL)(command_fix_all)
    server.command(CMD_SHOW_RULE)(command_show_rule)
    server.command(CMD_RESTART)(command_restart)
    server.command(CMD_DOCUMENT_HASH)(command_document_hash)
    return server
