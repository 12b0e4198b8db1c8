"""Edit-to-diagnostics latency of the language server, and its memory.

Starts ``python -m pyprotocol.server`` over stdio, opens a ~2,000-line and a
~10,000-line file (mypy's ``fastparse.py`` and ``checker.py``, copied from the
installed mypy at run time), and times each ``didChange`` until the
``publishDiagnostics`` for that version arrives. Checks run with ``debounce: 0`` so the
figures are the server's own work; an editor adds the debounce (150 ms by default).

    uv run python bench/latency.py [--edits 40] [--select PP105] [--ruff on|off|both]

The ``engine ms`` column is :func:`pyprotocol.engine.analyse` alone on the same text
in this process (median of 5, with ruff run after the own rules when ruff is on), so
the server's own overhead is the difference. With ``--ruff both`` (the default) the
server runs twice: with ruff in the fast lane (setting ``ruff: true``) and without.
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

import mypy
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from pyprotocol import engine
from pyprotocol.config import Config, parse_table

INPUTS = ("fastparse.py", "checker.py")


@dataclass
class Timings:
    """When each version's diagnostics arrived."""

    arrived: dict[tuple[str, int], float] = field(default_factory=dict)
    counts: dict[tuple[str, int], int] = field(default_factory=dict)


def make_client(timings: Timings) -> LanguageClient:
    client = LanguageClient("latency-bench", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]
    def published(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            key = (params.uri, params.version)
            timings.arrived[key] = time.perf_counter()
            timings.counts[key] = len(params.diagnostics)

    @client.feature(types.WORKSPACE_CONFIGURATION)  # type: ignore[untyped-decorator]
    def configuration(params: types.ConfigurationParams) -> list[object]:
        return [None for _ in params.items]

    @client.feature(types.WINDOW_LOG_MESSAGE)  # type: ignore[untyped-decorator]
    def logged(params: types.LogMessageParams) -> None:
        if params.type <= types.MessageType.Warning:
            print(f"server: {params.message}", file=sys.stderr)

    return client


async def wait_for(timings: Timings, key: tuple[str, int], limit: float = 120) -> float:
    deadline = time.perf_counter() + limit
    while key not in timings.arrived:
        if time.perf_counter() > deadline:
            raise TimeoutError(key)
        await asyncio.sleep(0.0005)
    return timings.arrived[key]


@dataclass
class Row:
    """The figures for one file."""

    file: str
    lines: int
    findings: int
    open: float
    p50: float
    p90: float
    max: float
    n: int
    rss: float | None
    engine: float


def server_rss_mib() -> float | None:
    """Resident memory of this process's child (the server), from /proc."""
    me = os.getpid()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip()) == me and "VmRSS" in fields:
            return int(fields["VmRSS"].split()[0]) / 1024
    return None


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def engine_ms(text: str, path: Path, config: Config, *, tools: bool) -> float:
    runs = []
    for _ in range(5):
        started = time.perf_counter()
        engine.analyse(text, path, config, tools=tools)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


async def measure(
    client: LanguageClient,
    timings: Timings,
    path: Path,
    edits: int,
    config: Config,
    *,
    ruff: bool,
) -> Row:
    text = await asyncio.to_thread(path.read_text, encoding="utf-8")
    uri = path.as_uri()
    started = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=text
            )
        )
    )
    opened = await wait_for(timings, (uri, 1)) - started
    samples: list[float] = []
    for version in range(2, edits + 2):
        inserting = version % 2 == 0
        start = types.Position(line=0, character=0)
        end = types.Position(line=0 if inserting else 1, character=0)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(start=start, end=end),
            text=f"# edit {version}\n" if inserting else "",
        )
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                content_changes=[change],
            )
        )
        samples.append((await wait_for(timings, (uri, version))) - sent)
    return Row(
        file=path.name,
        lines=text.count("\n"),
        findings=timings.counts[(uri, 1)],
        open=opened,
        p50=statistics.median(samples),
        p90=percentile(samples, 0.9),
        max=max(samples),
        n=len(samples),
        rss=server_rss_mib(),
        engine=engine_ms(text, path, config, tools=ruff),
    )


async def run(edits: int, select: list[str] | None, *, ruff: bool) -> None:
    override: dict[str, object] = {"select": select} if select else {}
    config = parse_table(override, Config())
    options: dict[str, object] = {"debounce": 0, "logLevel": "warning", "ruff": ruff}
    if override:
        options["override"] = override
    source = Path(mypy.__file__).parent
    with tempfile.TemporaryDirectory(prefix="pyprotocol-bench-") as temp:
        root = Path(temp)
        for name in INPUTS:
            shutil.copy(source / name, root / name)
        timings = Timings()
        client = make_client(timings)
        await client.start_io(sys.executable, "-m", "pyprotocol.server")
        await client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=root.as_uri(),
                initialization_options=options,
            )
        )
        client.initialized(types.InitializedParams())
        baseline = server_rss_mib()
        rows = [
            await measure(client, timings, root / name, edits, config, ruff=ruff)
            for name in INPUTS
        ]
        await client.shutdown_async(None)
        client.exit(None)
        await client.stop()  # type: ignore[no-untyped-call]
    rules = ", ".join(select) if select else "all rules"
    print(
        f"rules: {rules}; ruff {'on' if ruff else 'off'}; "
        f"server RSS after initialize: {baseline or 0:.0f} MiB"
    )
    header = (
        f"{'file':<14}{'lines':>7}{'findings':>10}{'open ms':>9}"
        f"{'p50 ms':>8}{'p90 ms':>8}{'max ms':>8}{'n':>4}{'RSS MiB':>9}"
        f"{'engine ms':>11}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        rss = f"{row.rss:.0f}" if row.rss is not None else "?"
        print(
            f"{row.file:<14}{row.lines:>7}{row.findings:>10}{row.open * 1000:>9.0f}"
            f"{row.p50 * 1000:>8.0f}{row.p90 * 1000:>8.0f}{row.max * 1000:>8.0f}"
            f"{row.n:>4}{rss:>9}{row.engine * 1000:>11.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=40, help="edits per file")
    parser.add_argument(
        "--select", nargs="*", help="rule selectors (default: every rule)"
    )
    parser.add_argument(
        "--ruff",
        choices=("on", "off", "both"),
        default="both",
        help="ruff in the fast lane (default: measure both)",
    )
    args = parser.parse_args()
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.ruff]
    for ruff in modes:
        asyncio.run(run(args.edits, args.select, ruff=ruff))
        print()


if __name__ == "__main__":
    main()
