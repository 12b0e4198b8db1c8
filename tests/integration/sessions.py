"""Fuzzed editing sessions against the real server: the client model and the runner.

The client side is a reference implementation of LSP incremental edits, written here
without ``pyprotocol.positions``: lines end at LF, CRLF or CR (not at form feeds or
U+2028), columns count UTF-16 code units, a column past a line's end means its end and
a line past the last one means the end of the text. A text is held the way a UTF-16
editor holds it: two surrogate halves that meet form one character.

A session opens a document, sends the edits of one :class:`Session` (each a
``didChange`` of one or more changes) and after each burst checks that the server
answers, holds the same text (``pyprotocol.documentHash``) at the same version, and
publishes diagnostics only for versions that do not go backwards, with every range
inside the text of its version; the last publish is for the last version.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import threading
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from hypothesis import strategies as st

from .rawclient import Json, RawServer

if TYPE_CHECKING:
    from pathlib import Path

_BREAK: Final = re.compile(r"\r\n|\r|\n")
_IDS: Final = itertools.count(1)
CODE: Final[tuple[str, ...]] = (
    "from typing import Optional\n\n\ndef first(x: Optional[int]) -> int:\n"
    "    return x or 0\n",
    "import os\r\n\r\nclass A:\r\n\tdef m(self):\r\n\t\treturn os.sep\r\n",
    "x = [1, 2,\n     3]\ny = {'a': (1,\n",
    "def f():\n    '''doc\n\n    more'''\n    return 1\r",
    "\f\nimport sys\n\f\ndef g(a, b):\n    return a + b  # 😀 é\n",
    "s = '\u2028'\nt = 'x\u2029y'\n# \x0b \x1c \x85\n",
    "class B(object):\n    def __init__(self):\n        super(B, self).__init__()\n",
    "try:\n    pass\nexcept:\n    pass\n",
    "😀\U0001d518 = 1\n",
    "",
)
FRAGMENTS: Final[tuple[str, ...]] = (
    "\n",
    "\r\n",
    "\r",
    "\t",
    "    ",
    "(",
    ")",
    "[",
    "]}",
    "{",
    ":",
    '"',
    "'''",
    "#",
    "\\",
    "\f",
    "\u2028",
    "\x85",
    "\x00",
    "😀",
    "\U0001d518",
    "é",
    "中",
    "\ud83d",
    "\ude00",
    "\ud800",
    "\udfff",
    "def ",
    "return ",
    "Optional[int]",
    "from typing import List\n",
    "if x:\r\n    y = 1\r\n",
    "lambda: (",
    "x: List[int] = []\n",
)


# -- the client's model of the text ----------------------------------------------------
def joined(text: str) -> str:
    """The text as a UTF-16 editor holds it: surrogate halves that meet are one.

    Args:
        text: A text, maybe with lone surrogates.

    Returns:
        The same UTF-16 code units, pairs as single characters.
    """
    return text.encode("utf-16-le", "surrogatepass").decode(
        "utf-16-le", "surrogatepass"
    )


def utf16(text: str) -> int:
    """The length of a text in UTF-16 code units.

    Args:
        text: The text.

    Returns:
        Its length.
    """
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def digest(text: str) -> str:
    """What ``pyprotocol.documentHash`` answers for a text: sha256 of its UTF-16.

    Args:
        text: The text.

    Returns:
        The hex digest.
    """
    return hashlib.sha256(text.encode("utf-16-le", "surrogatepass")).hexdigest()


def lines(text: str) -> list[tuple[int, int]]:
    """The start and end (before the line break) offsets of each LSP line.

    Args:
        text: The text.

    Returns:
        One pair per line; a text ending in a break has an empty last line.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def position(text: str, at: int) -> Json:
    """The LSP position (UTF-16) of an offset that is not inside a CRLF.

    Args:
        text: The text.
        at: A code-point offset.

    Returns:
        ``{"line", "character"}``.
    """
    for number, (start, end) in enumerate(lines(text)):
        if at <= end:
            return {"line": number, "character": utf16(text[start:at])}
    msg = f"offset {at} is past the text"
    raise AssertionError(msg)


def safe_offset(text: str, at: int) -> int:
    """An offset moved off the middle of a CRLF (no LSP position points there).

    Args:
        text: The text.
        at: Any offset in ``range(len(text) + 1)``.

    Returns:
        The offset, or the one before the CR.
    """
    if 0 < at < len(text) and text[at - 1] == "\r" and text[at] == "\n":
        return at - 1
    return at


def inside(text: str, rng: Json) -> str | None:
    """Tell why a range does not lie inside a text, if it does not.

    Args:
        text: The text of the version the range is for.
        rng: An LSP range.

    Returns:
        None when the range is inside and ordered, else the reason.
    """
    spans = lines(text)
    points = []
    for key in ("start", "end"):
        pos = rng[key]
        line, character = pos["line"], pos["character"]
        if not 0 <= line < len(spans):
            return f"{key} line {line} of {len(spans)}"
        start, end = spans[line]
        content = text[start:end]
        if not 0 <= character <= utf16(content):
            return f"{key} character {character} past line {line} ({content!r})"
        units = 0
        for char in content:
            if 0 < character - units < utf16(char):
                return f"{key} character {character} splits {char!r}"
            units += utf16(char)
        points.append((line, character))
    if points[0] > points[1]:
        return "start after end"
    return None


# -- what a session does ---------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Anchor:
    """A place in whatever the text is when the edit comes (resolved then).

    ``kind``: ``offset`` (``n`` modulo the length), ``line_end``, ``past_line_end``
    (a column past the line's end), ``file_end``, ``past_file_end`` (a line past the
    last one).
    """

    kind: str
    n: int

    def resolve(self, text: str) -> tuple[int, Json]:
        """The offset this anchor stands for, and the position the client sends.

        Args:
            text: The current text.

        Returns:
            The offset and the LSP position.
        """
        spans = lines(text)
        if self.kind == "offset":
            at = safe_offset(text, self.n % (len(text) + 1))
            return at, position(text, at)
        if self.kind in {"line_end", "past_line_end"}:
            line = self.n % len(spans)
            start, end = spans[line]
            width = utf16(text[start:end])
            extra = 1 + self.n % 5 if self.kind == "past_line_end" else 0
            return end, {"line": line, "character": width + extra}
        if self.kind == "file_end":
            return len(text), position(text, len(text))
        return len(text), {"line": len(spans) + self.n % 3, "character": self.n % 7}


@dataclass(frozen=True, slots=True)
class Change:
    """One content change: replace from one anchor to another with a text."""

    start: Anchor
    end: Anchor
    text: str


@dataclass(frozen=True, slots=True)
class Whole:
    """Replace the whole text: a paste (``ranged``) or a full-text change."""

    text: str
    ranged: bool = True


@dataclass(frozen=True, slots=True)
class Undo:
    """Go back to the text the session opened with (one change over everything)."""


@dataclass(frozen=True, slots=True)
class Probe:
    """Ask for hover and code actions at an anchor: the server must answer."""

    at: Anchor


type Step = Change | Whole | Undo | Probe


@dataclass(frozen=True, slots=True)
class Burst:
    """Notifications sent back to back, then the checks.

    ``edits``: each entry is one ``didChange`` with one or more changes.
    """

    edits: tuple[tuple[Step, ...], ...]


@dataclass(frozen=True, slots=True)
class Session:
    """The text opened, and the bursts that follow."""

    text: str
    bursts: tuple[Burst, ...]

    @property
    def edits(self) -> int:
        """How many ``didChange`` notifications the session sends."""
        return sum(
            1
            for burst in self.bursts
            for steps in burst.edits
            if any(not isinstance(s, Probe) for s in steps)
        )


_KINDS: Final = ("offset",) * 6 + ("line_end", "past_line_end", "file_end")


def anchors() -> st.SearchStrategy[Anchor]:
    """Places in a text, mostly plain offsets, some at and past line or file ends.

    Returns:
        The strategy.
    """
    kinds = st.sampled_from((*_KINDS, "past_file_end"))
    return st.builds(Anchor, kinds, st.integers(min_value=0, max_value=10**6))


def texts() -> st.SearchStrategy[str]:
    """Inserted text: fragments (brackets, breaks, emoji, lone surrogates) and code.

    Returns:
        The strategy.
    """
    fragment = st.sampled_from(FRAGMENTS)
    return st.one_of(
        st.lists(fragment, max_size=4).map("".join),
        st.sampled_from(CODE),
        st.text(max_size=8),
    )


def steps() -> st.SearchStrategy[Step]:
    """One change, a whole-text replacement, an undo or a probe.

    Returns:
        The strategy.
    """
    change = st.builds(Change, anchors(), anchors(), texts())
    return st.one_of(
        change,
        change,
        change,
        st.builds(Whole, st.sampled_from(CODE) | texts(), st.booleans()),
        st.just(Undo()),
        st.builds(Probe, anchors()),
    )


def sessions(max_edits: int = 20) -> st.SearchStrategy[Session]:
    """Sessions of up to about ``max_edits`` edits in bursts.

    Args:
        max_edits: The most notifications in a session.

    Returns:
        The strategy.
    """
    notification = st.lists(steps(), min_size=1, max_size=3).map(tuple)
    burst = st.lists(notification, min_size=1, max_size=5).map(
        lambda edits: Burst(tuple(edits))
    )
    return st.builds(
        Session,
        st.sampled_from(CODE) | texts(),
        st.lists(burst, min_size=1, max_size=max(1, max_edits // 3)).map(tuple),
    )


# -- running one ---------------------------------------------------------------------
@dataclass(slots=True)
class Stats:
    """What the sessions run so far did."""

    sessions: int = 0
    edits: int = 0
    changes: int = 0
    probes: int = 0
    publishes: int = 0


@dataclass(slots=True)
class Client:
    """One document on the client side: its text and every version's text."""

    server: RawServer
    uri: str
    text: str
    version: int = 1
    initial: str = ""
    texts: dict[int, str] = field(default_factory=dict)

    def open(self) -> None:
        """Send ``didOpen``."""
        self.text = joined(self.text)
        self.initial = self.text
        self.texts[self.version] = self.text
        self.server.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": self.uri,
                    "languageId": "python",
                    "version": self.version,
                    "text": self.text,
                }
            },
        )

    def change(self, steps: tuple[Step, ...]) -> int:
        """Apply steps locally and send them as one ``didChange``.

        Args:
            steps: The steps (probes are skipped here).

        Returns:
            How many content changes were sent.
        """
        changes = [c for s in steps if (c := self._content_change(s)) is not None]
        if not changes:
            return 0
        self.version += 1
        self.texts[self.version] = self.text
        self.server.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": changes,
            },
        )
        return len(changes)

    def _content_change(self, step: Step) -> Json | None:
        if isinstance(step, Probe):
            return None
        if isinstance(step, Whole) and not step.ranged:
            self.text = joined(step.text)
            return {"text": step.text}
        if isinstance(step, Change):
            (start, first), (end, last) = (
                step.start.resolve(self.text),
                step.end.resolve(self.text),
            )
            if start > end:
                (start, first), (end, last) = (end, last), (start, first)
            new = step.text
        else:
            new = step.text if isinstance(step, Whole) else self.initial
            start, first = 0, {"line": 0, "character": 0}
            end, last = len(self.text), position(self.text, len(self.text))
        self.text = joined(self.text[:start] + new + self.text[end:])
        return {"range": {"start": first, "end": last}, "text": new}

    async def probe(self, at: Anchor) -> None:
        """Ask for hover and code actions somewhere; both must be answered.

        Args:
            at: Where.
        """
        _, pos = at.resolve(self.text)
        document = {"uri": self.uri}
        await self.server.result(
            "textDocument/hover", {"textDocument": document, "position": pos}
        )
        await self.server.result(
            "textDocument/codeAction",
            {
                "textDocument": document,
                "range": {"start": pos, "end": pos},
                "context": {"diagnostics": []},
            },
        )

    async def verify(self) -> None:
        """The server holds this text at this version."""
        held = await self.server.result(
            "workspace/executeCommand",
            {"command": "pyprotocol.documentHash", "arguments": [self.uri]},
        )
        assert held is not None, "the server does not hold the document"
        assert held["version"] == self.version, (held, self.version)
        assert held["length"] == utf16(self.text), (held, utf16(self.text))
        assert held["sha256"] == digest(self.text), (
            f"the server's text differs from the client's at v{self.version}: "
            f"{self.text!r}"
        )


def check_publishes(client: Client, final: bool) -> int:
    """Versions never go back, ranges lie inside their version's text.

    Args:
        client: The document.
        final: The last publish must be for the current version.

    Returns:
        How many publishes there were.
    """
    published = [p for p in client.server.publishes(client.uri) if p.get("version")]
    versions = [p.get("version") for p in published]
    assert versions == sorted(versions), f"versions went back: {versions}"
    for params in published:
        text = client.texts[params["version"]]
        for diagnostic in params["diagnostics"]:
            reason = inside(text, diagnostic["range"])
            assert reason is None, (
                f"v{params['version']}: {diagnostic['code']} at {diagnostic['range']}"
                f" is not inside the text ({reason}): {text!r}"
            )
    if final:
        assert versions, "nothing was published"
        assert versions[-1] == client.version, (versions[-1], client.version)
    return len(published)


async def wait_for_version(client: Client, limit: float = 30.0) -> None:
    """Wait for a publish of the current version.

    Args:
        client: The document.
        limit: Seconds to wait.

    Raises:
        TimeoutError: If it does not come.
    """
    deadline = time.monotonic() + limit
    while not any(
        p.get("version") == client.version for p in client.server.publishes(client.uri)
    ):
        assert client.server.alive, client.server.describe()
        if time.monotonic() > deadline:
            msg = f"no publish for v{client.version} of {client.uri} in {limit}s"
            raise TimeoutError(msg)
        await asyncio.sleep(0.005)


async def run_session(
    server: RawServer, root: Path, session: Session, stats: Stats, *, settle: bool
) -> None:
    """Run one session on a fresh document of a running server.

    Args:
        server: The server.
        root: Its workspace folder (the document is named there, never written).
        session: What to send.
        stats: Counted up.
        settle: Wait for each burst's publish before the next (with debounce 0,
            every burst is checked); else only the last one is awaited.
    """
    uri = (root / f"fuzz_{next(_IDS)}.py").as_uri()
    client = Client(server, uri, session.text)
    client.open()
    for burst in session.bursts:
        for steps in burst.edits:
            changes = client.change(steps)
            stats.changes += changes
            stats.edits += changes > 0
        await client.verify()
        for step in (s for steps in burst.edits for s in steps):
            if isinstance(step, Probe):
                await client.probe(step.at)
                stats.probes += 1
        if settle:
            await wait_for_version(client)
        check_publishes(client, final=False)
    await wait_for_version(client)
    await client.verify()
    stats.publishes += check_publishes(client, final=True)
    server.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    stats.sessions += 1


@dataclass(slots=True)
class Running:
    """A server driven from an event loop in a thread of its own.

    Hypothesis tests are synchronous; each example hands its coroutine to the loop.
    """

    loop: asyncio.AbstractEventLoop
    server: RawServer
    root: Path
    options: dict[str, object]
    stats: Stats = field(default_factory=Stats)

    def run[T](self, coroutine: Coroutine[Any, Any, T], limit: float = 300) -> T:
        """Run a coroutine on the loop and wait for it.

        Args:
            coroutine: The coroutine.
            limit: Seconds to wait.

        Returns:
            Its result.
        """
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(limit)

    def session(self, session: Session, *, settle: bool) -> None:
        """Run one session (see :func:`run_session`).

        Args:
            session: The session.
            settle: Await every burst's publish.
        """
        self.run(
            run_session(self.server, self.root, session, self.stats, settle=settle)
        )

    def restart(self) -> None:
        """Start a new server in place of a dead or confused one."""
        self.stop()
        self.server = self.run(RawServer.start(self.root, self.options), 60)

    def stop(self) -> int | None:
        """Shut the server down.

        Returns:
            Its exit code.
        """
        return self.run(self.server.stop(), 60)


@contextmanager
def serving(root: Path, options: dict[str, object]) -> Iterator[Running]:
    """Start a server on a loop thread; stop both at the end.

    Args:
        root: The workspace folder.
        options: ``initializationOptions``.

    Yields:
        The running server.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = asyncio.run_coroutine_threadsafe(
        RawServer.start(root, options), loop
    ).result(60)
    running = Running(loop, server, root, options)
    try:
        yield running
    finally:
        if running.server.alive:
            running.stop()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
