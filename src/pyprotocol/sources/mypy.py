"""mypy as a source: strict type errors on the unsaved buffer, mapped to the protocol.

mypy runs as a subprocess on the buffer's text through ``--shadow-file`` (plain mypy
with its incremental cache: measured correct, and warm runs take well under a second
on a 2,000-line file here). The cache lives under the user cache folder, one per
project. mypy reads the project's own configuration when it has one; otherwise it runs
with ``--strict``, as the protocol demands.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import threading
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import platformdirs

from pyprotocol import protocol
from pyprotocol.config import Config
from pyprotocol.model import Finding, Severity, Span
from pyprotocol.positions import LineIndex

SOURCE: Final = "mypy"
TIMEOUT_SECONDS: Final = 120.0
DEFAULT_SECTION: Final = "cgp:3-typing--static-analysis"
SECTIONS: Final[Mapping[str, str]] = {
    "no-untyped-def": "pr:type-annotations",
    "no-untyped-call": "pr:type-annotations",
    "no-any-return": "cgp:3-typing--static-analysis",
    "no-any-unimported": "cgp:3-typing--static-analysis",
    "unused-coroutine": "pr:structured-concurrency",
    "unused-awaitable": "pr:structured-concurrency",
    "type-arg": "pr:type-parameter-syntax-pep-695",
    "misc": "pr:type-checking-configuration",
}
_LINE: Final = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+):(?P<end_line>\d+):(?P<end_col>\d+): "
    r"(?P<kind>error|note|warning): (?P<message>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)
_CONFIG_FILES: Final = ("mypy.ini", ".mypy.ini")
#: Test hooks (see :func:`_test_hooks`).
DELAY_ENV: Final = "PYPROTOCOL_MYPY_DELAY"
FAIL_ONCE_ENV: Final = "PYPROTOCOL_MYPY_FAIL_ONCE"
_DELAYED: Final = (
    "import runpy, sys, time; time.sleep(float(sys.argv[1])); "
    "sys.argv = ['mypy', *sys.argv[2:]]; "
    "runpy.run_module('mypy', run_name='__main__', alter_sys=True)"
)
_CRASH: Final = (
    "import sys; sys.stderr.write('simulated mypy crash (PYPROTOCOL_MYPY_FAIL_ONCE)'); "
    "sys.exit(2)"
)


class MypyError(Exception):
    """mypy is missing, crashed or timed out."""


@dataclass(frozen=True, slots=True)
class Note:
    """A note mypy attached to an error (becomes LSP relatedInformation)."""

    span: Span
    message: str


@dataclass(slots=True)
class MypyFinding:
    """A mypy error with its notes."""

    finding: Finding
    notes: list[Note] = field(default_factory=list)


def has_own_config(root: Path) -> bool:
    """Tell whether a project configures mypy itself.

    Args:
        root: The project folder.

    Returns:
        True with a ``[tool.mypy]`` table, a ``mypy.ini`` or a ``[mypy]`` section.
    """
    if any((root / name).is_file() for name in _CONFIG_FILES):
        return True
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return False
        tool = data.get("tool")
        if isinstance(tool, dict) and "mypy" in tool:
            return True
    setup_cfg = root / "setup.cfg"
    try:
        return setup_cfg.is_file() and "[mypy]" in setup_cfg.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def project_python(root: Path) -> str | None:
    """The project's own interpreter, so that mypy sees its installed packages.

    Args:
        root: The project folder.

    Returns:
        The path of ``.venv``'s Python, ``$VIRTUAL_ENV``'s, or None.
    """
    candidates = [
        root / ".venv" / "bin" / "python",
        root / ".venv" / "Scripts" / "python.exe",
    ]
    env = os.environ.get("VIRTUAL_ENV")
    if env:
        candidates.append(Path(env) / "bin" / "python")
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    return None


def cache_dir(root: Path) -> Path:
    """The incremental cache of mypy for one project, under the user cache folder.

    Args:
        root: The project folder.

    Returns:
        The cache folder.
    """
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("pyprotocol")) / "mypy" / digest


def command(paths: Sequence[Path], root: Path, shadow: Path | None = None) -> list[str]:
    """The command line that runs mypy on files (or on one buffer).

    Args:
        paths: The files as the project knows them.
        root: The project folder (mypy's working folder).
        shadow: A temporary file holding the unsaved text of the single path.

    Returns:
        The argument list.
    """
    args = [
        sys.executable,
        "-m",
        "mypy",
        "--show-column-numbers",
        "--show-error-end",
        "--show-error-codes",
        "--no-error-summary",
        "--no-pretty",
        "--no-color-output",
        "--hide-error-context",
        "--cache-dir",
        str(cache_dir(root)),
    ]
    if shadow is not None:
        args.extend(["--shadow-file", str(paths[0]), str(shadow)])
    if not has_own_config(root):
        args.append("--strict")
    python = project_python(root)
    if python is not None:
        args.extend(["--python-executable", python])
    args.extend(str(path) for path in paths)
    return args


def _span(lines: LineIndex, match: re.Match[str]) -> Span:
    """Convert positions: mypy counts 1-based UTF-8 byte columns, end inclusive."""
    line, end_line = int(match["line"]), int(match["end_line"])
    col = lines.byte_to_col(line, max(int(match["col"]) - 1, 0))
    end_col = lines.byte_to_col(end_line, int(match["end_col"]))
    if (end_line, end_col) <= (line, col):
        end_line, end_col = line, min(col + 1, len(lines.line(line))) or col
    return Span(line, col, end_line, end_col)


def parse_output(
    stdout: str, path: Path, source: str, config: Config, root: Path
) -> list[MypyFinding]:
    """Turn mypy's text output into findings for one file.

    Args:
        stdout: What mypy printed.
        path: The file checked, resolved (messages about other files are dropped).
        source: The buffer's text (for column conversion).
        config: The configuration (for link bases).
        root: The folder mypy ran in (it prints paths relative to it).

    Returns:
        The findings, each with its notes.
    """
    lines = LineIndex(source)
    found: list[MypyFinding] = []
    for raw in stdout.splitlines():
        match = _LINE.match(raw)
        if match is None or (root / match["file"]).resolve() != path:
            continue
        span = _span(lines, match)
        if match["kind"] == "note":
            if found:
                found[-1].notes.append(Note(span, match["message"]))
            continue
        code = match["code"] or "misc"
        section = SECTIONS.get(code, DEFAULT_SECTION)
        finding = Finding(
            code=code,
            message=match["message"],
            span=span,
            severity=Severity.ERROR if match["kind"] == "error" else Severity.WARNING,
            source=SOURCE,
            href=protocol.href(section, config.links),
        )
        found.append(MypyFinding(finding))
    return found


class Handle:
    """Lets another thread stop a check in flight (the server's superseded runs).

    Thread-safe: :meth:`cancel` may come before, during or after the subprocess runs.
    """

    def __init__(self) -> None:
        """Create a handle for one run."""
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._cancelled = False

    @property
    def cancelled(self) -> bool:
        """True once :meth:`cancel` was called."""
        with self._lock:
            return self._cancelled

    def cancel(self) -> None:
        """Stop the run: kill its subprocess, or keep it from starting."""
        with self._lock:
            self._cancelled = True
            process = self._process
        if process is not None and process.poll() is None:
            process.kill()

    def attach(self, process: subprocess.Popen[bytes]) -> bool:
        """Remember the run's subprocess; kill it at once if cancelled already.

        Args:
            process: The started subprocess.

        Returns:
            False when the run was cancelled (the process is killed).
        """
        with self._lock:
            self._process = process
            cancelled = self._cancelled
        if cancelled:
            process.kill()
        return not cancelled


class CancelledError(Exception):
    """The run was cancelled through its :class:`Handle`."""


def _test_hooks(args: list[str]) -> list[str]:
    """Apply the test hooks of the environment to a mypy command line.

    ``PYPROTOCOL_MYPY_DELAY`` (seconds) makes mypy sleep before it starts: a slow
    run. ``PYPROTOCOL_MYPY_FAIL_ONCE`` names a marker file: while it exists, the
    next run deletes it and fails as a crash would (exit 2, a message on stderr).
    """
    marker = os.environ.get(FAIL_ONCE_ENV)
    if marker:
        try:
            Path(marker).unlink()
        except FileNotFoundError:
            pass
        else:
            return [sys.executable, "-c", _CRASH]
    delay = os.environ.get(DELAY_ENV)
    if delay:
        return [sys.executable, "-c", _DELAYED, delay, *args[3:]]
    return args


def _lower_priority(process: subprocess.Popen[bytes], niceness: int) -> None:
    if niceness <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, process.pid, niceness)
    except OSError:
        return  # the process ended already, or the platform refuses: no matter


def check(
    source: str,
    path: Path,
    root: Path,
    config: Config,
    *,
    timeout: float = TIMEOUT_SECONDS,
    handle: Handle | None = None,
    niceness: int = 0,
) -> list[MypyFinding]:
    """Type-check a buffer with mypy.

    Args:
        source: The buffer's text (unsaved edits included).
        path: The file's path.
        root: The project folder (mypy runs there and reads its configuration).
        config: The configuration.
        timeout: Seconds before the run is abandoned.
        handle: Lets another thread cancel the run.
        niceness: Lower mypy's CPU priority by this much (POSIX; 0: unchanged).

    Returns:
        The findings for this file.

    Raises:
        MypyError: When mypy cannot run, crashes or times out.
        CancelledError: When ``handle`` cancelled the run.
    """
    handle = handle or Handle()
    path = path.resolve()
    with tempfile.TemporaryDirectory(prefix="pyprotocol-mypy-") as scratch:
        shadow = Path(scratch) / path.name
        shadow.write_text(source, encoding="utf-8", newline="")
        args = _test_hooks(command([path], root, shadow))
        if handle.cancelled:
            raise CancelledError(str(path))
        try:
            process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                args,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as err:
            msg = f"mypy could not be started ({err})"
            raise MypyError(msg) from err
        if not handle.attach(process):
            process.communicate()
            raise CancelledError(str(path))
        _lower_priority(process, niceness)
        try:
            out, err_out = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as err:
            process.kill()
            process.communicate()
            msg = f"mypy did not finish within {timeout:.0f} s"
            raise MypyError(msg) from err
    if handle.cancelled:
        raise CancelledError(str(path))
    stdout = out.decode("utf-8", "replace")
    if process.returncode not in {0, 1}:
        stderr = err_out.decode("utf-8", "replace").strip()
        msg = f"mypy failed (exit {process.returncode}): {(stderr or stdout)[-500:]}"
        raise MypyError(msg)
    return parse_output(stdout, path, source, config, root)


def check_files(
    paths: Sequence[Path],
    root: Path,
    config: Config,
    *,
    timeout: float = TIMEOUT_SECONDS,
) -> dict[Path, list[Finding]]:
    """Type-check files on disk in one mypy run (the CLI's ``--mypy``).

    Args:
        paths: The files, all under ``root``.
        root: The project folder.
        config: The configuration.
        timeout: Seconds before the run is abandoned.

    Returns:
        Findings per resolved file path.

    Raises:
        MypyError: When mypy cannot run, crashes or times out.
    """
    resolved = [p.resolve() for p in paths]
    args = command(resolved, root)
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            args, cwd=root, capture_output=True, timeout=timeout, check=False
        )
    except (subprocess.TimeoutExpired, OSError) as err:
        msg = f"mypy could not check {root}: {err}"
        raise MypyError(msg) from err
    stdout = done.stdout.decode("utf-8", "replace")
    if done.returncode not in {0, 1}:
        msg = f"mypy failed (exit {done.returncode}): {stdout[-500:]}"
        raise MypyError(msg)
    results: dict[Path, list[Finding]] = {}
    for path in resolved:
        source = path.read_text(encoding="utf-8", errors="replace")
        results[path] = findings(parse_output(stdout, path, source, config, root))
    return results


def findings(results: Sequence[MypyFinding]) -> list[Finding]:
    """The plain findings of a mypy run.

    Args:
        results: The run's results.

    Returns:
        The findings without their notes.
    """
    return [result.finding for result in results]
