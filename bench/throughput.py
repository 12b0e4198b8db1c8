"""`pyprotocol check` throughput: lines per second on real files and trees.

Run: uv run python bench/throughput.py
Inputs come from installed packages (mypy ships its sources), nothing is downloaded.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mypy

from pyprotocol import engine
from pyprotocol.config import Config

MYPY = Path(mypy.__file__).parent
ROOT = Path(__file__).resolve().parents[1]


def per_file(path: Path, repeat: int = 5) -> tuple[int, float]:
    text = path.read_text(encoding="utf-8")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        engine.check(text, path, Config())
        times.append(time.perf_counter() - start)
    return text.count("\n"), statistics.median(times)


def tree(paths: list[Path], jobs: int) -> tuple[int, float]:
    lines = sum(
        p.read_text(encoding="utf-8").count("\n")
        for root in paths
        for p in root.rglob("*.py")
    )
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pyprotocol",
            "check",
            "--format",
            "json",
            "--jobs",
            str(jobs),
            *map(str, paths),
        ],
        capture_output=True,
        check=False,
    )
    return lines, time.perf_counter() - start


def main() -> None:
    print(f"{'input':<40} {'lines':>8} {'seconds':>9} {'lines/s':>10}")
    for name in ("fastparse.py", "checker.py"):
        lines, seconds = per_file(MYPY / name)
        label_text = f"engine.check mypy/{name}"
        print(f"{label_text:<40} {lines:>8} {seconds:>9.3f} {lines / seconds:>10.0f}")
    own = [ROOT / "src", ROOT / "tests"]
    with tempfile.TemporaryDirectory() as scratch:
        # Copied out of the virtualenv, which `check` rightly skips.
        copy = Path(scratch) / "mypy"
        shutil.copytree(
            MYPY, copy, ignore=shutil.ignore_patterns("__pycache__", "*.so")
        )
        for label, paths in (
            ("project (src+tests)", own),
            ("mypy package tree", [copy]),
        ):
            for jobs in (1, 2):
                lines, seconds = tree(paths, jobs)
                label_text = f"check {label}, {jobs} core(s)"
                rate = lines / seconds
                print(f"{label_text:<40} {lines:>8} {seconds:>9.2f} {rate:>10.0f}")


if __name__ == "__main__":
    main()
