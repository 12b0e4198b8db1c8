"""A bare JSON-RPC client over the real server's stdio, for fuzzing and misbehaviour.

pygls's and pytest-lsp's clients validate and structure every message, so they cannot
send what a misbehaving editor sends (unknown methods, wrong types, lone surrogates).
This client writes JSON itself: text is sent as UTF-8, and a lone surrogate, which
UTF-8 cannot carry, as a ``\\udXXX`` escape, the way ``JSON.stringify`` writes it.
It answers the server's requests (configuration, registration, progress, applyEdit)
and keeps every notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

SERVER_COMMAND: Final = (sys.executable, "-m", "pyprotocol.server")
TIMEOUT: Final = 60.0
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
_HEADER: Final = re.compile(rb"Content-Length: (\d+)")

type Json = Any


class ServerDiedError(Exception):
    """The server process exited (or closed its output) during a session."""


def encode(message: Json) -> bytes:
    """Frame one message: UTF-8 JSON, lone surrogates as ``\\u`` escapes.

    Args:
        message: The JSON value.

    Returns:
        The header and body.
    """
    body = json.dumps(message, ensure_ascii=False)
    body = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", body)
    data = body.encode("utf-8")
    return b"Content-Length: %d\r\n\r\n%s" % (len(data), data)


def client_capabilities() -> Json:
    """What the raw client advertises: push diagnostics with versions, applyEdit."""
    return {
        "workspace": {
            "configuration": True,
            "applyEdit": True,
            "workspaceEdit": {"documentChanges": True},
        },
        "textDocument": {
            "publishDiagnostics": {"versionSupport": True},
            "codeAction": {"dataSupport": True},
            "hover": {"contentFormat": ["markdown"]},
        },
        "window": {"workDoneProgress": True},
    }


@dataclass(slots=True)
class RawServer:
    """One server process and what it sent."""

    process: asyncio.subprocess.Process
    notifications: list[Json] = field(default_factory=list)
    applied: list[Json] = field(default_factory=list)
    stderr: bytearray = field(default_factory=bytearray)
    _pending: dict[int, asyncio.Future[Json]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _closed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def start(
        cls,
        root: Path,
        options: Json = None,
        capabilities: Json = None,
        env: dict[str, str] | None = None,
    ) -> RawServer:
        """Start the server and initialise a session.

        Args:
            root: The workspace folder.
            options: ``initializationOptions``.
            capabilities: The client capabilities (default:
                :func:`client_capabilities`).
            env: The server's environment (default: this process's).

        Returns:
            The running server.
        """
        process = await asyncio.create_subprocess_exec(
            *SERVER_COMMAND,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=2**26,
            env=env,
        )
        server = cls(process)
        server._tasks = [
            asyncio.create_task(server._read()),
            asyncio.create_task(server._drain_stderr()),
        ]
        answer = await server.request(
            "initialize",
            {
                "processId": None,
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": capabilities or client_capabilities(),
                "initializationOptions": options,
            },
        )
        assert "result" in answer, answer
        server.notify("initialized", {})
        return server

    # -- sending ---------------------------------------------------------------------
    def send(self, message: Json) -> None:
        """Write one message as it is.

        Args:
            message: The JSON value.

        Raises:
            ServerDiedError: If the server is gone.
        """
        self.write(encode(message))

    def write(self, data: bytes) -> None:
        """Write raw bytes to the server's input.

        Args:
            data: The bytes (framing included).

        Raises:
            ServerDiedError: If the server is gone.
        """
        stdin = self.process.stdin
        if stdin is None or stdin.is_closing() or self._closed.is_set():
            raise ServerDiedError(self.describe())
        stdin.write(data)

    def notify(self, method: str, params: Json) -> None:
        """Send a notification.

        Args:
            method: The method.
            params: Its parameters.
        """
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params: Json, limit: float = TIMEOUT) -> Json:
        """Send a request and wait for its response.

        Args:
            method: The method.
            params: Its parameters.
            limit: Seconds to wait.

        Returns:
            The whole response message (``result`` or ``error``).

        Raises:
            ServerDiedError: If the server exits first.
            TimeoutError: If no response comes in time.
        """
        number = next(self._ids)
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        self.send({"jsonrpc": "2.0", "id": number, "method": method, "params": params})
        try:
            return await asyncio.wait_for(future, limit)
        except TimeoutError:
            if self._closed.is_set():
                raise ServerDiedError(self.describe()) from None
            msg = f"no response to {method} in {limit}s"
            raise TimeoutError(msg) from None
        finally:
            self._pending.pop(number, None)

    async def result(self, method: str, params: Json) -> Json:
        """Send a request that must succeed.

        Args:
            method: The method.
            params: Its parameters.

        Returns:
            Its result.
        """
        answer = await self.request(method, params)
        assert "error" not in answer, f"{method} failed: {answer['error']}"
        return answer.get("result")

    # -- what came back --------------------------------------------------------------
    def publishes(self, uri: str) -> list[Json]:
        """The ``publishDiagnostics`` params for one document, oldest first.

        Args:
            uri: The document.

        Returns:
            The params.
        """
        return [
            n["params"]
            for n in self.notifications
            if n.get("method") == "textDocument/publishDiagnostics"
            and n["params"]["uri"] == uri
        ]

    def logs(self) -> list[str]:
        """The ``window/logMessage`` and ``window/showMessage`` texts so far."""
        return [
            n["params"]["message"]
            for n in self.notifications
            if n.get("method") in {"window/logMessage", "window/showMessage"}
        ]

    @property
    def alive(self) -> bool:
        """The process runs and its output is open."""
        return self.process.returncode is None and not self._closed.is_set()

    def describe(self) -> str:
        """The process's state and the end of its stderr, for failure messages."""
        tail = self.stderr[-3000:].decode("utf-8", "replace")
        return f"server exit code {self.process.returncode}; stderr:\n{tail}"

    async def stop(self) -> int | None:
        """Shut the session down and wait for the process (killed if it hangs).

        Returns:
            The exit code.
        """
        with contextlib.suppress(ServerDiedError, TimeoutError):
            await self.request("shutdown", None, limit=10)
            self.notify("exit", None)
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        for task in self._tasks:
            task.cancel()
        return self.process.returncode

    # -- reading ---------------------------------------------------------------------
    async def _read(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                length = 0
                while True:
                    line = await stdout.readline()
                    if not line:
                        return
                    if match := _HEADER.match(line):
                        length = int(match.group(1))
                    elif line in {b"\r\n", b"\n"}:
                        break
                body = await stdout.readexactly(length)
                self._dispatch(json.loads(body))
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self._closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ServerDiedError(self.describe()))

    def _dispatch(self, message: Json) -> None:
        if "method" not in message:
            future = self._pending.get(message.get("id"))
            if future is not None and not future.done():
                future.set_result(message)
            return
        if "id" not in message:
            self.notifications.append(message)
            return
        self.send(
            {"jsonrpc": "2.0", "id": message["id"], "result": self._answer(message)}
        )

    def _answer(self, message: Json) -> Json:
        method, params = message["method"], message.get("params") or {}
        if method == "workspace/configuration":
            return [None for _ in params.get("items", [])]
        if method == "workspace/applyEdit":
            self.applied.append(params)
            return {"applied": True}
        return None

    async def _drain_stderr(self) -> None:
        stderr = self.process.stderr
        assert stderr is not None
        while chunk := await stderr.read(65536):
            self.stderr.extend(chunk)
