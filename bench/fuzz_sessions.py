"""Fuzzed editing sessions against the real server, for as long as asked.

Run: uv run python bench/fuzz_sessions.py [--minutes 10] [--max-edits 20] [--seed N]

The sessions of ``tests/integration/test_server_fuzz.py`` (strategies and checks in
``tests/integration/sessions.py``), drawn fresh by hypothesis without shrinking: half
on a server with ``debounce: 0`` (every burst's publish awaited and checked), half on
one with the default debounce (edits coalesce). A failing session is printed and
counted, its server restarted, and the run goes on. Prints sessions, ``didChange``
notifications, content changes, probes and publishes checked, and every failure;
exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from integration.sessions import Running, Session, serving, sessions  # noqa: E402


class _TimeUpError(Exception):
    """The run's time is over."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--max-edits", type=int, default=20)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "eager").mkdir()
        (root / "coalescing").mkdir()
        with (
            serving(root / "eager", {"debounce": 0}) as eager,
            serving(root / "coalescing", {}) as coalescing,
        ):
            servers = itertools.cycle([(eager, True), (coalescing, False)])
            started = time.monotonic()
            last_report = started

            @seed(args.seed)
            @settings(
                max_examples=10**9,
                database=None,
                deadline=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(session=sessions(args.max_edits))
            def fuzz(session: Session) -> None:
                nonlocal last_report
                if time.monotonic() > deadline:
                    raise _TimeUpError
                running, settle = next(servers)
                try:
                    running.session(session, settle=settle)
                except Exception as err:  # noqa: BLE001 - counted and shown
                    failures.append(_describe(running, session, err))
                    print(failures[-1], flush=True)
                    running.restart()
                if time.monotonic() - last_report > 60:
                    last_report = time.monotonic()
                    _report(eager, coalescing, len(failures), started)

            with contextlib.suppress(_TimeUpError):
                fuzz()
            _report(eager, coalescing, len(failures), started)
    print(f"seed {args.seed}; failures: {len(failures)}")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


def _report(eager: Running, coalescing: Running, failures: int, started: float) -> None:
    minutes = (time.monotonic() - started) / 60
    for name, running in (("debounce 0", eager), ("default debounce", coalescing)):
        print(f"[{minutes:5.1f} min] {name}: {running.stats}", flush=True)
    total = eager.stats.edits + coalescing.stats.edits
    print(f"[{minutes:5.1f} min] edits run: {total}; failures: {failures}", flush=True)


def _describe(running: Running, session: Session, err: Exception) -> str:
    where = "debounce 0" if running.options.get("debounce") == 0 else "default"
    text = "".join(traceback.format_exception_only(err)).strip()
    return f"FAILURE ({where}): {text[:2000]}\n  session: {session!r}"[:6000]


if __name__ == "__main__":
    sys.exit(main())
