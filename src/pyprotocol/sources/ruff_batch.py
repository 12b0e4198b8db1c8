"""ruff over many files on disk: a few processes per run instead of two per file.

``pyprotocol check`` starts a :class:`Batch` before its own-rule work and collects it
afterwards, so ruff works on the other core meanwhile. What a batch reports for a file
equals what :func:`pyprotocol.engine.tool_findings` reports for the file's text:

* ``ruff check`` gets the per-file command's options; files are grouped by them (test
  files and ``per-file-ignores`` differ) and each group is checked by one process (or
  a few, when the argument list grows long). Findings are mapped back to files by the
  absolute file name ruff prints, then filtered by the configuration as before.
* ``ruff format --diff`` runs once over the files; a file's diff applied to its text
  gives what ``ruff format -`` prints for it, so the finding's first differing line
  is found as before. Only files with a diff are read again. The diff must apply
  exactly (every context and removed line equal to the file's) or the file goes
  alone.
* A file is batched only when its bytes are the UTF-8 of the text the engine analyses
  (no BOM, no other encoding), since ruff reads it from disk, not from us. The others,
  and files the batch cannot vouch for (ruff could not format one, it changed
  meanwhile), are checked one at a time, exactly as before.

Processes start when the batch is made and are waited for in :meth:`Batch.collect`,
each with a timeout scaled by the size of its files, counted from that call. After one
timeout the rest are not waited for: a hanging ruff costs one timeout, not one per
file or per group.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Literal, Self

from pyprotocol import engine, workspace
from pyprotocol.config import Config
from pyprotocol.model import Finding
from pyprotocol.sources import ruff

#: Files with these suffixes are batched (ruff reads others differently, if at all).
SUFFIXES: Final = (".py", ".pyi")
#: Seconds added to :data:`ruff.TIMEOUT_SECONDS` per whole MB of files in a process.
PER_MB_SECONDS: Final = 5.0
#: Limits of one process: characters of file names on its command line, and bytes
#: of files (its output is held in memory).
MAX_ARGV_CHARS: Final = 100_000
MAX_BYTES: Final = 16 * 1024 * 1024
#: Processes running at once (more groups wait for a free slot).
MAX_RUNNING: Final = 4
_MB: Final = 1_000_000
_LINE: Final = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_HUNK: Final = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@.*")


def batchable(path: Path, source: str, data: bytes) -> bool:
    """Tell whether ruff reading a file from disk sees the text the engine analyses.

    Args:
        path: The file.
        source: Its text, as :func:`pyprotocol.workspace.read_file` decoded it.
        data: Its bytes.

    Returns:
        True for a ``.py``/``.pyi`` file whose bytes are its text in UTF-8.
    """
    if path.suffix not in SUFFIXES:
        return False
    try:
        return source.encode("utf-8") == data
    except UnicodeEncodeError:
        return False


def merge(
    own: list[Finding], extra: Iterable[Finding], suppressions: engine.Suppressions
) -> list[Finding]:
    """Add a file's tool findings to its own-rule findings, as ``analyse`` would.

    Args:
        own: What :func:`pyprotocol.engine.analyse` reported without tools (already
            unsuppressed, sorted and without duplicates).
        extra: The file's tool findings.
        suppressions: The file's ``# noqa`` comments.

    Returns:
        The findings, sorted by position, the suppressed and duplicates left out.
    """
    merged = own + [f for f in extra if not suppressions.suppresses(f.code, f.span)]
    merged.sort(key=lambda f: (f.span, f.code))
    seen: set[tuple[str, object]] = set()
    unique = []
    for finding in merged:
        key = (finding.code, finding.span)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


@dataclass(frozen=True, slots=True)
class _Failed:
    """ruff could not answer for a file: the message, as the per-file run gives it."""

    message: str


@dataclass(slots=True)
class _Job:
    """One ruff process over some of the files."""

    kind: Literal["check", "format"]
    #: The files' indices, under the name ruff is given (format: the copy's).
    members: dict[str, list[int]]
    size: int
    flags: tuple[str, ...] = ()
    cwd: str = ""
    started: ruff.Started | None = None
    failure: str | None = None
    done: bool = False


class Batch:
    """``ruff check`` and ``ruff format`` over files on disk, started at once.

    Use it as a context manager: leaving it stops what still runs.
    """

    def __init__(self, files: Iterable[tuple[Path, Config]]) -> None:
        """Plan the processes and start the first :data:`MAX_RUNNING`.

        Args:
            files: The files with their configurations; the index of a file in this
                sequence names it in :meth:`tool_findings`.
        """
        self._files = list(files)
        self._lint: dict[int, list[Finding] | _Failed] = {}
        self._format: dict[int, Finding | _Failed | None] = {}
        self._outage: str | None = None
        self._jobs = list(self._plan())
        for job in self._jobs[:MAX_RUNNING]:
            self._start(job)

    def __enter__(self) -> Self:
        """Enter the context.

        Returns:
            The batch.
        """
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Stop what still runs."""
        self.close()

    def close(self) -> None:
        """Stop what still runs."""
        for job in self._jobs:
            if job.started is not None and not job.done:
                job.started.cancel()
                job.done = True

    # -- planning ------------------------------------------------------------------
    def _plan(self) -> Iterator[_Job]:
        groups: dict[tuple[str, ...], dict[str, list[int]]] = {}
        sizes: dict[int, int] = {}
        for index, (path, config) in enumerate(self._files):
            if path.suffix not in SUFFIXES:
                continue
            flags = tuple(ruff.check_flags(path, config))
            names = groups.setdefault(flags, {})
            # ruff prints names made absolute without following symlinks.
            name = os.path.abspath(path)  # noqa: PTH100 - resolve() follows symlinks
            names.setdefault(name, []).append(index)
            sizes[index] = _size(path)
        lint = [
            _Job("check", members, size, flags=flags)
            for flags, names in groups.items()
            for members, size in _chunks(names, sizes, lambda name: len(name) + 1)
        ]
        everything: dict[str, list[int]] = {}
        for names in groups.values():
            everything.update(names)
        formatting = [
            _Job("format", members, size)
            for members, size in _chunks(everything, sizes, lambda n: len(n) + 1)
        ]
        # Alternate, so the first processes to start include both kinds.
        for position in range(max(len(lint), len(formatting))):
            yield from lint[position : position + 1]
            yield from formatting[position : position + 1]

    # -- running -------------------------------------------------------------------
    def _start(self, job: _Job) -> None:
        if job.started is not None or job.failure is not None:
            return
        try:
            if job.kind == "check":
                args = [
                    ruff.ruff_binary(),
                    "check",
                    *job.flags,
                    "--output-format",
                    "json",
                    "--exit-zero",
                    *job.members,
                ]
            else:
                args = [ruff.ruff_binary(), "format", *ruff.FORMAT_FLAGS, "--diff"]
                args.extend(job.members)
            job.cwd = str(Path.cwd())  # ruff names files relative to it
            job.started = ruff.Started(args, "")
        except ruff.RuffError as err:
            job.failure = str(err)

    def collect(self) -> None:
        """Wait for every process and read its findings."""
        for position, job in enumerate(self._jobs):
            for waiting in self._jobs[position : position + MAX_RUNNING]:
                if self._outage is None:
                    self._start(waiting)
            self._finish(job)

    def _finish(self, job: _Job) -> None:
        if job.done:
            return
        job.done = True
        if job.failure is None and self._outage is not None:
            job.failure = self._outage
        if job.failure is not None or job.started is None:
            if job.started is not None:
                job.started.cancel()
            self._fail(job, job.failure or "ruff did not run")
            return
        timeout = ruff.TIMEOUT_SECONDS + PER_MB_SECONDS * (job.size // _MB)
        try:
            done = job.started.finish(timeout)
        except ruff.RuffTimeoutError as err:
            self._outage = str(err)
            self._fail(job, str(err))
            return
        if job.kind == "check":
            self._read_check(job, done.returncode, done.stdout, done.stderr)
        else:
            self._read_format(job, done.returncode, done.stdout, done.stderr)

    def _fail(self, job: _Job, message: str) -> None:
        table = self._lint if job.kind == "check" else self._format
        for indices in job.members.values():
            for index in indices:
                table[index] = _Failed(message)

    def _read_check(self, job: _Job, returncode: int, stdout: str, stderr: str) -> None:
        if returncode != 0:
            self._fail(job, f"ruff failed (exit {returncode}): {stderr.strip()[:500]}")
            return
        try:
            items = ruff.load_items(stdout)
        except ruff.RuffError as err:
            self._fail(job, str(err))
            return
        by_name = _by_file(items, job.members)
        if by_name is None:
            return  # a finding the batch cannot place: its files go one by one
        for name, found in by_name.items():
            for index in job.members[name]:
                try:
                    self._lint[index] = ruff.parse_items(found, self._files[index][1])
                except ruff.RuffError as err:
                    self._lint[index] = _Failed(str(err))

    def _read_format(
        self, job: _Job, returncode: int, stdout: str, stderr: str
    ) -> None:
        if returncode not in {0, 1, 2}:
            self._fail(job, f"ruff format failed: {stderr.strip()[:300]}")
            return
        try:
            diffs = _by_member(_parse_diff(stdout), job)
        except (ValueError, IndexError):
            return  # a diff the batch cannot read: its files go one by one
        undiffed = [name for name in job.members if name not in diffs]
        failed: set[str] = set()
        if returncode == 2:
            # ruff could not format some files: find them by name in its errors.
            failed = {name for name in undiffed if f" {_shown(name, job)}:" in stderr}
            errors = sum(line.startswith("error:") for line in stderr.splitlines())
            if not errors or errors > len(failed):
                failed = set(undiffed)  # not all accounted for: they go one by one
        for name in undiffed:
            if name not in failed:
                for index in job.members[name]:
                    self._format[index] = None
        for name, hunks in diffs.items():
            for index in job.members[name]:
                self._format_one(index, hunks)

    def _format_one(self, index: int, hunks: list[_Hunk]) -> None:
        path, config = self._files[index]
        try:
            source, data = workspace.read_file(path)
            if not batchable(path, source, data):
                return
            formatted = _apply(source, hunks)
        except (workspace.UnreadableError, ValueError):
            return  # changed meanwhile: checked on its own
        self._format[index] = ruff.unformatted_finding(source, formatted, config)

    # -- results -------------------------------------------------------------------
    def tool_findings(self, index: int) -> tuple[list[Finding], tuple[str, ...]]:
        """The ruff findings of one file, as :func:`engine.tool_findings` gives them.

        Call it after :meth:`collect`, for a file that parsed and is
        :func:`batchable`. A file the batch cannot vouch for is checked on its own.

        Args:
            index: The file's position in the sequence the batch was made with.

        Returns:
            The findings (selected and not ignored; ``# noqa`` is not applied yet),
            and messages for ruff's failures.
        """
        path, config = self._files[index]
        lint = self._lint.get(index)
        if isinstance(lint, _Failed):
            return [], (lint.message,)
        if lint is not None and index in self._format:
            formatting = self._format[index]
            if isinstance(formatting, _Failed):
                return [], (formatting.message,)
            found = [*lint, formatting] if formatting is not None else lint
            return [f for f in found if engine.finding_enabled(f, config, path)], ()
        try:
            source = workspace.read_source(path)
        except workspace.UnreadableError as err:
            return [], (f"ruff could not check {path}: {err}",)
        return engine.tool_findings(source, path, config)


def _by_file(
    items: Iterable[object], members: dict[str, list[int]]
) -> dict[str, list[object]] | None:
    """The JSON items ruff printed, by file name; None when one names another file."""
    by_name: dict[str, list[object]] = {name: [] for name in members}
    real: dict[str, str] | None = None
    for item in items:
        if not isinstance(item, dict):
            continue  # not a finding of any file (the per-file parse skips it too)
        name = item.get("filename")
        if isinstance(name, str) and name not in by_name:
            if real is None:
                real = {str(Path(n).resolve()): n for n in members}
            name = real.get(str(Path(name).resolve()))
        if not isinstance(name, str):
            return None
        by_name[name].append(item)
    return by_name


def _chunks(
    names: dict[str, list[int]],
    sizes: dict[int, int],
    argv_chars: Callable[[str], int],
) -> Iterator[tuple[dict[str, list[int]], int]]:
    """Split files into runs of at most :data:`MAX_ARGV_CHARS` and :data:`MAX_BYTES`."""
    chunk: dict[str, list[int]] = {}
    chars = size = 0
    for name, indices in names.items():
        grows = argv_chars(name)
        weight = sizes[indices[0]]
        if chunk and (chars + grows > MAX_ARGV_CHARS or size + weight > MAX_BYTES):
            yield chunk, size
            chunk, chars, size = {}, 0, 0
        chunk[name] = indices
        chars += grows
        size += weight
    if chunk:
        yield chunk, size


@dataclass(slots=True)
class _Hunk:
    """One hunk of a unified diff: where it starts in the old text, and its lines."""

    start: int
    count: int
    #: (tag, line with its end): tag is " ", "-" or "+".
    lines: list[tuple[str, str]]


def _lines(text: str) -> list[str]:
    r"""Lines with their ends, split at ``\r\n``, ``\r`` and ``\n`` (as ruff's diff)."""
    return _LINE.findall(text)


def _parse_diff(stdout: str) -> dict[str, list[_Hunk]]:
    r"""The hunks of ``ruff format --diff``'s output, by the file name it shows.

    Lines in the diff keep their own ends (``\r\n``, ``\r`` or ``\n``); a line
    without one gets ``\n`` and a ``\ No newline at end of file`` after it.

    Raises:
        ValueError: On anything that is not a unified diff.
        IndexError: On a diff that ends too early.
    """
    lines = _lines(stdout)
    files: dict[str, list[_Hunk]] = {}
    at = 0
    while at < len(lines):
        if lines[at] == "\n":
            at += 1
            continue
        old, new = lines[at], lines[at + 1]
        if not old.startswith("--- ") or not new.startswith("+++ "):
            raise ValueError(old)
        hunks = files.setdefault(old[4:].removesuffix("\n"), [])
        at += 2
        while at < len(lines) and lines[at].startswith("@@"):
            hunk, at = _parse_hunk(lines, at)
            hunks.append(hunk)
    return files


def _parse_hunk(lines: list[str], at: int) -> tuple[_Hunk, int]:
    match = _HUNK.fullmatch(lines[at].removesuffix("\n"))
    if match is None:
        raise ValueError(lines[at])
    old_count = int(match.group(2) or 1)
    new_count = int(match.group(4) or 1)
    hunk = _Hunk(int(match.group(1)), old_count, [])
    at += 1
    while old_count or new_count or (at < len(lines) and lines[at][:1] == "\\"):
        line = lines[at]  # IndexError: a truncated diff
        tag = line[:1]
        if tag == "\\":  # the line before has no end: drop the "\n" shown for it
            last_tag, last = hunk.lines[-1]
            if not last.endswith("\n"):
                raise ValueError(line)
            hunk.lines[-1] = (last_tag, last[:-1])
        elif tag in {" ", "-", "+"}:
            old_count -= tag != "+"
            new_count -= tag != "-"
            hunk.lines.append((tag, line[1:]))
        else:
            raise ValueError(line)
        at += 1
    if old_count < 0 or new_count < 0:
        raise ValueError(lines[at - 1])
    return hunk, at


def _apply(source: str, hunks: list[_Hunk]) -> str:
    """Apply a file's hunks to its text.

    Raises:
        ValueError: When a context or removed line is not the text's.
    """
    old = _lines(source)
    new: list[str] = []
    done = 0
    for hunk in hunks:
        first = hunk.start - 1 if hunk.count else hunk.start
        if not done <= first <= len(old):
            raise ValueError(hunk.start)
        new.extend(old[done:first])
        done = first
        for tag, line in hunk.lines:
            if tag != "+":
                if done >= len(old) or old[done] != line:
                    raise ValueError(line)
                done += 1
            if tag != "-":
                new.append(line)
    new.extend(old[done:])
    return "".join(new)


def _by_member(diffs: dict[str, list[_Hunk]], job: _Job) -> dict[str, list[_Hunk]]:
    """Diffs by the name the job gave ruff (it shows names relative to its folder).

    Raises:
        ValueError: For a diff of a file the job did not name.
    """
    found: dict[str, list[_Hunk]] = {}
    real: dict[str, str] | None = None
    for shown, hunks in diffs.items():
        name = str(Path(job.cwd, shown))
        if name not in job.members:
            if real is None:
                real = {str(Path(n).resolve()): n for n in job.members}
            name = real.get(str(Path(name).resolve()), "")
        if name not in job.members:
            raise ValueError(shown)
        found[name] = hunks
    return found


def _shown(name: str, job: _Job) -> str:
    """A file's name as ruff shows it: relative to its folder when under it."""
    prefix = job.cwd.rstrip(os.sep) + os.sep
    return name.removeprefix(prefix) if name.startswith(prefix) else name
