"""The command line: formats, exit codes, fix, rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

from pyprotocol.cli import main

LEGACY: Final = (
    '"""Legacy."""\n\n'
    "from typing import List, Optional\n\n\n"
    "def first(items: List[int]) -> Optional[int]:\n"
    '    """Return the first item."""\n'
    "    return items[0] if items else None\n"
)
CLEAN: Final = (
    '"""Legacy."""\n\n\n'
    "def first(items: list[int]) -> int | None:\n"
    '    """Return the first item."""\n'
    "    return items[0] if items else None\n"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "legacy.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "pkg" / "clean.py").write_text(CLEAN, encoding="utf-8")
    venv = tmp_path / ".venv" / "lib"
    venv.mkdir(parents=True)
    (venv / "skipped.py").write_text(LEGACY, encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_text_exit_1_and_links(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "check", str(project))
    assert code == 1
    assert "legacy.py:6:18: PP103" in out
    assert "#type-annotations" in out
    assert "skipped.py" not in out
    assert "Found 2 findings in 1 file(s)." in out


def test_check_clean_exit_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", str(project / "pkg" / "clean.py"))
    assert code == 0
    assert "All checks passed." in out


def test_check_json(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", "--format", "json", str(project))
    assert code == 1
    items = json.loads(out)
    assert {i["code"] for i in items} == {"PP103", "PP105"}
    first = items[0]
    for key in (
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "code",
        "message",
        "severity",
        "href",
        "source",
        "fixable",
    ):
        assert key in first
    assert (first["line"], first["column"]) == (6, 18)
    assert first["fixable"] is True


def test_check_sarif(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "check", "--format", "sarif", str(project))
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    result = run_["results"][0]
    assert rule_ids[result["ruleIndex"]] == result["ruleId"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 6


def test_check_github(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "check", "--format", "github", str(project))
    assert out.startswith("::warning file=")
    assert "line=6,col=18" in out


def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "check", str(tmp_path / "missing"))[0] == 2
    assert run(capsys, "check", "--format", "xml", str(tmp_path))[0] == 2
    assert run(capsys, "rule", "PP000000")[0] == 2


def test_config_error_exit_2_with_message(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.pyprotocol]\nselect = 5\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "check", str(project / "pkg" / "clean.py"))
    assert code == 2
    assert "`select` must be a list of strings" in err
    assert "All checks passed." in out


def test_select_and_ignore_flags(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys, "check", "--select", "PP105", "--format", "json", str(project)
    )
    assert {i["code"] for i in json.loads(out)} == {"PP105"}
    code, out, _ = run(capsys, "check", "--ignore", "PP103,PP105", str(project))
    assert code == 0


def test_fix_writes_then_is_stable(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    legacy = project / "pkg" / "legacy.py"
    code, out, _ = run(capsys, "fix", "--diff", str(project))
    assert code == 1
    assert "+def first(items: list[int]) -> int | None:" in out
    assert legacy.read_text(encoding="utf-8") == LEGACY
    code, out, _ = run(capsys, "fix", str(project))
    assert code == 0
    assert "Fixed 2 finding(s) in 1 file(s); 0 finding(s) remain." in out
    assert legacy.read_text(encoding="utf-8") == CLEAN
    assert (project / ".venv" / "lib" / "skipped.py").read_text(
        encoding="utf-8"
    ) == LEGACY
    code, out, _ = run(capsys, "fix", str(project))
    assert "Fixed 0 finding(s) in 0 file(s)" in out


def test_fix_keeps_crlf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "crlf.py"
    target.write_bytes(LEGACY.replace("\n", "\r\n").encode())
    run(capsys, "fix", str(target))
    assert target.read_bytes() == CLEAN.replace("\n", "\r\n").encode()


def test_unreadable_file_is_a_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.py").write_bytes(b"x = '\xff'\n")
    (tmp_path / "binary.py").write_bytes(b"\x00\x01\x02\xff\xfe")
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert code == 1
    assert {i["code"] for i in json.loads(out)} == {"PP002"}


def test_rules_and_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    assert "PP105  union-syntax" in out
    code, out, _ = run(capsys, "rule", "union-syntax")
    assert code == 0
    assert out.startswith("# PP105 `union-syntax`")
    assert "#type-annotations" in out


def test_entry_point_runs_as_a_module(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pyprotocol", "check", "--format", "json", str(project)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)


def test_many_files_use_worker_processes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for index in range(40):
        (tmp_path / f"m{index}.py").write_text(LEGACY, encoding="utf-8")
    code, out, _ = run(
        capsys, "check", "--jobs", "2", "--format", "json", str(tmp_path)
    )
    assert code == 1
    assert len(json.loads(out)) == 40 * 2


def test_ruff_findings_are_mapped_and_can_be_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "tool.py"
    target.write_text('"""Tool."""\n\nimport os\n', encoding="utf-8")
    code, out, _ = run(capsys, "check", "--format", "json", str(target))
    assert code == 1
    (item,) = json.loads(out)
    assert (item["code"], item["source"]) == ("F401", "ruff")
    assert item["href"].endswith("#complexity-management")
    assert item["fixable"] is True
    assert run(capsys, "check", "--no-ruff", str(target))[0] == 0
    run(capsys, "fix", str(target))
    assert "import os" not in target.read_text(encoding="utf-8")


def test_check_with_mypy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\nname = 'x'\n", encoding="utf-8"
    )
    target = tmp_path / "typed.py"
    target.write_text('"""T."""\n\nx: int = "a"\n', encoding="utf-8")
    code, out, _ = run(capsys, "check", "--mypy", "--format", "json", str(target))
    assert code == 1
    (item,) = json.loads(out)
    assert (item["code"], item["source"], item["line"]) == ("assignment", "mypy", 3)
    assert run(capsys, "check", str(target))[0] == 0


def test_project_files_are_checked_with_the_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.8"\n', encoding="utf-8"
    )
    code, out, _ = run(capsys, "check", "--format", "json", str(tmp_path))
    assert code == 1
    found = {(Path(i["path"]).name, i["code"]) for i in json.loads(out)}
    assert ("pyproject.toml", "PP804") in found
    assert ("pyproject.toml", "PP802") in found
    code, out, _ = run(
        capsys, "check", "--format", "json", str(tmp_path / "pyproject.toml")
    )
    assert ("pyproject.toml", "PP804") in {
        (Path(i["path"]).name, i["code"]) for i in json.loads(out)
    }
