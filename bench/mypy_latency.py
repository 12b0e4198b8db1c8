"""Edit-to-mypy-diagnostics latency of the language server on a ~2,000-line file.

Starts ``python -m pyprotocol.server`` over stdio with mypy turned on, opens a copy of
the installed mypy's ``fastparse.py`` (2,256 lines; copied at run time into a
temporary project whose mypy cache is temporary too) and, once mypy's cache is warm,
makes edits that each change mypy's verdict on the last line (a ``str`` or a
``bytes`` assigned to an ``int``). Each sample is the time from the ``didChange``
until the publish of that version that carries mypy's new error; the fast lane's
publish of the same version is timed too.

    uv run python bench/mypy_latency.py [--edits 12] [--idle-ms 0]

``--idle-ms`` is the server's ``mypy.idleMs``: the pause after the last change before
mypy runs (an editor's default is 1,500 ms, which adds to every figure here; 0 measures
the lane's own work).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import mypy
from lsprotocol import types
from pygls.lsp.client import LanguageClient

INPUT: Final = "fastparse.py"
WARM_UP_TIMEOUT: Final = 600.0
TIMEOUT: Final = 120.0
#: What each edit appends, and the word mypy's error names for it.
VARIANTS: Final = (
    ('BENCH_VALUE: int = "text"\n', '"str"'),
    ('BENCH_VALUE: int = b"b"\n', '"bytes"'),
)


@dataclass(slots=True)
class Seen:
    """What the server published, by version, with arrival times."""

    publishes: list[tuple[float, int | None, list[types.Diagnostic]]] = field(
        default_factory=list
    )


def make_client(seen: Seen) -> LanguageClient:
    """A client that records every publish with its arrival time."""
    client = LanguageClient("mypy-latency-bench", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
    def published(params: types.PublishDiagnosticsParams) -> None:
        seen.publishes.append(
            (time.perf_counter(), params.version, list(params.diagnostics))
        )

    @client.feature(types.WORKSPACE_CONFIGURATION)  # type: ignore[untyped-decorator]
    def configuration(params: types.ConfigurationParams) -> list[object]:
        return [None for _ in params.items]

    @client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
    def logged(params: types.LogMessageParams) -> None:
        if params.type <= types.MessageType.Warning:
            print(f"server: {params.message}", file=sys.stderr)

    return client


def mypy_error(diagnostics: list[types.Diagnostic], line: int, word: str) -> bool:
    """Tell whether mypy's error about ``word`` is on ``line``."""
    return any(
        d.source == "mypy" and d.range.start.line == line and word in d.message
        for d in diagnostics
    )


async def arrival(seen: Seen, version: int, line: int | None, word: str) -> float:
    """When the publish of ``version`` came (with mypy's error, if ``line``)."""
    deadline = time.perf_counter() + (TIMEOUT if version > 2 else WARM_UP_TIMEOUT)
    while True:
        for at, number, diagnostics in seen.publishes:
            if number == version and (
                line is None or mypy_error(diagnostics, line, word)
            ):
                return at
        if time.perf_counter() > deadline:
            raise TimeoutError(f"version {version}")
        await asyncio.sleep(0.002)


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


async def run(edits: int, idle_ms: int) -> None:
    """Start a server, warm mypy up, time the edits and print the figures."""
    with tempfile.TemporaryDirectory(prefix="pyprotocol-mypy-bench-") as temp:
        root = Path(temp) / "project"
        root.mkdir()
        path = root / INPUT
        shutil.copy(Path(mypy.__file__).parent / INPUT, path)
        text = await asyncio.to_thread(path.read_text, encoding="utf-8")
        if not text.endswith("\n"):
            text += "\n"
        last = text.count("\n")
        seen = Seen()
        client = make_client(seen)
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(temp) / "cache")}
        await client.start_io(sys.executable, "-m", "pyprotocol.server", env=env)
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=root.as_uri(),
                initialization_options={
                    "debounce": 0,
                    "logLevel": "warning",
                    "mypy": {"enabled": True, "idleMs": idle_ms},
                },
            )
        )
        client.initialized(types.InitializedParams())
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=1, text=text
                )
            )
        )
        fast: list[float] = []
        typed: list[float] = []
        started = time.perf_counter()
        for version in range(2, edits + 4):
            line, word = VARIANTS[version % 2]
            at = types.Position(line=last, character=0)
            end = types.Position(line=last + 1 if version > 2 else last, character=0)
            sent = time.perf_counter()
            client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    content_changes=[
                        types.TextDocumentContentChangePartial(
                            range=types.Range(start=at, end=end), text=line
                        )
                    ],
                )
            )
            fast_at = await arrival(seen, version, None, word)
            typed_at = await arrival(seen, version, last, word)
            if version == 2:
                print(f"cold: first mypy result {typed_at - started:.1f} s after open")
            if version > 3:  # the first two edits warm the cache up
                fast.append(fast_at - sent)
                typed.append(typed_at - sent)
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()  # type: ignore[no-untyped-call]
    print(f"{INPUT}: {last} lines, mypy.idleMs {idle_ms}, {len(typed)} warm edits")
    for label, samples in (("mypy diagnostics", typed), ("fast diagnostics", fast)):
        print(
            f"  {label}: p50 {statistics.median(samples) * 1000:.0f} ms, "
            f"p90 {percentile(samples, 0.9) * 1000:.0f} ms, "
            f"max {max(samples) * 1000:.0f} ms"
        )


def main() -> None:
    """Read the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=12, help="warm edits to time")
    parser.add_argument(
        "--idle-ms", type=int, default=0, help="the mypy.idleMs setting"
    )
    args = parser.parse_args()
    asyncio.run(run(args.edits, args.idle_ms))


if __name__ == "__main__":
    main()
