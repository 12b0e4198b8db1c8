"""The slow lane: mypy on the open buffers, merged in after the fast findings.

mypy runs on open, on save and after an idle pause (``mypy.idleMs`` after the last
change), in its own worker threads, one subprocess per run (plain mypy with
``--shadow-file`` and its incremental cache: see :mod:`pyprotocol.sources.mypy`).
The fast lane never waits for it.

Versions: a run checks one version of a document. An edit cancels the run in flight
(its subprocess is killed: its result could only be for an older text), and a result
that comes back for an older version, settings generation or disk state is dropped.

Between runs the last mypy findings stand, carried across each edit like the fast
lane's findings on a syntax error (:func:`~pyprotocol.server.documents.carry`):
findings on the lines an edit touches are dropped, the others move with the text.
So every publish shows mypy findings at positions that are right for its version,
though some may be out of date until the next run; none flicker away while typing.

Runs are serialised per project root (the folder of the nearest ``pyproject.toml``,
else the workspace folder, else the file's folder): mypy's cache for that root is
shared. A text that does not parse is not sent to mypy (it would only repeat the
syntax error and hide the standing findings).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pyprotocol.model import Finding, Severity
from pyprotocol.server.documents import carry
from pyprotocol.sources import mypy

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyprotocol.server.documents import Edit

log = logging.getLogger(__name__)

#: Seconds before a run is killed (a newer edit kills it sooner).
TIMEOUT_SECONDS: Final = 90.0
#: mypy findings that ruff reports too, as the ruff codes that twin them.
_RUFF_TWINS: Final[Mapping[str, tuple[str, ...]]] = {
    "name-defined": ("F821",),
    "no-redef": ("F811",),
    "no-untyped-def": ("ANN0", "ANN2"),
}

type Key = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class TypeRequest:
    """What one mypy run checks: a document's text at one version."""

    uri: str
    version: int
    text: str
    path: Path
    override: Mapping[str, object]


@dataclass(slots=True, eq=False)
class _Run:
    key: Key
    handle: mypy.Handle = field(default_factory=mypy.Handle)
    root: Path | None = None


@dataclass(slots=True, eq=False)
class TypeDoc:
    """The mypy bookkeeping of one open document."""

    uri: str
    version: int
    #: The standing findings, positioned on the text of :attr:`version`.
    findings: list[mypy.MypyFinding] = field(default_factory=list)
    #: Bumps whenever :attr:`findings` are replaced by a run's.
    serial: int = 0
    timer: asyncio.TimerHandle | None = None
    run: _Run | None = None
    done: Key | None = None
    closed: bool = False


@dataclass(frozen=True, slots=True)
class Hooks:
    """What the lane asks of the server.

    Attributes:
        request: On the loop: the request for a document now, or None when mypy
            does not apply to it (turned off, not a Python file on disk, excluded).
        root: In a worker: the project root of a request.
        check: In a worker: mypy's findings, or None when the text does not parse.
            Raises :class:`~pyprotocol.sources.mypy.MypyError` and
            :class:`~pyprotocol.sources.mypy.CancelledError`.
        published: On the loop: a document's findings changed.
        health: On the loop: a run failed (the message), or one worked (None).
    """

    request: Callable[[str], TypeRequest | None]
    root: Callable[[TypeRequest], Path]
    check: Callable[[TypeRequest, Path, mypy.Handle], list[mypy.MypyFinding] | None]
    published: Callable[[TypeDoc], None]
    health: Callable[[str | None], None]


class TypeLane:
    """Schedules the mypy runs of every open document."""

    def __init__(self, hooks: Hooks, executor: Executor) -> None:
        """Create the lane.

        Args:
            hooks: The server's side.
            executor: Where runs wait for their subprocess (not the fast lane's).
        """
        self._hooks = hooks
        self._executor = executor
        self._locks: dict[Path, asyncio.Lock] = {}
        self.docs: dict[str, TypeDoc] = {}
        self.generation = 0
        self.epoch = 0

    # -- documents -----------------------------------------------------------------
    def open(self, uri: str, version: int) -> None:
        """Start tracking a document.

        Args:
            uri: The document.
            version: Its version as opened.
        """
        self.close(uri)
        self.docs[uri] = TypeDoc(uri, version)

    def close(self, uri: str) -> None:
        """Stop tracking a document and stop its run.

        Args:
            uri: The document.
        """
        doc = self.docs.pop(uri, None)
        if doc is not None:
            doc.closed = True
            _cancel_timer(doc)
            _cancel_run(doc)

    def close_all(self) -> None:
        """Stop every run (shutdown)."""
        for uri in list(self.docs):
            self.close(uri)

    def changed(self, uri: str, edits: Sequence[Edit], version: int) -> None:
        """Move the standing findings across edits; the run in flight is now stale.

        Args:
            uri: The document.
            edits: Where each change landed, in order.
            version: The document's new version.
        """
        doc = self.docs.get(uri)
        if doc is None:
            return
        _cancel_run(doc)
        doc.findings = carry_results(doc.findings, edits)
        doc.version = version

    def findings(self, uri: str, version: int) -> list[mypy.MypyFinding]:
        """The standing findings of a document, if they are positioned for a version.

        Args:
            uri: The document.
            version: The version the caller shows.

        Returns:
            The findings (empty when there are none for that version).
        """
        doc = self.docs.get(uri)
        if doc is None or doc.version != version:
            return []
        return list(doc.findings)

    def serial(self, uri: str) -> int:
        """How many times a document's findings were replaced (for result ids).

        Args:
            uri: The document.

        Returns:
            The count.
        """
        doc = self.docs.get(uri)
        return doc.serial if doc is not None else 0

    # -- triggers ------------------------------------------------------------------
    def trigger(self, uri: str, delay: float) -> None:
        """Run mypy on a document after ``delay`` seconds (re-arming the timer).

        Args:
            uri: The document.
            delay: Seconds to wait.
        """
        doc = self.docs.get(uri)
        if doc is None:
            return
        _cancel_timer(doc)
        loop = asyncio.get_running_loop()
        doc.timer = loop.call_later(max(delay, 0.0), self._fire, doc)

    def saved(self) -> None:
        """A file was saved: files on disk changed, every result may be stale."""
        self.epoch += 1

    def invalidate(self) -> None:
        """The settings or the project policy changed: every result is stale."""
        self.generation += 1

    # -- runs ----------------------------------------------------------------------
    def _key(self, version: int) -> Key:
        return (version, self.generation, self.epoch)

    def _fire(self, doc: TypeDoc) -> None:
        doc.timer = None
        if doc.closed:
            return
        request = self._hooks.request(doc.uri)
        if request is None:
            _cancel_run(doc)
            doc.done = None
            if doc.findings:
                doc.findings = []
                doc.serial += 1
                self._hooks.published(doc)
            return
        key = self._key(request.version)
        if doc.done == key:
            return
        if doc.run is not None and doc.run.key == key and not doc.run.handle.cancelled:
            return
        _cancel_run(doc)
        run = doc.run = _Run(key)
        task = asyncio.ensure_future(self._execute(doc, run, request))
        task.add_done_callback(_log_task_failure)

    async def _execute(self, doc: TypeDoc, run: _Run, request: TypeRequest) -> None:
        loop = asyncio.get_running_loop()
        try:
            root = run.root = await loop.run_in_executor(
                self._executor, self._hooks.root, request
            )
            async with self._locks.setdefault(root, asyncio.Lock()):
                if run.handle.cancelled:
                    return
                log.debug("mypy: checking %s v%s in %s", doc.uri, run.key[0], root)
                found = await loop.run_in_executor(
                    self._executor, self._hooks.check, request, root, run.handle
                )
        except mypy.CancelledError:
            log.debug("mypy: the run for %s v%s was superseded", doc.uri, run.key[0])
            return
        except mypy.MypyError as err:
            self._failed(doc, run, str(err))
            return
        except Exception as err:
            log.exception("mypy: checking %s failed", doc.uri)
            self._failed(doc, run, f"{type(err).__name__}: {err}")
            return
        finally:
            if doc.run is run:
                doc.run = None
        if found is not None:
            self._hooks.health(None)  # a skipped run proves nothing
        self._complete(doc, run, found)

    def _failed(self, doc: TypeDoc, run: _Run, message: str) -> None:
        if run.handle.cancelled:
            return
        if run.key == self._key(doc.version):
            doc.done = run.key  # not again for this text: the next trigger retries
        self._hooks.health(message)

    def _complete(
        self, doc: TypeDoc, run: _Run, found: list[mypy.MypyFinding] | None
    ) -> None:
        if doc.closed or run.handle.cancelled or run.key != self._key(doc.version):
            log.debug("mypy: dropped a stale result for %s v%s", doc.uri, run.key[0])
            return
        doc.done = run.key
        if found is None:
            return  # the text does not parse: the carried findings stand
        doc.findings = found
        doc.serial += 1
        self._hooks.published(doc)
        log.debug(
            "mypy: %d findings for %s v%s (root %s)",
            len(found),
            doc.uri,
            run.key[0],
            run.root,
        )


def carry_results(
    results: Sequence[mypy.MypyFinding], edits: Sequence[Edit]
) -> list[mypy.MypyFinding]:
    """Move mypy findings (and their notes) across edits.

    A finding an edit touches is dropped with its notes; a note the edit touches is
    dropped alone.

    Args:
        results: Findings on the text before the edits.
        edits: The edits, in order.

    Returns:
        The findings that still stand, positioned on the text after the edits.
    """
    kept: list[mypy.MypyFinding] = []
    for result in results:
        finding: Finding | None = result.finding
        notes = [_as_finding(note) for note in result.notes]
        for edit in edits:
            if finding is None:
                break
            moved = carry([finding], edit)
            finding = moved[0] if moved else None
            notes = carry(notes, edit)
        if finding is not None:
            kept.append(
                mypy.MypyFinding(
                    finding, [mypy.Note(note.span, note.message) for note in notes]
                )
            )
    return kept


def _as_finding(note: mypy.Note) -> Finding:
    return Finding("note", note.message, note.span, Severity.HINT)


def without_ruff_twins(
    results: Sequence[mypy.MypyFinding], fast: Sequence[Finding]
) -> list[mypy.MypyFinding]:
    """Drop the mypy findings that ruff reports too: one owner per finding.

    ``name-defined`` twins ruff's F821 at the same start, ``no-redef`` F811 on the
    same line, and ``no-untyped-def`` the ANN findings of the same function: an ANN
    finding belongs to the innermost function mypy flags around it, ANN0 codes to
    the message about parameters, ANN2 codes to the one about the return type.

    Args:
        results: mypy's findings.
        fast: The fast lane's findings for the same version.

    Returns:
        The mypy findings ruff does not cover.
    """
    from_ruff = [f for f in fast if f.source == "ruff"]
    if not from_ruff or not results:
        return list(results)
    twinned: set[int] = set()
    for finding in from_ruff:
        twinned.update(_twins_of(results, finding))
    return [result for number, result in enumerate(results) if number not in twinned]


def _twins_of(results: Sequence[mypy.MypyFinding], ruff: Finding) -> list[int]:
    code, span = ruff.code, ruff.span
    if code.startswith(_RUFF_TWINS["no-untyped-def"]):
        around = [
            (number, result.finding)
            for number, result in enumerate(results)
            if result.finding.code == "no-untyped-def"
            and result.finding.span.line <= span.line <= result.finding.span.end_line
        ]
        if not around:
            return []
        inner = max(finding.span for _, finding in around)
        unwanted = "parameters" if code.startswith("ANN2") else "return type"
        return [
            number
            for number, finding in around
            if finding.span == inner and unwanted not in finding.message
        ]
    return [
        number
        for number, result in enumerate(results)
        if code in _RUFF_TWINS.get(result.finding.code, ())
        and result.finding.span.line == span.line
        and (
            result.finding.code != "name-defined" or result.finding.span.col == span.col
        )
    ]


def _cancel_timer(doc: TypeDoc) -> None:
    if doc.timer is not None:
        doc.timer.cancel()
        doc.timer = None


def _cancel_run(doc: TypeDoc) -> None:
    if doc.run is not None:
        doc.run.handle.cancel()
        doc.run = None


def _log_task_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("a mypy task failed: %r", error, exc_info=error)
