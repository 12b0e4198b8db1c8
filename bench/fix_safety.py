"""Fix safety over real code: every .py file of several installed packages.

Run: uv run python bench/fix_safety.py [--jobs N] [--limit N] [PACKAGE ...]

For each file (copied to a temporary folder first, so nothing installed is touched),
``engine.fix`` runs safe and, where a finding offers an unsafe fix, with ``unsafe``;
the properties of ``tests/unit/fix_properties.py`` are checked: no offered fix dropped,
the output compiles, fixing again changes nothing, no fixable finding is left, and safe
fixes keep the normalised ``ast``. Prints files checked, fixes applied per rule and
every failure; exits 1 when there is one. A full run takes about an hour on 2 cores.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import shutil
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "unit"))

from fix_properties import Outcome, check_text  # noqa: E402

from pyprotocol import engine  # noqa: E402
from pyprotocol.config import Config  # noqa: E402
from pyprotocol.model import Applicability  # noqa: E402

PACKAGES = ("libcst", "pygls", "attr", "cattrs", "_pytest", "hypothesis", "mypy")


def package_folder(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        msg = f"package {name!r} is not installed"
        raise SystemExit(msg)
    return Path(next(iter(spec.submodule_search_locations)))


def check_file(job: tuple[Path, str]) -> tuple[str, Outcome, Outcome | None, float]:
    path, shown = job
    start = time.perf_counter()
    text = path.read_text(encoding="utf-8")
    safe = check_text(text, shown, unsafe=False)
    unsafe = None
    if any(
        f.fix is not None and f.fix.applicability is Applicability.UNSAFE
        for f in engine.check(text, shown, Config())
    ):
        unsafe = check_text(text, shown, unsafe=True)
    return shown, safe, unsafe, time.perf_counter() - start


def parses(path: Path) -> bool:
    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("packages", nargs="*", default=list(PACKAGES))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="files per package")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pyprotocol-fix-safety-") as scratch:
        jobs: list[tuple[Path, str]] = []
        for name in args.packages:
            copy = Path(scratch) / name
            shutil.copytree(package_folder(name), copy)
            files = [p for p in sorted(copy.rglob("*.py")) if parses(p)]
            if args.limit:
                files = files[: args.limit]
            jobs.extend((p, p.relative_to(scratch).as_posix()) for p in files)
        started = time.perf_counter()
        applied: Counter[str] = Counter()
        applied_unsafe: Counter[str] = Counter()
        failures: list[str] = []
        properties = unsafe_files = 0
        slowest: list[tuple[float, str]] = []
        with ProcessPoolExecutor(max_workers=args.jobs) as pool:
            for shown, safe, unsafe, seconds in pool.map(check_file, jobs):
                applied.update(safe.applied)
                properties += safe.properties
                failures.extend(safe.failures)
                if unsafe is not None:
                    unsafe_files += 1
                    applied_unsafe.update(unsafe.applied)
                    properties += unsafe.properties
                    failures.extend(unsafe.failures)
                for failure in [*safe.failures, *(unsafe.failures if unsafe else [])]:
                    print(f"FAIL {failure}", flush=True)
                slowest.append((seconds, shown))
    elapsed = time.perf_counter() - started
    print(f"\nfiles checked: {len(jobs)} ({unsafe_files} also with --unsafe)")
    print(f"properties checked: {properties}; time: {elapsed:.0f} s")
    print("fixes applied per rule (safe run):")
    for code, count in sorted(applied.items()):
        print(f"  {code}: {count}")
    print("fixes applied per rule (unsafe run, files with unsafe fixes):")
    for code, count in sorted(applied_unsafe.items()):
        print(f"  {code}: {count}")
    print("slowest files:")
    for seconds, shown in sorted(slowest, reverse=True)[:5]:
        print(f"  {seconds:6.1f} s  {shown}")
    print(f"failures: {len(failures)}")
    for failure in failures:
        print(f"  {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
