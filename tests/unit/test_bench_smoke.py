"""The speed benchmark (bench/speed.py) still runs: its quickest mode, few edits."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Final

import pytest

SCRIPT: Final = Path(__file__).resolve().parents[2] / "bench" / "speed.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_speed", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def ruff_available() -> bool:
    return (
        Path(sys.executable).with_name("ruff").exists()
        or shutil.which("ruff") is not None
    )


def test_speed_bench_quick_run(capsys: pytest.CaptureFixture[str]) -> None:
    bench = load_bench()
    sessions = ["ours-push", "ours-pull"]
    if ruff_available():
        sessions.append("ruff-push")
    status = bench.main(
        [
            "--quick",
            "--json",
            "--edits",
            "1",
            "--bursts",
            "0",
            "--files",
            "small",
            "--sessions",
            *sessions,
            "--no-throughput",
            "--no-fix-all",
        ]
    )
    results = json.loads(capsys.readouterr().out)
    assert status == 0, results
    assert [f["key"] for f in results["files"]] == ["small"]
    for name in sessions:
        session = results["sessions"][name]
        assert "error" not in session, session
        figures = session["files"]["small"]
        assert figures["open_ms"] > 0
        assert figures["diagnostics"] > 0
        for where in ("mid", "top"):
            assert figures[where]["n"] == 1
            assert 0 < figures[where]["p50"] < 30_000
        assert session["memory_end"]["VmHWM"] > 0
    assert results["sessions"]["ours-pull"]["server_pull_support"]
    assert "didChange -> diagnostics" in bench.render(results)


def test_edits_keep_the_file_valid() -> None:
    bench = load_bench()
    text = (bench.MYPY / bench.FILES["small"]).read_text(encoding="utf-8")
    edits = bench.edits_for(text)
    assert set(edits) == {"mid", "top"}
    mid = edits["mid"].insert
    assert mid["text"] == "x"
    line = text.splitlines()[mid["range"]["start"]["line"]]
    before = line[: mid["range"]["start"]["character"]]
    assert before[-1:].isidentifier() or before[-1:].isdigit()
    assert edits["top"].delete["range"]["end"]["line"] == (
        edits["top"].insert["range"]["start"]["line"] + 1
    )
