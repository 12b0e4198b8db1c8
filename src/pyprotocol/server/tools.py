"""ruff in the fast lane: started before the own rules run, collected after them.

``ruff check`` and ``ruff format`` are subprocesses: they work on the buffer while
this process runs the own rules, and their output is read afterwards. No thread
waits on them. Their findings then pass the same ``select``/``ignore`` and
``# noqa`` filters as in :func:`pyprotocol.engine.analyse` with ``tools=True``.

A hung ruff must not hold the own findings back: the lane waits at most
:data:`WAIT_SECONDS` for it once the own rules are done, and after a timeout it
runs without ruff for :data:`RETRY_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final, Self

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.model import Finding
from pyprotocol.positions import LineIndex
from pyprotocol.sources import ruff

#: How long the fast lane waits for ruff once the own rules are done.
WAIT_SECONDS: Final = 5.0
#: After ruff timed out, the fast lane runs without it for this long.
RETRY_SECONDS: Final = 60.0


class _Pause:
    """Until when ruff is left out of the fast lane (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def active(self) -> bool:
        with self._lock:
            return time.monotonic() < self._until

    def start(self) -> None:
        with self._lock:
            self._until = time.monotonic() + RETRY_SECONDS


_PAUSE: Final = _Pause()


@dataclass(slots=True)
class RuffRun:
    """ruff's lint and format processes for one snapshot of a buffer."""

    lint: ruff.Started | None
    formatting: ruff.Started | None
    error: str | None = None

    @classmethod
    def start(cls, source: str, path: PurePath, config: Config) -> Self:
        """Start both processes on a text.

        Args:
            source: The buffer's text.
            path: Its path.
            config: The configuration.

        Returns:
            The run; its ``error`` says why ruff could not start. Nothing starts
            while ruff is paused after a timeout.
        """
        if _PAUSE.active():
            return cls(None, None)
        try:
            lint = ruff.start_check(source, path, config)
        except ruff.RuffError as err:
            return cls(None, None, str(err))
        try:
            formatting = ruff.start_format(source, path)
        except ruff.RuffError as err:
            lint.cancel()
            return cls(None, None, str(err))
        return cls(lint, formatting)

    def cancel(self) -> None:
        """Stop both processes (the text did not parse)."""
        for started in (self.lint, self.formatting):
            if started is not None:
                started.cancel()

    def collect(
        self,
        source: str,
        path: PurePath,
        config: Config,
        index: LineIndex | None = None,
    ) -> tuple[list[Finding], str | None]:
        """Wait for both processes and read their findings.

        Args:
            source: The text they ran on.
            path: Its path.
            config: The configuration.
            index: The text's line index, when the caller has one already.

        Returns:
            The findings that pass the configuration and ``# noqa`` comments, and
            ruff's failure: "" when it worked, None when it was paused.
        """
        if self.lint is None or self.formatting is None:
            return [], self.error
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            found = ruff.check_result(self.lint, config, WAIT_SECONDS)
            left = max(deadline - time.monotonic(), 0.01)
            formatted = ruff.format_result(self.formatting, left)
        except ruff.RuffTimeoutError as err:
            self.cancel()
            _PAUSE.start()
            return [], f"{err}; the checks go on without ruff for {RETRY_SECONDS:g} s"
        except ruff.RuffError as err:
            self.cancel()
            return [], str(err)
        unformatted = ruff.unformatted_finding(source, formatted, config)
        if unformatted is not None:
            found.append(unformatted)
        lines = (index or LineIndex(source)).lines
        suppressions = engine.Suppressions.scan(lines)
        return [
            f
            for f in found
            if engine.finding_enabled(f, config, path)
            and not suppressions.suppresses(f.code, f.span)
        ], ""


def merged(own: list[Finding], extra: list[Finding]) -> list[Finding]:
    """The own findings and ruff's, in position order.

    Args:
        own: The own rules' findings, sorted.
        extra: ruff's findings.

    Returns:
        All of them, sorted by position, then code.
    """
    if not extra:
        return own
    return sorted([*own, *extra], key=lambda f: (f.span, f.code))
