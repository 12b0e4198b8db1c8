"""What the fuzz tests share: example budgets and the inputs they mutate."""

from __future__ import annotations

import importlib.util
import os
from functools import cache
from pathlib import Path
from typing import Final

#: ``HYPOTHESIS_PROFILE=long`` runs this many times the CI number of examples.
LONG_FACTOR: Final = 100
PACKAGES: Final = ("libcst", "pygls", "attr", "_pytest")


def long_run() -> bool:
    """Whether the long profile is asked for."""
    return os.environ.get("HYPOTHESIS_PROFILE") == "long"


def examples(ci: int) -> int:
    """The number of examples for a fuzz test.

    Args:
        ci: The number CI runs.

    Returns:
        ``ci``, or ``ci * LONG_FACTOR`` under the long profile.
    """
    return ci * LONG_FACTOR if long_run() else ci


@cache
def corpus(limit_bytes: int = 40_000) -> tuple[Path, ...]:
    """Real Python files of installed packages, smallest first (none over the limit).

    Args:
        limit_bytes: Leave out larger files (they make examples slow).

    Returns:
        The files, in a stable order.
    """
    found: list[Path] = []
    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations)))
        found.extend(p for p in folder.rglob("*.py") if p.stat().st_size <= limit_bytes)
    return tuple(sorted(found, key=lambda p: (p.stat().st_size, p.as_posix())))
