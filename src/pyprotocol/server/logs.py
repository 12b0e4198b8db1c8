"""Forward the ``pyprotocol`` loggers to the client's ``window/logMessage``."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Final

from lsprotocol import types

_TYPES: Final = (
    (logging.ERROR, types.MessageType.Error),
    (logging.WARNING, types.MessageType.Warning),
    (logging.INFO, types.MessageType.Info),
)

type Send = Callable[[types.MessageType, str], None]


def message_type(level: int) -> types.MessageType:
    """The LSP message type for a logging level.

    Args:
        level: A :mod:`logging` level.

    Returns:
        The message type (``Log`` below INFO).
    """
    for threshold, kind in _TYPES:
        if level >= threshold:
            return kind
    return types.MessageType.Log


class ClientLogHandler(logging.Handler):
    """Sends log records to the client, always from the event loop's thread.

    Records emitted before the loop is known, or after it stopped, are dropped.
    """

    def __init__(self, send: Send) -> None:
        """Create the handler.

        Args:
            send: Sends one message to the client; called on the loop's thread.
        """
        super().__init__()
        self._send = send
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start forwarding; call from the loop's thread.

        Args:
            loop: The server's running event loop.
        """
        self._loop = loop
        self._loop_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        """Forward one record.

        Args:
            record: The record.
        """
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            text = self.format(record)
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)
            return
        kind = message_type(record.levelno)
        if threading.get_ident() == self._loop_thread:
            self._deliver(kind, text)
        else:
            try:
                loop.call_soon_threadsafe(self._deliver, kind, text)
            except RuntimeError:  # the loop closed meanwhile
                return

    def _deliver(self, kind: types.MessageType, text: str) -> None:
        try:
            self._send(kind, text)
        except Exception:  # noqa: BLE001 - a lost log line must not break a handler
            logging.getLogger("pygls").debug("could not forward a log line")
