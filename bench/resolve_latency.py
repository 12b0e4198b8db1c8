"""Quick-fix round trips for a client that resolves code actions lazily (VS Code).

``bench/speed.py`` times code actions for a client that does not advertise
``codeAction/resolve``, so every response carries its edits. VS Code and Neovim do
advertise it: the list of actions comes back without edits, and the edit of the one the
user picks is computed by ``codeAction/resolve``. This times both requests on an own
rule's diagnostic in mypy's ``fastparse.py`` (~2,300 lines).

    uv run python bench/resolve_latency.py [--repeats 20]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import mypy

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))

from rawclient import RawServer, client_capabilities


def capabilities() -> Json:
    """The raw client's capabilities plus lazy code-action resolution.

    Returns:
        The capabilities.
    """
    caps = client_capabilities()
    text = caps["textDocument"]
    assert isinstance(text, dict)
    text["codeAction"] = {
        "dataSupport": True,
        "resolveSupport": {"properties": ["edit"]},
        "codeActionLiteralSupport": {
            "codeActionKind": {"valueSet": ["", "quickfix", "source"]}
        },
    }
    return caps


type Json = Any


def ms(samples: list[float]) -> str:
    """p50/p90/max in milliseconds.

    Args:
        samples: Seconds.

    Returns:
        The figures.
    """
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    figures = (statistics.median(ordered), p90, ordered[-1])
    return "/".join(f"{value * 1000:.1f}" for value in figures)


async def run(repeats: int) -> None:
    """Open the file, pick an own rule's fixable diagnostic, time list and resolve.

    Args:
        repeats: Round trips per request.
    """
    source = Path(mypy.__file__).with_name("fastparse.py")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path = root / "fastparse.py"
        shutil.copyfile(source, path)
        uri = path.as_uri()
        server = await RawServer.start(root, {"debounce": 0}, capabilities())
        server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "python",
                    "version": 1,
                    "text": path.read_text(encoding="utf-8"),
                }
            },
        )
        deadline = time.monotonic() + 60
        while not server.publishes(uri) and time.monotonic() < deadline:  # noqa: ASYNC110 - polls another process's messages
            await asyncio.sleep(0.05)
        diagnostics = server.publishes(uri)[-1]["diagnostics"]
        own = [
            d
            for d in diagnostics
            if d.get("source") == "pyprotocol" and (d.get("data") or {}).get("fix")
        ]
        if not own:
            print("no fixable own diagnostic")
            await server.stop()
            return
        diagnostic = own[len(own) // 2]
        params = {
            "textDocument": {"uri": uri},
            "range": diagnostic["range"],
            "context": {"diagnostics": [diagnostic], "only": ["quickfix"]},
        }
        listed: list[float] = []
        resolved: list[float] = []
        for _ in range(repeats):
            started = time.perf_counter()
            actions = await server.result("textDocument/codeAction", params)
            listed.append(time.perf_counter() - started)
            assert isinstance(actions, list)
            assert actions
            fix = actions[0]
            started = time.perf_counter()
            done = await server.result("codeAction/resolve", fix)
            resolved.append(time.perf_counter() - started)
            assert isinstance(done, dict)
            assert done.get("edit"), done
        print(f"{diagnostic['code']} line {diagnostic['range']['start']['line'] + 1}:")
        print(f"  codeAction (list, no edits) ms p50/p90/max: {ms(listed)}")
        print(f"  codeAction/resolve (the edit)  ms p50/p90/max: {ms(resolved)}")
        await server.stop()


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    asyncio.run(run(parser.parse_args().repeats))


if __name__ == "__main__":
    main()
