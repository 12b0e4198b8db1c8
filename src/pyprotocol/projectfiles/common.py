"""Helpers the project-file rules share: reading TOML values, looking around on disk."""

from __future__ import annotations

import os
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from pyprotocol.model import Span
from pyprotocol.projectfiles.base import Document
from pyprotocol.projectfiles.tomlindex import KeyPath

#: Files larger than this are not read when looking around.
MAX_READ: Final = 1024 * 1024
#: How many folder entries a scan of the repository looks at, at most.
MAX_ENTRIES: Final = 20_000
#: How many folders up a search for inherited configuration goes, at most.
MAX_UP: Final = 8
SKIP_DIRS: Final = frozenset(
    {
        ".git",
        ".hg",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "build",
        "dist",
        "__pycache__",
        "site-packages",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    }
)
NATIVE_SUFFIXES: Final = frozenset(
    {".c", ".cc", ".cpp", ".cxx", ".c++", ".pyx", ".pxd", ".rs", ".f90", ".cu"}
)


def get(data: object, *path: str) -> object:
    """Follow keys through nested tables.

    Args:
        data: A table as read by ``tomllib`` (or anything).
        path: The keys.

    Returns:
        The value, or None when a key is missing or a step is not a table.
    """
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def table(data: object, *path: str) -> dict[str, object] | None:
    """The table at ``path``.

    Args:
        data: The document.
        path: The keys.

    Returns:
        The table, or None when it is missing or not a table.
    """
    found = get(data, *path)
    return found if isinstance(found, dict) else None


def strings(value: object) -> list[str]:
    """The strings of a list value (a single string counts as one).

    Args:
        value: A TOML value.

    Returns:
        Its string items.
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def where(doc: Document, *paths: KeyPath) -> Span:
    """The first of several keys or tables that is written, else line 1.

    Args:
        doc: A TOML document.
        paths: Key or table paths, most precise first.

    Returns:
        The span to flag.
    """
    index = doc.toml_index
    if index is not None:
        for path in paths:
            found = index.key_span(path) or index.table_span(path)
            if found is not None:
                return found
    return doc.top_span()


def read_text(path: Path) -> str | None:
    """Read a small text file, or give None.

    Args:
        path: The file.

    Returns:
        Its text, or None when it is missing, too large or unreadable.
    """
    try:
        if not path.is_file() or path.stat().st_size > MAX_READ:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def load_toml(path: Path) -> dict[str, object] | None:
    """Read a TOML file, or give None.

    Args:
        path: The file.

    Returns:
        Its data, or None when it is missing or invalid.
    """
    text = read_text(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def ancestors(folder: Path) -> Iterator[Path]:
    """The folders above ``folder``, up to the repository root (``.git``).

    Args:
        folder: A folder.

    Yields:
        Its parents, nearest first, at most :data:`MAX_UP` of them.
    """
    if (folder / ".git").exists():
        return
    for count, parent in enumerate(folder.parents):
        if count >= MAX_UP:
            return
        yield parent
        if (parent / ".git").exists():
            return


def inherited(doc: Document, *path: str) -> bool:
    """Tell whether a ``pyproject.toml`` above this one defines a table.

    Tools such as ruff and mypy find their configuration in a parent folder, so a
    workspace member need not repeat it.

    Args:
        doc: The ``pyproject.toml`` being checked.
        path: The table's keys, e.g. ``("tool", "mypy")``.

    Returns:
        True when a parent project defines it (False when nothing is on disk).
    """
    if doc.root is None:
        return False
    for folder in ancestors(doc.root):
        data = load_toml(folder / "pyproject.toml")
        if data is not None and table(data, *path) is not None:
            return True
    return False


def native_source(root: Path) -> Path | None:
    """The first C, C++, Cython, Rust or Fortran source found under ``root``.

    Args:
        root: The project folder.

    Returns:
        A native source file (or ``setup.py`` declaring extensions), or None.
    """
    setup = read_text(root / "setup.py")
    if setup is not None and ("Extension(" in setup or "ext_modules" in setup):
        return root / "setup.py"
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        seen += len(dirs) + len(files)
        for name in files:
            if Path(name).suffix.lower() in NATIVE_SUFFIXES or name == "Cargo.toml":
                return Path(folder) / name
        if seen > MAX_ENTRIES:
            return None
    return None


def addopts(options: dict[str, object]) -> list[str]:
    """The arguments in pytest's ``addopts`` (a string or a list of strings).

    Args:
        options: The pytest configuration table.

    Returns:
        The arguments, split as a shell would.
    """
    args: list[str] = []
    for item in strings(options.get("addopts")):
        try:
            args.extend(shlex.split(item))
        except ValueError:
            args.extend(item.split())
    return args


def coverage_floor(args: list[str]) -> float | None:
    """The value of ``--cov-fail-under`` among command-line arguments.

    Args:
        args: The arguments.

    Returns:
        The floor, or None when not given (or not a number).
    """
    floor: float | None = None
    for index, arg in enumerate(args):
        value: str | None = None
        if arg.startswith("--cov-fail-under="):
            value = arg.partition("=")[2]
        elif arg == "--cov-fail-under" and index + 1 < len(args):
            value = args[index + 1]
        if value is not None:
            try:
                floor = float(value)
            except ValueError:
                continue
    return floor


def config_coverage_floor(data: dict[str, object]) -> float | None:
    """The coverage floor a ``pyproject.toml`` sets for pytest runs.

    Args:
        data: The document.

    Returns:
        ``--cov-fail-under`` from pytest's addopts, else coverage's ``fail_under``.
    """
    for path in (("tool", "pytest", "ini_options"), ("tool", "pytest")):
        options = table(data, *path)
        if options is not None:
            floor = coverage_floor(addopts(options))
            if floor is not None:
                return floor
    fail_under = get(data, "tool", "coverage", "report", "fail_under")
    if isinstance(fail_under, int | float) and not isinstance(fail_under, bool):
        return float(fail_under)
    return None
