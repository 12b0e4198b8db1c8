"""Project-file checks: ``pyproject.toml``, pre-commit, CI, Dockerfiles, the layout.

Three entry points:

* :func:`check_file` checks one project file's text (what an editor has open).
* :func:`check_layout` checks a repository's shape on disk (lockfile, ``.gitignore``,
  src layout, tests, legacy tool configuration files).
* :func:`check_project` does both for a whole repository, without duplicates.

Findings honour ``select``/``ignore``/``per-file-ignores``/``severity`` like the own
rules, and ``# noqa: PPxxx`` comments in the files themselves.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath
from typing import Final

from pyprotocol import protocol
from pyprotocol.config import Config
from pyprotocol.engine import Suppressions, selector_matches
from pyprotocol.model import Finding, Severity
from pyprotocol.positions import split_lines
from pyprotocol.projectfiles.base import (
    Document,
    FileExamples,
    FileKind,
    FileRule,
    Hit,
    Tree,
)
from pyprotocol.projectfiles.ci_rules import CiQualityGates, PrecommitHooks
from pyprotocol.projectfiles.common import SKIP_DIRS, ancestors, load_toml, read_text
from pyprotocol.projectfiles.docker_rules import (
    AlpinePython,
    RootUser,
    SingleStage,
    UnpinnedBaseImage,
)
from pyprotocol.projectfiles.layout_rules import (
    LEGACY_FILES,
    LegacyToolConfig,
    MissingLockfile,
    NoSrcLayout,
    UnsplitTests,
    VenvNotIgnored,
)
from pyprotocol.projectfiles.parsing import (
    PRECOMMIT_NAMES,
    InvalidFile,
    kind_of,
    parse_document,
)
from pyprotocol.projectfiles.pyproject_rules import (
    BuildBackend,
    MissingTables,
    MypyStrict,
    PytestCoverageFloor,
    PytestStrictMarkers,
    RequiresPython,
    RuffComplexity,
    RuffLineLength,
    RuffRuleSet,
    UnboundedDependency,
)

__all__ = [
    "FILE_RULES",
    "FileExamples",
    "FileKind",
    "FileRule",
    "check_file",
    "check_layout",
    "check_project",
    "kind_of",
    "project_files",
]

log = logging.getLogger(__name__)

#: Every project-file rule, in code order.
FILE_RULES: Final[tuple[type[FileRule], ...]] = (
    InvalidFile,
    MissingTables,
    BuildBackend,
    RequiresPython,
    UnboundedDependency,
    MypyStrict,
    RuffRuleSet,
    RuffLineLength,
    RuffComplexity,
    PytestCoverageFloor,
    PytestStrictMarkers,
    LegacyToolConfig,
    PrecommitHooks,
    CiQualityGates,
    UnpinnedBaseImage,
    AlpinePython,
    RootUser,
    SingleStage,
    MissingLockfile,
    VenvNotIgnored,
    NoSrcLayout,
    UnsplitTests,
)
#: How many Dockerfiles :func:`project_files` looks through folders for, at most.
MAX_WALK: Final = 20_000


def rule_enabled(
    rule: type[FileRule], config: Config, path: PurePath | None = None
) -> bool:
    """Tell whether a project-file rule runs under ``config`` for ``path``.

    Args:
        rule: The rule class.
        config: The configuration.
        path: The file the finding would be attached to (for per-file ignores).

    Returns:
        True when selected and not ignored.
    """
    args = (rule.code, rule.name, rule.sections)
    if not any(selector_matches(s, *args) for s in config.select):
        return False
    ignored = config.ignore + (config.ignored_here(path) if path is not None else ())
    return not any(selector_matches(s, *args) for s in ignored)


def _severity(rule: type[FileRule], hit: Hit, config: Config) -> Severity:
    """The user's override when one matches, else the hit's, else the rule's."""
    best: tuple[int, Severity] | None = None
    for selector, severity in config.severity.items():
        if selector_matches(selector, rule.code, rule.name, rule.sections):
            rank = len(selector) if selector != "ALL" else 0
            if best is None or rank >= best[0]:
                best = (rank, severity)
    if best is not None:
        return best[1]
    return hit.severity or rule.severity


def _finding(rule: type[FileRule], hit: Hit, config: Config) -> Finding:
    return Finding(
        code=rule.code,
        message=hit.message,
        span=hit.span,
        severity=_severity(rule, hit, config),
        source="pyprotocol",
        href=protocol.href(rule.sections[0], config.links),
    )


def _run(rule: type[FileRule], doc: Document) -> list[Hit]:
    """Run one rule on one file; a rule that fails reports nothing (and is logged)."""
    try:
        return list(rule().check(doc))
    except Exception:
        log.exception("project-file rule %s failed on %s", rule.code, doc.path)
        return []


def _finish(findings: Iterable[Finding], text: str) -> list[Finding]:
    """Drop suppressed findings and duplicates; sort by position."""
    suppress = Suppressions.scan(split_lines(text))
    seen: set[tuple[str, object]] = set()
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (f.span, f.code, f.message)):
        key = (finding.code, finding.span)
        if key in seen or suppress.suppresses(finding.code, finding.span):
            continue
        seen.add(key)
        kept.append(finding)
    return kept


def check_file(text: str, path: PurePath, config: Config) -> list[Finding] | None:
    """Check one project file.

    Args:
        text: The file's text (possibly unsaved).
        path: Its path; it decides the kind of file. When absolute and on disk,
            some rules look around it (sibling workflows, the repository's sources).
        config: The configuration governing the file.

    Returns:
        The findings, sorted by position; None when ``path`` is not a project file
        these rules check.
    """
    path = PurePath(path)
    kind = kind_of(path)
    if kind is None:
        return None
    parsed = parse_document(text, path, kind, config)
    if isinstance(parsed, Hit):
        if not rule_enabled(InvalidFile, config, path):
            return []
        return _finish([_finding(InvalidFile, parsed, config)], text)
    findings = [
        _finding(rule, hit, config)
        for rule in FILE_RULES
        if kind in rule.files and rule_enabled(rule, config, path)
        for hit in _run(rule, parsed)
    ]
    return _finish(findings, text)


def _tree_hits(rule: type[FileRule], tree: Tree) -> list[tuple[Path, Hit]]:
    try:
        return list(rule().check_tree(tree))
    except Exception:
        log.exception("layout rule %s failed on %s", rule.code, tree.root)
        return []


def check_layout(root: Path, config: Config) -> list[tuple[Path, Finding]]:
    """Check a repository's layout: lockfile, ``.gitignore``, src/, tests/, configs.

    Args:
        root: The project folder (the one holding ``pyproject.toml``).
        config: Its configuration.

    Returns:
        Each finding with the file it is attached to (``pyproject.toml`` at the top,
        or the offending file), sorted by file and position.
    """
    pyproject = root / "pyproject.toml"
    exists = pyproject.is_file()
    tree = Tree(root, config, pyproject if exists else None, load_toml(pyproject) or {})
    by_file: dict[Path, list[Finding]] = {}
    for rule in FILE_RULES:
        if FileKind.LAYOUT not in rule.files:
            continue
        for path, hit in _tree_hits(rule, tree):
            if rule_enabled(rule, config, path):
                by_file.setdefault(path, []).append(_finding(rule, hit, config))
    located: list[tuple[Path, Finding]] = []
    for path in sorted(by_file):
        kept = _finish(by_file[path], read_text(path) or "")
        located.extend((path, finding) for finding in kept)
    return located


def _dockerfiles(root: Path, config: Config) -> Iterator[Path]:
    seen = 0
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIP_DIRS
            and not d.startswith(".")
            and not config.is_excluded(here / d)
        )
        seen += len(dirs) + len(files)
        for name in sorted(files):
            if kind_of(PurePath(name)) is FileKind.DOCKERFILE:
                yield here / name
        if seen > MAX_WALK:
            return


def project_files(root: Path, config: Config) -> list[Path]:
    """The project files :func:`check_file` checks, found under a project root.

    Args:
        root: The project folder.
        config: Its configuration (its ``exclude`` patterns are honoured).

    Returns:
        ``pyproject.toml``, pre-commit configuration, ``.gitignore`` and legacy tool
        files at the root; workflows under ``.github/workflows`` of the root or of a
        parent up to the repository root; Dockerfiles anywhere below the root.
    """
    names = ("pyproject.toml", *PRECOMMIT_NAMES, ".gitignore", *LEGACY_FILES)
    found = [root / name for name in names if (root / name).is_file()]
    for folder in (root, *ancestors(root)):
        workflows = folder / ".github" / "workflows"
        if workflows.is_dir():
            found.extend(
                sorted(
                    p
                    for p in workflows.iterdir()
                    if p.suffix in {".yml", ".yaml"} and p.is_file()
                )
            )
    found.extend(_dockerfiles(root, config))
    return found


def check_project(root: Path, config: Config) -> list[tuple[Path, Finding]]:
    """Check every project file of a repository and its layout, without duplicates.

    Args:
        root: The project folder (absolute paths give the most precise results).
        config: Its configuration.

    Returns:
        Each finding with its file, sorted by file and position.
    """
    located = check_layout(root, config)
    for path in project_files(root, config):
        text = read_text(path)
        if text is None:
            continue
        located.extend((path, f) for f in check_file(text, path, config) or [])
    seen: set[tuple[Path, str, object]] = set()
    unique: list[tuple[Path, Finding]] = []
    for path, finding in sorted(located, key=lambda item: (item[0], item[1].span)):
        key = (path, finding.code, finding.span)
        if key not in seen:
            seen.add(key)
            unique.append((path, finding))
    return unique
