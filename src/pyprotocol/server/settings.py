"""Editor settings, and the project policy of each file (cached, reloaded on change).

Settings come from ``initializationOptions``, from ``didChangeConfiguration`` and from
``workspace/configuration`` (section ``pyprotocol``, per workspace folder). They are::

    {
      "debounce": 150,            # ms to wait after a change before checking (0: none)
      "logLevel": "info",         # error | warning | info | debug (window/logMessage)
      "diagnostics": "auto",      # auto | push | pull (initializationOptions only)
      "override": {"ignore": ["PP105"]},  # [tool.pyprotocol] keys, over the project's
      "ruff": true,               # ruff's lint and format findings in the fast lane
      "mypy": {
        "enabled": false,         # type-check open buffers with mypy (see below)
        "idleMs": 1500            # ms without a change before mypy runs
      }
    }

``mypy.enabled`` is off unless the client turns it on, because mypy runs code from
the workspace: plugins named in the project's mypy configuration are imported and
executed. A client must send ``true`` only for workspaces the user trusts (the VS Code
extension ties it to workspace trust); ``pyprotocol check --mypy`` is the CLI's
explicit opt-in. ``"mypy.enabled"`` and ``"mypy.idleMs"`` are accepted as flat keys
too.

Project policy is ``[tool.pyprotocol]`` in the nearest ``pyproject.toml``; a loaded
file is kept until its modification time, size or inode changes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from pyprotocol import config as config_module
from pyprotocol.config import Config

DEFAULT_DEBOUNCE_MS: Final = 150
MAX_DEBOUNCE_MS: Final = 10_000
DEFAULT_MYPY_IDLE_MS: Final = 1500
MAX_MYPY_IDLE_MS: Final = 60_000
LOG_LEVELS: Final[Mapping[str, int]] = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
}
DIAGNOSTIC_MODES: Final = ("auto", "push", "pull")
SECTION: Final = "pyprotocol"

type _Stamp = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Settings:
    """The editor-side settings that apply to one scope (global or one folder)."""

    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    log_level: str = "info"
    diagnostics: str = "auto"
    override: Mapping[str, object] = field(default_factory=dict)
    ruff: bool = True
    mypy_enabled: bool = False
    mypy_idle_ms: int = DEFAULT_MYPY_IDLE_MS
    errors: tuple[str, ...] = ()

    @property
    def debounce(self) -> float:
        """The debounce delay in seconds."""
        return self.debounce_ms / 1000

    @property
    def mypy_idle(self) -> float:
        """The pause after the last change before mypy runs, in seconds."""
        return self.mypy_idle_ms / 1000

    def merged(self, raw: object) -> Settings:
        """Read settings written by a user over these ones.

        Unknown keys and bad values are reported in ``errors``; the previous value
        stands for that key.

        Args:
            raw: The JSON value the client sent (a ``pyprotocol`` section, or an
                object holding one).

        Returns:
            The new settings.
        """
        if raw is None or raw == []:
            return self  # nothing set (Lua editors send an empty table as `[]`)
        if isinstance(raw, Mapping) and isinstance(raw.get(SECTION), Mapping):
            raw = raw[SECTION]
        if not isinstance(raw, Mapping):
            return replace(self, errors=(f"settings must be an object, got {raw!r}",))
        errors: list[str] = []
        result = replace(self, errors=())
        for key, value in raw.items():
            result = _apply(result, str(key), value, errors)
        return replace(result, errors=tuple(errors))


def _apply(settings: Settings, key: str, value: object, errors: list[str]) -> Settings:
    match key:
        case "debounce":
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and 0 <= value <= MAX_DEBOUNCE_MS
            ):
                return replace(settings, debounce_ms=int(value))
            errors.append(
                f"`debounce` must be milliseconds from 0 to {MAX_DEBOUNCE_MS}"
            )
        case "logLevel":
            if isinstance(value, str) and value.lower() in LOG_LEVELS:
                return replace(settings, log_level=value.lower())
            errors.append(f"`logLevel` must be one of {sorted(LOG_LEVELS)}")
        case "diagnostics":
            if value in DIAGNOSTIC_MODES:
                return replace(settings, diagnostics=str(value))
            errors.append(f"`diagnostics` must be one of {list(DIAGNOSTIC_MODES)}")
        case "override":
            if isinstance(value, Mapping):
                return replace(settings, override={str(k): v for k, v in value.items()})
            errors.append("`override` must be an object of [tool.pyprotocol] keys")
        case _:
            return _apply_tools(settings, key, value, errors)
    return settings


def _apply_tools(
    settings: Settings, key: str, value: object, errors: list[str]
) -> Settings:
    match key:
        case "ruff":
            if isinstance(value, bool):
                return replace(settings, ruff=value)
            errors.append("`ruff` must be true or false")
        case "mypy" if isinstance(value, Mapping):
            for name, item in value.items():
                settings = _apply_mypy(settings, str(name), item, errors)
        case "mypy":
            errors.append('`mypy` must be an object such as {"enabled": true}')
        case _ if key.startswith("mypy."):
            return _apply_mypy(settings, key.removeprefix("mypy."), value, errors)
        case _:
            errors.append(f"unknown setting `{key}` (ignored)")
    return settings


def _apply_mypy(
    settings: Settings, key: str, value: object, errors: list[str]
) -> Settings:
    match key:
        case "enabled":
            if isinstance(value, bool):
                return replace(settings, mypy_enabled=value)
            errors.append("`mypy.enabled` must be true or false")
        case "idleMs":
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and 0 <= value <= MAX_MYPY_IDLE_MS
            ):
                return replace(settings, mypy_idle_ms=int(value))
            errors.append(
                f"`mypy.idleMs` must be milliseconds from 0 to {MAX_MYPY_IDLE_MS}"
            )
        case _:
            errors.append(f"unknown setting `mypy.{key}` (ignored)")
    return settings


class ConfigStore:
    """The configuration of each file: nearest ``pyproject.toml`` plus overrides.

    Safe to call from the check threads.
    """

    def __init__(self) -> None:
        """Start with empty caches."""
        self._lock = threading.Lock()
        self._nearest: dict[Path, Path | None] = {}
        self._loaded: dict[Path, tuple[_Stamp, Config]] = {}
        self._overridden: dict[tuple[Path | None, _Stamp | None, str], Config] = {}

    def invalidate(self) -> None:
        """Forget every cached lookup and file (after pyproject.toml changes)."""
        with self._lock:
            self._nearest.clear()
            self._loaded.clear()
            self._overridden.clear()

    def resolve(self, folder: Path | None, override: Mapping[str, object]) -> Config:
        """The configuration for files in ``folder``.

        Args:
            folder: The file's folder; None for documents that are not files.
            override: ``[tool.pyprotocol]`` keys from the editor settings.

        Returns:
            The configuration; ``errors`` lists problems of both sources.
        """
        pyproject = self._nearest_pyproject(folder) if folder is not None else None
        stamp = _stamp(pyproject) if pyproject is not None else None
        if pyproject is not None and stamp is None:
            # The file went away since the lookup: look again.
            with self._lock:
                self._nearest.clear()
            pyproject = self._nearest_pyproject(folder) if folder is not None else None
            stamp = _stamp(pyproject) if pyproject is not None else None
        base = self._load(pyproject, stamp) if pyproject is not None else Config()
        if not override:
            return base
        key = (pyproject, stamp, json.dumps(override, sort_keys=True, default=str))
        with self._lock:
            cached = self._overridden.get(key)
        if cached is not None:
            return cached
        merged = config_module.parse_table(override, replace(base, errors=()))
        errors = base.errors + tuple(
            f"editor setting `{SECTION}.override`: {error}" for error in merged.errors
        )
        merged = replace(merged, errors=errors)
        with self._lock:
            self._overridden[key] = merged
        return merged

    def _nearest_pyproject(self, folder: Path) -> Path | None:
        with self._lock:
            if folder in self._nearest:
                return self._nearest[folder]
        found = config_module.find_pyproject(folder)
        with self._lock:
            self._nearest[folder] = found
        return found

    def _load(self, pyproject: Path, stamp: _Stamp | None) -> Config:
        with self._lock:
            cached = self._loaded.get(pyproject)
        if cached is not None and stamp is not None and cached[0] == stamp:
            return cached[1]
        loaded = config_module.load(pyproject)
        if stamp is not None:
            with self._lock:
                self._loaded[pyproject] = (stamp, loaded)
        return loaded


def _stamp(path: Path) -> _Stamp | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_mtime_ns, status.st_size, status.st_ino)
