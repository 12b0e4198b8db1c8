"""Rules for ``pyproject.toml``: metadata, build backend, dependencies, tools."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.projectfiles.base import (
    Document,
    FileExamples,
    FileKind,
    FileRule,
    Hit,
)
from pyprotocol.projectfiles.common import (
    addopts,
    config_coverage_floor,
    get,
    inherited,
    native_source,
    strings,
    table,
    where,
)
from pyprotocol.projectfiles.specifiers import (
    Clause,
    has_lower,
    has_upper,
    next_major,
    oldest_admitted,
    parse_requirement,
    parse_specifier,
)
from pyprotocol.projectfiles.tomlindex import KeyPath

_PYPROJECT: Final = (FileKind.PYPROJECT,)
_HATCHLING: Final = "hatchling.build"
#: Build backends and build requirements that mean compiled extensions.
_NATIVE_BACKENDS: Final = (
    "maturin",
    "scikit_build_core",
    "mesonpy",
    "py_build_cmake",
    "enscons",
    "pymsbuild",
)
_NATIVE_REQUIRES: Final = (
    "cython",
    "pybind11",
    "nanobind",
    "scikit-build",
    "meson-python",
    "maturin",
    "setuptools-rust",
    "cffi",
    "numpy",
    "mypyc",
)
PROTOCOL_RUFF: Final = ("E", "F", "B", "I", "UP", "S", "C90")
RUFF_DEFAULT_SELECT: Final = ("E4", "E7", "E9", "F")
LINE_LENGTH: Final = 88
MAX_COMPLEXITY: Final = 10
COVERAGE_FLOOR: Final = 80.0

_GOOD_PYPROJECT: Final = """\
[build-system]
requires = ["hatchling>=1.26,<2"]
build-backend = "hatchling.build"

[project]
name = "shop"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["httpx>=0.27,<1", "attrs==24.2.0", "rich~=13.7"]

[dependency-groups]
dev = ["pytest>=8.3,<9", "pytest-cov>=5,<7", {include-group = "lint"}]
lint = ["ruff>=0.7,<1"]

[tool.ruff]
line-length = 88

[tool.ruff.lint]
select = ["E", "F", "B", "I", "UP", "S", "C90", "N", "D"]

[tool.ruff.lint.mccabe]
max-complexity = 10

[tool.mypy]
python_version = "3.12"
strict = true

[[tool.mypy.overrides]]
module = ["legacy.*"]
strict = false

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "--cov=src --cov-fail-under=80 --strict-markers"
"""


class MissingTables(FileRule):
    """Flags a ``pyproject.toml`` without ``[build-system]`` or ``[project]``."""

    code = "PP802"
    name = "pyproject-missing-table"
    summary = "Declare `[build-system]` and `[project]` in `pyproject.toml`."
    why = (
        "`[build-system]` (PEP 517/518) tells every installer how to build the "
        "package and `[project]` (PEP 621) holds its metadata in the one standard "
        "place tools read. Without them, metadata ends up in `setup.py` or "
        "`setup.cfg`, or the project cannot be built at all."
    )
    sections = ("pr:pyprojecttoml-pep-621", "cgp:2-code-style-formatting--linting")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", "[tool.ruff]\nline-length = 88\n"),
            ("pyproject.toml", '[project]\nname = "x"\nversion = "1"\n'),
            ("pyproject.toml", ""),
        ),
        good=(("pyproject.toml", _GOOD_PYPROJECT),),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag the missing tables (one finding on line 1)."""
        missing = [
            name
            for name in ("build-system", "project")
            if table(doc.toml, name) is None
        ]
        if missing:
            shown = " or ".join(f"`[{name}]`" for name in missing)
            yield Hit(
                where(doc, *((name,) for name in missing)),
                f"pyproject.toml has no {shown} table: declare the "
                "build backend (`[build-system]`) and the PEP 621 metadata "
                "(`[project]`)",
            )


class BuildBackend(FileRule):
    """Flags a pure-Python project built with another backend than hatchling."""

    code = "PP803"
    name = "build-backend-not-hatchling"
    summary = "Build pure-Python packages with hatchling."
    why = (
        "The protocol standardises on hatchling for pure-Python packages and keeps "
        "setuptools for projects with C/C++ extensions. The rule guesses that a "
        "project is pure Python when neither its build requirements (Cython, "
        "pybind11, maturin, scikit-build, meson-python, ...) nor its files (C, C++, "
        "Cython or Rust sources, a `setup.py` with `ext_modules`) show compiled "
        "code; the message says that it guessed."
    )
    sections = ("pr:build--distribution", "pr:pyprojecttoml-pep-621")
    severity = Severity.INFO
    heuristic = True
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            (
                "pyproject.toml",
                '[build-system]\nrequires = ["setuptools>=61"]\n'
                'build-backend = "setuptools.build_meta"\n',
            ),
            ("pyproject.toml", '[build-system]\nrequires = ["setuptools"]\n'),
            (
                "pyproject.toml",
                '[build-system]\nrequires = ["poetry-core"]\n'
                'build-backend = "poetry.core.masonry.api"\n',
            ),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            (
                "pyproject.toml",
                '[build-system]\nrequires = ["setuptools>=61", "Cython>=3"]\n'
                'build-backend = "setuptools.build_meta"\n',
            ),
            (
                "pyproject.toml",
                '[build-system]\nrequires = ["maturin>=1,<2"]\n'
                'build-backend = "maturin"\n',
            ),
            ("pyproject.toml", '[project]\nname = "x"\n'),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag a non-hatchling backend unless compiled code shows."""
        build = table(doc.toml, "build-system")
        if build is None:
            return
        backend = build.get("build-backend")
        backend_text = backend if isinstance(backend, str) else None
        if backend_text == _HATCHLING or self._native(doc, build, backend_text):
            return
        found = native_source(doc.root) if doc.root is not None else None
        if found is not None:
            return
        looked = (
            "no C/C++/Cython/Rust sources were found in the repository"
            if doc.root is not None
            else "the build requirements show no compiled extensions"
        )
        shown = f"`{backend_text}`" if backend_text else "the setuptools default"
        yield Hit(
            where(doc, ("build-system", "build-backend"), ("build-system",)),
            f"build backend is {shown}; {looked}, so this looks like a pure-Python "
            'project (a guess): use `build-backend = "hatchling.build"`',
        )

    @staticmethod
    def _native(doc: Document, build: dict[str, object], backend: str | None) -> bool:
        if backend is not None and backend.startswith(_NATIVE_BACKENDS):
            return True
        for requirement in strings(build.get("requires")):
            parsed = parse_requirement(requirement)
            if parsed is not None and parsed.name.lower() in _NATIVE_REQUIRES:
                return True
        return (
            get(doc.toml, "tool", "setuptools", "ext-modules") is not None
            or table(doc.toml, "tool", "cibuildwheel") is not None
        )


class RequiresPython(FileRule):
    """Flags a ``requires-python`` that admits Python older than 3.12."""

    code = "PP804"
    name = "requires-python-below-312"
    summary = "Set `requires-python` to `>=3.12` (or newer)."
    why = (
        "The protocol targets Python 3.12 and newer: PEP 695 generics, `type` "
        "aliases, `except*`, `TaskGroup`. A `requires-python` that admits an older "
        "interpreter lets installers put the package where its syntax does not "
        "even parse; leaving it out admits every version."
    )
    sections = ("pr:pyprojecttoml-pep-621", "pr:python-version")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", '[project]\nname = "x"\nrequires-python = ">=3.8"\n'),
            ("pyproject.toml", '[project]\nname = "x"\nrequires-python = ">3.11"\n'),
            ("pyproject.toml", '[project]\nname = "x"\nrequires-python = "<4"\n'),
            ("pyproject.toml", '[project]\nname = "x"\n'),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            ("pyproject.toml", '[project]\nrequires-python = ">=3.13,<4"\n'),
            ("pyproject.toml", '[project]\nrequires-python = "~=3.12"\n'),
            ("pyproject.toml", '[project]\nrequires-python = "==3.12.*"\n'),
            ("pyproject.toml", "[tool.ruff]\nline-length = 88\n"),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag a missing or too permissive ``requires-python``."""
        project = table(doc.toml, "project")
        if project is None:
            return
        value = project.get("requires-python")
        if value is None:
            yield Hit(
                where(doc, ("project",)),
                "`[project]` has no `requires-python`: add "
                '`requires-python = ">=3.12"`',
            )
            return
        clauses = parse_specifier(value) if isinstance(value, str) else None
        if clauses is None:
            return
        oldest = oldest_admitted(clauses)
        if oldest is not None:
            shown = ".".join(str(part) for part in oldest)
            yield Hit(
                where(doc, ("project", "requires-python")),
                f"`requires-python = {value!r}` admits Python {shown}: the protocol "
                'needs 3.12 or newer (`">=3.12"`)',
            )


class UnboundedDependency(FileRule):
    """Flags dependencies without a lower and an upper version bound."""

    code = "PP805"
    name = "dependency-without-bounds"
    summary = "Give every dependency bounds: `>=X.Y,<NEXT_MAJOR` (or an exact pin)."
    why = (
        "A dependency without an upper bound takes the next major release, with its "
        "breaking changes, on the next install; one without a lower bound may "
        "resolve to a version that lacks what the code uses. The protocol asks for "
        "`>=X.Y,<NEXT_MAJOR`; an exact `==` pin and a compatible-release `~=` bound "
        "both ends too. Checked: `[project] dependencies`, "
        "`[project.optional-dependencies]` and `[dependency-groups]`; URL "
        "requirements (`name @ https://...`) are left alone."
    )
    sections = ("pr:dependency-management-uv", "pr:pyprojecttoml-pep-621")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", '[project]\ndependencies = ["requests"]\n'),
            ("pyproject.toml", '[project]\ndependencies = ["requests>=2.31"]\n'),
            (
                "pyproject.toml",
                '[project.optional-dependencies]\ndev = ["pytest<9"]\n',
            ),
            ("pyproject.toml", '[dependency-groups]\ndev = ["mypy>=1.8.0"]\n'),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            (
                "pyproject.toml",
                '[project]\ndependencies = ["requests>=2.31.0,<3.0.0",\n'
                '  "lib @ https://example.com/lib-1.0.tar.gz",\n'
                "  \"tomli>=2,<3; python_version < '3.11'\"]\n",
            ),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag each unbounded requirement at its string."""
        for path, requirement in _requirements(doc.toml):
            parsed = parse_requirement(requirement)
            if parsed is None or parsed.url:
                continue
            problem = _bound_problem(parsed.clauses)
            if problem is None:
                continue
            index = doc.toml_index
            span = (index.string_span(path, requirement) if index else None) or where(
                doc, path
            )
            yield Hit(span, f"dependency `{requirement}` {problem}")


def _requirements(data: dict[str, object]) -> Iterator[tuple[KeyPath, str]]:
    """Every requirement string with the key path of the list holding it."""
    for item in strings(get(data, "project", "dependencies")):
        yield ("project", "dependencies"), item
    for group_table in (("project", "optional-dependencies"), ("dependency-groups",)):
        groups = table(data, *group_table)
        for name, items in (groups or {}).items():
            for item in strings(items):
                yield (*group_table, name), item


def _bound_problem(clauses: tuple[Clause, ...]) -> str | None:
    if not clauses:
        return "has no version bounds: use `>=X.Y,<NEXT_MAJOR`"
    lower, upper = has_lower(clauses), has_upper(clauses)
    if lower and upper:
        return None
    if lower:
        major = next_major(clauses)
        hint = f"`<{major}`" if major is not None else "`<NEXT_MAJOR`"
        return f"has no upper bound: add {hint}"
    return "has no lower bound: add `>=X.Y`"


class MypyStrict(FileRule):
    """Flags ``[tool.mypy]`` without ``strict = true`` (or no mypy table at all)."""

    code = "PP806"
    name = "mypy-not-strict"
    summary = "Configure mypy in `[tool.mypy]` with `strict = true`."
    why = (
        "The protocol requires every module to pass `mypy --strict`. Putting "
        "`strict = true` in `[tool.mypy]` makes every run strict, in the editor, in "
        "pre-commit and in CI, instead of depending on each command line "
        "remembering the flag. Per-module `[[tool.mypy.overrides]]` may relax it "
        "for legacy code. A table defined in a parent project's `pyproject.toml` "
        "(a workspace root) counts."
    )
    sections = ("pr:type-checking-configuration", "cgp:3-typing--static-analysis")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", '[tool.mypy]\npython_version = "3.12"\n'),
            ("pyproject.toml", "[tool.mypy]\nstrict = false\n"),
            ("pyproject.toml", '[project]\nname = "x"\n'),
            ("pyproject.toml", "[[tool.mypy.overrides]]\nstrict = true\n"),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            ("pyproject.toml", "tool.mypy.strict = true\n"),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag a missing table or a missing or false ``strict``."""
        mypy = table(doc.toml, "tool", "mypy")
        if mypy is None or set(mypy) <= {"overrides"}:
            if not inherited(doc, "tool", "mypy"):
                yield Hit(
                    where(doc, ("tool", "mypy")),
                    "no `[tool.mypy]` configuration: add one with `strict = true`",
                )
            return
        strict = mypy.get("strict")
        if strict is True:
            return
        message = (
            "`[tool.mypy]` sets `strict = false`: the protocol needs `strict = true`"
            if strict is not None
            else "`[tool.mypy]` without `strict = true`"
        )
        yield Hit(where(doc, ("tool", "mypy", "strict"), ("tool", "mypy")), message)


def _ruff(doc: Document, *path: str) -> object:
    """A ruff setting from ``[tool.ruff.lint]``, falling back to ``[tool.ruff]``."""
    value = get(doc.toml, "tool", "ruff", "lint", *path)
    return value if value is not None else get(doc.toml, "tool", "ruff", *path)


def _ruff_where(doc: Document, *path: str) -> KeyPath:
    lint: KeyPath = ("tool", "ruff", "lint", *path)
    if get(doc.toml, *lint) is not None:
        return lint
    return ("tool", "ruff", *path)


def _covers(selectors: list[str], code: str) -> bool:
    return any(sel == "ALL" or code.startswith(sel) for sel in selectors)


class RuffRuleSet(FileRule):
    """Flags a ruff configuration that does not select the protocol's rule set."""

    code = "PP807"
    name = "ruff-rule-set"
    summary = "Select at least ruff's `E`, `F`, `B`, `I`, `UP`, `S` and `C90` rules."
    why = (
        "These families are the protocol's minimum: pycodestyle errors, Pyflakes, "
        "bugbear, import sorting, pyupgrade, Bandit security checks and McCabe "
        "complexity. Ruff's default selection (`E4`, `E7`, `E9`, `F`) covers only a "
        "fraction. A family counts when `select` or `extend-select` names it, a "
        "shorter prefix of it, or `ALL`, and `ignore` does not drop it whole. A "
        "`[tool.ruff]` table in a parent project's `pyproject.toml` counts."
    )
    sections = ("pr:linting-with-ruff", "cgp:2-code-style-formatting--linting")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", '[tool.ruff.lint]\nselect = ["E", "F"]\n'),
            ("pyproject.toml", "[tool.ruff]\nline-length = 88\n"),
            (
                "pyproject.toml",
                '[tool.ruff.lint]\nselect = ["ALL"]\nignore = ["S"]\n',
            ),
            ("pyproject.toml", '[project]\nname = "x"\n'),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            ("pyproject.toml", '[tool.ruff.lint]\nselect = ["ALL"]\nignore = ["D"]\n'),
            (
                "pyproject.toml",
                '[tool.ruff]\nselect = ["E", "F"]\n'
                'extend-select = ["B", "I", "UP", "S", "C"]\n',
            ),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag the families the selection misses."""
        if table(doc.toml, "tool", "ruff") is None:
            if not inherited(doc, "tool", "ruff"):
                yield Hit(
                    doc.top_span(),
                    "no `[tool.ruff]` configuration: select "
                    f"{', '.join(PROTOCOL_RUFF)} in `[tool.ruff.lint]`",
                )
            return
        select = _ruff(doc, "select")
        selected = strings(select) if select is not None else list(RUFF_DEFAULT_SELECT)
        selected += strings(_ruff(doc, "extend-select"))
        ignored = strings(_ruff(doc, "ignore")) + strings(_ruff(doc, "extend-ignore"))
        missing = [
            code
            for code in PROTOCOL_RUFF
            if not _covers(selected, code) or _covers(ignored, code)
        ]
        if missing:
            yield Hit(
                where(
                    doc,
                    _ruff_where(doc, "select"),
                    ("tool", "ruff", "lint"),
                    ("tool", "ruff"),
                ),
                f"ruff's rule selection lacks {', '.join(missing)} (the protocol "
                f"asks for {', '.join(PROTOCOL_RUFF)})",
            )


class RuffLineLength(FileRule):
    """Flags a ruff ``line-length`` other than 88."""

    code = "PP808"
    name = "ruff-line-length"
    summary = "Keep ruff's line length at 88 (the default)."
    why = (
        "The protocol fixes the line length at 88 characters, the formatter's "
        "default, so formatting and the E501 check agree across projects. Leaving "
        "`line-length` unset is fine."
    )
    sections = ("pr:formatting", "pr:linting-with-ruff")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(("pyproject.toml", "[tool.ruff]\nline-length = 120\n"),),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            ("pyproject.toml", '[tool.ruff]\ntarget-version = "py312"\n'),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag a set line length other than 88."""
        value = get(doc.toml, "tool", "ruff", "line-length")
        if isinstance(value, int) and value != LINE_LENGTH:
            yield Hit(
                where(doc, ("tool", "ruff", "line-length")),
                f"ruff `line-length = {value}`: the protocol sets 88",
            )


class RuffComplexity(FileRule):
    """Flags a McCabe ``max-complexity`` above 10."""

    code = "PP809"
    name = "ruff-max-complexity"
    summary = "Keep ruff's McCabe `max-complexity` at 10 or below."
    why = (
        "The protocol caps cyclomatic complexity at 10 per function. Ruff's default "
        "threshold is 10, so leaving it unset is fine; a higher value lets the "
        "functions the protocol wants refactored through."
    )
    sections = ("pr:complexity-management", "pr:linting-with-ruff")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", "[tool.ruff.lint.mccabe]\nmax-complexity = 15\n"),
            ("pyproject.toml", "[tool.ruff.mccabe]\nmax-complexity = 12\n"),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            ("pyproject.toml", "[tool.ruff.lint.mccabe]\nmax-complexity = 8\n"),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag a threshold above 10."""
        path = _ruff_where(doc, "mccabe", "max-complexity")
        value = get(doc.toml, *path)
        if isinstance(value, int) and value > MAX_COMPLEXITY:
            yield Hit(
                where(doc, path),
                f"ruff `max-complexity = {value}`: the protocol caps it at 10",
            )


def _pytest_table(doc: Document) -> tuple[KeyPath, dict[str, object]] | None:
    for path in (("tool", "pytest", "ini_options"), ("tool", "pytest")):
        found = table(doc.toml, *path)
        if found is not None and (path[-1] == "ini_options" or "addopts" in found):
            return path, found
    return None


class PytestCoverageFloor(FileRule):
    """Flags pytest configuration without a coverage floor of at least 80."""

    code = "PP810"
    name = "pytest-coverage-floor"
    summary = "Fail the test run under 80% coverage (`--cov-fail-under=80`)."
    why = (
        "The protocol requires at least 80% line coverage; a floor in the test "
        "configuration makes every run enforce it instead of a number someone must "
        "remember to look at. `--cov-fail-under` in pytest's `addopts` (pytest-cov) "
        "or `fail_under` in `[tool.coverage.report]` both count."
    )
    sections = ("pr:test-configuration", "pr:quality-metrics")
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            (
                "pyproject.toml",
                '[tool.pytest.ini_options]\naddopts = "--strict-markers"\n',
            ),
            (
                "pyproject.toml",
                "[tool.pytest.ini_options]\n"
                'addopts = ["--cov=src", "--cov-fail-under=70"]\n',
            ),
            ("pyproject.toml", '[project]\nname = "x"\n'),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            (
                "pyproject.toml",
                '[tool.pytest.ini_options]\naddopts = "--strict-markers --cov"\n'
                "[tool.coverage.report]\nfail_under = 85\n",
            ),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag a missing or low coverage floor."""
        found = _pytest_table(doc)
        floor = config_coverage_floor(doc.toml)
        if floor is not None and floor >= COVERAGE_FLOOR:
            return
        if found is None:
            if not inherited(doc, "tool", "pytest"):
                yield Hit(
                    doc.top_span(),
                    "no `[tool.pytest.ini_options]`: configure pytest there with "
                    '`addopts = "--cov=src --cov-fail-under=80 --strict-markers"`',
                )
            return
        path, _ = found
        span = where(doc, (*path, "addopts"), path)
        if floor is None:
            yield Hit(
                span,
                "pytest runs without a coverage floor: add `--cov-fail-under=80` to "
                "`addopts` (pytest-cov)",
            )
        else:
            yield Hit(
                span, f"coverage floor is {floor:g}%: the protocol requires at least 80"
            )


class PytestStrictMarkers(FileRule):
    """Flags pytest configuration without ``--strict-markers``."""

    code = "PP811"
    name = "pytest-strict-markers"
    summary = "Run pytest with `--strict-markers`."
    why = (
        "Without `--strict-markers`, a misspelt marker (`@pytest.mark.slwo`) is "
        "silently a new marker, and the tests it should select or skip run "
        "unnoticed. `--strict-markers` (or `--strict`) in `addopts`, or pytest 9's "
        "`strict_markers = true` / `strict = true`, count."
    )
    sections = ("pr:test-configuration",)
    files = _PYPROJECT
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("pyproject.toml", '[tool.pytest.ini_options]\naddopts = "-ra"\n'),
            ("pyproject.toml", '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'),
        ),
        good=(
            ("pyproject.toml", _GOOD_PYPROJECT),
            ("pyproject.toml", "[tool.pytest.ini_options]\nstrict_markers = true\n"),
            ("pyproject.toml", '[tool.pytest]\naddopts = ["--strict"]\n'),
            ("pyproject.toml", '[project]\nname = "x"\n'),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag pytest configuration that does not make markers strict."""
        found = _pytest_table(doc)
        if found is None:
            return
        path, options = found
        args = addopts(options)
        strict = any(arg in {"--strict-markers", "--strict"} for arg in args) or any(
            options.get(key) in {True, "true"} for key in ("strict_markers", "strict")
        )
        if not strict:
            yield Hit(
                where(doc, (*path, "addopts"), path),
                "pytest runs without `--strict-markers`: add it to `addopts`",
            )


PYPROJECT_RULES: Final[tuple[type[FileRule], ...]] = (
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
)
