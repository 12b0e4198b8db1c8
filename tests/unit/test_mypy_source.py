"""mypy as a source: unsaved text, strictness, positions, notes, failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyprotocol.config import Config
from pyprotocol.sources import mypy


def run(tmp_path: Path, source: str, on_disk: str = "") -> list[mypy.MypyFinding]:
    target = tmp_path / "mod.py"
    target.write_text(on_disk, encoding="utf-8")
    return mypy.check(source, target, tmp_path, Config())


def test_checks_the_unsaved_text_not_the_file(tmp_path: Path) -> None:
    results = run(tmp_path, 'x: int = "a"\n', on_disk="x: int = 1\n")
    (result,) = results
    assert result.finding.code == "assignment"
    assert result.finding.source == "mypy"
    assert result.finding.href is not None
    assert (tmp_path / "mod.py").read_text(encoding="utf-8") == "x: int = 1\n"


def test_columns_are_code_points_on_non_ascii_lines(tmp_path: Path) -> None:
    line = 's = "é😀"; x: int = "a"'
    (result,) = run(tmp_path, line + "\n")
    span = result.finding.span
    assert (span.line, span.col, span.end_col) == (1, line.index('"a"'), len(line))


def test_strict_without_project_config(tmp_path: Path) -> None:
    codes = {r.finding.code for r in run(tmp_path, "def f(x):\n    return x\n")}
    assert "no-untyped-def" in codes
    assert mypy.cache_dir(tmp_path).is_dir()


def test_project_config_wins(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mypy]\nstrict = false\n", encoding="utf-8"
    )
    assert run(tmp_path, "def f(x):\n    return x\n") == []


def test_notes_are_attached_to_their_error(tmp_path: Path) -> None:
    source = (
        "class A:\n    def f(self, x: int) -> None: ...\n"
        "class B(A):\n    def f(self, x: str) -> None: ...\n"
    )
    results = run(tmp_path, source)
    assert [r.finding.code for r in results] == ["override"]
    assert results[0].notes
    assert "Liskov" in results[0].notes[0].message


def test_a_timeout_is_a_clear_error(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("", encoding="utf-8")
    with pytest.raises(mypy.MypyError, match="did not finish"):
        mypy.check("x = 1\n", target, tmp_path, Config(), timeout=0.01)
