"""The server under test: a real subprocess over stdio, one per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_lsp

from .helpers import SERVER, RecordingClient


@pytest_lsp.fixture(config=SERVER)  # type: ignore[untyped-decorator]
async def client(lsp_client: RecordingClient) -> AsyncIterator[None]:
    """Start the server; each test initialises it with the capabilities it needs."""
    yield
    await lsp_client.shutdown_session()
