"""Which quality gates a command, a pre-commit hook or a CI workflow runs.

A gate is ``ruff check``, ``ruff format --check``, ``mypy`` (strict or not) and
``pytest`` (with or without a coverage floor). Commands are read loosely: quotes,
brackets and commas are dropped, options are skipped, a runner (``uv run``, ``uvx``,
``python -m``, ``poetry run``) is looked through, and a command that installs or
prints a tool (``pip install mypy``, ``echo ruff``) does not run it. Commands that
hand over to something else (``make``, ``tox``, ``nox``, ``just``, a script) are
followed one level into the file they name when the repository is on disk.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

from pyprotocol.projectfiles import yamlnodes
from pyprotocol.projectfiles.common import (
    config_coverage_floor,
    get,
    load_toml,
    read_text,
)

_CONTINUATION: Final = re.compile(r"\\\r?\n")
_SEPARATORS: Final = re.compile(r"&&|\|\||[;|\n]")
_NOISE: Final = re.compile(r"[\"'`,\[\](){}]")
_VERSION: Final = re.compile(r"[=@<>~\[!].*$")
_FLOOR_TEXT: Final = re.compile(
    r"(?:--cov-fail-under[= ]\s*|--fail-under[= ]\s*|fail_under\s*=\s*)(\d+(?:\.\d+)?)"
)
_STRICT_TEXT: Final = re.compile(r"^\s*strict\s*=\s*(?:true|True|1|yes|on)\s*$", re.M)
#: Options whose value is the next token (the value is not a command).
_TAKES_VALUE: Final = frozenset(
    {
        "--with",
        "-w",
        "--from",
        "--group",
        "--extra",
        "--package",
        "-p",
        "--python",
        "--env-file",
        "--directory",
        "--project",
        "-C",
        "--only-group",
        "-f",
        "--file",
        "-e",
    }
)
#: Words after which a tool's name is an argument, not a command.
_NOT_RUN: Final = frozenset(
    {
        "install",
        "add",
        "remove",
        "uninstall",
        "upgrade",
        "echo",
        "printf",
        "which",
        "command",
        "pip",
        "sync",
        "lock",
        "download",
        "show",
        "cat",
        "grep",
        "deps",
        "requires",
        "dependencies",
    }
)
_RUFF_COMMANDS: Final = frozenset(
    {
        "format",
        "rule",
        "config",
        "linter",
        "clean",
        "version",
        "help",
        "server",
        "analyze",
    }
)
_INFO: Final = frozenset({"--version", "-V", "--help", "-h"})
#: Runners whose work is defined elsewhere, and where (relative to the root).
_DELEGATES: Final[dict[str, tuple[str, ...]]] = {
    "make": ("Makefile", "makefile", "GNUmakefile"),
    "just": ("justfile", "Justfile", ".justfile"),
    "tox": ("tox.ini",),
    "nox": ("noxfile.py",),
    "invoke": ("tasks.py",),
    "inv": ("tasks.py",),
    "task": ("Taskfile.yml", "Taskfile.yaml"),
    "poe": ("pyproject.toml",),
    "hatch": ("pyproject.toml",),
}
_SHELLS: Final = frozenset({"bash", "sh", "zsh"})
_TOOLS: Final = frozenset(
    {"ruff", "mypy", "dmypy", "pytest", "py.test", "coverage", "pre-commit", "prek"}
    | set(_DELEGATES)
    | _SHELLS
)


@dataclass(slots=True)
class Gates:
    """What was seen to run."""

    ruff_check: bool = False
    ruff_format: bool = False
    mypy: bool = False
    mypy_strict: bool = False
    pytest: bool = False
    floor: float | None = None
    precommit: bool = False
    #: Hand-overs that could not be followed (``make ci`` without a Makefile).
    opaque: list[str] = field(default_factory=list)
    #: Hand-overs that were followed.
    followed: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        """True when any gate, pre-commit or a hand-over was seen."""
        return (
            self.ruff_check
            or self.ruff_format
            or self.mypy
            or self.pytest
            or self.precommit
            or bool(self.opaque or self.followed)
        )

    def raise_floor(self, value: float | None) -> None:
        """Record a coverage floor (the highest seen wins).

        Args:
            value: A floor, or None.
        """
        if value is not None and (self.floor is None or value > self.floor):
            self.floor = value


def commands(script: str) -> Iterator[str]:
    """Split a shell script into simple commands (loosely).

    Args:
        script: A ``run:`` block or a file's text.

    Yields:
        The commands.
    """
    joined = _CONTINUATION.sub(" ", script)
    for part in _SEPARATORS.split(joined):
        text = part.strip()
        if text and not text.startswith("#"):
            yield text


def tokens(command: str) -> list[str]:
    """The words of a command with quotes, brackets and commas dropped.

    Args:
        command: One simple command.

    Returns:
        Its words.
    """
    return _NOISE.sub(" ", command).split()


def _tool_name(token: str) -> str:
    base = token.rpartition("/")[2]
    return _VERSION.sub("", base).lower()


def find_tool(words: list[str]) -> tuple[str, list[str]] | None:
    """The tool a command runs, looking through runners such as ``uv run``.

    Args:
        words: The command's words.

    Returns:
        The tool's name and its arguments, or None when no known tool runs.
    """
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word.startswith("-"):
            skip = word in _TAKES_VALUE
            continue
        lowered = word.lower()
        if lowered in _NOT_RUN or "install" in lowered:
            return None
        name = _tool_name(word)
        if name in _TOOLS:
            return name, words[index + 1 :]
        if word.startswith("./") or word.endswith((".sh", ".bash")):
            return "script", [word, *words[index + 1 :]]
    return None


def _subcommand(args: list[str]) -> str | None:
    return next((arg for arg in args if not arg.startswith("-")), None)


def _floor(args: list[str]) -> float | None:
    found: float | None = None
    for index, arg in enumerate(args):
        value: str | None = None
        for option in ("--cov-fail-under", "--fail-under"):
            if arg.startswith(f"{option}="):
                value = arg.partition("=")[2]
            elif arg == option and index + 1 < len(args):
                value = args[index + 1]
        if value is not None:
            try:
                found = float(value)
            except ValueError:
                continue
    return found


def _ruff(args: list[str], gates: Gates) -> None:
    if _INFO.intersection(args):
        return
    sub = _subcommand(args)
    if sub == "format":
        gates.ruff_format = gates.ruff_format or bool({"--check", "--diff"} & set(args))
    elif sub == "check" or sub not in _RUFF_COMMANDS:
        gates.ruff_check = True


def _hatch(args: list[str], gates: Gates) -> bool:
    """``hatch test`` and ``hatch fmt``; True when handled."""
    sub = _subcommand(args)
    if sub == "test":
        gates.pytest = True
        gates.raise_floor(_floor(args))
        return True
    if sub == "fmt":
        gates.ruff_check = True
        gates.ruff_format = gates.ruff_format or "--check" in args
        return True
    return False


def classify(command: str, gates: Gates) -> str | None:
    """Record the gates one command runs.

    Args:
        command: A simple command.
        gates: Where to record them.

    Returns:
        The name of a runner or script the command hands over to, else None.
    """
    found = find_tool(tokens(command))
    if found is None:
        return None
    tool, args = found
    match tool:
        case "ruff":
            _ruff(args, gates)
        case "mypy" | "dmypy":
            gates.mypy = True
            gates.mypy_strict = gates.mypy_strict or "--strict" in args
        case "pytest" | "py.test":
            gates.pytest = True
            gates.raise_floor(_floor(args))
        case "coverage":
            gates.pytest = gates.pytest or "pytest" in args
            gates.raise_floor(_floor(args))
        case "pre-commit" | "prek":
            gates.precommit = gates.precommit or "run" in args
        case "hatch" if _hatch(args, gates):
            return None
        case "script":
            return args[0]
        case shell if shell in _SHELLS:
            target = next((a for a in args if not a.startswith("-")), None)
            return target if target is not None and "-c" not in args else None
        case _:
            return tool
    return None


def _all_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _all_strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _all_strings(item)


def _tox_commands(text: str) -> list[str]:
    """The ``commands`` of every section of a ``tox.ini`` (not its ``deps``)."""
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    return [
        parser.get(section, key)
        for section in parser.sections()
        for key in ("commands_pre", "commands", "commands_post")
        if parser.has_option(section, key)
    ]


def delegate_texts(root: Path, handover: str) -> list[str]:
    """The scripts a hand-over runs, as far as they can be found on disk.

    Args:
        root: The repository.
        handover: A runner name (``make``, ``tox``, ...) or a script path.

    Returns:
        Texts to scan for commands; empty when nothing was found.
    """
    data = load_toml(root / "pyproject.toml")
    match handover:
        case "tox":
            tox = _tox_commands(read_text(root / "tox.ini") or "")
            return tox + list(_all_strings(get(data, "tool", "tox")))
        case "poe":
            return list(_all_strings(get(data, "tool", "poe")))
        case "hatch":
            found = list(_all_strings(get(data, "tool", "hatch", "envs")))
            hatch = load_toml(root / "hatch.toml")
            return found + list(_all_strings(get(hatch, "envs")))
        case _ if handover in _DELEGATES:
            names = _DELEGATES[handover]
        case _:
            names = (handover.removeprefix("./"),)
    texts: list[str] = []
    for name in names:
        candidate = (root / name).resolve()
        if candidate.is_relative_to(root.resolve()):
            text = read_text(candidate)
            if text:
                texts.append(text)
    return texts


def scan(
    scripts: Iterable[str], root: Path | None, gates: Gates | None = None
) -> Gates:
    """Record the gates a set of scripts runs, following hand-overs one level.

    Args:
        scripts: Shell scripts (``run:`` blocks, hook entries).
        root: The repository on disk, to follow hand-overs into; None when unknown.
        gates: Gates to add to; a new record when omitted.

    Returns:
        The gates.
    """
    gates = gates or Gates()
    handovers: list[str] = []
    for script in scripts:
        for command in commands(script):
            handover = classify(command, gates)
            if handover is not None and handover not in handovers:
                handovers.append(handover)
    for handover in handovers:
        texts = delegate_texts(root, handover) if root is not None else []
        if not texts:
            gates.opaque.append(handover)
            continue
        gates.followed.append(handover)
        for text in texts:
            for command in commands(text):
                classify(command, gates)
    return gates


# -- pre-commit --------------------------------------------------------------------
def hooks(data: object) -> list[dict[str, object]]:
    """The hooks of a pre-commit configuration.

    Args:
        data: The configuration as plain values (:func:`yamlnodes.plain`).

    Returns:
        Every hook mapping of every repository.
    """
    found: list[dict[str, object]] = []
    repos = get(data, "repos")
    for repo in repos if isinstance(repos, list) else []:
        items = get(repo, "hooks")
        found.extend(
            h for h in (items if isinstance(items, list) else []) if isinstance(h, dict)
        )
    return found


def hook_scripts(hook: dict[str, object]) -> list[str]:
    """The commands a hook stands for: from its id, and its entry with its args.

    Args:
        hook: One hook mapping.

    Returns:
        Commands for :func:`scan`.
    """
    hook_id = str(hook.get("id", ""))
    args = hook.get("args")
    extra = " ".join(str(a) for a in args) if isinstance(args, list) else ""
    scripts: list[str] = []
    if hook_id in {"ruff", "ruff-check"}:
        scripts.append(f"ruff check {extra}")
    elif hook_id == "ruff-format":
        scripts.append("ruff format --check")
    elif "mypy" in hook_id:
        scripts.append(f"mypy {extra}")
    entry = hook.get("entry")
    if isinstance(entry, str):
        scripts.append(f"{entry} {extra}")
    return scripts


def precommit_gates(root: Path | None) -> Gates | None:
    """The gates the repository's pre-commit configuration runs.

    Args:
        root: The repository on disk.

    Returns:
        The gates, or None when the configuration cannot be read.
    """
    if root is None:
        return None
    for name in (".pre-commit-config.yaml", ".pre-commit-config.yml"):
        text = read_text(root / name)
        if text is None:
            continue
        try:
            data = yamlnodes.plain(yamlnodes.compose(text))
        except (yaml.YAMLError, RecursionError):
            return None
        return scan([s for hook in hooks(data) for s in hook_scripts(hook)], None)
    return None


# -- configuration seen from CI --------------------------------------------------
def config_strict(root: Path | None) -> bool | None:
    """Whether the repository configures mypy as strict.

    Args:
        root: The repository on disk.

    Returns:
        True or False when a configuration was read, None when nothing is on disk.
    """
    if root is None:
        return None
    data = load_toml(root / "pyproject.toml")
    if get(data, "tool", "mypy", "strict") is True:
        return True
    for name in ("mypy.ini", ".mypy.ini", "setup.cfg"):
        text = read_text(root / name)
        if text is not None and "[mypy]" in text and _STRICT_TEXT.search(text):
            return True
    return False


def config_floor(root: Path | None) -> float | None:
    """The coverage floor the repository's configuration sets.

    Args:
        root: The repository on disk.

    Returns:
        The highest floor found, or None.
    """
    if root is None:
        return None
    gates = Gates()
    data = load_toml(root / "pyproject.toml")
    if data is not None:
        gates.raise_floor(config_coverage_floor(data))
    for name in ("pytest.ini", "setup.cfg", "tox.ini", ".coveragerc"):
        text = read_text(root / name)
        for match in _FLOOR_TEXT.finditer(text or ""):
            gates.raise_floor(float(match.group(1)))
    return gates.floor
