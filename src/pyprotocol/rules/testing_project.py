"""What the project's pytest configuration says, read once per file version.

Shared by the testing rules (not a rule). Only the project root the configuration
was loaded from (``Config.root``) is read: rules never search the file system.
"""

from __future__ import annotations

import configparser
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

_INI_FILES: Final = (("pytest.ini", "pytest"), ("tox.ini", "pytest"))
_SETUP_CFG: Final = ("setup.cfg", "tool:pytest")
_DEPENDENCY_FILES: Final = (
    "pyproject.toml",
    "requirements-dev.txt",
    "requirements_dev.txt",
    "requirements-test.txt",
    "requirements/test.txt",
    "requirements/dev.txt",
    "setup.cfg",
    "tox.ini",
)


@dataclass(frozen=True, slots=True)
class PytestSettings:
    """The pytest settings the testing rules care about."""

    asyncio_auto: bool = False
    trio_auto: bool = False
    uses_pytest_mock: bool = False
    #: pytest is configured (a pytest section, or a ``conftest.py`` at the root or
    #: in ``tests/``).
    pytest_configured: bool = False


def _stamp(root: Path) -> tuple[tuple[str, int], ...]:
    names = {name for name, _ in _INI_FILES} | {_SETUP_CFG[0], *_DEPENDENCY_FILES}
    names |= {"conftest.py", "tests/conftest.py", "test/conftest.py"}
    stamps: list[tuple[str, int]] = []
    for name in sorted(names):
        try:
            stamps.append((name, (root / name).stat().st_mtime_ns))
        except OSError:
            continue
    return tuple(stamps)


def settings(root: Path | None) -> PytestSettings:
    """The pytest settings of the project at ``root`` (defaults when unknown).

    Args:
        root: The project root, or None when no configuration was found.

    Returns:
        The settings; cached until one of the files changes.
    """
    if root is None:
        return PytestSettings()
    return _read(root, _stamp(root))


@functools.lru_cache(maxsize=32)
def _read(root: Path, stamp: tuple[tuple[str, int], ...]) -> PytestSettings:
    del stamp  # Part of the cache key only.
    options: dict[str, str] = {}
    configured = any(
        (root / folder / "conftest.py").is_file() for folder in (".", "tests", "test")
    )
    pyproject = root / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        data = {}
    tool = data.get("tool")
    pytest_table = tool.get("pytest") if isinstance(tool, dict) else None
    ini = pytest_table.get("ini_options") if isinstance(pytest_table, dict) else None
    if isinstance(ini, dict):
        configured = True
        options.update({str(k): str(v) for k, v in ini.items()})
    for name, section in (*_INI_FILES, _SETUP_CFG):
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(root / name, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        if parser.has_section(section):
            configured = True
            for key, value in parser.items(section):
                options.setdefault(key, value)
    addopts = options.get("addopts", "")
    asyncio_auto = (
        options.get("asyncio_mode", "").strip().lower() == "auto"
        or "--asyncio-mode=auto" in addopts
    )
    trio_auto = options.get("trio_mode", "").strip().lower() in {"true", "1"}
    return PytestSettings(
        asyncio_auto, trio_auto, _mentions_pytest_mock(root), configured
    )


def _mentions_pytest_mock(root: Path) -> bool:
    for name in _DEPENDENCY_FILES:
        try:
            text = (root / name).read_text(encoding="utf-8").lower()
        except (OSError, UnicodeDecodeError):
            continue
        if "pytest-mock" in text or "pytest_mock" in text:
            return True
    return False
