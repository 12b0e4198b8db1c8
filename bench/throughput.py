"""`pyprotocol check` throughput: lines per second on real files and trees.

Run: uv run python bench/throughput.py [--trees-only] [--repeat N]
Inputs come from installed packages (mypy ships its sources), nothing is downloaded.

Each tree is checked with ``--jobs 1`` and ``--jobs 2`` three ways: own rules only
(``--no-ruff``), with ruff run per file (two ruff processes per file, the way the
engine runs ruff on one text; selected in-process, there is no flag for it), and with
ruff batched (what ``check`` does: a few ruff processes for the whole tree, alongside
the own rules). Lines are those of the files ``check`` checks (``.py`` and ``.pyi``).
``cpu s`` is the user+system time of the check and every process it started: unlike
the wall time, it hardly moves when other work shares the machine.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

import mypy

from pyprotocol import engine, workspace
from pyprotocol.config import Config

MYPY: Final = Path(mypy.__file__).parent
ROOT: Final = Path(__file__).resolve().parents[1]
#: ``pyprotocol check`` with ruff run file by file (the engine's way for one text).
PER_FILE: Final = (
    "import functools, sys\n"
    "from pyprotocol import cli\n"
    "cli.check_paths = functools.partial(cli.check_paths, batch=False)\n"
    "sys.exit(cli.main(sys.argv[1:]))\n"
)
MODES: Final = {
    "no ruff": (["-m", "pyprotocol"], ["--no-ruff"]),
    "ruff per file": (["-c", PER_FILE], []),
    "ruff batched": (["-m", "pyprotocol"], []),
}


def per_file(path: Path, repeat: int = 5) -> tuple[int, float]:
    text = path.read_text(encoding="utf-8")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        engine.check(text, path, Config())
        times.append(time.perf_counter() - start)
    return text.count("\n"), statistics.median(times)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def tree(
    paths: list[Path], jobs: int, mode: str, repeat: int
) -> tuple[int, float, float]:
    """Lines checked, and the median wall and CPU seconds of ``repeat`` runs."""
    workspace.config_for_folder.cache_clear()
    lines = sum(
        p.read_text(encoding="utf-8").count("\n") for p in workspace.python_files(paths)
    )
    launch, flags = MODES[mode]
    walls, cpus = [], []
    for _ in range(repeat):
        cpu = _cpu()
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                *launch,
                "check",
                "--format",
                "json",
                "--jobs",
                str(jobs),
                *flags,
                *map(str, paths),
            ],
            capture_output=True,
            check=False,
        )
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return lines, statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees-only", action="store_true", help="skip single files")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tree row")
    options = parser.parse_args()
    header = f"{'input':<50} {'lines':>8} {'seconds':>9} {'lines/s':>10} {'cpu s':>8}"
    print(header)
    if not options.trees_only:
        for name in ("fastparse.py", "checker.py"):
            lines, seconds = per_file(MYPY / name)
            label_text = f"engine.check mypy/{name}"
            print(
                f"{label_text:<50} {lines:>8} {seconds:>9.3f} {lines / seconds:>10.0f}"
            )
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
                for mode in MODES:
                    lines, seconds, cpu = tree(paths, jobs, mode, options.repeat)
                    label_text = f"check {label}, {jobs} core(s), {mode}"
                    rate = lines / seconds
                    print(
                        f"{label_text:<50} {lines:>8} {seconds:>9.2f} {rate:>10.0f} "
                        f"{cpu:>8.1f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
