"""`pyprotocol check` runs ruff over all files at once: the same results as per file.

The batch (:mod:`pyprotocol.sources.ruff_batch`) must report exactly what the engine
reports file by file: the same findings, in the same order, with the same messages,
exit codes and reports, whatever the configuration, suppressions and encodings.
"""

from __future__ import annotations

import functools
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest

from pyprotocol import cli, engine, workspace
from pyprotocol.sources import ruff, ruff_batch

PYPROJECT: Final = """\
[project]
name = "demo"
requires-python = ">=3.12"

[tool.pyprotocol]
ignore = ["pr:7-security", "E711"]

[tool.pyprotocol.per-file-ignores]
"pkg/reexport.py" = ["F401"]
"pkg/quiet_*.py" = ["UP", "pr:docstrings-pep-257--google-style"]
"""
FILES: Final[dict[str, str | bytes]] = {
    "pkg/__init__.py": "import os\nfrom typing import List\n",
    "pkg/mod.py": (
        '"""A module with ruff findings."""\n\n'
        "import os\nimport sys\nfrom typing import List, Optional\n\n\n"
        "def f(items=[], flag=None):\n"
        "    unused = 1  # noqa: F841\n"
        "    other = 2  # noqa\n"
        "    if flag == None:\n"
        "        return eval('1')\n"
        "    x: Optional[int] = None\n"
        "    return items, x\n"
    ),
    "pkg/reexport.py": '"""Re-exports."""\n\nimport json\nimport os\n',
    "pkg/quiet_one.py": "from typing import List\n\nx: List[int] = []\n",
    "pkg/quiet_two.py": "from typing import List\n\ny: List[int] = []\n",
    "pkg/unformatted.py": '"""Badly formatted."""\nx=1\ny = [1,2,\n  3]\n',
    "pkg/formatted.py": '"""Formatted and clean."""\n\nX = 1\n',
    "pkg/broken.py": "import os\ndef f(:\n    pass\n",
    "pkg/nonlocal_module.py": '"""Parses, but is no valid module."""\n\nnonlocal x\n',
    "pkg/crlf.py": '"""CRLF."""\r\n\r\nimport os\r\nx=1\r\n',
    "pkg/old_mac.py": '"""Lone CRs."""\r\rimport os\rx=1\r',
    "pkg/no_newline.py": '"""No newline at the end."""\n\nz=[1,\n2]',
    "pkg/long.py": '"""Two far apart changes."""\n\n'
    + "x=1\n"
    + "y = 2\n" * 30
    + "z=3\n",
    "pkg/stub.pyi": "from typing import List\ndef f(x: List[int]) -> None: ...\n",
    "pkg/bom.py": b'\xef\xbb\xbf"""A BOM."""\n\nimport os\nx=1\n',
    "pkg/latin.py": (
        b'# -*- coding: latin-1 -*-\n"""Caf\xe9."""\n\nimport os\nname = "\xe9"\n'
    ),
    "pkg/unicode.py": '"""Ünïcode."""\n\nimport os\n\nname = "é"; other = "😀"  ;x=1\n',
    "tests/test_thing.py": (
        "import os\n\n\ndef test_it():\n    assert 1 == 1\n    l = lambda: 0\n"
    ),
    "script": "import os\nx=1\n",
}


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    workspace.config_for_folder.cache_clear()
    engine._RUFF_OUTAGE.until = 0.0
    yield
    workspace.config_for_folder.cache_clear()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for name, content in FILES.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_bytes(content.encode("utf-8"))
    return tmp_path


def _outputs(
    argv: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *,
    batch: bool,
) -> tuple[int, str, str]:
    with monkeypatch.context() as patch:
        patch.setattr(
            cli, "check_paths", functools.partial(cli.check_paths, batch=batch)
        )
        workspace.config_for_folder.cache_clear()
        code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("output", ["text", "json", "sarif"])
def test_batch_equals_per_file(
    project: Path,
    jobs: str,
    output: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if jobs == "2":  # enough files for the worker processes
        for index in range(cli.PARALLEL_THRESHOLD):
            (project / "pkg" / f"copy{index}.py").write_text(
                str(FILES["pkg/mod.py"]), encoding="utf-8"
            )
    argv = ["check", "--jobs", jobs, "--format", output, str(project)]
    argv.append(str(project / "script"))  # named directly: no suffix, not batched
    per_file = _outputs(argv, capsys, monkeypatch, batch=False)
    batched = _outputs(argv, capsys, monkeypatch, batch=True)
    assert batched == per_file
    assert per_file[0] == cli.EXIT_FINDINGS
    assert per_file[2] == ""


def _located(project: Path, *, batch: bool) -> list[tuple[str, str, str, object]]:
    workspace.config_for_folder.cache_clear()
    files = list(workspace.python_files([project, project / "script"]))
    items = cli.check_paths(files, cli.Overrides(), 1, batch=batch)
    return [
        (i.path.relative_to(project).as_posix(), i.finding.code, i.finding.message, i)
        for i in items
    ]


def test_the_project_shows_what_the_batch_must_get_right(project: Path) -> None:
    found = _located(project, batch=True)
    assert found == _located(project, batch=False)
    codes: dict[str, list[str]] = {}
    for name, code, _, _ in found:
        codes.setdefault(name, []).append(code)
    # A noqa naming F841 and a bare one drop their lines' findings; E711 and the
    # security section (S307, eval) are ignored; the rest of mod.py is reported.
    assert "F841" not in codes["pkg/mod.py"]
    assert "E711" not in codes["pkg/mod.py"]
    assert not any(code.startswith("S") for code in codes["pkg/mod.py"])
    assert {"F401", "B006", "ANN001", "PP105"} <= set(codes["pkg/mod.py"])
    # per-file-ignores: F401 in one file, UP and docstrings (a section) in others.
    assert "F401" not in codes.get("pkg/reexport.py", [])
    assert not any(c.startswith(("UP", "D")) for c in codes.get("pkg/quiet_one.py", []))
    assert "D100" in codes["script"]  # where nothing ignores it
    assert "PP900" in codes["pkg/unformatted.py"]
    assert "PP900" not in codes.get("pkg/formatted.py", [])
    # A syntax error is ours alone: no ruff finding on that file.
    assert codes["pkg/broken.py"] == ["PP000"]
    # ruff's own syntax error on a module Python parses is reported as before.
    assert "invalid-syntax" in codes["pkg/nonlocal_module.py"]
    assert "PP900" in codes["pkg/crlf.py"]
    # Test files: no S101 for the assert; E731 for the lambda.
    assert "S101" not in codes["tests/test_thing.py"]
    assert "E731" in codes["tests/test_thing.py"]
    for name in ("pkg/bom.py", "pkg/latin.py", "pkg/unicode.py", "script"):
        assert "F401" in codes[name], name


def _counting_started(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []
    real = ruff.Started

    class Counting(real):  # type: ignore[valid-type, misc]
        def __init__(self, args: list[str], source: str) -> None:
            calls.append(list(args))
            super().__init__(args, source)

    monkeypatch.setattr(ruff, "Started", Counting)
    return calls


def test_the_batch_runs_few_processes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _counting_started(monkeypatch)
    _located(project, batch=True)
    inline = [args for args in calls if "-" in args]
    batched = [args for args in calls if "-" not in args]
    # Three option sets (code, test files, the per-file-ignores), one format run.
    assert sum(args[1] == "check" for args in batched) == 4
    assert sum(args[1] == "format" for args in batched) == 1
    # The BOM, latin-1 and suffix-less files are checked one by one, as before.
    assert len(inline) == 3 * 2
    calls.clear()
    _located(project, batch=False)
    assert len(calls) == 2 * (len(FILES) - 1)  # not for the file that does not parse


def _stub_failing_format(folder: Path) -> str:
    """A ruff that cannot format files holding ``FAIL-FORMAT`` given on disk."""
    real = ruff.ruff_binary()
    script = folder / "ruff"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, subprocess, sys\n"
        f"real = {real!r}\n"
        "args = sys.argv[1:]\n"
        "if args[0] == 'format' and '-' not in args:\n"
        "    bad = [a for a in args[1:] if a.endswith('.py')\n"
        "           and b'FAIL-FORMAT' in open(a, 'rb').read()]\n"
        "    rest = [a for a in args if a not in bad]\n"
        "    code = subprocess.run([real, *rest]).returncode\n"
        "    for name in bad:\n"
        "        sys.stderr.write(f'error: Failed to format {name}: simulated\\n')\n"
        "    sys.exit(2 if bad else code)\n"
        "os.execv(real, [real, *args])\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def test_a_file_the_batch_cannot_format_is_checked_alone(
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    binary = _stub_failing_format(tmp_path_factory.mktemp("bin"))
    monkeypatch.setattr(ruff, "ruff_binary", lambda: binary)
    (project / "pkg" / "odd.py").write_text("# FAIL-FORMAT\nimport os\nx=1\n")
    calls = _counting_started(monkeypatch)
    found = _located(project, batch=True)
    assert [args for args in calls if "-" in args and "odd.py" in " ".join(args)]
    assert found == _located(project, batch=False)
    odd = [code for name, code, _, _ in found if name == "pkg/odd.py"]
    assert {"F401", "PP900"} <= set(odd)


def test_batchable() -> None:
    assert ruff_batch.batchable(Path("m.py"), "x = 'é'\n", "x = 'é'\n".encode())
    assert not ruff_batch.batchable(Path("m.py"), "x\n", b"\xef\xbb\xbfx\n")
    assert not ruff_batch.batchable(Path("m"), "x\n", b"x\n")
    assert not ruff_batch.batchable(Path("m.py"), "é\n", "é\n".encode("latin-1"))
