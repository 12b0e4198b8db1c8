"""ruff as a source: lint and format findings on buffer text, with protocol links.

ruff runs on stdin with a rule selection derived from the protocol (the user's own ruff
configuration is not consulted: the protocol decides what is checked). Each ruff code
maps to the protocol section it enforces; codes that an own rule covers are not asked
for, so every finding has one owner.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import subprocess
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import IO, Final

from pyprotocol import protocol
from pyprotocol.config import Config
from pyprotocol.model import Applicability, Finding, FixInfo, Severity, Span, Tag
from pyprotocol.positions import LineIndex, split_lines
from pyprotocol.rules import ALL_RULES

log = logging.getLogger(__name__)

SOURCE: Final = "ruff"
FORMAT_CODE: Final = "PP900"
TIMEOUT_SECONDS: Final = 20.0
#: Names the ruff binary to run instead of the wheel's (a test hook).
BINARY_ENV: Final = "PYPROTOCOL_RUFF"
#: The options of ``ruff format`` (the same for every file).
FORMAT_FLAGS: Final = ("--isolated", "--no-cache", "--line-length", "88")

#: What the protocol asks ruff to check (PR §8's rule set plus the CHECKABLE leads).
SELECT: Final = (
    "E",
    "W",
    "F",
    "B",
    "I",
    "UP",
    "S",
    "C90",
    "N801",
    "N802",
    "N803",
    "N806",
    "N815",
    "N816",
    "D1",
    "D417",
    "ANN001",
    "ANN201",
    "ANN202",
    "ANN204",
    "BLE001",
    "TRY300",
    "TRY400",
    "ASYNC",
    "RUF006",
    "PTH",
    "SIM115",
    "PERF401",
    "C419",
    "PT009",
    "PT027",
    "G",
    "LOG",
    "FAST",
)
#: Not asked for in test files: asserts are how tests check, and test functions
#: need neither docstrings nor return annotations.
TEST_IGNORES: Final = ("S101", "D1", "ANN201", "ANN202", "S105", "S106", "S311")
#: Longest prefix wins.
SECTIONS: Final[Mapping[str, str]] = {
    "E": "pr:linting-with-ruff",
    "W": "pr:linting-with-ruff",
    "E501": "pr:formatting",
    "F": "pr:linting-with-ruff",
    "F401": "pr:complexity-management",
    "F841": "pr:complexity-management",
    "F811": "pr:complexity-management",
    "B": "pr:linting-with-ruff",
    "I": "cgp:2-code-style-formatting--linting",
    "N": "cgp:2-code-style-formatting--linting",
    "D": "pr:docstrings-pep-257--google-style",
    "C90": "pr:complexity-management",
    "ANN": "pr:type-annotations",
    "UP": "pr:1-type-system--modern-syntax",
    "S": "pr:7-security",
    "S1": "cgp:6-security-imperatives",
    "S105": "pr:authentication--secrets",
    "S106": "pr:authentication--secrets",
    "S107": "pr:authentication--secrets",
    "S110": "pr:tryexcept-patterns",
    "S112": "pr:tryexcept-patterns",
    "S113": "pr:api-security",
    "S2": "pr:input-validation",
    "S3": "pr:cryptography",
    "S301": "pr:deserialization",
    "S302": "pr:deserialization",
    "S307": "cgp:6-security-imperatives",
    "S31": "pr:xml-processing",
    "S32": "pr:xml-processing",
    "S4": "pr:cryptography",
    "S5": "pr:input-validation",
    "S506": "pr:deserialization",
    "S6": "cgp:6-security-imperatives",
    "S608": "pr:input-validation",
    "S7": "pr:input-validation",
    "BLE": "pr:tryexcept-patterns",
    "TRY": "pr:tryexcept-patterns",
    "ASYNC": "pr:async-patterns",
    "RUF006": "pr:async-patterns",
    "PTH": "cgp:4-idiomatic--performant-python",
    "SIM": "cgp:4-idiomatic--performant-python",
    "PERF": "pr:language-level-python-312",
    "C4": "cgp:4-idiomatic--performant-python",
    "PT": "pr:5-testing-with-pytest",
    "G": "pr:structured-logging",
    "LOG": "pr:structured-logging",
    "FAST": "cgp:7-fastapi-best-practices",
}
_STYLE: Final = ("E501", "I", "N", "D", "W")
_ERRORS: Final = ("E9", "F821", "F822", "F823")
_DEPRECATED: Final = ("UP",)
_UNNECESSARY: Final = ("F401", "F841", "F811")


_RUFF_SELECTOR: Final = re.compile(r"[A-Za-z]+[0-9]*")


class RuffError(Exception):
    """ruff is missing, crashed, timed out or printed something unreadable."""


class RuffTimeoutError(RuffError):
    """ruff did not answer in time (it was killed)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One replacement in code-point positions (end exclusive)."""

    span: Span
    content: str


@cache
def ruff_binary() -> str:
    """The path of the ruff binary shipped in the ruff wheel.

    The environment variable ``PYPROTOCOL_RUFF`` names another binary instead (a
    test hook: the server's tests point it at a missing file).

    Returns:
        The executable's path.

    Raises:
        RuffError: When ruff is not installed.
    """
    override = os.environ.get(BINARY_ENV)
    if override:
        return override
    try:
        from ruff.__main__ import find_ruff_bin
    except ImportError as err:
        msg = "ruff is not installed: `uv add ruff` (own rules keep working)"
        raise RuffError(msg) from err
    try:
        return str(find_ruff_bin())
    except FileNotFoundError as err:
        msg = f"ruff's binary is missing from its package ({err})"
        raise RuffError(msg) from err


def section_for(code: str) -> str:
    """The protocol section a ruff code enforces.

    Args:
        code: A ruff code such as ``"E501"``.

    Returns:
        The section key (the closest prefix in the mapping).
    """
    for length in range(len(code), 0, -1):
        key = SECTIONS.get(code[:length])
        if key is not None:
            return key
    return "pr:linting-with-ruff"


def owned_codes() -> tuple[str, ...]:
    """Ruff codes that own rules supersede.

    Returns:
        The codes, sorted.
    """
    return tuple(sorted({code for rule in ALL_RULES for code in rule.replaces}))


def _severity(code: str) -> Severity:
    if code.startswith(_ERRORS):
        return Severity.ERROR
    if code.startswith(_STYLE):
        return Severity.INFO
    return Severity.WARNING


def _tags(code: str) -> tuple[Tag, ...]:
    if code.startswith(_UNNECESSARY):
        return (Tag.UNNECESSARY,)
    if code.startswith(_DEPRECATED):
        return (Tag.DEPRECATED,)
    return ()


def command(path: PurePath, config: Config, *extra: str) -> list[str]:
    """The ruff ``check`` command line for one buffer.

    Args:
        path: The buffer's path (for messages and per-file behaviour).
        config: The configuration in force.
        extra: More arguments.

    Returns:
        The argument list.
    """
    return [
        ruff_binary(),
        "check",
        *check_flags(path, config),
        "--stdin-filename",
        str(path),
        *extra,
        "-",
    ]


def check_flags(path: PurePath, config: Config) -> list[str]:
    """The options of ``ruff check`` for one file: selection, ignores, settings.

    Files whose options are equal can be checked by one ruff process.

    Args:
        path: The file's path (test files and ``per-file-ignores`` differ).
        config: The configuration in force.

    Returns:
        The options, without the command, the file and the output format.
    """
    ignores = list(owned_codes())
    if config.is_test_file(path):
        ignores.extend(TEST_IGNORES)
    # ruff codes the user ignores are not asked for, so fix-all does not apply them.
    ignores.extend(
        selector.upper()
        for selector in (*config.ignore, *config.ignored_here(path))
        if _RUFF_SELECTOR.fullmatch(selector) and not selector.upper().startswith("PP")
    )
    target = f"py{config.target_version[0]}{config.target_version[1]}"
    return [
        "--isolated",
        "--no-cache",
        "--quiet",
        "--select",
        ",".join(SELECT),
        "--ignore",
        ",".join(ignores),
        "--line-length",
        "88",
        "--target-version",
        target,
        "--config",
        "lint.mccabe.max-complexity = 10",
        "--config",
        'lint.pydocstyle.convention = "google"',
        "--config",
        'lint.external = ["PP"]',
        "--config",
        # Visitor methods are named after the node classes they visit (ast, LibCST).
        'lint.pep8-naming.extend-ignore-names = ["visit_*", "leave_*", "depart_*"]',
        "--config",
        # FastAPI's dependency markers are meant as defaults (PP702 owns them).
        "lint.flake8-bugbear.extend-immutable-calls = "
        '["fastapi.Depends", "fastapi.Security", "fastapi.Query", "fastapi.Path", '
        '"fastapi.Body", "fastapi.Header", "fastapi.Cookie", "fastapi.Form", '
        '"fastapi.File"]',
    ]


@dataclass(frozen=True, slots=True)
class _Done:
    returncode: int
    stdout: str
    stderr: str


#: What a fresh pipe takes without blocking the writer (Linux's default).
PIPE_BUFFER_BYTES: Final = 65_536


class Started:
    """A ruff process at work on a buffer while the caller does something else.

    The text is written at once (ruff reads all of stdin before it starts);
    :meth:`finish` collects the output. Bytes in and out: text mode would turn CRLF
    into LF behind our back.
    """

    def __init__(self, args: Sequence[str], source: str) -> None:
        """Start ruff and hand it the text.

        Args:
            args: The command line.
            source: The text for stdin.

        Raises:
            RuffError: When ruff cannot be started.
        """
        try:
            data = source.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            # A lone surrogate (an editor can send one as a ``\\ud800`` escape): the
            # text is no Python source; ruff gets a `?` in its place (same columns).
            data = source.encode("utf-8", "replace")
        try:
            self._process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                args,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as err:
            msg = f"ruff could not be started ({err})"
            raise RuffError(msg) from err
        stdin = self._process.stdin
        # communicate() must not touch stdin: a thread of its own writes it, so a
        # large text never holds the caller (ruff reads all of stdin before it
        # starts, and a pipe holds 64 KiB) and a ruff that reads nothing costs the
        # timeout in finish(), not a hang here.
        self._process.stdin = None
        if stdin is not None and len(data) <= PIPE_BUFFER_BYTES:
            # Fits in a fresh pipe: the write cannot block, and no thread is
            # started (the CLI forks its workers after starting ruff).
            _write_all(stdin, data)
        elif stdin is not None:
            threading.Thread(
                target=_write_all, args=(stdin, data), name="ruff-stdin", daemon=True
            ).start()

    def finish(self, timeout: float | None = None) -> _Done:
        """Wait for ruff and read what it printed.

        Args:
            timeout: Seconds to wait before ruff is killed (default:
                :data:`TIMEOUT_SECONDS`, read at call time).

        Returns:
            Its exit status and output.

        Raises:
            RuffTimeoutError: When ruff does not answer in time.
        """
        if timeout is None:
            timeout = TIMEOUT_SECONDS
        try:
            out, err = self._process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            self.cancel()
            msg = f"ruff did not answer within {timeout:g} s"
            raise RuffTimeoutError(msg) from error
        return _Done(
            self._process.returncode,
            out.decode("utf-8", "surrogateescape"),
            err.decode("utf-8", "replace"),
        )

    def cancel(self) -> None:
        """Stop ruff (its output is not wanted any more)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


def _write_all(stdin: IO[bytes], data: bytes) -> None:
    try:
        stdin.write(data)
    except (BrokenPipeError, ValueError, OSError):
        pass  # ruff stopped reading (or was killed): finish() reports its status
    finally:
        with contextlib.suppress(BrokenPipeError, ValueError, OSError):
            stdin.close()


def _run(args: Sequence[str], source: str) -> _Done:
    return Started(args, source).finish()


def _span(item: Mapping[str, object], start: str, end: str) -> Span:
    first = item[start]
    last = item[end]
    if not isinstance(first, dict) or not isinstance(last, dict):
        msg = "ruff printed a location that is not an object"
        raise RuffError(msg)
    return Span(
        int(first["row"]),
        int(first["column"]) - 1,
        int(last["row"]),
        int(last["column"]) - 1,
    )


def _fix(item: Mapping[str, object]) -> tuple[FixInfo | None, dict[str, str]]:
    raw = item.get("fix")
    if not isinstance(raw, dict):
        return None, {}
    applicability = raw.get("applicability")
    if applicability not in {"safe", "unsafe"}:
        return None, {}  # display-only fixes are not offered
    edits = [
        {
            "span": list(_astuple(_span(edit, "location", "end_location"))),
            "content": str(edit.get("content") or ""),
        }
        for edit in raw.get("edits") or []
        if isinstance(edit, dict)
    ]
    info = FixInfo(
        str(raw.get("message") or "Apply ruff's fix"),
        Applicability(applicability),
        "ruff marks this fix unsafe: it may change behaviour"
        if applicability == "unsafe"
        else None,
    )
    return info, {"edits": json.dumps(edits)}


def _astuple(span: Span) -> tuple[int, int, int, int]:
    return span.line, span.col, span.end_line, span.end_col


def edits_of(finding: Finding) -> list[Edit]:
    """The text edits of a ruff finding's fix.

    Args:
        finding: A finding from this source.

    Returns:
        The edits (empty when there is no fix).
    """
    raw = finding.data.get("edits")
    if not raw:
        return []
    edits = []
    for item in json.loads(raw):
        line, col, end_line, end_col = item["span"]
        edits.append(Edit(Span(line, col, end_line, end_col), item["content"]))
    return edits


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to a text.

    Args:
        source: The text.
        edits: The edits, in any order.

    Returns:
        The new text.
    """
    index = LineIndex(source)
    result = source
    spans = sorted(edits, key=lambda e: e.span, reverse=True)
    for edit in spans:
        start = index.offset(edit.span.line, edit.span.col)
        end = index.offset(edit.span.end_line, edit.span.end_col)
        result = result[:start] + edit.content + result[end:]
    return result


def parse_output(stdout: str, config: Config) -> list[Finding]:
    """Turn ruff's JSON output into findings.

    Args:
        stdout: What ``ruff check --output-format json`` printed.
        config: The configuration (for link bases).

    Returns:
        The findings.

    Raises:
        RuffError: When the output is not the JSON ruff documents.
    """
    return parse_items(load_items(stdout), config)


def load_items(stdout: str) -> list[object]:
    """Read the list of findings that ``ruff check --output-format json`` printed.

    Args:
        stdout: What ruff printed.

    Returns:
        The items, not yet checked one by one.

    Raises:
        RuffError: When the output is not a JSON list.
    """
    try:
        items = json.loads(stdout or "[]")
    except json.JSONDecodeError as err:
        msg = f"ruff printed output that is not JSON ({err})"
        raise RuffError(msg) from err
    if not isinstance(items, list):
        msg = "ruff printed JSON that is not a list"
        raise RuffError(msg)
    return items


def parse_items(items: Iterable[object], config: Config) -> list[Finding]:
    """Turn items of ruff's JSON output into findings.

    Args:
        items: The items (those that are not objects are skipped).
        config: The configuration (for link bases).

    Returns:
        The findings.

    Raises:
        RuffError: When an item has no readable location.
    """
    findings = []
    for item in items:
        if not isinstance(item, dict):
            continue
        code = item.get("code") or "E999"
        if not isinstance(code, str):
            continue
        try:
            span = _span(item, "location", "end_location")
        except (KeyError, TypeError, ValueError) as err:
            msg = f"ruff printed a finding without a readable location ({err})"
            raise RuffError(msg) from err
        fix, data = _fix(item)
        findings.append(
            Finding(
                code=code,
                message=str(item.get("message") or code),
                span=span,
                severity=_severity(code),
                source=SOURCE,
                href=protocol.href(section_for(code), config.links),
                fix=fix,
                tags=_tags(code),
                data=data,
            )
        )
    return findings


def check(source: str, path: PurePath, config: Config) -> list[Finding]:
    """Lint one buffer with ruff.

    Args:
        source: The buffer's text.
        path: Its path.
        config: The configuration.

    Returns:
        ruff's findings, mapped to protocol sections.

    Raises:
        RuffError: When ruff is missing or misbehaves.
    """
    return check_result(start_check(source, path, config), config)


def start_check(source: str, path: PurePath, config: Config) -> Started:
    """Start linting one buffer; :func:`check_result` collects the findings.

    Args:
        source: The buffer's text.
        path: Its path.
        config: The configuration.

    Returns:
        The running ruff.

    Raises:
        RuffError: When ruff is missing or cannot start.
    """
    args = command(path, config, "--output-format", "json", "--exit-zero")
    return Started(args, source)


def check_result(
    started: Started, config: Config, timeout: float | None = None
) -> list[Finding]:
    """The findings of a lint started with :func:`start_check`.

    Args:
        started: The running ruff.
        config: The configuration.
        timeout: Seconds to wait for ruff (default: :data:`TIMEOUT_SECONDS`).

    Returns:
        ruff's findings, mapped to protocol sections.

    Raises:
        RuffError: When ruff misbehaves or does not answer in time.
    """
    done = started.finish(timeout)
    if done.returncode != 0:
        msg = f"ruff failed (exit {done.returncode}): {done.stderr.strip()[:500]}"
        raise RuffError(msg)
    return parse_output(done.stdout, config)


def fix(source: str, path: PurePath, config: Config, *, unsafe: bool = False) -> str:
    """Apply ruff's fixes for the protocol's selection.

    Args:
        source: The buffer's text.
        path: Its path.
        config: The configuration.
        unsafe: Also apply fixes ruff marks unsafe.

    Returns:
        The fixed text (unchanged when there was nothing to fix).

    Raises:
        RuffError: When ruff is missing or misbehaves.
    """
    extra = ["--fix-only", "--exit-zero"]
    if unsafe:
        extra.append("--unsafe-fixes")
    done = _run(command(path, config, *extra), source)
    if done.returncode != 0:
        msg = f"ruff --fix failed (exit {done.returncode}): {done.stderr.strip()[:500]}"
        raise RuffError(msg)
    return done.stdout


def format_source(source: str, path: PurePath) -> str:
    """Format a buffer with ruff format (line length 88).

    Args:
        source: The buffer's text.
        path: Its path.

    Returns:
        The formatted text.

    Raises:
        RuffError: When ruff is missing, fails, or the text does not parse.
    """
    return format_result(start_format(source, path))


def start_format(source: str, path: PurePath) -> Started:
    """Start formatting one buffer; :func:`format_result` collects the text.

    Args:
        source: The buffer's text.
        path: Its path.

    Returns:
        The running ruff.

    Raises:
        RuffError: When ruff is missing or cannot start.
    """
    args = [ruff_binary(), "format", *FORMAT_FLAGS, "--stdin-filename", str(path), "-"]
    return Started(args, source)


def format_result(started: Started, timeout: float | None = None) -> str:
    """The text of a format started with :func:`start_format`.

    Args:
        started: The running ruff.
        timeout: Seconds to wait for ruff (default: :data:`TIMEOUT_SECONDS`).

    Returns:
        The formatted text.

    Raises:
        RuffError: When ruff fails, does not answer in time, or the text does not
            parse.
    """
    done = started.finish(timeout)
    if done.returncode != 0:
        msg = f"ruff format failed: {done.stderr.strip()[:300]}"
        raise RuffError(msg)
    return done.stdout


def format_finding(source: str, path: PurePath, config: Config) -> Finding | None:
    """One finding when the buffer is not ruff-format clean.

    Args:
        source: The buffer's text.
        path: Its path.
        config: The configuration.

    Returns:
        The finding, or None when the buffer is formatted.

    Raises:
        RuffError: When ruff is missing or fails.
    """
    return unformatted_finding(source, format_source(source, path), config)


def unformatted_finding(source: str, formatted: str, config: Config) -> Finding | None:
    """One finding when a buffer differs from its formatted text.

    Args:
        source: The buffer's text.
        formatted: What ruff format made of it.
        config: The configuration.

    Returns:
        The finding, on the first line that differs; None when they are equal.
    """
    if formatted == source:
        return None
    lines = split_lines(source)
    new_lines = split_lines(formatted)
    first = next(
        (
            n
            for n, (a, b) in enumerate(zip(lines, new_lines, strict=False), 1)
            if a != b
        ),
        min(len(lines), len(new_lines)),
    )
    first = max(first, 1)
    width = len(lines[first - 1]) if first <= len(lines) else 0
    return Finding(
        code=FORMAT_CODE,
        message="not formatted with ruff format (first difference on this line)",
        span=Span(first, 0, first, width),
        severity=Severity.INFO,
        source=SOURCE,
        href=protocol.href("pr:formatting", config.links),
        fix=FixInfo("Format the document with ruff format"),
    )
