"""Recognising project files, parsing them, and the rule for files that do not parse."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import ClassVar, Final

import yaml

from pyprotocol.config import Config
from pyprotocol.model import Severity
from pyprotocol.positions import LineIndex
from pyprotocol.projectfiles import dockerfile, yamlnodes
from pyprotocol.projectfiles.base import (
    Document,
    FileExamples,
    FileKind,
    FileRule,
    Hit,
)
from pyprotocol.projectfiles.layout_rules import LEGACY_FILES
from pyprotocol.projectfiles.tomlindex import TomlIndex, decode_error

PRECOMMIT_NAMES: Final = (".pre-commit-config.yaml", ".pre-commit-config.yml")
#: ``Dockerfile.<x>`` with these suffixes is something else (docs, templates, code).
_NOT_DOCKERFILE: Final = frozenset(
    {
        ".dockerignore",
        ".py",
        ".pyi",
        ".md",
        ".rst",
        ".txt",
        ".json",
        ".toml",
        ".yml",
        ".yaml",
        ".sh",
        ".j2",
        ".jinja",
        ".jinja2",
        ".tmpl",
        ".template",
        ".in",
        ".bak",
        ".orig",
        ".swp",
    }
)


def kind_of(path: PurePath) -> FileKind | None:
    """The kind of project file a path names.

    Args:
        path: A file path.

    Returns:
        Its kind, or None when it is not a project file the rules check.
    """
    name = path.name
    lowered = name.lower()
    parent = path.parent
    if name == "pyproject.toml":
        return FileKind.PYPROJECT
    if name in PRECOMMIT_NAMES:
        return FileKind.PRECOMMIT
    if path.suffix in {".yml", ".yaml"} and (
        parent.name == "workflows" and parent.parent.name == ".github"
    ):
        return FileKind.WORKFLOW
    if name in LEGACY_FILES:
        return FileKind.LEGACY_CONFIG
    if name == ".gitignore":
        return FileKind.GITIGNORE
    if lowered in {"dockerfile", "containerfile"}:
        return FileKind.DOCKERFILE
    if path.suffix.lower() in _NOT_DOCKERFILE:
        return None
    if name.startswith(("Dockerfile.", "Containerfile.")) or lowered.endswith(
        ".dockerfile"
    ):
        return FileKind.DOCKERFILE
    return None


def disk_root(path: PurePath, kind: FileKind, config: Config) -> Path | None:
    """The folder a rule may look around in, when the file is on disk.

    Relative paths never count (they would resolve against the working folder).

    Args:
        path: The file's path.
        kind: Its kind.
        config: The configuration (its root is the project root).

    Returns:
        The repository root for workflows, the project root for ``.gitignore``,
        the file's folder otherwise; None when not on disk.
    """
    if not path.is_absolute():
        return None
    concrete = Path(path)
    if kind is FileKind.WORKFLOW:
        parents = concrete.parents
        candidate = parents[2] if len(parents) > 2 else None
    elif kind is FileKind.GITIGNORE and config.root is not None:
        candidate = config.root
    else:
        candidate = concrete.parent
    return candidate if candidate is not None and candidate.is_dir() else None


class InvalidFile(FileRule):
    """Flags a project file that cannot be parsed."""

    code = "PP801"
    name = "project-file-invalid"
    summary = (
        "Project files must parse: valid TOML, valid YAML, a Dockerfile with FROM."
    )
    why = (
        "A `pyproject.toml` that is not valid TOML stops every tool that reads it "
        "(installers, uv, ruff, mypy, pytest); a workflow or pre-commit file that "
        "is not valid YAML never runs its checks. The finding points where the "
        "parser gave up; no other rule runs on the file until it parses."
    )
    sections = (
        "pr:6-project-structure--packaging",
        "pr:10-cicd-quality-gates",
        "pr:9-container--deployment",
    )
    severity = Severity.ERROR
    files = (
        FileKind.PYPROJECT,
        FileKind.PRECOMMIT,
        FileKind.WORKFLOW,
        FileKind.DOCKERFILE,
    )
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", '[project\nname = "x"\n'),
            ("pyproject.toml", 'name = "x"\nname = "y"\n'),
            (".pre-commit-config.yaml", "repos:\n  - repo: x\n   hooks: [\n"),
            (".github/workflows/ci.yml", "on: push\njobs: {\n"),
            ("Dockerfile", "# only a comment\n"),
        ),
        good=(
            ("pyproject.toml", '[project]\nname = "x"\n'),
            (".pre-commit-config.yaml", "repos: []\n"),
            ("Dockerfile", "FROM python:3.12-slim\n"),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Parse errors are found while parsing (see :func:`parse_document`)."""
        yield from ()


def parse_document(
    text: str, path: PurePath, kind: FileKind, config: Config
) -> Document | Hit:
    """Parse a project file for the rules.

    Args:
        text: The file's text.
        path: Its path.
        kind: Its kind.
        config: The configuration.

    Returns:
        The document, or the :class:`InvalidFile` finding when it does not parse.
    """
    lines = LineIndex(text)
    doc = Document(text, path, kind, config, lines, disk_root(path, kind, config))
    match kind:
        case FileKind.PYPROJECT:
            try:
                doc.toml = tomllib.loads(text)
            except tomllib.TOMLDecodeError as err:
                message, span = decode_error(err, lines)
                return Hit(span, f"invalid TOML: {message}")
            doc.toml_index = TomlIndex(text)
        case FileKind.PRECOMMIT | FileKind.WORKFLOW:
            try:
                doc.yaml_root = yamlnodes.compose(text)
            except yaml.YAMLError as err:
                message, span = yamlnodes.error_position(err, lines)
                return Hit(span, f"invalid YAML: {message}")
            except RecursionError:
                return Hit(doc.top_span(), "invalid YAML: nested too deeply to read")
        case FileKind.DOCKERFILE:
            doc.docker = dockerfile.parse(text)
            if not doc.docker.stages:
                return Hit(
                    doc.top_span(),
                    "this Dockerfile has no FROM instruction (a fragment?)",
                    Severity.WARNING,
                )
        case _:
            pass
    return doc
