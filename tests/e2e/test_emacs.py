"""Emacs: editors/emacs/pyprotocol.el with Eglot and lsp-mode, in ``emacs --batch``.

Needs Debian's ``emacs-nox`` (28) with ``elpa-eglot`` (Eglot is built into Emacs 29)
and ``elpa-lsp-mode``. A missing one skips its test with the exact package to install,
or fails it when ``PYPROTOCOL_E2E_REQUIRED=1`` (CI).

- Eglot: the server starts from ``pyprotocol-command``, its settings arrive (PP105 is
  made an error), the diagnostic reaches Flymake with its protocol link, the quick fix
  is picked from the code-action menu and the next report has no PP105.
- lsp-mode: pyprotocol runs as an add-on beside a main Python server (``ruff server``,
  which ships with pyprotocol); both report, and pyprotocol's quick fix applies.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
EMACS_DIR = REPO / "editors" / "emacs"
PACKAGE = EMACS_DIR / "pyprotocol.el"
SAMPLE = "import os\nfrom typing import Optional\nx: Optional[int] = None\n"
FIXED = "import os\nx: int | None = None\n"
HREF = "production-rules.md#type-annotations"
TIMEOUT = 240


def unavailable(reason: str) -> NoReturn:
    if os.environ.get("PYPROTOCOL_E2E_REQUIRED") == "1":
        pytest.fail(f"required end-to-end prerequisite missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def emacs() -> str:
    found = shutil.which("emacs")
    if found is None:
        unavailable("emacs is not installed (Debian: apt-get install emacs-nox)")
    return found


def has_library(emacs: str, library: str) -> bool:
    """Whether Emacs finds LIBRARY, with Debian's elpa-* packages activated."""
    code = (
        "(progn (require 'package) (package-initialize)"
        f' (princ (if (locate-library "{library}") "found" "missing")))'
    )
    shown = subprocess.run(
        [emacs, "--batch", "--eval", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "HOME": "/nonexistent"},
    )
    return shown.stdout.strip().endswith("found")


def server_command() -> list[str]:
    """`pyprotocol serve` from the environment running the tests."""
    beside = Path(sys.executable).parent / "pyprotocol"
    if beside.exists():
        return [str(beside), "serve"]
    return [sys.executable, "-P", "-m", "pyprotocol", "serve"]


def ruff_server() -> list[str]:
    """`ruff server`, from the ruff wheel pyprotocol depends on."""
    search = os.pathsep.join(
        [str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    )
    found = shutil.which("ruff", path=search)
    assert found is not None, "ruff is a dependency of pyprotocol"
    return [found, "server"]


def drive(
    emacs: str, script: str, tmp_path: Path, extra: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a batch driver on a fresh project; its JSON result."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\nrequires-python = '>=3.12'\n", encoding="utf-8"
    )
    target = project / "app.py"
    target.write_text(SAMPLE, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    result_file = tmp_path / "result.json"
    env = {
        **os.environ,
        "HOME": str(home),
        "PYPROTOCOL_EL": str(PACKAGE),
        "PYPROTOCOL_COMMAND": json.dumps(server_command()),
        "PYPROTOCOL_FILE": str(target),
        "PYPROTOCOL_RESULT": str(result_file),
        **(extra or {}),
    }
    with subprocess.Popen(
        [emacs, "--batch", "-l", str(EMACS_DIR / "test" / script)],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            output = "(timed out)"
        finally:
            # Emacs and the servers it started: nothing may outlive the test.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert result_file.exists(), output[-5000:]
    result: dict[str, Any] = json.loads(result_file.read_text(encoding="utf-8"))
    assert "error" not in result, f"{result['error']}\n{output[-5000:]}"
    assert target.read_text(encoding="utf-8") == SAMPLE, "the driver saves nothing"
    return result


def test_package_byte_compiles_cleanly(emacs: str, tmp_path: Path) -> None:
    copy = tmp_path / PACKAGE.name
    shutil.copy(PACKAGE, copy)
    compiled = subprocess.run(
        [
            emacs,
            "--batch",
            "--eval",
            "(setq byte-compile-error-on-warn t)",
            "-f",
            "batch-byte-compile",
            str(copy),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    assert copy.with_suffix(".elc").exists()
    checked = subprocess.run(
        [emacs, "--batch", "--eval", f'(checkdoc-file "{copy}")'],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0
    assert "pyprotocol.el:" not in checked.stdout + checked.stderr, checked.stderr


def test_eglot_gets_diagnostics_and_applies_a_quick_fix(
    emacs: str, tmp_path: Path
) -> None:
    if not has_library(emacs, "eglot"):
        unavailable(
            "Eglot is missing (Emacs 29 has it; for 28: apt-get install elpa-eglot)"
        )
    started = time.monotonic()
    result = drive(emacs, "eglot-drive.el", tmp_path)
    assert result["server"] == "pyprotocol"
    assert result["command"] == server_command()
    assert result["language-id"] == "python"
    assert result["source"] == "pyprotocol"
    assert result["href"].endswith(HREF)
    assert result["severity"] == 1, "the settings reached the server"
    assert result["line"] == 3
    assert "[PP105]" in result["message"]
    assert result["codes-before"].count("PP105") == 1, result["codes-before"]
    assert any(
        title.startswith("Rewrite with the `|` operator") for title in result["actions"]
    )
    assert result["text"] == FIXED
    assert result["pp105-after"] == 0
    elapsed = time.monotonic() - started
    print(f"Eglot {result['eglot']} on Emacs {result['emacs']}: {elapsed:.1f} s")


def test_lsp_mode_runs_pyprotocol_beside_another_server(
    emacs: str, tmp_path: Path
) -> None:
    if not has_library(emacs, "lsp-mode"):
        unavailable("lsp-mode is missing (Debian: apt-get install elpa-lsp-mode)")
    started = time.monotonic()
    result = drive(
        emacs,
        "lsp-drive.el",
        tmp_path,
        {"PYPROTOCOL_MAIN": json.dumps(ruff_server())},
    )
    assert sorted(result["servers"]) == ["main-python", "pyprotocol"]
    codes = result["codes-before"]
    assert "PP105" in codes, "from pyprotocol"
    assert "F401" in codes, "from the main server"
    assert codes.count("PP105") == 1
    assert result["source"] == "pyprotocol"
    assert result["href"].endswith(HREF)
    assert result["severity"] == 1, "the settings reached the server"
    assert result["text"] == FIXED
    assert "PP105" not in result["codes-after"]
    assert "F401" in result["codes-after"], "the main server still reports"
    print(f"lsp-mode on Emacs {result['emacs']}: {time.monotonic() - started:.1f} s")
