"""Per-document checks: debounced, run off the event loop, never published stale.

Each open document has a :class:`DocState`. A change (re)arms the document's timer;
when it fires, a snapshot of the text is checked in a worker thread. At most one check
per document runs at a time: a timer that fires meanwhile asks for a rerun. A result
is kept only when the document is still at the snapshot's version and the settings
generation has not moved on; otherwise it is dropped and the next check runs.

A check has two phases (see :mod:`pyprotocol.incremental`): the fast one re-checks
what the edit touched and is published at once; the second one, the rules that look
across the whole module, starts after :data:`SECOND_PHASE_DELAY` without a newer edit,
stops as soon as one arrives, and is published again (with a new result id) when its
findings differ.

While the text does not parse, the last good findings stand: every edit moves them
(:func:`~pyprotocol.server.documents.carry`), and the syntax error is added to them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Final

from pyprotocol.config import Config
from pyprotocol.incremental import Incremental
from pyprotocol.model import Finding
from pyprotocol.positions import Encoding, LineIndex
from pyprotocol.server.convert import to_diagnostics
from pyprotocol.server.documents import Document, Edit, carry

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from lsprotocol import types

log = logging.getLogger(__name__)

#: Seconds without a newer edit before the second phase (the rules that look
#: across the whole module) runs on a fast result.
SECOND_PHASE_DELAY: Final = 0.2
#: How many times a waiter chases a document that keeps changing before it settles
#: for the newest result it has.
MAX_ROUNDS: Final = 8


class DocumentClosedError(Exception):
    """The document was closed while a result for it was awaited."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one check runs on: a document's text at one version."""

    uri: str
    version: int
    generation: int
    text: str
    path: Path | None
    is_python: bool
    override: Mapping[str, object]
    ruff: bool = False
    #: The document's incremental analyser (set by the scheduler).
    analyser: Incremental | None = None


@dataclass(slots=True)
class Outcome:
    """What one check found on one snapshot (computed in a worker thread)."""

    snapshot: Snapshot
    config: Config
    findings: list[Finding] = field(default_factory=list)
    syntax_error: Finding | None = None
    diagnostics: list[types.Diagnostic] = field(default_factory=list)
    failure: str | None = None
    index: LineIndex | None = None
    #: ruff's failure, if it ran and failed ("" when it ran and worked).
    ruff_error: str | None = None
    #: The second phase of the check (rules that look across definitions), given
    #: a callable that says when to stop; it returns the complete outcome, or None
    #: when it was stopped.
    followup: Callable[[Callable[[], bool]], Outcome | None] | None = None
    #: This is the second phase's outcome (the first one was published already).
    refined: bool = False

    @property
    def parsed(self) -> bool:
        """True when the text parsed and every rule ran."""
        return self.failure is None and self.syntax_error is None


@dataclass(slots=True)
class Result:
    """The findings that stand for one version of a document, and their diagnostics."""

    version: int
    generation: int
    text: str
    index: LineIndex
    config: Config
    findings: list[Finding]
    syntax_error: Finding | None
    diagnostics: list[types.Diagnostic]
    extras: dict[str, object] = field(default_factory=dict)
    #: The whole-module rules ran on this version (the second phase's result).
    refined: bool = False

    @property
    def result_id(self) -> str:
        """Identifies this result in pull diagnostics."""
        return f"{self.generation}:{self.version}{'+' if self.refined else ''}"


@dataclass(slots=True, eq=False)
class DocState:
    """Check bookkeeping for one open document."""

    doc: Document
    carried: list[Finding] = field(default_factory=list)
    result: Result | None = None
    timer: asyncio.TimerHandle | None = None
    #: The second phase, waiting for the edits to pause.
    deferred: asyncio.TimerHandle | None = None
    running: bool = False
    rerun: bool = False
    closed: bool = False
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    analyser: Incremental = field(default_factory=Incremental)


type Runner = Callable[[Snapshot], Outcome]
type SnapshotMaker = Callable[[DocState, int], Snapshot]
type Listener = Callable[[DocState, Result, Outcome], None]


class Scheduler:
    """Runs the checks of all open documents."""

    def __init__(
        self,
        runner: Runner,
        snapshot: SnapshotMaker,
        listener: Listener,
        executor: Executor,
    ) -> None:
        """Create a scheduler.

        Args:
            runner: Checks one snapshot; runs in ``executor`` and must not raise.
            snapshot: Takes the snapshot of a document for a settings generation.
            listener: Told about each result that is kept (on the loop's thread).
            executor: Where checks run.
        """
        self._runner = runner
        self._snapshot = snapshot
        self._listener = listener
        self._executor = executor
        self.states: dict[str, DocState] = {}
        self.generation = 0
        self.encoding = Encoding.UTF16

    # -- documents -----------------------------------------------------------------
    def open(self, doc: Document) -> DocState:
        """Start tracking a document.

        Args:
            doc: The document as opened.

        Returns:
            Its state.
        """
        previous = self.states.pop(doc.uri, None)
        if previous is not None:
            self._retire(previous)
        state = DocState(doc)
        self.states[doc.uri] = state
        return state

    def close(self, uri: str) -> DocState | None:
        """Stop tracking a document; pending work for it is dropped.

        Args:
            uri: The document URI.

        Returns:
            Its last state, if it was open.
        """
        state = self.states.pop(uri, None)
        if state is not None:
            self._retire(state)
        return state

    def changed(self, state: DocState, edits: Sequence[Edit]) -> None:
        """Move the standing findings across the edits just applied to the text.

        Args:
            state: The document's state.
            edits: Where each change landed, in order.
        """
        carried = state.carried
        for edit in edits:
            carried = carry(carried, edit)
        state.carried = carried

    def _retire(self, state: DocState) -> None:
        state.closed = True
        self._cancel_timer(state)
        if state.deferred is not None:
            state.deferred.cancel()
            state.deferred = None
        self._wake(state)

    # -- scheduling ----------------------------------------------------------------
    def schedule(self, state: DocState, delay: float) -> None:
        """Check a document after ``delay`` seconds, unless it changes meanwhile.

        Args:
            state: The document's state.
            delay: Seconds to wait (0: on the next loop iteration).
        """
        if state.closed:
            return
        self._cancel_timer(state)
        loop = asyncio.get_running_loop()
        state.timer = loop.call_later(max(delay, 0.0), self._fire, state)

    def schedule_all(self, delay: float = 0.0) -> None:
        """Check every open document again (after settings changed).

        Args:
            delay: Seconds to wait.
        """
        for state in self.states.values():
            self.schedule(state, delay)

    def invalidate(self) -> None:
        """Make every result stale: the settings or the project policy changed."""
        self.generation += 1

    def is_current(self, state: DocState) -> bool:
        """Tell whether a document's result matches its text and the settings.

        Args:
            state: The document's state.

        Returns:
            True when the result is for the current version and generation.
        """
        result = state.result
        return (
            result is not None
            and result.version == state.doc.version
            and result.generation == self.generation
        )

    async def current(self, state: DocState) -> Result:
        """The result for the document's current version, checking now if needed.

        Args:
            state: The document's state.

        Returns:
            The result; if the document keeps changing, the newest one after a few
            rounds.

        Raises:
            DocumentClosedError: If the document is closed meanwhile.
        """
        loop = asyncio.get_running_loop()
        for _ in range(MAX_ROUNDS):
            if state.closed:
                raise DocumentClosedError(state.doc.uri)
            if self.is_current(state) and state.result is not None:
                return state.result
            self._cancel_timer(state)
            if not state.running:
                self._start(state)
            waiter: asyncio.Future[None] = loop.create_future()
            state.waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in state.waiters:
                    state.waiters.remove(waiter)
        if state.result is None or state.closed:
            raise DocumentClosedError(state.doc.uri)
        return state.result

    def _cancel_timer(self, state: DocState) -> None:
        if state.timer is not None:
            state.timer.cancel()
            state.timer = None

    def _fire(self, state: DocState) -> None:
        state.timer = None
        if state.closed or self.is_current(state):
            return
        if state.running:
            state.rerun = True
            return
        self._start(state)

    def _start(self, state: DocState) -> None:
        if state.deferred is not None:
            state.deferred.cancel()
            state.deferred = None
        snapshot = replace(
            self._snapshot(state, self.generation), analyser=state.analyser
        )
        state.running = True
        state.rerun = False
        task = asyncio.ensure_future(self._run(state, snapshot))
        task.add_done_callback(_log_task_failure)

    async def _run(self, state: DocState, snapshot: Snapshot) -> None:
        loop = asyncio.get_running_loop()
        try:
            outcome = await loop.run_in_executor(self._executor, self._runner, snapshot)
            self._complete(state, outcome)
            if outcome.followup is not None and self._wanted(state, snapshot):
                # The second phase waits for a pause in the edits: while the user
                # types it would only compete with the next fast check.
                state.deferred = loop.call_later(
                    SECOND_PHASE_DELAY, self._start_second, state, snapshot, outcome
                )
        except Exception:
            log.exception("could not run the check of %s", snapshot.uri)
        finally:
            state.running = False
        self._after_run(state)

    def _start_second(
        self, state: DocState, snapshot: Snapshot, outcome: Outcome
    ) -> None:
        state.deferred = None
        if state.running or not self._wanted(state, snapshot):
            return
        state.running = True
        state.rerun = False
        task = asyncio.ensure_future(self._run_second(state, snapshot, outcome))
        task.add_done_callback(_log_task_failure)

    async def _run_second(
        self, state: DocState, snapshot: Snapshot, outcome: Outcome
    ) -> None:
        loop = asyncio.get_running_loop()
        followup = outcome.followup
        try:
            if followup is not None:
                second = await loop.run_in_executor(
                    self._executor,
                    followup,
                    lambda: not self._wanted(state, snapshot),
                )
                if second is not None and second.findings != outcome.findings:
                    self._complete(state, second)
        except Exception:
            log.exception("could not run the second phase of %s", snapshot.uri)
        finally:
            state.running = False
        self._after_run(state)

    def _after_run(self, state: DocState) -> None:
        if state.rerun and not state.closed and not self.is_current(state):
            self._start(state)
        self._wake(state)

    def _wanted(self, state: DocState, snapshot: Snapshot) -> bool:
        """Whether work for ``snapshot`` is still wanted (read from any thread)."""
        return (
            not state.closed
            and state.doc.version == snapshot.version
            and snapshot.generation == self.generation
        )

    def _complete(self, state: DocState, outcome: Outcome) -> None:
        snapshot = outcome.snapshot
        doc = state.doc
        if state.closed or doc.version != snapshot.version:
            log.debug(
                "dropped the result for %s v%s: the document is at v%s",
                snapshot.uri,
                snapshot.version,
                doc.version,
            )
            return
        if snapshot.generation != self.generation:
            log.debug("dropped the result for %s: the settings changed", snapshot.uri)
            return
        if outcome.index is not None:
            doc.adopt(outcome.index)
        if outcome.parsed:
            state.carried = outcome.findings
            findings = outcome.findings
            diagnostics = outcome.diagnostics
        else:
            findings = list(state.carried)
            standing = findings + (
                [outcome.syntax_error] if outcome.syntax_error is not None else []
            )
            diagnostics = to_diagnostics(standing, doc.index, self.encoding)
        state.result = Result(
            version=snapshot.version,
            generation=snapshot.generation,
            text=snapshot.text,
            index=doc.index,
            config=outcome.config,
            findings=findings,
            syntax_error=outcome.syntax_error,
            diagnostics=diagnostics,
            refined=outcome.refined,
        )
        self._listener(state, state.result, outcome)

    def _wake(self, state: DocState) -> None:
        waiters, state.waiters = state.waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


def _log_task_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("a check task failed: %r", error, exc_info=error)
