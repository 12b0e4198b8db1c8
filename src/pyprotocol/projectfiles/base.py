"""The project-file rule API: what a rule declares and what it is given to check.

Project-file rules do not look at Python code. A :class:`FileRule` checks one parsed
project file (``pyproject.toml``, a pre-commit configuration, a CI workflow, a
Dockerfile, a legacy tool configuration, ``.gitignore``) through :meth:`FileRule.check`,
or the repository as a whole through :meth:`FileRule.check_tree`. Like own rules, each
declares its code, name, protocol sections and examples that are run as its tests.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from pyprotocol.model import Severity, Span
from pyprotocol.positions import LineIndex

if TYPE_CHECKING:
    import yaml

    from pyprotocol.config import Config
    from pyprotocol.projectfiles.dockerfile import Dockerfile
    from pyprotocol.projectfiles.tomlindex import TomlIndex


class FileKind(enum.StrEnum):
    """The kinds of project file the rules know."""

    PYPROJECT = "pyproject.toml"
    PRECOMMIT = "pre-commit configuration"
    WORKFLOW = "GitHub Actions workflow"
    DOCKERFILE = "Dockerfile"
    LEGACY_CONFIG = "legacy tool configuration"
    GITIGNORE = ".gitignore"
    LAYOUT = "repository layout"


#: One example file: its path relative to the repository root, and its text. A path
#: ending in ``/`` stands for an empty folder (its text is ignored).
type FileExample = tuple[str, str]


@dataclass(frozen=True, slots=True)
class FileExamples:
    """Examples that document a project-file rule and are run as its tests.

    ``bad`` files must be flagged when checked alone, ``good`` ones must not.
    ``bad_trees`` / ``good_trees`` are whole repositories (sets of files) for the
    repository-level checks.
    """

    bad: tuple[FileExample, ...] = ()
    good: tuple[FileExample, ...] = ()
    bad_trees: tuple[tuple[FileExample, ...], ...] = ()
    good_trees: tuple[tuple[FileExample, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule reports: where, what, and optionally a lower severity.

    ``severity`` lets a rule soften one finding (e.g. when it could not see
    everything); a user's severity override still wins.
    """

    span: Span
    message: str
    severity: Severity | None = None


@dataclass(slots=True)
class Document:
    """One project file, parsed as its kind asks, with what rules may look at.

    ``root`` is the project folder on disk when the file is a real file under an
    absolute path; rules that look around (sibling workflows, the build's sources)
    use it and stay silent about what they cannot see when it is None.
    """

    text: str
    path: PurePath
    kind: FileKind
    config: Config
    lines: LineIndex
    root: Path | None = None
    toml: dict[str, object] = field(default_factory=dict)
    toml_index: TomlIndex | None = None
    yaml_root: yaml.Node | None = None
    docker: Dockerfile | None = None

    def top_span(self) -> Span:
        """The span of the whole first line (where file-level findings go).

        Returns:
            Line 1 from column 0 to its end.
        """
        return first_line_span(self.text)

    def span(self, start: int, end: int) -> Span:
        """The span between two offsets into the text.

        Args:
            start: The start offset.
            end: The end offset (exclusive).

        Returns:
            The span.
        """
        line, col = self.lines.position(start)
        end_line, end_col = self.lines.position(max(end, start))
        return Span(line, col, end_line, end_col)

    def line_span(self, line: int) -> Span:
        """The span of one line without its leading indentation.

        Args:
            line: The 1-based line number.

        Returns:
            The span of the line's text.
        """
        text = self.lines.line(line)
        start = len(text) - len(text.lstrip())
        return Span(line, start, line, len(text.rstrip()))


@dataclass(frozen=True, slots=True)
class Tree:
    """A repository on disk, for the repository-level rules.

    ``root`` holds ``pyproject.toml`` (``pyproject`` is None when it does not).
    """

    root: Path
    config: Config
    pyproject: Path | None
    project: dict[str, object] = field(default_factory=dict)

    def attach(self) -> Path:
        """The file repository-level findings are attached to.

        Returns:
            ``pyproject.toml`` at the root (it may not exist).
        """
        return self.pyproject or self.root / "pyproject.toml"


def first_line_span(text: str) -> Span:
    """The span of the first line of a text.

    Args:
        text: The text.

    Returns:
        Line 1, column 0 to the end of the line.
    """
    first = LineIndex(text).line(1) if text else ""
    return Span(1, 0, 1, len(first))


class FileRule:
    """Base class of every project-file rule. Subclasses set the class variables."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    why: ClassVar[str]
    sections: ClassVar[tuple[str, ...]]
    severity: ClassVar[Severity] = Severity.WARNING
    #: Heuristic rules guess; they say so in their message.
    heuristic: ClassVar[bool] = False
    #: Project-file rules offer no automatic fix (yet).
    fix_title: ClassVar[str | None] = None
    #: The kinds of file the rule checks (LAYOUT: the repository as a whole).
    files: ClassVar[tuple[FileKind, ...]]
    examples: ClassVar[FileExamples] = FileExamples()

    def check(self, doc: Document) -> Iterator[Hit]:
        """Check one project file of a kind listed in :attr:`files`.

        Args:
            doc: The parsed file.

        Yields:
            The problems found.
        """
        yield from ()

    def check_tree(self, tree: Tree) -> Iterator[tuple[Path, Hit]]:
        """Check the repository as a whole (rules whose ``files`` has LAYOUT).

        Args:
            tree: The repository.

        Yields:
            The file each problem is attached to, and the problem.
        """
        yield from ()
