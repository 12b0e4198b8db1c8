"""Files on disk: find the Python files under paths, read and write them safely."""

from __future__ import annotations

import io
import os
import tempfile
import tokenize
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Final

from pyprotocol import config as config_module
from pyprotocol.config import Config

PYTHON_SUFFIXES: Final = (".py", ".pyi")
MAX_BYTES: Final = 50 * 1024 * 1024


class UnreadableError(Exception):
    """A file that cannot be read as Python text."""


@lru_cache(maxsize=1024)
def config_for_folder(folder: Path) -> Config:
    """The configuration governing files in ``folder`` (cached per folder).

    Args:
        folder: A resolved folder path.

    Returns:
        The configuration from the nearest ``pyproject.toml``.
    """
    return config_module.for_path(folder / "__placeholder__.py")


def config_for(path: Path) -> Config:
    """The configuration governing one file.

    Args:
        path: The file.

    Returns:
        Its configuration.
    """
    return config_for_folder(path.resolve().parent)


def python_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every Python file under ``paths``, skipping excluded folders and files.

    Paths named explicitly are always included when they are files.

    Args:
        paths: Files and folders.

    Yields:
        File paths, in a stable order.
    """
    for path in paths:
        if path.is_file():
            yield path
            continue
        for folder, dirs, files in os.walk(path):
            here = Path(folder)
            conf = config_for_folder(here.resolve())
            dirs[:] = sorted(d for d in dirs if not conf.is_excluded(here / d))
            for name in sorted(files):
                candidate = here / name
                if name.endswith(PYTHON_SUFFIXES) and not conf.is_excluded(candidate):
                    yield candidate


def decode(data: bytes) -> str:
    """Decode Python source bytes, honouring a BOM and a PEP 263 coding line.

    Args:
        data: The raw bytes.

    Returns:
        The text.

    Raises:
        UnreadableError: When the bytes are not text in the declared encoding.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as err:
        msg = f"not valid source text ({err})"
        raise UnreadableError(msg) from err


def read_source(path: Path) -> str:
    """Read a Python file.

    Args:
        path: The file.

    Returns:
        Its text.

    Raises:
        UnreadableError: When it cannot be read, is too large or is not text.
    """
    return read_file(path)[0]


def read_file(path: Path) -> tuple[str, bytes]:
    """Read a Python file: its text and the bytes it was decoded from.

    Args:
        path: The file.

    Returns:
        Its text and its bytes.

    Raises:
        UnreadableError: When it cannot be read, is too large or is not text.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            msg = f"file is {size} bytes, over the {MAX_BYTES}-byte limit"
            raise UnreadableError(msg)
        data = path.read_bytes()
    except OSError as err:
        raise UnreadableError(str(err)) from err
    return decode(data), data


def write_atomic(path: Path, text: str) -> None:
    """Replace a file's content atomically, keeping its mode and line endings as given.

    Args:
        path: The file.
        text: The new content.
    """
    mode = path.stat().st_mode
    handle, temp = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        Path(temp).chmod(mode & 0o7777)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
