"""Repository-level rules: lockfile, ``.gitignore``, src layout, tests, tool configs."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import ClassVar, Final

from pyprotocol.model import Severity, Span
from pyprotocol.positions import LineIndex
from pyprotocol.projectfiles.base import (
    Document,
    FileExamples,
    FileKind,
    FileRule,
    Hit,
    Tree,
    first_line_span,
)
from pyprotocol.projectfiles.common import MAX_ENTRIES, SKIP_DIRS, ancestors, read_text

_SECTION: Final = re.compile(r"^\s*\[([^\]\r\n]+)\]")
#: Files that exist only to configure tools, and the tool when the name says it.
LEGACY_FILES: Final[dict[str, str | None]] = {
    "setup.cfg": None,
    "tox.ini": None,
    ".flake8": "flake8",
    "mypy.ini": "mypy",
    "pytest.ini": "pytest",
    "ruff.toml": "ruff",
    ".ruff.toml": "ruff",
    ".coveragerc": "coverage",
    ".isort.cfg": "isort",
}
_TARGETS: Final = {
    "mypy": "`[tool.mypy]`",
    "pytest": "`[tool.pytest.ini_options]`",
    "flake8": "`[tool.ruff.lint]` (ruff replaces flake8)",
    "pycodestyle": "`[tool.ruff.lint]` (ruff replaces pycodestyle)",
    "pep8": "`[tool.ruff.lint]` (ruff replaces pycodestyle)",
    "pydocstyle": "`[tool.ruff.lint.pydocstyle]`",
    "isort": "`[tool.ruff.lint.isort]`",
    "coverage": "`[tool.coverage.*]`",
    "tox": "`[tool.tox]` (tox 4.21+)",
    "ruff": "`[tool.ruff]`",
    "setuptools metadata": "`[project]`",
    "setuptools": "`[tool.setuptools]` (or nothing, with hatchling)",
}
_NOTES: Final = {
    "pytest.ini": " (while it exists pytest ignores pyproject.toml)",
    "ruff.toml": " (while it exists ruff ignores `[tool.ruff]`)",
    ".ruff.toml": " (while it exists ruff ignores `[tool.ruff]`)",
    "mypy.ini": " (while it exists mypy ignores `[tool.mypy]`)",
}
_SETUPTOOLS_COMMANDS: Final = frozenset(
    {
        "bdist_wheel",
        "sdist",
        "egg_info",
        "aliases",
        "build_ext",
        "build_py",
        "build_sphinx",
        "install",
    }
)
_TOX_SECTIONS: Final = ("tox", "testenv", "gh-actions", "gh")
#: Top-level folders that are not the project's importable package.
_NOT_PACKAGES: Final = frozenset(
    {
        "src",
        "tests",
        "test",
        "testing",
        "docs",
        "doc",
        "examples",
        "example",
        "scripts",
        "script",
        "tools",
        "bench",
        "benches",
        "benchmarks",
        "benchmark",
        "typings",
        "stubs",
        *SKIP_DIRS,
    }
)
TEST_KINDS: Final[dict[str, frozenset[str]]] = {
    "unit": frozenset({"unit", "unit_tests", "unittests"}),
    "integration": frozenset({"integration", "integration_tests", "it"}),
    "e2e": frozenset(
        {"e2e", "end_to_end", "end2end", "functional", "acceptance", "system"}
    ),
}


# -- legacy tool configuration -----------------------------------------------------
def _tool_of(section: str, filename: str) -> str:
    """The tool a section of an INI-style file configures."""
    fixed = LEGACY_FILES.get(filename)
    if fixed is not None:
        return fixed
    name = section.strip().lower().removeprefix("tool:")
    if name == "pytest":
        return "pytest"
    if name in {"metadata", "options"} or name.startswith("options."):
        return "setuptools metadata"
    if name in _SETUPTOOLS_COMMANDS:
        return "setuptools"
    if filename == "tox.ini" and name.startswith(_TOX_SECTIONS):
        return "tox"
    return re.split(r"[:.\s-]", name, maxsplit=1)[0] or name


def legacy_hits(text: str, filename: str) -> Iterator[Hit]:
    """One finding per tool configured in a legacy file, at its first section.

    Args:
        text: The file's text.
        filename: Its name (``setup.cfg``, ``mypy.ini``, ...).

    Yields:
        The findings.
    """
    lines = LineIndex(text)
    first: dict[str, Span] = {}
    if filename.endswith(".toml"):
        first["ruff"] = first_line_span(text)
    else:
        for number, line in enumerate(lines.lines, start=1):
            match = _SECTION.match(line)
            if match is not None:
                tool = _tool_of(match.group(1), filename)
                start = len(line) - len(line.lstrip())
                first.setdefault(tool, Span(number, start, number, len(line.rstrip())))
    fixed = LEGACY_FILES.get(filename)
    if not first and fixed is not None:
        first[fixed] = first_line_span(text)
    for tool, span in first.items():
        target = _TARGETS.get(tool, f"`[tool.{tool}]`")
        yield Hit(
            span,
            f"{tool} configuration in {filename}: move it to {target} in "
            f"pyproject.toml{_NOTES.get(filename, '')}",
        )


class LegacyToolConfig(FileRule):
    """Flags tool configuration kept outside ``pyproject.toml``."""

    code = "PP812"
    name = "legacy-tool-config"
    summary = "Keep tool configuration in `pyproject.toml`, not in setup.cfg & co."
    why = (
        "The protocol makes `pyproject.toml` the single source of truth for "
        "metadata and tool settings. Configuration spread over `setup.cfg`, "
        "`tox.ini`, `.flake8`, `mypy.ini`, `pytest.ini`, `.coveragerc`, "
        "`.isort.cfg` or `ruff.toml` is easy to miss, and several of these files "
        "silently take precedence over `pyproject.toml` (pytest, mypy and ruff stop "
        "reading it). One finding per tool, at its first section."
    )
    sections = ("cgp:2-code-style-formatting--linting", "pr:pyprojecttoml-pep-621")
    files = (FileKind.LEGACY_CONFIG, FileKind.LAYOUT)
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("setup.cfg", "[metadata]\nname = x\n\n[flake8]\nmax-line-length = 88\n"),
            ("mypy.ini", "[mypy]\nstrict = True\n"),
            ("pytest.ini", ""),
            ("tox.ini", "[tox]\nenv_list = py312\n[testenv]\ncommands = pytest\n"),
            (".flake8", "[flake8]\nmax-line-length = 88\n"),
        ),
        good=(("setup.cfg", "# kept for an old tool; nothing configured\n"),),
        bad_trees=(
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                ("mypy.ini", "[mypy]\nstrict = True\n"),
            ),
        ),
        good_trees=((("pyproject.toml", '[project]\nname = "x"\n'),),),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag each tool configured in the file."""
        yield from legacy_hits(doc.text, doc.path.name)

    def check_tree(self, tree: Tree) -> Iterator[tuple[Path, Hit]]:
        """Flag legacy files at the repository root."""
        for name in LEGACY_FILES:
            path = tree.root / name
            text = read_text(path)
            if text is not None:
                for hit in legacy_hits(text, name):
                    yield path, hit


# -- .gitignore ----------------------------------------------------------------------
def _matches(pattern: str, name: str, *, here: bool) -> bool:
    """Whether a gitignore pattern ignores the top-level entry ``name``.

    Args:
        pattern: The pattern (without a leading ``!``).
        name: A file or folder name at the root.
        here: True when the .gitignore is in the root itself (anchored patterns
            then apply).
    """
    anchored = pattern.startswith("/")
    pattern = pattern.removeprefix("/")
    if pattern.startswith("**/"):
        pattern, anchored = pattern[3:], False
    for suffix in ("/**", "/*", "/"):
        if pattern.endswith(suffix):
            pattern = pattern[: -len(suffix)]
            break
    if "/" in pattern:
        return False
    if anchored and not here:
        return False
    return fnmatch.fnmatchcase(name, pattern)


def ignore_line(text: str, name: str, *, here: bool = True) -> int | None:
    """The line of the pattern that leaves ``name`` ignored, if any.

    Args:
        text: A ``.gitignore`` text.
        name: A top-level file or folder name.
        here: True when the file is in the folder that holds ``name``.

    Returns:
        The 1-based line of the last matching pattern when it ignores ``name``;
        None when nothing matches or the last match is a negation.
    """
    found: int | None = None
    for number, raw in enumerate(LineIndex(text).lines, start=1):
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        if _matches(line.removeprefix("!"), name, here=here):
            found = None if negate else number
    return found


def venv_ignored(root: Path | None, own: str | None) -> bool:
    """Whether git ignores ``.venv/`` at the project root.

    Args:
        root: The project root on disk (None: only ``own`` is known).
        own: The text of the root's ``.gitignore`` (None when there is none).

    Returns:
        True when a ``.gitignore`` (the root's or a parent's up to the repository
        root) or ``.git/info/exclude`` ignores it.
    """
    if own is not None and ignore_line(own, ".venv") is not None:
        return True
    if root is None:
        return False
    for folder in (root, *ancestors(root)):
        exclude = read_text(folder / ".git" / "info" / "exclude")
        if exclude is not None and ignore_line(exclude, ".venv", here=False):
            return True
        if folder != root:
            text = read_text(folder / ".gitignore")
            if text is not None and ignore_line(text, ".venv", here=False):
                return True
    return False


class VenvNotIgnored(FileRule):
    """Flags a project whose ``.venv/`` is not ignored by git."""

    code = "PP820"
    name = "venv-not-ignored"
    summary = "Ignore `.venv/` in `.gitignore`."
    why = (
        "A virtual environment is machine-specific and rebuilt from `uv.lock`; "
        "committed, it bloats the repository and breaks on every other machine. "
        "The project root's `.gitignore` (or a parent's up to the repository root, "
        "or `.git/info/exclude`) must ignore `.venv/`. A `.gitignore` in a "
        "subfolder of the project is not checked."
    )
    sections = ("pr:dependency-management-uv",)
    files = (FileKind.GITIGNORE, FileKind.LAYOUT)
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            (".gitignore", "__pycache__/\n*.pyc\n"),
            (".gitignore", ".venv/\n!.venv\n"),
            (".gitignore", "venv/\n"),
        ),
        good=(
            (".gitignore", "__pycache__/\n.venv/\n"),
            (".gitignore", "/.venv\n"),
            (".gitignore", "**/.venv/\n"),
        ),
        bad_trees=(
            (("pyproject.toml", '[project]\nname = "x"\n'),),
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                (".gitignore", "dist/\n"),
            ),
        ),
        good_trees=(
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                (".gitignore", ".venv\n"),
            ),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag the project root's ``.gitignore`` when it misses ``.venv/``."""
        if doc.root is not None and Path(doc.path).parent != doc.root:
            return
        if not venv_ignored(doc.root, doc.text):
            yield Hit(doc.top_span(), _VENV_MESSAGE)

    def check_tree(self, tree: Tree) -> Iterator[tuple[Path, Hit]]:
        """Flag a missing or incomplete ``.gitignore`` at the project root."""
        path = tree.root / ".gitignore"
        text = read_text(path)
        if venv_ignored(tree.root, text):
            return
        if text is not None:
            yield path, Hit(first_line_span(text), _VENV_MESSAGE)
        elif tree.pyproject is not None:
            yield (
                tree.attach(),
                Hit(
                    _top(tree.attach()),
                    "no .gitignore ignores `.venv/`: add a .gitignore with `.venv/`",
                ),
            )


_VENV_MESSAGE: Final = ".gitignore does not ignore `.venv/`: add `.venv/`"


def _top(path: Path) -> Span:
    return first_line_span(read_text(path) or "")


# -- uv.lock -------------------------------------------------------------------------
class MissingLockfile(FileRule):
    """Flags a project without a committed ``uv.lock``."""

    code = "PP819"
    name = "uv-lock-missing"
    summary = "Commit `uv.lock` next to `pyproject.toml`."
    why = (
        "The lockfile pins every direct and transitive dependency, so CI and "
        "production install exactly what was tested (`uv sync --frozen`). Without "
        "it each install resolves anew. A `uv.lock` in a parent folder (a uv "
        "workspace root) counts; a `.gitignore` that ignores `uv.lock` is flagged "
        "too, because the file is then never committed."
    )
    sections = ("pr:dependency-management-uv", "cgp:8-dependency-management")
    files = (FileKind.LAYOUT,)
    examples: ClassVar[FileExamples] = FileExamples(
        bad_trees=(
            (("pyproject.toml", '[project]\nname = "x"\n'),),
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                ("uv.lock", "version = 1\n"),
                (".gitignore", ".venv/\nuv.lock\n"),
            ),
        ),
        good_trees=(
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                ("uv.lock", "version = 1\n"),
            ),
        ),
    )

    def check_tree(self, tree: Tree) -> Iterator[tuple[Path, Hit]]:
        """Flag a missing or ignored lockfile."""
        if tree.pyproject is None:
            return
        folders = (tree.root, *ancestors(tree.root))
        lock = next((f / "uv.lock" for f in folders if (f / "uv.lock").is_file()), None)
        if lock is None:
            yield (
                tree.attach(),
                Hit(
                    _top(tree.attach()),
                    "no uv.lock next to pyproject.toml: run `uv lock` and commit it",
                ),
            )
            return
        gitignore = tree.root / ".gitignore"
        text = read_text(gitignore)
        line = ignore_line(text, "uv.lock") if text is not None else None
        if line is not None and lock.parent == tree.root:
            yield (
                gitignore,
                Hit(
                    Span(line, 0, line, len(LineIndex(text or "").line(line))),
                    ".gitignore ignores uv.lock: the lockfile must be committed",
                ),
            )


# -- src layout ----------------------------------------------------------------------
def _project_module(tree: Tree) -> str | None:
    project = tree.project.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    return re.sub(r"[-.]+", "_", name).lower() if isinstance(name, str) else None


def _has_src_package(src: Path) -> bool:
    try:
        return src.is_dir() and any(
            (entry / "__init__.py").is_file() or entry.suffix == ".py"
            for entry in src.iterdir()
        )
    except OSError:
        return False


class NoSrcLayout(FileRule):
    """Flags a package that sits next to ``pyproject.toml`` instead of under src/."""

    code = "PP821"
    name = "no-src-layout"
    summary = "Put the package under `src/` (src layout)."
    why = (
        "With the package at the top level, tests import the working tree instead "
        "of the installed package, so packaging mistakes (a missing module, a data "
        "file left out) pass the tests and break users. Under `src/` the package "
        "must be installed to be imported. Flagged: top-level folders with an "
        "`__init__.py` (other than tests, docs, examples, scripts and the like) and "
        "a top-level module named after the project. When `src/` already holds a "
        "package, only a top-level package named after the project is flagged "
        "(others are usually test helpers)."
    )
    sections = ("pr:project-layout-src-layout", "pr:test-architecture")
    files = (FileKind.LAYOUT,)
    examples: ClassVar[FileExamples] = FileExamples(
        bad_trees=(
            (
                ("pyproject.toml", '[project]\nname = "shop"\n'),
                ("shop/__init__.py", ""),
            ),
            (("pyproject.toml", '[project]\nname = "shop-api"\n'), ("shop_api.py", "")),
        ),
        good_trees=(
            (
                ("pyproject.toml", '[project]\nname = "shop"\n'),
                ("src/shop/__init__.py", ""),
                ("tests/__init__.py", ""),
                ("docs/conf.py", ""),
            ),
        ),
    )

    def check_tree(self, tree: Tree) -> Iterator[tuple[Path, Hit]]:
        """Flag top-level packages and the project's top-level module."""
        if tree.pyproject is None:
            return
        found: list[str] = []
        try:
            entries = sorted(tree.root.iterdir())
        except OSError:
            return
        module = _project_module(tree)
        # With a src/ package in place, other top-level packages are helpers
        # (test servers, fixtures); only the project's own name still counts.
        only_own = _has_src_package(tree.root / "src")
        for entry in entries:
            name = entry.name
            if name.startswith(".") or tree.config.is_excluded(entry):
                continue
            own = module is not None and name in (module, f"{module}.py")
            if only_own and not own:
                continue
            if entry.is_dir():
                if name not in _NOT_PACKAGES and (entry / "__init__.py").is_file():
                    found.append(f"`{name}/`")
            elif own:
                found.append(f"`{name}`")
        if found:
            yield (
                tree.attach(),
                Hit(
                    _top(tree.attach()),
                    f"{', '.join(found)} sits next to pyproject.toml: move the package "
                    "under `src/` (src layout)",
                ),
            )


# -- tests split by kind -------------------------------------------------------------
def _test_files(tests: Path) -> Iterator[PurePath]:
    seen = 0
    for folder, dirs, files in os.walk(tests):
        dirs[:] = sorted(
            d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")
        )
        seen += len(files) + len(dirs)
        for name in sorted(files):
            is_test = name.startswith("test_") or name.endswith("_test.py")
            if is_test and name.endswith(".py"):
                yield (Path(folder) / name).relative_to(tests)
        if seen > MAX_ENTRIES:
            return


class UnsplitTests(FileRule):
    """Flags tests not split into unit, integration and e2e folders."""

    code = "PP822"
    name = "tests-not-split"
    summary = "Split tests into `tests/unit`, `tests/integration` and `tests/e2e`."
    why = (
        "The protocol's test pyramid (about 50% unit, 30% integration, 20% "
        "end-to-end) is only visible, and each layer only runnable on its own, when "
        "tests are grouped by kind. The rule guesses from the folder names "
        "(`functional`, `acceptance` and `system` count as end-to-end) and reports "
        "test modules outside the three folders and kinds with no folder."
    )
    sections = ("pr:test-architecture",)
    severity = Severity.INFO
    heuristic = True
    files = (FileKind.LAYOUT,)
    examples: ClassVar[FileExamples] = FileExamples(
        bad_trees=(
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                ("tests/test_api.py", ""),
            ),
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                ("tests/unit/test_a.py", ""),
                ("tests/integration/test_b.py", ""),
            ),
        ),
        good_trees=(
            (
                ("pyproject.toml", '[project]\nname = "x"\n'),
                ("tests/conftest.py", ""),
                ("tests/unit/test_a.py", ""),
                ("tests/integration/test_b.py", ""),
                ("tests/e2e/", ""),
            ),
            (("pyproject.toml", '[project]\nname = "x"\n'), ("src/x/__init__.py", "")),
        ),
    )

    def check_tree(self, tree: Tree) -> Iterator[tuple[Path, Hit]]:
        """Flag stray test modules and missing kinds."""
        if tree.pyproject is None:
            return
        tests = next(
            (tree.root / n for n in ("tests", "test") if (tree.root / n).is_dir()), None
        )
        if tests is None:
            return
        kinds = {name for names in TEST_KINDS.values() for name in names}
        stray = [p.as_posix() for p in _test_files(tests) if p.parts[0] not in kinds]
        missing = [
            kind
            for kind, names in TEST_KINDS.items()
            if not any((tests / name).is_dir() for name in names)
        ]
        problems: list[str] = []
        if stray:
            shown = ", ".join(f"`{tests.name}/{s}`" for s in stray[:3])
            more = f" and {len(stray) - 3} more" if len(stray) > 3 else ""
            problems.append(f"test modules outside unit/integration/e2e: {shown}{more}")
        if missing and (stray or len(missing) < len(TEST_KINDS)):
            problems.append(f"no {', '.join(f'`{tests.name}/{m}/`' for m in missing)}")
        if problems:
            yield (
                tree.attach(),
                Hit(
                    _top(tree.attach()),
                    f"tests do not seem split by kind ({'; '.join(problems)}): use "
                    f"`{tests.name}/unit`, `{tests.name}/integration` and "
                    f"`{tests.name}/e2e`",
                ),
            )


LAYOUT_RULES: Final[tuple[type[FileRule], ...]] = (
    LegacyToolConfig,
    MissingLockfile,
    VenvNotIgnored,
    NoSrcLayout,
    UnsplitTests,
)
