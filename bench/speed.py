"""Editor-side speed of our server next to ``ruff server``, and ``check`` throughput.

One run starts each server configuration over stdio with a small JSON-RPC client of its
own (no editor library in the loop), on copies of three real files shipped with the
installed mypy: ``fscache.py`` (~300 lines), ``fastparse.py`` (~2,300) and
``checker.py`` (~9,600). Per file it measures

- ``open``: ``didOpen`` until the first diagnostics of version 1;
- ``mid`` / ``top`` edits: single-character edits, alternately inserted and deleted so
  the file stays valid: ``mid`` appends ``x`` to an identifier inside a function body
  past the middle of the file, ``top`` inserts an empty line after the first top-level
  statement (every line below moves). Each sample is ``didChange`` until the
  diagnostics of *that* version: a ``publishDiagnostics`` carrying the version (push
  mode), or the response to a ``textDocument/diagnostic`` sent right after the change
  (pull mode);
- ``burst``: 10 edits 30 ms apart, then the time from the last ``didChange`` until the
  diagnostics of the last version (push mode only: no backlog means close to one edit);
- quick-fix code action round trip (``fastparse.py``; eager: the client does not
  advertise ``codeAction/resolve``, so each response carries its edits);
- fix-all on ``checker.py``: the ``source.fixAll`` code action (eager), and for ours
  also the ``pyprotocol.fixAll`` command (with its ``workspace/applyEdit``);
- the server's RSS and peak RSS (``VmRSS``/``VmHWM``) after opening ``checker.py``,
  in the session and in a fresh server that opened only that file, and the peak at the
  end of the session (children such as our ruff runs not counted).

Sessions: ours in push mode with ``debounce: 0``, ours in push mode with the default
debounce, ours in pull mode, ``ruff server`` (all rules: ``lint.select = ["ALL"]``,
``lint.preview = false``) in push and pull mode. Ours runs with its defaults otherwise
(every own rule, ruff in the fast lane) and mypy off. Ratios compare ours to ruff in
the same mode (push: ours with ``debounce: 0``).

Then ``pyprotocol check`` throughput (lines/s) on a copy of the installed mypy
package, with ``--jobs 1`` and ``--jobs 2``, own rules only (``--no-ruff``) and with
ruff.

    uv run python bench/speed.py [--quick] [--json] [--edits N] [--files ...]
        [--sessions ...] [--no-throughput] [--no-fix-all] [--src DIR]

``--src`` runs our server and ``check`` from another source tree (a baseline made
with ``git archive HEAD src | tar -x -C DIR/..``) while the working tree changes.
bench/README.md says what each column means.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import mypy

#: An LSP message or part of one, read at known keys (the protocol is JSON).
type JSON = dict[str, Any]  # noqa: PP106

MYPY: Final = Path(mypy.__file__).parent
FILES: Final = {"small": "fscache.py", "medium": "fastparse.py", "large": "checker.py"}
#: The file the code action round trip is measured on, and the fix-all one.
CODE_ACTION_FILE: Final = "medium"
FIX_ALL_FILE: Final = "large"
TIMEOUT: Final = 120.0
FIX_ALL_TIMEOUT: Final = 600.0
BURST: Final = 10
BURST_GAP: Final = 0.03
RUFF_SETTINGS: Final[JSON] = {
    "settings": {
        "configurationPreference": "editorOnly",
        "lint": {"select": ["ALL"], "preview": False},
        "logLevel": "warn",
    }
}
_NOT_A_FIX: Final = ("suppress", "disable", "noqa", "ignore")


class LspError(Exception):
    """The server failed, answered with an error, or did not answer in time."""


@dataclass(frozen=True, slots=True)
class Session:
    """One server configuration to measure."""

    name: str
    label: str
    server: str
    pull: bool
    options: JSON
    #: Time fix-all here (it takes long: once per server).
    fix_all: bool = False


SESSIONS: Final = (
    Session(
        "ours-push",
        "ours, push, debounce 0",
        "ours",
        pull=False,
        options={"debounce": 0, "diagnostics": "push"},
        fix_all=True,
    ),
    Session(
        "ours-push-default",
        "ours, push, default debounce",
        "ours",
        pull=False,
        options={"diagnostics": "push"},
    ),
    Session(
        "ours-pull", "ours, pull", "ours", pull=True, options={"diagnostics": "pull"}
    ),
    Session(
        "ruff-push", "ruff server, push", "ruff", pull=False, options={}, fix_all=True
    ),
    Session("ruff-pull", "ruff server, pull", "ruff", pull=True, options={}),
)


# -- JSON-RPC over stdio ---------------------------------------------------------------
class Client:
    """A minimal LSP client: framing, requests, and the notifications it records."""

    def __init__(
        self, argv: Sequence[str], cwd: Path, env: dict[str, str] | None = None
    ) -> None:
        """Remember how to start the server.

        Args:
            argv: The server's command line.
            cwd: Its working directory.
            env: Its environment (default: this one's).
        """
        self.argv = list(argv)
        self.cwd = cwd
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.stderr: deque[str] = deque(maxlen=40)
        self.publishes: dict[str, list[tuple[float, int | None, list[JSON]]]] = {}
        self._pending: dict[int, asyncio.Future[tuple[float, object]]] = {}
        self._next_id = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._published = asyncio.Event()
        self._closed: str | None = None

    @property
    def pid(self) -> int:
        """The server's process id.

        Returns:
            The pid.

        Raises:
            LspError: When the server is not running.
        """
        if self.process is None:
            raise LspError("the server is not started")
        return self.process.pid

    async def start(self) -> None:
        """Start the server process and the reader tasks."""
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=1 << 26,
        )
        self._tasks = [
            asyncio.create_task(self._read()),
            asyncio.create_task(self._drain()),
        ]

    def _send(self, message: JSON) -> None:
        if self.process is None or self.process.stdin is None or self._closed:
            raise LspError(f"the server is gone: {self._closed}; {self.tail()}")
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: object) -> None:
        """Send a notification.

        Args:
            method: The LSP method.
            params: Its parameters.
        """
        self._send({"method": method, "params": params})

    async def request(
        self, method: str, params: object, wait: float = TIMEOUT
    ) -> tuple[float, object]:
        """Send a request and wait for its response.

        Args:
            method: The LSP method.
            params: Its parameters.
            wait: Seconds to wait.

        Returns:
            When the response arrived (``time.perf_counter``) and its result.

        Raises:
            LspError: On an error response, a dead server or a timeout.
        """
        self._next_id += 1
        number = self._next_id
        future: asyncio.Future[tuple[float, object]] = (
            asyncio.get_running_loop().create_future()
        )
        self._pending[number] = future
        self._send({"id": number, "method": method, "params": params})
        try:
            return await asyncio.wait_for(future, wait)
        except TimeoutError:
            raise LspError(f"{method}: no answer in {wait:.0f} s") from None
        finally:
            self._pending.pop(number, None)

    async def wait_publish(
        self, uri: str, version: int, wait: float = TIMEOUT
    ) -> tuple[float, list[JSON]]:
        """Wait for the diagnostics of one version of a document (push mode).

        Args:
            uri: The document.
            version: The version the diagnostics must be for.
            wait: Seconds to wait.

        Returns:
            When they arrived and the diagnostics.

        Raises:
            LspError: When they do not come in time or the server died.
        """
        deadline = time.perf_counter() + wait
        while True:
            for arrived, published, diagnostics in self.publishes.get(uri, []):
                if published == version:
                    return arrived, diagnostics
            if self._closed:
                raise LspError(f"the server is gone: {self._closed}; {self.tail()}")
            left = deadline - time.perf_counter()
            if left <= 0:
                raise LspError(f"no diagnostics for {uri} v{version} in {wait} s")
            self._published.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._published.wait(), left)

    def tail(self) -> str:
        """The last lines the server wrote to stderr.

        Returns:
            Them, joined.
        """
        return " | ".join(self.stderr)

    async def _read(self) -> None:
        assert self.process is not None
        assert self.process.stdout is not None
        stream = self.process.stdout
        try:
            while (body := await _read_message(stream)) is not None:
                arrived = time.perf_counter()
                self._dispatch(arrived, json.loads(body))
            self._closed = "end of output"
        except (asyncio.IncompleteReadError, ValueError) as err:
            self._closed = str(err) or type(err).__name__
        finally:
            self._closed = self._closed or "reader stopped"
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(
                        LspError(f"the server is gone: {self._closed}; {self.tail()}")
                    )
            self._published.set()

    def _dispatch(self, arrived: float, message: JSON) -> None:
        if "method" not in message:
            future = self._pending.get(message.get("id", -1))
            if future is None or future.done():
                return
            if "error" in message:
                future.set_exception(LspError(str(message["error"])))
            else:
                future.set_result((arrived, message.get("result")))
            return
        method = message["method"]
        params = message.get("params") or {}
        if "id" in message:
            self._send({"id": message["id"], "result": _answer(method, params)})
        elif method == "textDocument/publishDiagnostics":
            self.publishes.setdefault(params["uri"], []).append(
                (arrived, params.get("version"), params.get("diagnostics", []))
            )
            self._published.set()

    async def _drain(self) -> None:
        assert self.process is not None
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.stderr.append(line.decode(errors="replace").rstrip())

    async def close(self) -> None:
        """Shut the server down politely, then by force; stop the reader tasks."""
        process = self.process
        if process is None:
            return
        if process.returncode is None and not self._closed:
            with contextlib.suppress(LspError, OSError):
                await self.request("shutdown", None, wait=10)
                self.notify("exit", None)
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _read_message(stream: asyncio.StreamReader) -> bytes | None:
    """One message's body, or None at the end of the stream."""
    length = 0
    while (line := await stream.readline()) not in {b"\r\n", b"\n"}:
        if not line:
            return None
        name, _, value = line.decode("ascii").partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return await stream.readexactly(length)


def _answer(method: str, params: JSON) -> object:
    """What the client answers to a server's request."""
    if method == "workspace/configuration":
        return [None for _ in params.get("items", [])]
    if method == "workspace/applyEdit":
        return {"applied": True}
    return None


def memory_mib(pid: int) -> dict[str, float]:
    """Resident and peak resident memory of a process.

    Args:
        pid: The process.

    Returns:
        ``VmRSS`` and ``VmHWM`` in MiB (empty when /proc does not say).
    """
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return {}
    found: dict[str, float] = {}
    for line in text.splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            found[name] = int(value.split()[0]) / 1024
    return found


# -- inputs and edits ------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Edit:
    """A single-character edit and the edit that undoes it (LSP positions)."""

    insert: JSON
    delete: JSON


@dataclass(frozen=True, slots=True)
class Input:
    """One file to open, with where its edits go."""

    key: str
    path: Path
    text: str
    edits: dict[str, Edit]

    @property
    def uri(self) -> str:
        """The file's URI."""
        return self.path.as_uri()

    @property
    def lines(self) -> int:
        """How many lines it has."""
        return self.text.count("\n")


def _utf16(line: str, column: int) -> int:
    return len(line[:column].encode("utf-16-le")) // 2


def _position(line: int, character: int) -> JSON:
    return {"line": line, "character": character}


def edits_for(text: str) -> dict[str, Edit]:
    """Where the ``mid`` and ``top`` edits of a file go.

    Args:
        text: The file's text (it must parse).

    Returns:
        The ``mid`` edit (``x`` after an identifier read inside a function body, at or
        past the middle line) and the ``top`` one (an empty line after the first
        top-level statement).

    Raises:
        ValueError: When the file has no such identifier.
    """
    tree = ast.parse(text)
    lines = text.splitlines()
    middle = len(lines) // 2
    names = sorted(
        (node.lineno, node.col_offset, node.end_col_offset or 0)
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for statement in function.body
        for node in ast.walk(statement)
        if isinstance(node, ast.Name) and node.lineno >= middle
    )
    if not names:
        raise ValueError("no identifier inside a function past the middle")
    number, _, end = names[0]
    line = lines[number - 1]
    end_char = len(line.encode()[:end].decode())
    at = _position(number - 1, _utf16(line, end_char))
    after = _position(number - 1, _utf16(line, end_char) + 1)
    mid = Edit(
        insert={"range": {"start": at, "end": at}, "text": "x"},
        delete={"range": {"start": at, "end": after}, "text": ""},
    )
    first = tree.body[0].end_lineno or 1
    top_at = _position(first, 0)
    top = Edit(
        insert={"range": {"start": top_at, "end": top_at}, "text": "\n"},
        delete={"range": {"start": top_at, "end": _position(first + 1, 0)}, "text": ""},
    )
    return {"mid": mid, "top": top}


def copy_inputs(keys: Sequence[str], root: Path) -> list[Input]:
    """Copy the chosen files from the installed mypy into a folder.

    Args:
        keys: ``small``, ``medium`` and/or ``large``.
        root: The folder.

    Returns:
        The inputs, smallest first.
    """
    inputs = []
    for key in FILES:
        if key not in keys:
            continue
        target = root / FILES[key]
        shutil.copy(MYPY / FILES[key], target)
        text = target.read_text(encoding="utf-8")
        inputs.append(Input(key, target, text, edits_for(text)))
    return inputs


# -- one session -----------------------------------------------------------------------
def _server_argv(server: str) -> list[str]:
    if server == "ours":
        return [sys.executable, "-m", "pyprotocol.server"]
    return [ruff_binary(), "server"]


def source_env(src: Path | None) -> dict[str, str] | None:
    """The environment that runs pyprotocol from another source tree.

    Args:
        src: A folder holding the ``pyprotocol`` package (such as the ``src`` of a
            ``git archive`` of the baseline); None for the installed one.

    Returns:
        The environment, or None to inherit this one.
    """
    if src is None:
        return None
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(src), path]))}


def ruff_binary() -> str:
    """The ruff executable of this environment.

    Returns:
        Its path.

    Raises:
        LspError: When there is none.
    """
    beside = Path(sys.executable).with_name("ruff")
    if beside.exists():
        return str(beside)
    found = shutil.which("ruff")
    if found is None:
        raise LspError("no ruff executable")
    return found


def capabilities(*, pull: bool) -> JSON:
    """The client capabilities sent: an editor's, with or without pull diagnostics.

    Args:
        pull: Advertise ``textDocument/diagnostic``.

    Returns:
        The capabilities.
    """
    text: JSON = {
        "synchronization": {"didSave": True, "dynamicRegistration": False},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
        "codeAction": {
            "codeActionLiteralSupport": {
                "codeActionKind": {"valueSet": ["", "quickfix", "source"]}
            },
            "isPreferredSupport": True,
            "dataSupport": True,
        },
    }
    if pull:
        text["diagnostic"] = {"dynamicRegistration": False}
    return {
        "textDocument": text,
        "workspace": {
            "applyEdit": True,
            "workspaceEdit": {"documentChanges": True},
            "configuration": True,
        },
        "general": {"positionEncodings": ["utf-16"]},
    }


@dataclass(slots=True)
class Runner:
    """A started server in one session, and what it has measured."""

    session: Session
    client: Client
    edits: int
    bursts: int
    versions: dict[str, int] = field(default_factory=dict)

    async def diagnostics(self, uri: str, version: int) -> tuple[float, list[JSON]]:
        """The diagnostics of one version, the session's way (push or pull).

        Args:
            uri: The document.
            version: Its current version.

        Returns:
            When they arrived, and them.

        Raises:
            LspError: When the server answers with something else.
        """
        if not self.session.pull:
            return await self.client.wait_publish(uri, version)
        arrived, report = await self.client.request(
            "textDocument/diagnostic", {"textDocument": {"uri": uri}}
        )
        if not isinstance(report, dict) or report.get("kind") != "full":
            raise LspError(f"unexpected diagnostic report: {report!r:.200}")
        return arrived, list(report.get("items", []))

    def change(self, uri: str, change: JSON) -> tuple[int, float]:
        """Send one ``didChange``.

        Args:
            uri: The document.
            change: The content change.

        Returns:
            The new version and when it was sent.
        """
        version = self.versions[uri] = self.versions[uri] + 1
        sent = time.perf_counter()
        self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [change],
            },
        )
        return version, sent

    async def open(self, item: Input) -> tuple[float, list[JSON]]:
        """Open a file and wait for its first diagnostics.

        Args:
            item: The file.

        Returns:
            Seconds to the first diagnostics, and them.
        """
        self.versions[item.uri] = 1
        sent = time.perf_counter()
        self.client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": item.uri,
                    "languageId": "python",
                    "version": 1,
                    "text": item.text,
                }
            },
        )
        arrived, found = await self.diagnostics(item.uri, 1)
        return arrived - sent, found

    async def typing(self, item: Input, where: str) -> list[float]:
        """Time single-character edits, one at a time, inserted then deleted.

        Args:
            item: The open file.
            where: ``mid`` or ``top``.

        Returns:
            Seconds from each ``didChange`` to the diagnostics of its version.
        """
        edit = item.edits[where]
        samples = []
        for number in range(self.edits):
            change = edit.insert if number % 2 == 0 else edit.delete
            version, sent = self.change(item.uri, change)
            arrived, _ = await self.diagnostics(item.uri, version)
            samples.append(arrived - sent)
        if self.edits % 2:
            version, _ = self.change(item.uri, edit.delete)
            await self.diagnostics(item.uri, version)
        return samples

    async def burst(self, item: Input) -> list[float]:
        """Time bursts of edits: from the last ``didChange`` to its diagnostics.

        Args:
            item: The open file.

        Returns:
            Seconds, one per burst.
        """
        edit = item.edits["mid"]
        samples = []
        for _ in range(self.bursts):
            sent, version = 0.0, 0
            for number in range(BURST):
                change = edit.insert if number % 2 == 0 else edit.delete
                version, sent = self.change(item.uri, change)
                if number < BURST - 1:
                    await asyncio.sleep(BURST_GAP)
            arrived, _ = await self.diagnostics(item.uri, version)
            samples.append(arrived - sent)
        return samples

    async def code_actions(
        self, item: Input, found: list[JSON], repeats: int
    ) -> dict[str, JSON]:
        """Time the quick-fix code action on diagnostics that have a real fix.

        One diagnostic per source (own rules, ruff): the nearest to the middle of the
        file whose quick fixes include one that is not a suppression.

        Args:
            item: The open file.
            found: Its current diagnostics.
            repeats: How many round trips to time.

        Returns:
            Per diagnostic source: the diagnostic's code, the action's title and the
            round trips in seconds.
        """
        middle = item.lines // 2
        candidates = sorted(
            found, key=lambda d: abs(d["range"]["start"]["line"] - middle)
        )
        timed: dict[str, JSON] = {}
        tried: dict[str, int] = {}
        for diagnostic in candidates:
            source = str(diagnostic.get("source"))
            if source in timed or tried.get(source, 0) >= 20:
                continue
            tried[source] = tried.get(source, 0) + 1
            params = {
                "textDocument": {"uri": item.uri},
                "range": diagnostic["range"],
                "context": {"diagnostics": [diagnostic], "only": ["quickfix"]},
            }
            _, offered = await self.client.request("textDocument/codeAction", params)
            title = _fix_title(_list(offered))
            if title is None:
                continue
            samples = []
            for _ in range(repeats):
                sent = time.perf_counter()
                arrived, _ = await self.client.request(
                    "textDocument/codeAction", params
                )
                samples.append(arrived - sent)
            timed[source] = {
                "code": diagnostic.get("code"),
                "line": diagnostic["range"]["start"]["line"] + 1,
                "title": title,
                **summary(samples),
            }
        return timed

    async def fix_all(self, item: Input) -> JSON:
        """Time fix-all on a file: the code action, and our command.

        Args:
            item: The open file.

        Returns:
            Seconds for the ``source.fixAll`` code action (with its edit), its number
            of edits, and for ours the ``pyprotocol.fixAll`` command's seconds.
        """
        kind = "source.fixAll." + (
            "pyprotocol" if self.session.server == "ours" else "ruff"
        )
        last = item.text.count("\n")
        params = {
            "textDocument": {"uri": item.uri},
            "range": {"start": _position(0, 0), "end": _position(last, 0)},
            "context": {"diagnostics": [], "only": [kind]},
        }
        sent = time.perf_counter()
        arrived, offered = await self.client.request(
            "textDocument/codeAction", params, wait=FIX_ALL_TIMEOUT
        )
        result: JSON = {"action": arrived - sent, "edits": _edit_count(_list(offered))}
        if self.session.server == "ours":
            sent = time.perf_counter()
            arrived, answer = await self.client.request(
                "workspace/executeCommand",
                {"command": "pyprotocol.fixAll", "arguments": [item.uri]},
                wait=FIX_ALL_TIMEOUT,
            )
            result["command"] = arrived - sent
            result["command_result"] = answer
        return result

    def close(self, item: Input) -> None:
        """Close a file.

        Args:
            item: The file.
        """
        self.client.notify("textDocument/didClose", {"textDocument": {"uri": item.uri}})


def _fix_title(offered: list[JSON]) -> str | None:
    for action in offered:
        title = str(action.get("title", ""))
        if action.get("edit") and not any(w in title.lower() for w in _NOT_A_FIX):
            return title
    return None


def _edit_count(offered: list[JSON]) -> int:
    count = 0
    for action in offered:
        edit = action.get("edit") or {}
        for change in edit.get("documentChanges", []):
            count += len(change.get("edits", []))
        for edits in (edit.get("changes") or {}).values():
            count += len(edits)
    return count


def summary(samples: Sequence[float]) -> JSON:
    """The p50, p90 and maximum of samples, in milliseconds.

    Args:
        samples: Seconds.

    Returns:
        ``n``, ``p50``, ``p90``, ``max`` (ms) and the samples (ms).
    """
    if not samples:
        return {"n": 0}
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered) * 1000,
        "p90": p90 * 1000,
        "max": ordered[-1] * 1000,
        "samples": [round(s * 1000, 2) for s in samples],
    }


async def run_session(
    session: Session, inputs: Sequence[Input], root: Path, options: argparse.Namespace
) -> JSON:
    """Start one server configuration and measure every file.

    Args:
        session: The configuration.
        inputs: The files, smallest first.
        root: The workspace folder.
        options: The command line (``edits``, ``repeats``, ``log``).

    Returns:
        The figures per file, and memory; ``error`` when the server failed.
    """
    env = source_env(options.src) if session.server == "ours" else None
    client = Client(_server_argv(session.server), root, env)
    runner = Runner(session, client, options.edits, options.bursts)
    result: JSON = {"label": session.label, "server": session.server, "files": {}}
    try:
        await client.start()
        result.update(await _initialize(client, session, root))
        for item in inputs:
            result["files"][item.key] = await _measure_file(runner, item, options)
        result["memory_end"] = memory_mib(client.pid)
    except LspError as err:
        result["error"] = f"{err} [stderr: {client.tail()}]"
    finally:
        await client.close()
    return result


async def _initialize(client: Client, session: Session, root: Path) -> JSON:
    init = (
        RUFF_SETTINGS
        if session.server == "ruff"
        else {"logLevel": "warning", "mypy": {"enabled": False}, **session.options}
    )
    started = time.perf_counter()
    _, answer = await client.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": root.as_uri(),
            "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
            "capabilities": capabilities(pull=session.pull),
            "initializationOptions": init,
        },
    )
    client.notify("initialized", {})
    elapsed = time.perf_counter() - started
    provider = _dict(_dict(answer).get("capabilities")).get("diagnosticProvider")
    return {
        "initialize_ms": elapsed * 1000,
        "server_pull_support": provider is not None,
        "memory_after_initialize": memory_mib(client.pid),
        "server_info": _dict(answer).get("serverInfo"),
    }


def _dict(value: object) -> JSON:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[JSON]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


async def _measure_file(
    runner: Runner, item: Input, options: argparse.Namespace
) -> JSON:
    opened, found = await runner.open(item)
    figures: JSON = {"open_ms": opened * 1000, "diagnostics": len(found)}
    if item.key == FIX_ALL_FILE:
        figures["memory_after_open"] = memory_mib(runner.client.pid)
    for where in item.edits:
        figures[where] = summary(await runner.typing(item, where))
    if not runner.session.pull and runner.bursts:
        figures["burst"] = summary(await runner.burst(item))
    if item.key == CODE_ACTION_FILE:
        _, found = await runner.diagnostics(item.uri, runner.versions[item.uri])
        figures["code_actions"] = await runner.code_actions(
            item, found, options.repeats
        )
    if item.key == FIX_ALL_FILE and options.fix_all and runner.session.fix_all:
        figures["fix_all"] = await runner.fix_all(item)
        figures["memory_after_fix_all"] = memory_mib(runner.client.pid)
    runner.close(item)
    return figures


# -- throughput ------------------------------------------------------------------------
def count_lines(tree: Path) -> int:
    """The lines of the Python files under a folder.

    Args:
        tree: The folder.

    Returns:
        How many.
    """
    return sum(
        p.read_text(encoding="utf-8", errors="replace").count("\n")
        for p in tree.rglob("*.py")
    )


async def throughput(
    tree: Path, lines: int, jobs: Sequence[int], src: Path | None = None
) -> list[JSON]:
    """``pyprotocol check`` lines per second on a tree.

    Args:
        tree: The folder (outside any virtualenv, or ``check`` skips it).
        lines: How many lines its Python files have.
        jobs: The ``--jobs`` values to try.
        src: Run pyprotocol from this source tree (see :func:`source_env`).

    Returns:
        One row per run: ruff on or off, jobs, lines, seconds, lines/s, findings.
    """
    rows = []
    for ruff in (False, True):
        for count in jobs:
            argv = [sys.executable, "-m", "pyprotocol", "check", "--format", "json"]
            argv += ["--jobs", str(count), *([] if ruff else ["--no-ruff"]), str(tree)]
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env=source_env(src),
            )
            stdout, _ = await process.communicate()
            seconds = time.perf_counter() - started
            try:
                findings: int | None = len(json.loads(stdout))
            except ValueError:
                findings = None
            rows.append(
                {
                    "ruff": ruff,
                    "jobs": count,
                    "lines": lines,
                    "seconds": seconds,
                    "lines_per_s": lines / seconds,
                    "findings": findings,
                    "exit": process.returncode,
                }
            )
    return rows


# -- report ----------------------------------------------------------------------------
def _cell(figures: object) -> str:
    if not isinstance(figures, dict) or not figures.get("n"):
        return "-"
    return "/".join(_ms(figures[key]) for key in ("p50", "p90", "max"))


def _get(results: JSON, session: str, key: str, *path: str) -> object:
    node: object = results["sessions"].get(session, {}).get("files", {}).get(key)
    for step in path:
        if not isinstance(node, dict):
            return None
        node = node.get(step)
    return node


def _ratio(ours: object, ruff: object) -> str:
    if (
        not isinstance(ours, float | int)
        or not isinstance(ruff, float | int)
        or not ruff
    ):
        return "-"
    return f"{ours / ruff:.1f}x"


def _ms(value: object) -> str:
    if not isinstance(value, float | int):
        return "-"
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(results: JSON) -> str:
    """The results as Markdown tables.

    Args:
        results: What :func:`main` collected.

    Returns:
        The text.
    """
    sessions = [s for s in SESSIONS if s.name in results["sessions"]]
    machine = results["machine"]
    infos = [_dict(s.get("server_info")) for s in results["sessions"].values()]
    servers = sorted({f"{i.get('name')} {i.get('version')}" for i in infos if i})
    out = [
        f"{', '.join(servers)}; {machine['cpus']} CPUs; {machine['load']} at the "
        f"start, {str(machine.get('load_end', '?')).rpartition(': ')[2]} at the end"
    ]
    out.append("")
    out.append("didChange -> diagnostics of that version, ms p50/p90/max")
    header = ["file", "lines", "edit", *(s.label for s in sessions)]
    header += ["ours/ruff push p50", "ours/ruff pull p50"]
    rows = []
    for item in results["files"]:
        for where in ("mid", "top"):
            row = [item["name"], str(item["lines"]), where]
            row += [_cell(_get(results, s.name, item["key"], where)) for s in sessions]
            for mode in ("push", "pull"):
                ours = _get(results, f"ours-{mode}", item["key"], where, "p50")
                ruff = _get(results, f"ruff-{mode}", item["key"], where, "p50")
                row.append(_ratio(ours, ruff))
            rows.append(row)
    out += _table(header, rows)
    out.append("")
    out.append(
        "didOpen -> first diagnostics (ms), diagnostics on open, and a burst of 10 "
        "edits 30 ms apart: last didChange -> its diagnostics (ms p50/p90/max)"
    )
    header = ["file", *(f"open: {s.label}" for s in sessions)]
    header += ["open ours/ruff push", "count ours", "count ruff"]
    header += [f"burst: {s.label}" for s in sessions if not s.pull]
    rows = []
    for item in results["files"]:
        key = item["key"]
        row = [item["name"]]
        row += [_ms(_get(results, s.name, key, "open_ms")) for s in sessions]
        row.append(
            _ratio(
                _get(results, "ours-push", key, "open_ms"),
                _get(results, "ruff-push", key, "open_ms"),
            )
        )
        row.append(str(_get(results, "ours-push", key, "diagnostics") or "-"))
        row.append(str(_get(results, "ruff-push", key, "diagnostics") or "-"))
        row += [
            _cell(_get(results, s.name, key, "burst")) for s in sessions if not s.pull
        ]
        rows.append(row)
    out += _table(header, rows)
    out.append("")
    out += _actions_and_memory(results, sessions)
    if results.get("throughput"):
        out.append("")
        out.append(f"pyprotocol check on {results['throughput_tree']}")
        header = ["sources", "jobs", "lines", "seconds", "lines/s", "findings", "exit"]
        rows = [
            [
                "own rules + ruff" if row["ruff"] else "own rules (--no-ruff)",
                str(row["jobs"]),
                str(row["lines"]),
                f"{row['seconds']:.1f}",
                f"{row['lines_per_s']:.0f}",
                str(row["findings"]),
                str(row["exit"]),
            ]
            for row in results["throughput"]
        ]
        out += _table(header, rows)
    out.extend(
        f"\nERROR in {name}: {session['error']}"
        for name, session in results["sessions"].items()
        if session.get("error")
    )
    return "\n".join(out)


def _actions_and_memory(results: JSON, sessions: Sequence[Session]) -> list[str]:
    medium = FILES[CODE_ACTION_FILE]
    large = FILES[FIX_ALL_FILE]
    out = [
        f"code action round trip (quickfix, eager: edits included) on {medium}, "
        "one diagnostic per source, ms p50/p90/max"
    ]
    rows = []
    for session in sessions:
        timed = _dict(_get(results, session.name, CODE_ACTION_FILE, "code_actions"))
        rows += [
            [
                session.label,
                source,
                f"{action['code']} line {action['line']}",
                str(action["title"])[:60],
                _cell(action),
            ]
            for source, action in timed.items()
            if isinstance(action, dict)
        ]
    out += _table(["session", "source", "diagnostic", "action", "ms"], rows)
    out.append("")
    out.append(
        f"fix-all on {large}: the source.fixAll code action (eager) and the "
        "pyprotocol.fixAll command, ms; server memory, MiB: RSS and peak (VmHWM) "
        f"of a fresh server that opened only {large}; in the session, right after "
        f"opening {large} (other files were open and edited before), and the peak at "
        "the end of the session"
    )
    header = ["session", "fix-all action", "edits", "fixAll command"]
    header += ["fresh RSS", "fresh peak", "RSS", "peak", "peak end"]
    rows = []
    for session in sessions:
        data = results["sessions"][session.name]
        fix = _dict(_get(results, session.name, FIX_ALL_FILE, "fix_all"))
        memory = _dict(_get(results, session.name, FIX_ALL_FILE, "memory_after_open"))
        end = data.get("memory_end") or {}
        fresh = _dict(data.get("fresh_memory"))
        rows.append(
            [
                session.label,
                _ms(fix["action"] * 1000) if "action" in fix else "-",
                str(fix.get("edits", "-")),
                _ms(fix["command"] * 1000) if "command" in fix else "-",
                _ms(fresh.get("VmRSS")),
                _ms(fresh.get("VmHWM")),
                _ms(memory.get("VmRSS")),
                _ms(memory.get("VmHWM")),
                _ms(end.get("VmHWM")),
            ]
        )
    return [*out, *_table(header, rows)]


# -- main ------------------------------------------------------------------------------
def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few edits, small tree")
    parser.add_argument("--json", action="store_true", help="print JSON, not tables")
    parser.add_argument("--edits", type=int, help="edits per file and variant")
    parser.add_argument("--repeats", type=int, help="code action round trips")
    parser.add_argument("--bursts", type=int, help="bursts of 10 edits per file")
    parser.add_argument(
        "--files", nargs="+", choices=list(FILES), default=list(FILES), help="inputs"
    )
    parser.add_argument(
        "--sessions",
        nargs="+",
        choices=[s.name for s in SESSIONS],
        default=[s.name for s in SESSIONS],
        help="server configurations",
    )
    parser.add_argument("--no-throughput", action="store_true", help="skip `check`")
    parser.add_argument(
        "--src",
        type=Path,
        help="run our server and `check` from this source tree, e.g. the src folder "
        "of `git archive HEAD src` (default: the installed pyprotocol)",
    )
    parser.add_argument("--no-fix-all", action="store_true", help="skip fix-all")
    options = parser.parse_args(argv)
    options.edits = options.edits or (4 if options.quick else 30)
    options.repeats = options.repeats or (3 if options.quick else 20)
    if options.bursts is None:
        options.bursts = 1 if options.quick else 3
    options.fix_all = not options.no_fix_all
    return options


def _machine() -> JSON:
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    return {
        "load": f"load average (1, 5, 15 min): {load}",
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
    }


async def _sessions(
    options: argparse.Namespace,
    root: Path,
    inputs: Sequence[Input],
    log: Callable[[str], None],
) -> JSON:
    results: JSON = {}
    large = [item for item in inputs if item.key == FIX_ALL_FILE]
    for session in SESSIONS:
        if session.name in options.sessions:
            log(f"session {session.label} ...")
            results[session.name] = await run_session(session, inputs, root, options)
            if session.fix_all and large:
                results[session.name]["fresh_memory"] = await fresh_memory(
                    session, large[0], root, options
                )
    return results


async def fresh_memory(
    session: Session, item: Input, root: Path, options: argparse.Namespace
) -> JSON:
    """The memory of a fresh server that opened one file and checked it.

    Args:
        session: The server configuration.
        item: The file.
        root: The workspace folder.
        options: The command line (``src``).

    Returns:
        ``VmRSS`` and ``VmHWM`` in MiB once the first diagnostics came (and a
        second more), or ``error``.
    """
    env = source_env(options.src) if session.server == "ours" else None
    client = Client(_server_argv(session.server), root, env)
    runner = Runner(session, client, 0, 0)
    try:
        await client.start()
        await _initialize(client, session, root)
        await runner.open(item)
        await asyncio.sleep(1)
        return memory_mib(client.pid)
    except LspError as err:
        return {"error": str(err)}
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print its tables (or JSON).

    Args:
        argv: The command line (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 1 when a session failed.
    """
    options = _arguments(argv)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results: JSON = {
        "machine": _machine(),
        "options": {
            "edits": options.edits,
            "repeats": options.repeats,
            "bursts": options.bursts,
            "src": str(options.src) if options.src else None,
        },
    }
    with tempfile.TemporaryDirectory(prefix="pyprotocol-speed-") as scratch:
        root = Path(scratch) / "workspace"
        root.mkdir()
        inputs = copy_inputs(options.files, root)
        results["files"] = [
            {"key": i.key, "name": i.path.name, "lines": i.lines} for i in inputs
        ]
        results["sessions"] = asyncio.run(_sessions(options, root, inputs, log))
        if not options.no_throughput:
            tree = Path(scratch) / "tree"
            source = MYPY / "plugins" if options.quick else MYPY
            shutil.copytree(
                source, tree, ignore=shutil.ignore_patterns("__pycache__", "*.so")
            )
            results["throughput_tree"] = f"mypy/{source.relative_to(MYPY)}".rstrip("/.")
            log("check throughput ...")
            results["throughput"] = asyncio.run(
                throughput(tree, count_lines(tree), (1, 2), options.src)
            )
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    results["machine"]["load_end"] = f"load average (1, 5, 15 min): {load}"
    print(json.dumps(results, indent=1) if options.json else render(results))
    return 1 if any(s.get("error") for s in results["sessions"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
