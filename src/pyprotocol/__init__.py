"""pyprotocol: hold Python code to a written engineering protocol."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pyprotocol")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
