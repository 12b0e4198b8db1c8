"""The CLI in hostile and broken environments.

ruff and mypy missing, crashing, hanging or printing garbage (fake executables);
broken ``pyproject.toml`` files; the source's own subprocess hygiene (no shell, a
timeout on every call); and ``fix``'s writes (atomic, only when something changed,
only to files it checked).
"""

from __future__ import annotations

import ast
import functools
import stat
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path, PurePath

import pytest

import pyprotocol
from pyprotocol import cli, engine, workspace
from pyprotocol.config import Config
from pyprotocol.model import Finding
from pyprotocol.sources import mypy as mypy_source
from pyprotocol.sources import ruff

SRC = Path(pyprotocol.__file__).parent
FIXABLE = "from typing import Optional\n\nx: Optional[int] = None\n"
CLEAN = '"""A clean module."""\n\nX = 1\n'


def stub(folder: Path, name: str, body: str) -> Path:
    """A fake executable: a Python script that does ``body``."""
    path = folder / name
    path.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    workspace.config_for_folder.cache_clear()
    engine._RUFF_OUTAGE.until = 0.0
    yield
    workspace.config_for_folder.cache_clear()
    engine._RUFF_OUTAGE.until = 0.0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.12"\n', encoding="utf-8"
    )
    for index in range(3):
        (tmp_path / f"mod{index}.py").write_text(FIXABLE, encoding="utf-8")
    return tmp_path


def run_cli(
    *args: str | Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str, float]:
    start = time.perf_counter()
    code = cli.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err, time.perf_counter() - start


# -- ruff --------------------------------------------------------------------------
RUFF_STUBS = {
    "missing": None,
    "crashing": "sys.stderr.write('ruff: internal error'); sys.exit(101)",
    "garbage": "sys.stdin.read(); print('Segmentation fault?? <html>'); sys.exit(0)",
    "bad json": 'sys.stdin.read(); print(\'[{"code": "E1", "location": 3}]\')',
    "silent": "sys.stdin.read()",
}


@pytest.mark.parametrize("kind", list(RUFF_STUBS))
def test_broken_ruff_is_reported_once_and_own_rules_still_run(
    kind: str,
    project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = RUFF_STUBS[kind]
    binary = (
        "/nonexistent/ruff"
        if body is None
        else str(stub(tmp_path_factory.mktemp("bin"), "ruff", body))
    )
    monkeypatch.setattr(ruff, "ruff_binary", lambda: binary)
    code, out, err, _ = run_cli("check", project, capsys=capsys)
    assert code == cli.EXIT_FINDINGS
    assert out.count("PP105") == 3  # the own rules found all three
    if kind == "silent":
        # No output is an empty list of findings, and an empty formatted text:
        # the file is reported as not formatted; nothing else is invented.
        assert err == ""
        return
    problems = [line for line in err.splitlines() if "ruff" in line]
    assert len(problems) == 1, err
    assert "Traceback" not in out + err
    # `fix` keeps working and does not replace the text with what ruff printed.
    code, out, err, _ = run_cli("fix", project, capsys=capsys)
    assert code == cli.EXIT_CLEAN, err
    for index in range(3):
        text = (project / f"mod{index}.py").read_text(encoding="utf-8")
        assert text == "x: int | None = None\n"


def test_hanging_ruff_times_out_once_not_per_file(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    binary = str(stub(tmp_path, "ruff", "time.sleep(60)"))
    monkeypatch.setattr(ruff, "ruff_binary", lambda: binary)
    monkeypatch.setattr(ruff, "TIMEOUT_SECONDS", 2.0)
    for index in range(3, 6):
        (project / f"mod{index}.py").write_text(FIXABLE, encoding="utf-8")
    code, out, err, seconds = run_cli("check", project, capsys=capsys)
    assert code == cli.EXIT_FINDINGS
    assert out.count("PP105") == 6
    assert err.strip() == "pyprotocol: ruff did not answer within 2 s"
    # One timeout, not one per file (six files would take 12 s).
    assert seconds < 8


def test_hanging_ruff_that_reads_nothing_times_out_on_a_large_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `check` hands ruff the files' names, not their text: nothing to block on.
    binary = str(stub(tmp_path, "ruff", "time.sleep(10)"))
    monkeypatch.setattr(ruff, "ruff_binary", lambda: binary)
    monkeypatch.setattr(ruff, "TIMEOUT_SECONDS", 2.0)
    big = tmp_path / "big.py"
    big.write_text("X = 1\n" * 40_000, encoding="utf-8")  # 240 kB: over any pipe buffer
    done: list[int] = []
    worker = threading.Thread(
        target=lambda: done.append(cli.main(["check", str(big)])), daemon=True
    )
    worker.start()
    worker.join(timeout=8)
    assert done == [cli.EXIT_CLEAN]
    assert capsys.readouterr().err == "pyprotocol: ruff did not answer within 2 s\n"


def test_hanging_ruff_that_reads_nothing_times_out_on_a_large_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = str(stub(tmp_path, "ruff", "time.sleep(10)"))
    monkeypatch.setattr(ruff, "ruff_binary", lambda: binary)
    monkeypatch.setattr(ruff, "TIMEOUT_SECONDS", 2.0)
    text = "X = 1\n" * 40_000  # 240 kB: over any pipe buffer
    done: list[list[Finding]] = []
    worker = threading.Thread(
        target=lambda: done.append(engine.check(text, "big.py", tools=True)),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=8)
    assert done == [[]]


def test_silent_ruff_never_empties_a_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A ruff that prints nothing: its "formatted text" is empty; the formatting
    # quick fix replaced the whole document with it.
    binary = str(stub(tmp_path, "ruff", "sys.stdin.read()"))
    monkeypatch.setattr(ruff, "ruff_binary", lambda: binary)
    source = "x = 1\n"
    (finding,) = engine.check(source, "m.py", tools=True)
    assert finding.code == ruff.FORMAT_CODE
    result = engine.fix(source, "m.py", only=finding)
    assert result.source == source


def test_ruff_failing_on_its_recheck_does_not_escape_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Regression: after `ruff --fix`, the fixed text is checked again to see what
    # was fixed; a ruff that failed then raised out of `engine.fix`.
    calls: list[str] = []
    real_check = ruff.check

    def flaky(source: str, path: PurePath, config: Config) -> list[Finding]:
        calls.append(source)
        if len(calls) > 1:
            raise ruff.RuffError("ruff failed (exit 101): simulated")
        return real_check(source, path, config)

    monkeypatch.setattr(ruff, "check", flaky)
    source = "import os\nx: int = 1\n"
    result = engine.fix(source, "m.py", tools=True)
    assert result.source == source
    assert result.skipped == ["ruff: ruff failed (exit 101): simulated"]


def test_ruff_output_that_does_not_parse_is_never_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Regression: a single ruff fix (the formatter's, say) went into the text
    # without the parse check that own fixes get.
    source = "x  =  1\n"
    (finding,) = [
        f for f in engine.check(source, "m.py", tools=True) if f.code == "PP900"
    ]
    monkeypatch.setattr(ruff, "format_source", lambda text, path: "def (:\n")
    result = engine.fix(source, "m.py", only=finding)
    assert result.source == source
    assert not result.changed


# -- mypy --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "argv", "message"),
    [
        ("missing", ["/nonexistent/python", "-m", "mypy"], "mypy could not check"),
        (
            "crashing",
            [sys.executable, "-c", "import sys; sys.exit(2)"],
            "mypy failed (exit 2)",
        ),
        (
            "hanging",
            [sys.executable, "-c", "import time; time.sleep(60)"],
            "timed out after 1",
        ),
        (
            "garbage",
            [sys.executable, "-c", "print('x.py:1:2:3: bogus'); print('\\x00\\xff')"],
            None,
        ),
    ],
)
def test_broken_mypy_is_reported_and_the_check_goes_on(
    kind: str,
    argv: list[str],
    message: str | None,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(mypy_source, "command", lambda *args, **kwargs: argv)
    monkeypatch.setattr(
        mypy_source,
        "check_files",
        functools.partial(mypy_source.check_files, timeout=1.0),
    )
    code, out, err, seconds = run_cli(
        "check", "--mypy", "--no-ruff", project, capsys=capsys
    )
    assert code == cli.EXIT_FINDINGS, kind
    assert out.count("PP105") == 3
    assert "Traceback" not in out + err
    if message is None:
        assert err == ""
    else:
        (line,) = err.splitlines()
        assert line.startswith("pyprotocol: ")
        assert message in line
    assert seconds < 30


# -- broken pyproject.toml ---------------------------------------------------------
@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ("[tool.pyprotocol\nselect = [", "cannot read it"),
        (b"[tool.pyprotocol]\nselect = ['\xff']\n", "cannot read it"),
        ("[tool.pyprotocol]\nselect = 'PP105'\n", "`select` must be a list of strings"),
        ("[tool.pyprotocol]\nseverity = { PP105 = 3 }\n", "`severity` must be a table"),
        (
            "[tool.pyprotocol]\ntarget-version = 3.12\n",
            "`target-version` must be one of",
        ),
        (
            "[tool.pyprotocol]\nper-file-ignores = ['x']\n",
            "`per-file-ignores` must map",
        ),
        ("[tool]\npyprotocol = 5\n", "[tool.pyprotocol] must be a table"),
        ("tool = 5\nproject = 'x'\n", None),
        ("[project]\nrequires-python = 3\n", None),
    ],
)
def test_broken_pyproject_is_named_and_defaults_are_used(
    pyproject: str | bytes,
    message: str | None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "pyproject.toml"
    if isinstance(pyproject, bytes):
        target.write_bytes(pyproject)
    else:
        target.write_text(pyproject, encoding="utf-8")
    (tmp_path / "mod.py").write_text(FIXABLE, encoding="utf-8")
    code, out, err, _ = run_cli("check", "--no-ruff", tmp_path, capsys=capsys)
    assert "Traceback" not in out + err
    assert "PP105" in out  # defaults: everything selected
    if message is None:
        assert code == cli.EXIT_FINDINGS
        assert "config" not in err
        return
    assert code == cli.EXIT_ERROR
    assert f"pyprotocol: config: {target}" in err
    assert message in err


# -- the source's own subprocess hygiene -----------------------------------------------
_CALLS_WITH_TIMEOUT = {"run", "call", "check_call", "check_output"}


def _subprocess_calls(tree: ast.Module) -> Iterator[tuple[str, ast.Call]]:
    """Calls of ``subprocess`` functions, however they were imported."""
    modules = {"subprocess"}
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(
                a.asname or a.name for a in node.names if a.name == "subprocess"
            )
        elif isinstance(node, ast.ImportFrom) and node.module == "subprocess":
            names.update({a.asname or a.name: a.name for a in node.names})
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in modules:
                yield func.attr, node
        elif isinstance(func, ast.Name) and func.id in names:
            yield names[func.id], node


@functools.cache
def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(SRC.rglob("*.py"))
    ]


def _owner(tree: ast.Module, call: ast.Call) -> ast.AST:
    """The class around a call, else its function, else the module."""
    parents = {
        id(child): node
        for node in ast.walk(tree)
        for child in ast.iter_child_nodes(node)
    }
    node: ast.AST = call
    function: ast.AST | None = None
    while id(node) in parents:
        node = parents[id(node)]
        if isinstance(node, ast.ClassDef):
            return node
        if function is None and isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef
        ):
            function = node
    return function or tree


def test_no_subprocess_runs_through_a_shell() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "shell"
        and not (
            isinstance(keyword.value, ast.Constant) and keyword.value.value is False
        )
    ]
    offenders += [
        f"{path.relative_to(SRC)}:{call.lineno} ({name})"
        for path, tree in _modules()
        for name, call in _subprocess_calls(tree)
        if name in {"getoutput", "getstatusoutput"}
    ]
    offenders += [
        f"{path.relative_to(SRC)}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"system", "popen", "create_subprocess_shell"}
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in {"os", "asyncio"}
    ]
    assert offenders == []


def test_every_subprocess_has_a_timeout() -> None:
    found = 0
    offenders: list[str] = []
    for path, tree in _modules():
        for name, call in _subprocess_calls(tree):
            where = f"{path.relative_to(SRC)}:{call.lineno}"
            if name in _CALLS_WITH_TIMEOUT:
                found += 1
                if not any(k.arg == "timeout" for k in call.keywords):
                    offenders.append(where)
            elif name == "Popen":
                found += 1
                # It must be waited for with a timeout in its class or function.
                owner = _owner(tree, call)
                waits = [
                    n
                    for n in ast.walk(owner)
                    if isinstance(n, ast.Call)
                    and isinstance(n.func, ast.Attribute)
                    and n.func.attr in {"communicate", "wait"}
                    and any(k.arg == "timeout" for k in n.keywords)
                ]
                if not waits:
                    offenders.append(where)
    assert found >= 3  # ruff's runs, mypy's runs: the test sees them
    assert offenders == []


# -- fix writes ----------------------------------------------------------------------
def _snapshot(folder: Path) -> dict[Path, tuple[int, int, bytes]]:
    return {
        p: (p.stat().st_mtime_ns, p.stat().st_ino, p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    }


def test_fix_writes_atomically_only_changed_checked_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nrequires-python = ">=3.12"\n'
        '[tool.pyprotocol]\nextend-exclude = ["skipped"]\n',
        encoding="utf-8",
    )
    fixable = tmp_path / "fixable.py"
    fixable.write_text(FIXABLE, encoding="utf-8")
    fixable.chmod(0o640)
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "unfixable.py").write_text(
        "def f():\n    eval('1')\n", encoding="utf-8"
    )
    (tmp_path / "broken.py").write_text("x: Optional[int] = (\n", encoding="utf-8")
    for folder in ("skipped", ".venv", "build"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "other.py").write_text(FIXABLE, encoding="utf-8")
    (tmp_path / "notes.txt").write_text(FIXABLE, encoding="utf-8")
    (tmp_path / "stub.pyi").write_text(FIXABLE, encoding="utf-8")
    before = _snapshot(tmp_path)
    written: list[Path] = []
    real_write = workspace.write_atomic

    def spy(path: Path, text: str) -> None:
        written.append(path)
        real_write(path, text)

    monkeypatch.setattr(workspace, "write_atomic", spy)
    time.sleep(0.01)  # distinct mtimes
    code, out, err, _ = run_cli("fix", "--no-ruff", tmp_path, capsys=capsys)
    assert code == cli.EXIT_CLEAN, err
    after = _snapshot(tmp_path)
    changed = {p.name for p in after if after[p] != before[p]}
    assert changed == {"fixable.py", "stub.pyi"}
    assert sorted(p.name for p in written) == ["fixable.py", "stub.pyi"]
    # Replaced by a rename (a new inode), mode kept, no temporary file left.
    assert after[fixable][1] != before[fixable][1]
    assert stat.S_IMODE(fixable.stat().st_mode) == 0o640
    assert set(after) == set(before)
    # Nothing left to fix: a second run writes nothing at all.
    written.clear()
    code, *_ = run_cli("fix", "--no-ruff", tmp_path, capsys=capsys)
    assert code == cli.EXIT_CLEAN
    assert written == []
    assert _snapshot(tmp_path) == after
    # `--diff` writes nothing either.
    fixable.write_text(FIXABLE, encoding="utf-8")
    again = _snapshot(tmp_path)
    code, out, *_ = run_cli("fix", "--diff", "--no-ruff", tmp_path, capsys=capsys)
    assert code == cli.EXIT_FINDINGS
    assert "+x: int | None = None" in out
    assert _snapshot(tmp_path) == again


def test_a_failed_write_leaves_the_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "m.py"
    target.write_text(FIXABLE, encoding="utf-8")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(Path, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        workspace.write_atomic(target, "x: int | None = None\n")
    assert target.read_text(encoding="utf-8") == FIXABLE
    assert [p.name for p in tmp_path.iterdir()] == ["m.py"]
