"""``[tool.pyprotocol]`` in the nearest ``pyproject.toml``: discovery and validation.

A bad key or value never stops a check: it becomes a message naming the key, and the
default stands in for that key alone.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath, PurePosixPath
from typing import Final

from pyprotocol.model import Severity
from pyprotocol.protocol import DEFAULT_BASES

DEFAULT_EXCLUDE: Final = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "__pycache__",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "*.egg-info",
)
DEFAULT_TEST_FILES: Final = (
    "**/tests/**",
    "**/test/**",
    "test_*.py",
    "*_test.py",
    "conftest.py",
)
TARGET_VERSIONS: Final = ((3, 12), (3, 13), (3, 14))

_REQUIRES: Final = re.compile(r">=\s*3\.(\d+)")


@dataclass(frozen=True, slots=True)
class Config:
    """Project policy for one file. Immutable; share it freely."""

    root: Path | None = None
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    test_files: tuple[str, ...] = DEFAULT_TEST_FILES
    link_base: Mapping[str, str] = field(default_factory=dict)
    target_version: tuple[int, int] = (3, 12)
    errors: tuple[str, ...] = ()
    source: Path | None = None

    def relative(self, path: PurePath) -> PurePosixPath:
        """The path relative to the project root, with forward slashes.

        Args:
            path: A file path.

        Returns:
            The relative path when the file is under the root, else the path itself.
        """
        if self.root is not None:
            try:
                return PurePosixPath(
                    Path(path).resolve().relative_to(self.root).as_posix()
                )
            except ValueError:
                pass
        return PurePosixPath(PurePath(path).as_posix())

    def is_test_file(self, path: PurePath) -> bool:
        """Tell whether ``path`` is a test file under the ``test-files`` patterns.

        Args:
            path: A file path.

        Returns:
            True for test files.
        """
        return matches_any(self.relative(path), self.test_files)

    def is_excluded(self, path: PurePath) -> bool:
        """Tell whether a path (file or folder) is excluded from walking.

        Args:
            path: A file or folder path.

        Returns:
            True when an ``exclude`` pattern matches the path or one of its parts.
        """
        return matches_any(self.relative(path), self.exclude)

    def ignored_here(self, path: PurePath) -> tuple[str, ...]:
        """Selectors ignored for this file by ``per-file-ignores``.

        Args:
            path: A file path.

        Returns:
            The selectors that apply to the file.
        """
        rel = self.relative(path)
        found: list[str] = []
        for pattern, selectors in self.per_file_ignores:
            if matches_any(rel, (pattern,)):
                found.extend(selectors)
        return tuple(found)

    @property
    def links(self) -> Mapping[str, str]:
        """Link base per document, with defaults filled in."""
        return {**DEFAULT_BASES, **self.link_base}


def matches_any(path: PurePosixPath, patterns: Sequence[str]) -> bool:
    """Match a relative path against gitignore-like glob patterns.

    A pattern without ``/`` matches any single part of the path (``build`` skips every
    ``build`` folder); a pattern with ``/`` matches the whole path, ``**`` spanning
    folders; a leading ``**/`` lets it start at any folder.

    Args:
        path: The relative path.
        patterns: Glob patterns.

    Returns:
        True if any pattern matches.
    """
    parts = path.parts
    for pattern in patterns:
        if "/" not in pattern:
            if any(fnmatch.fnmatchcase(part, pattern) for part in parts):
                return True
            continue
        trimmed = pattern.removeprefix("./")
        anywhere = trimmed.startswith("**/")
        trimmed = trimmed.removeprefix("**/")
        starts = range(len(parts)) if anywhere else range(1)
        for start in starts:
            if _matches_path("/".join(parts[start:]), trimmed):
                return True
    return False


def _matches_path(text: str, pattern: str) -> bool:
    if fnmatch.fnmatchcase(text, pattern):
        return True
    if pattern.endswith("/**"):
        folder = pattern[:-3]
        return text == folder or fnmatch.fnmatchcase(text, f"{folder}/*")
    return False


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``.

    Args:
        start: A file or folder.

    Returns:
        The file, or None when there is none up to the filesystem root.
    """
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            return pyproject
    return None


def _strings(key: str, value: object, errors: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(str(item) for item in value)
    errors.append(f"`{key}` must be a list of strings; using the default")
    return None


def _string_table(key: str, value: object, errors: list[str]) -> dict[str, str] | None:
    if isinstance(value, dict) and all(
        isinstance(item, str) for item in value.values()
    ):
        return {str(name): str(item) for name, item in value.items()}
    errors.append(f"`{key}` must be a table of strings; using the default")
    return None


def _target_from_requires(project: object) -> tuple[int, int] | None:
    if not isinstance(project, dict):
        return None
    requires = project.get("requires-python")
    if not isinstance(requires, str):
        return None
    match = _REQUIRES.search(requires)
    if match is None:
        return None
    minor = int(match.group(1))
    return (3, minor) if (3, minor) in TARGET_VERSIONS else None


def _list_field(name: str, *, extend: bool = False) -> _Handler:
    def handle(key: str, value: object, config: Config, errors: list[str]) -> Config:
        items = _strings(key, value, errors)
        if items is None:
            return config
        current: tuple[str, ...] = getattr(config, name)
        new = current + items if extend else items
        match name:
            case "select":
                return replace(config, select=new)
            case "ignore":
                return replace(config, ignore=new)
            case "exclude":
                return replace(config, exclude=new)
            case _:
                return replace(config, test_files=new)

    return handle


def _per_file_ignores(
    key: str, value: object, config: Config, errors: list[str]
) -> Config:
    if isinstance(value, dict) and all(
        isinstance(v, list) and all(isinstance(s, str) for s in v)
        for v in value.values()
    ):
        pairs = tuple((str(k), tuple(str(s) for s in v)) for k, v in value.items())
        return replace(config, per_file_ignores=pairs)
    errors.append(
        f"`{key}` must map glob patterns to lists of codes; using the default"
    )
    return config


def _severity(key: str, value: object, config: Config, errors: list[str]) -> Config:
    table = _string_table(key, value, errors)
    if table is None:
        return config
    parsed: dict[str, Severity] = {}
    for selector, name in table.items():
        try:
            parsed[selector] = Severity.parse(name)
        except ValueError as err:
            errors.append(f"`{key}.{selector}`: {err}")
    return replace(config, severity=parsed)


def _link_base(key: str, value: object, config: Config, errors: list[str]) -> Config:
    bases = _string_table(key, value, errors)
    if bases is None:
        return config
    unknown = sorted(set(bases) - set(DEFAULT_BASES))
    if unknown:
        errors.append(
            f"`{key}` keys must be among {sorted(DEFAULT_BASES)}; got {unknown}"
        )
    return replace(
        config, link_base={k: v for k, v in bases.items() if k in DEFAULT_BASES}
    )


def _target_version(
    key: str, value: object, config: Config, errors: list[str]
) -> Config:
    versions = {f"py3{minor}": (3, minor) for _, minor in TARGET_VERSIONS}
    if isinstance(value, str) and value in versions:
        return replace(config, target_version=versions[value])
    errors.append(f"`{key}` must be one of {sorted(versions)}; got {value!r}")
    return config


type _Handler = Callable[[str, object, Config, list[str]], Config]

_HANDLERS: Final[dict[str, _Handler]] = {
    "select": _list_field("select"),
    "extend-select": _list_field("select", extend=True),
    "ignore": _list_field("ignore"),
    "exclude": _list_field("exclude"),
    "extend-exclude": _list_field("exclude", extend=True),
    "test-files": _list_field("test_files"),
    "per-file-ignores": _per_file_ignores,
    "severity": _severity,
    "link-base": _link_base,
    "target-version": _target_version,
}


def parse_table(table: Mapping[str, object], base: Config) -> Config:
    """Validate a ``[tool.pyprotocol]`` table on top of ``base``.

    Args:
        table: The table as read from TOML (or from editor settings).
        base: The configuration the table refines.

    Returns:
        The new configuration; problems are listed in ``errors``.
    """
    errors = list(base.errors)
    errors.extend(
        f"unknown key `{key}` in [tool.pyprotocol] (ignored)"
        for key in table
        if key not in _HANDLERS
    )
    config = base
    for key, handle in _HANDLERS.items():
        if key in table:
            config = handle(key, table[key], config, errors)
    return replace(config, errors=tuple(errors))


def load(pyproject: Path) -> Config:
    """Read the configuration from a ``pyproject.toml``.

    Args:
        pyproject: The file.

    Returns:
        The configuration; unreadable files and bad values give defaults plus errors.
    """
    base = Config(root=pyproject.parent.resolve(), source=pyproject)
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        return replace(
            base, errors=(f"{pyproject}: cannot read it ({err}); using defaults",)
        )
    target = _target_from_requires(data.get("project"))
    if target is not None:
        base = replace(base, target_version=target)
    tool = data.get("tool", {})
    table = tool.get("pyprotocol", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        return replace(
            base, errors=(f"{pyproject}: [tool.pyprotocol] must be a table",)
        )
    config = parse_table(table, base)
    return replace(config, errors=tuple(f"{pyproject}: {e}" for e in config.errors))


def for_path(path: Path) -> Config:
    """The configuration that governs ``path``.

    Args:
        path: A file or folder.

    Returns:
        The configuration from the nearest ``pyproject.toml``, or the defaults.
    """
    pyproject = find_pyproject(path.resolve())
    return load(pyproject) if pyproject is not None else Config()
