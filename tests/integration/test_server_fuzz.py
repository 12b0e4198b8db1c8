"""Fuzzed editing sessions over the real stdio server (see :mod:`.sessions`).

Each test starts one server and runs many sessions on it, each on a fresh document:
random bursts of incremental edits (inserts, deletions, replacements, pastes of a
whole file, full-text changes, undo to the start) with syntax errors, unbalanced
brackets, lone surrogates, tabs, CRLF and CR, emoji, form feeds and U+2028, at and
past line and file ends. ``HYPOTHESIS_PROFILE=long`` runs 100 times as many;
``bench/fuzz_sessions.py`` runs them for as long as asked.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings

from .sessions import (
    Anchor,
    Burst,
    Change,
    Probe,
    Running,
    Session,
    Undo,
    Whole,
    serving,
    sessions,
)

UNIT = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT) not in sys.path:
    sys.path.insert(0, str(UNIT))

from fuzzing import examples  # noqa: E402 - tests/unit is no package


def _running(root: Path, options: dict[str, object]) -> Iterator[Running]:
    with serving(root, options) as running:
        yield running
        print(f"\n{running.stats}")
        code = running.stop()
        assert code == 0, running.server.describe()


@pytest.fixture(scope="module")
def eager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """Debounce 0: a check runs between edits."""
    yield from _running(tmp_path_factory.mktemp("eager"), {"debounce": 0})


@pytest.fixture(scope="module")
def coalescing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The default debounce: edits of a burst coalesce into one check."""
    yield from _running(tmp_path_factory.mktemp("coalescing"), {})


FUZZ = settings(
    max_examples=examples(40),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _at(offset: int) -> Anchor:
    return Anchor("offset", offset)


def _one(*steps: Change | Whole | Undo) -> Burst:
    return Burst((tuple(steps),))


#: Cases found by hand, run first on every run.
EXAMPLES = (
    # The halves of a pair sent in two changes (and a deletion that joins two).
    Session("s = 'a\ud83d'\n", (_one(Change(_at(7), _at(7), "\ude00")),)),
    Session("s = '\ud83dX\ude00'\n", (_one(Change(_at(6), _at(7), "")),)),
    # Code actions while a lone surrogate stands (tokenize cannot encode it): the
    # findings of the last text that parsed are offered suppressions.
    Session(
        "from typing import Optional\nX: Optional[int] = None\n",
        (
            Burst(((Probe(_at(0)),),)),
            _one(Change(Anchor("file_end", 0), Anchor("file_end", 0), "\ud800")),
            Burst(((Probe(_at(33)),),)),
        ),
    ),
    # A CR and an LF that meet, a form feed and U+2028 before the edited line.
    Session("x = 1\r", (_one(Change(_at(6), _at(6), "\ny = 2\n")),)),
    Session(
        "\f\nx = '\u2028'\ny = 1\n",
        (_one(Change(Anchor("line_end", 2), Anchor("line_end", 2), " + (")),),
    ),
    # Past the end of a line and of the text, then back to the start.
    Session(
        "a = 1\nb = 2",
        (
            _one(
                Change(Anchor("past_line_end", 0), Anchor("past_file_end", 1), "\t"),
                Whole("def f(:\n", ranged=False),
            ),
            _one(Undo()),
        ),
    ),
)


def _examples(test: Any) -> Any:
    for case in EXAMPLES:
        test = example(session=case)(test)
    return test


@FUZZ
@_examples
@given(session=sessions())
def test_sessions_checked_after_every_burst(eager: Running, session: Session) -> None:
    eager.session(session, settle=True)


@settings(FUZZ, max_examples=examples(15))
@given(session=sessions())
def test_sessions_with_coalesced_edits(coalescing: Running, session: Session) -> None:
    coalescing.session(session, settle=False)
