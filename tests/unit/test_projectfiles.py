"""Project-file rules: examples as tests, positions, parse errors, layout."""

from __future__ import annotations

from pathlib import Path, PurePath
from typing import Final

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyprotocol import protocol
from pyprotocol.config import Config
from pyprotocol.model import Finding, Severity, Span
from pyprotocol.projectfiles import (
    FILE_RULES,
    FileKind,
    FileRule,
    check_file,
    check_layout,
    check_project,
    dockerfile,
    gates,
    kind_of,
    specifiers,
)
from pyprotocol.projectfiles.base import FileExample
from pyprotocol.projectfiles.tomlindex import TomlIndex

CONFIG: Final = Config()

BAD: Final = [
    pytest.param(rule, name, text, id=f"{rule.code}-bad-{i}")
    for rule in FILE_RULES
    for i, (name, text) in enumerate(rule.examples.bad)
]
GOOD: Final = [
    pytest.param(rule, name, text, id=f"{rule.code}-good-{i}")
    for rule in FILE_RULES
    for i, (name, text) in enumerate(rule.examples.good)
]
BAD_TREES: Final = [
    pytest.param(rule, tree, id=f"{rule.code}-bad-tree-{i}")
    for rule in FILE_RULES
    for i, tree in enumerate(rule.examples.bad_trees)
]
GOOD_TREES: Final = [
    pytest.param(rule, tree, id=f"{rule.code}-good-tree-{i}")
    for rule in FILE_RULES
    for i, tree in enumerate(rule.examples.good_trees)
]

GOOD_PYPROJECT: Final = """\
[build-system]
requires = ["hatchling>=1.26,<2"]
build-backend = "hatchling.build"

[project]
name = "shop"
version = "0.1.0"
requires-python = ">=3.12"
dependencies = ["httpx>=0.27,<1"]

[tool.ruff.lint]
select = ["E", "F", "B", "I", "UP", "S", "C90"]

[tool.mypy]
strict = true

[tool.pytest.ini_options]
addopts = "--cov=src --cov-fail-under=80 --strict-markers"
"""


def _findings(name: str, text: str, config: Config = CONFIG) -> list[Finding]:
    found = check_file(text, PurePath(name), config)
    assert found is not None, f"{name} is not recognised as a project file"
    return found


def _codes(name: str, text: str, config: Config = CONFIG) -> list[str]:
    return [f.code for f in _findings(name, text, config)]


def _write_tree(root: Path, tree: tuple[FileExample, ...]) -> None:
    for relative, text in tree:
        path = root / relative
        if relative.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _layout_codes(root: Path, config: Config = CONFIG) -> list[str]:
    return [finding.code for _, finding in check_layout(root, config)]


# -- the rules' declarations --------------------------------------------------------
def test_rules_are_well_declared() -> None:
    codes = [rule.code for rule in FILE_RULES]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    names = [rule.name for rule in FILE_RULES]
    assert len(names) == len(set(names))
    for rule in FILE_RULES:
        assert 801 <= int(rule.code.removeprefix("PP")) <= 849, rule.code
        assert rule.sections, rule.code
        for key in rule.sections:
            assert key in protocol.SECTIONS, (rule.code, key)
        assert rule.files, rule.code
        assert rule.summary.endswith("."), rule.code
        assert rule.why, rule.code
        assert rule.fix_title is None, rule.code
        if rule.heuristic:
            assert rule.severity is not Severity.ERROR, rule.code


def test_every_rule_has_examples() -> None:
    for rule in FILE_RULES:
        examples = rule.examples
        assert examples.bad or examples.bad_trees, rule.code
        assert examples.good or examples.good_trees, rule.code
        if FileKind.LAYOUT in rule.files:
            assert examples.bad_trees, rule.code
        if set(rule.files) - {FileKind.LAYOUT}:
            assert examples.bad, rule.code


def test_examples_name_files_of_the_rules_kinds() -> None:
    for rule in FILE_RULES:
        for name, _ in (*rule.examples.bad, *rule.examples.good):
            assert kind_of(PurePath(name)) in rule.files, (rule.code, name)


@pytest.mark.parametrize(("rule", "name", "text"), BAD)
def test_bad_example_is_flagged(rule: type[FileRule], name: str, text: str) -> None:
    assert rule.code in _codes(name, text)


@pytest.mark.parametrize(("rule", "name", "text"), GOOD)
def test_good_example_is_not_flagged(
    rule: type[FileRule], name: str, text: str
) -> None:
    assert rule.code not in _codes(name, text)


@pytest.mark.parametrize(("rule", "tree"), BAD_TREES)
def test_bad_tree_is_flagged(
    rule: type[FileRule], tree: tuple[FileExample, ...], tmp_path: Path
) -> None:
    _write_tree(tmp_path, tree)
    assert rule.code in _layout_codes(tmp_path)


@pytest.mark.parametrize(("rule", "tree"), GOOD_TREES)
def test_good_tree_is_not_flagged(
    rule: type[FileRule], tree: tuple[FileExample, ...], tmp_path: Path
) -> None:
    _write_tree(tmp_path, tree)
    assert rule.code not in _layout_codes(tmp_path)


# -- file recognition ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("pyproject.toml", FileKind.PYPROJECT),
        ("sub/pyproject.toml", FileKind.PYPROJECT),
        (".pre-commit-config.yaml", FileKind.PRECOMMIT),
        (".pre-commit-config.yml", FileKind.PRECOMMIT),
        ("Dockerfile", FileKind.DOCKERFILE),
        ("docker/Dockerfile.prod", FileKind.DOCKERFILE),
        ("api.dockerfile", FileKind.DOCKERFILE),
        ("Containerfile", FileKind.DOCKERFILE),
        (".github/workflows/ci.yml", FileKind.WORKFLOW),
        ("repo/.github/workflows/ci.yaml", FileKind.WORKFLOW),
        ("setup.cfg", FileKind.LEGACY_CONFIG),
        (".flake8", FileKind.LEGACY_CONFIG),
        ("mypy.ini", FileKind.LEGACY_CONFIG),
        ("pytest.ini", FileKind.LEGACY_CONFIG),
        ("tox.ini", FileKind.LEGACY_CONFIG),
        (".gitignore", FileKind.GITIGNORE),
        ("dockerfile.py", None),
        ("Dockerfile.dockerignore", None),
        ("Dockerfile.j2", None),
        (".github/ci.yml", None),
        ("config.yaml", None),
        ("main.py", None),
    ],
)
def test_kind_of(name: str, kind: FileKind | None) -> None:
    assert kind_of(PurePath(name)) is kind


def test_other_files_give_none() -> None:
    assert check_file("x = 1\n", PurePath("main.py"), CONFIG) is None
    assert check_file("a: 1\n", PurePath("config.yaml"), CONFIG) is None


# -- parse errors -------------------------------------------------------------------
def test_invalid_toml_is_one_finding_at_the_error() -> None:
    found = _findings("pyproject.toml", '[project]\nname = "x"\nversion = \n')
    assert [f.code for f in found] == ["PP801"]
    assert found[0].severity is Severity.ERROR
    assert found[0].span.line == 3
    assert "invalid TOML" in found[0].message
    assert "(at line" not in found[0].message


@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("pyproject.toml", '[build-system]\n[project\nname = "x"\n', 2),
        ("pyproject.toml", 'name = "unterminated', 1),
        (".github/workflows/ci.yml", "jobs:\n\tbuild: 1\n", 2),
    ],
    ids=["unclosed-header", "end-of-document", "yaml-tab"],
)
def test_parse_error_line(name: str, text: str, line: int) -> None:
    (finding,) = _findings(name, text)
    assert finding.code == "PP801"
    assert finding.span.line == line


def test_invalid_yaml_message() -> None:
    text = "repos:\n  - repo: local\n    hooks: [\n"
    (finding,) = _findings(".pre-commit-config.yaml", text)
    assert finding.code == "PP801"
    assert finding.message.startswith("invalid YAML: ")
    assert finding.span.line >= 3


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n---\nb: 2\n",
        "x: \x07\n",
        "[" * 5000 + "]" * 5000,
        "a: &a [*a, *a]\n",
        "on: push\njobs:\n  x: &x\n    steps: [*x, *x, *x]\n",
    ],
    ids=["two-documents", "control-char", "deep", "self-alias", "alias-loop"],
)
def test_hostile_yaml_never_raises(text: str) -> None:
    found = _findings(".github/workflows/ci.yml", text)
    assert all(isinstance(f, Finding) for f in found)


def test_yaml_alias_bomb_is_bounded() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        previous = "a" if level == 1 else f"l{level - 1}"
        refs = ", ".join([f"*{previous}"] * 10)
        lines.append(f"l{level}: &l{level} [{refs}]")
    text = "\n".join(lines) + "\n"
    found = _findings(".pre-commit-config.yaml", text)
    assert [f.code for f in found] == ["PP813"]


def test_dockerfile_without_from_is_a_warning() -> None:
    (finding,) = _findings("Dockerfile", "RUN echo hi\n")
    assert finding.code == "PP801"
    assert finding.severity is Severity.WARNING


FUZZ_NAMES: Final = (
    "pyproject.toml",
    ".pre-commit-config.yaml",
    ".github/workflows/ci.yml",
    "Dockerfile",
    "setup.cfg",
    ".gitignore",
)


@settings(max_examples=150, deadline=None)
@given(
    name=st.sampled_from(FUZZ_NAMES),
    text=st.text(
        alphabet=st.sampled_from(list("[]{}\"'=:#-\n\t\\ ab.,*&!<>@$`")), max_size=120
    ),
)
def test_check_file_never_raises(name: str, text: str) -> None:
    found = check_file(text, PurePath(name), CONFIG)
    assert found is not None
    for finding in found:
        assert finding.span.line >= 1
        assert finding.span.col >= 0
        assert (finding.span.end_line, finding.span.end_col) >= (
            finding.span.line,
            finding.span.col,
        )


# -- positions ----------------------------------------------------------------------
def _only(found: list[Finding], code: str) -> Finding:
    matching = [f for f in found if f.code == code]
    assert len(matching) == 1, found
    return matching[0]


def test_mypy_table_is_not_confused_with_overrides() -> None:
    text = (
        GOOD_PYPROJECT.replace("strict = true", 'python_version = "3.12"')
        + '\n[[tool.mypy.overrides]]\nmodule = ["a"]\nstrict = true\n'
    )
    finding = _only(_findings("pyproject.toml", text), "PP806")
    line = text.splitlines()[finding.span.line - 1]
    assert line == "[tool.mypy]"
    assert finding.span == Span(finding.span.line, 0, finding.span.line, 11)


def test_dotted_key_position() -> None:
    text = GOOD_PYPROJECT.replace("[tool.mypy]\nstrict = true\n", "") + (
        "\n[tool]\nmypy.strict = false\n"
    )
    finding = _only(_findings("pyproject.toml", text), "PP806")
    assert text.splitlines()[finding.span.line - 1] == "mypy.strict = false"
    assert (finding.span.col, finding.span.end_col) == (0, len("mypy.strict"))


def test_dependency_position_in_a_multiline_array() -> None:
    text = GOOD_PYPROJECT.replace(
        'dependencies = ["httpx>=0.27,<1"]',
        'dependencies = [\n    "httpx>=0.27,<1",\n    "rich>=13",  # no cap\n]',
    )
    finding = _only(_findings("pyproject.toml", text), "PP805")
    line = text.splitlines()[finding.span.line - 1]
    assert line[finding.span.col : finding.span.end_col] == '"rich>=13"'
    assert "`<14`" in finding.message


def test_requires_python_points_at_its_key() -> None:
    text = GOOD_PYPROJECT.replace('">=3.12"', '">=3.9"')
    finding = _only(_findings("pyproject.toml", text), "PP804")
    assert text.splitlines()[finding.span.line - 1].startswith("requires-python")
    assert "3.9" in finding.message


def test_missing_table_points_at_line_one() -> None:
    text = "# project\n[tool.ruff]\nline-length = 88\n"
    finding = _only(_findings("pyproject.toml", text), "PP802")
    assert finding.span == Span(1, 0, 1, len("# project"))


def test_ruff_select_position_and_message() -> None:
    text = GOOD_PYPROJECT.replace('"S", "C90"', '"N"')
    finding = _only(_findings("pyproject.toml", text), "PP807")
    assert text.splitlines()[finding.span.line - 1].startswith("select = ")
    assert "S, C90" in finding.message


def test_precommit_finding_is_at_repos() -> None:
    text = "# hooks\nrepos:\n  - repo: local\n    hooks: []\n"
    finding = _only(_findings(".pre-commit-config.yaml", text), "PP813")
    assert finding.span == Span(2, 0, 2, 5)


def test_docker_positions() -> None:
    text = (
        "FROM python:latest AS build\nRUN pip wheel .\n\n"
        "FROM python:3.12-slim\nRUN echo a \\\n  # note\n  \n  && echo b\nUSER root\n"
    )
    found = _findings("Dockerfile", text)
    unpinned = _only(found, "PP815")
    assert unpinned.span == Span(1, 5, 1, 18)
    root = _only(found, "PP817")
    assert root.span == Span(9, 0, 9, 9)


def test_finding_carries_href_and_source() -> None:
    finding = _only(_findings("Dockerfile", "FROM python\nUSER app\n"), "PP815")
    assert finding.source == "pyprotocol"
    assert finding.href == protocol.href("pr:container-security")


# -- selection, severity, suppression -----------------------------------------------
def test_ignore_by_code_name_and_section() -> None:
    text = "FROM python:latest\n"
    assert "PP815" in _codes("Dockerfile", text)
    for selector in ("PP815", "docker-unpinned-base", "pr:container-security"):
        config = Config(ignore=(selector,))
        assert "PP815" not in _codes("Dockerfile", text, config), selector


def test_select_by_section_covers_subsections() -> None:
    config = Config(select=("pr:9-container--deployment",))
    codes = set(_codes("Dockerfile", "FROM python:latest\n", config))
    assert codes == {"PP815", "PP817", "PP818"}


def test_per_file_ignores() -> None:
    config = Config(per_file_ignores=(("docker/*", ("PP8",)),))
    assert _codes("docker/Dockerfile", "FROM python\n", config) == []
    assert _codes("Dockerfile", "FROM python\n", config) != []


def test_severity_override() -> None:
    config = Config(severity={"PP818": Severity.ERROR})
    finding = _only(_findings("Dockerfile", "FROM python:3.12-slim\n", config), "PP818")
    assert finding.severity is Severity.ERROR


def test_noqa_comment_suppresses() -> None:
    text = GOOD_PYPROJECT.replace(
        'dependencies = ["httpx>=0.27,<1"]',
        'dependencies = [\n    "rich",  # noqa: PP805\n    "attrs",\n]',
    )
    found = [f for f in _findings("pyproject.toml", text) if f.code == "PP805"]
    assert len(found) == 1
    assert "attrs" in found[0].message


def test_file_wide_noqa() -> None:
    text = "# pyprotocol: noqa: PP818\nFROM python:3.12-slim\nUSER app\n"
    assert _codes("Dockerfile", text) == []


def test_good_pyproject_is_clean() -> None:
    assert _findings("pyproject.toml", GOOD_PYPROJECT) == []


# -- gates --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("uv run --frozen ruff check .", "ruff_check"),
        ("uvx ruff@0.7.0 format --check src", "ruff_format"),
        ("python -m mypy --strict src", "mypy_strict"),
        ("uv run --with pytest-cov pytest --cov-fail-under 85", "pytest"),
        ("poetry run pre-commit run --all-files", "precommit"),
    ],
)
def test_commands_are_classified(command: str, expected: str) -> None:
    seen = gates.scan([command], None)
    assert getattr(seen, expected) is True


@pytest.mark.parametrize(
    "command",
    [
        "pip install ruff mypy pytest",
        "uv add --dev mypy",
        "echo run mypy later",
        "ruff --version",
        "ruff format .",
        "uv tool install ruff",
    ],
)
def test_commands_that_do_not_run_gates(command: str) -> None:
    seen = gates.scan([command], None)
    ran = (seen.ruff_check, seen.ruff_format, seen.mypy, seen.pytest)
    assert ran == (False, False, False, False)


def _workflow(run: str, on: str = "[push]") -> str:
    steps = "".join(f"      - run: {line}\n" for line in run.splitlines())
    return f"on: {on}\njobs:\n  ci:\n    runs-on: ubuntu-latest\n    steps:\n{steps}"


def test_workflows_are_read_together(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(GOOD_PYPROJECT, encoding="utf-8")
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    lint = folder / "lint.yml"
    lint.write_text(
        _workflow("uv run ruff check .\nuv run ruff format --check .\nuv run mypy src"),
        encoding="utf-8",
    )
    tests = folder / "tests.yml"
    tests.write_text(_workflow("uv run pytest"), encoding="utf-8")
    for path in (lint, tests):
        found = check_file(path.read_text(encoding="utf-8"), path, CONFIG)
        assert found == [], (path.name, found)


def test_workflow_follows_a_makefile(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(GOOD_PYPROJECT, encoding="utf-8")
    (tmp_path / "Makefile").write_text(
        "check:\n\truff check .\n\truff format --check .\n\tmypy src\n"
        "install:\n\tpip install pytest\n",
        encoding="utf-8",
    )
    path = tmp_path / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True)
    path.write_text(_workflow("make check"), encoding="utf-8")
    (finding,) = check_file(path.read_text(encoding="utf-8"), path, CONFIG) or []
    assert finding.code == "PP814"
    assert "`pytest`" in finding.message
    assert "ruff" not in finding.message
    assert finding.severity is Severity.WARNING


def test_unfollowable_handover_is_only_informational() -> None:
    (finding,) = _findings(".github/workflows/ci.yml", _workflow("tox -e lint"))
    assert finding.code == "PP814"
    assert finding.severity is Severity.INFO
    assert "`tox`" in finding.message


def test_workflow_in_a_non_python_repository_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True)
    text = _workflow("make test")
    assert check_file(text, path, CONFIG) == []


# -- layout -------------------------------------------------------------------------
CLEAN_TREE: Final[tuple[FileExample, ...]] = (
    ("pyproject.toml", GOOD_PYPROJECT),
    ("uv.lock", "version = 1\n"),
    (".gitignore", ".venv/\n__pycache__/\n"),
    ("src/shop/__init__.py", ""),
    ("tests/unit/test_a.py", ""),
    ("tests/integration/test_b.py", ""),
    ("tests/e2e/test_c.py", ""),
    ("docs/index.md", ""),
)


def test_clean_tree_has_no_layout_findings(tmp_path: Path) -> None:
    _write_tree(tmp_path, CLEAN_TREE)
    assert check_layout(tmp_path, CONFIG) == []
    assert check_project(tmp_path, CONFIG) == []


def test_messy_tree(tmp_path: Path) -> None:
    _write_tree(
        tmp_path,
        (
            ("pyproject.toml", '# top\n[project]\nname = "shop"\n'),
            (".gitignore", "dist/\n"),
            ("shop/__init__.py", ""),
            ("tests/test_shop.py", ""),
            ("setup.cfg", "[metadata]\nname = shop\n\n[mypy]\nstrict = True\n"),
            ("pytest.ini", "[pytest]\n"),
        ),
    )
    located = check_layout(tmp_path, CONFIG)
    by_code = {finding.code: (path, finding) for path, finding in located}
    assert set(by_code) == {"PP812", "PP819", "PP820", "PP821", "PP822"}
    pyproject = tmp_path / "pyproject.toml"
    for code in ("PP819", "PP821", "PP822"):
        path, finding = by_code[code]
        assert path == pyproject
        assert finding.span == Span(1, 0, 1, len("# top"))
    assert by_code["PP820"][0] == tmp_path / ".gitignore"
    assert by_code["PP822"][1].severity is Severity.INFO
    legacy = [(p.name, f.span.line) for p, f in located if f.code == "PP812"]
    assert sorted(legacy) == [("pytest.ini", 1), ("setup.cfg", 1), ("setup.cfg", 4)]


def test_check_project_has_no_duplicates(tmp_path: Path) -> None:
    _write_tree(
        tmp_path,
        (
            *CLEAN_TREE[:2],
            (".gitignore", "dist/\n"),
            ("mypy.ini", "[mypy]\nstrict = True\n"),
            ("docker/Dockerfile", "FROM python:latest\n"),
        ),
    )
    located = check_project(tmp_path, CONFIG)
    keys = [(path, finding.code, finding.span) for path, finding in located]
    assert len(keys) == len(set(keys))
    files = {path.relative_to(tmp_path).as_posix() for path, _ in located}
    assert files == {".gitignore", "mypy.ini", "docker/Dockerfile"}


def test_layout_without_pyproject_only_reports_files(tmp_path: Path) -> None:
    _write_tree(tmp_path, (("tox.ini", "[tox]\n"), ("pkg/__init__.py", "")))
    assert _layout_codes(tmp_path) == ["PP812"]


def test_lockfile_in_a_workspace_root_counts(tmp_path: Path) -> None:
    _write_tree(
        tmp_path,
        (
            ("uv.lock", "version = 1\n"),
            ("pyproject.toml", "[tool.uv.workspace]\nmembers = ['member']\n"),
            ("member/pyproject.toml", '[project]\nname = "m"\n'),
        ),
    )
    (tmp_path / ".git").mkdir()
    assert "PP819" not in _layout_codes(tmp_path / "member")


def test_gitignore_in_a_subfolder_is_not_the_projects(tmp_path: Path) -> None:
    _write_tree(
        tmp_path, (("pyproject.toml", GOOD_PYPROJECT), ("docs/.gitignore", "_build/\n"))
    )
    config = Config(root=tmp_path)
    path = tmp_path / "docs" / ".gitignore"
    assert check_file("_build/\n", path, config) == []


def test_layout_rules_honour_ignore(tmp_path: Path) -> None:
    _write_tree(tmp_path, (("pyproject.toml", '[project]\nname = "x"\n'),))
    assert "PP819" in _layout_codes(tmp_path)
    assert "PP819" not in _layout_codes(tmp_path, Config(ignore=("uv-lock-missing",)))


# -- building blocks ------------------------------------------------------------------
def test_toml_index_skips_strings_and_inline_tables() -> None:
    text = (
        '[tool.x]\nnote = """\n[not.a.table]\n"""\n'
        '[tool]\nruff.lint = { select = ["E"], mccabe = { max-complexity = 12 } }\n'
    )
    index = TomlIndex(text)
    assert ("not", "a", "table") not in index.tables
    span = index.key_span(("tool", "ruff", "lint", "mccabe", "max-complexity"))
    assert span is not None
    assert span.line == 6
    assert text.splitlines()[5][span.col : span.end_col] == "max-complexity"


def test_dockerfile_parser_handles_continuations_heredocs_and_escape() -> None:
    text = (
        "# escape=`\nARG TAG=3.12-slim\nFROM python:${TAG} AS base\n"
        "RUN echo a `\n  # dropped\n  && echo b\n"
        "RUN <<EOF\nFROM not-a-stage\nEOF\nFROM base\nUSER app\n"
    )
    parsed = dockerfile.parse(text)
    assert [s.name for s in parsed.stages] == ["base", None]
    first = parsed.stages[0]
    assert first.image is not None
    assert first.image.tag == "3.12-slim"
    assert first.instructions[0].args == "echo a   && echo b"
    assert (first.instructions[0].line, first.instructions[0].end_line) == (4, 6)
    assert parsed.stages[1].parent == 0


@pytest.mark.parametrize(
    ("spec", "oldest"),
    [
        (">=3.8", (3, 8)),
        (">3.11", (3, 11)),
        ("<4", (2, 7)),
        ("", (2, 7)),
        (">=3.12", None),
        ("~=3.12", None),
        ("==3.12.*", None),
        (">=3.11,!=3.11.*", None),
        ("~=3.11", (3, 11)),
    ],
)
def test_oldest_python_admitted(spec: str, oldest: tuple[int, int] | None) -> None:
    clauses = specifiers.parse_specifier(spec)
    assert clauses is not None
    assert specifiers.oldest_admitted(clauses) == oldest


@pytest.mark.parametrize(
    ("requirement", "bounded"),
    [
        ("a>=1,<2", True),
        ("a==1.2.3", True),
        ("a~=1.2", True),
        ("a[x] (>=1, <2) ; python_version < '3.13'", True),
        ("a>=1", False),
        ("a<2", False),
        ("a", False),
        ("a!=1.5", False),
    ],
)
def test_requirement_bounds(requirement: str, bounded: bool) -> None:
    parsed = specifiers.parse_requirement(requirement)
    assert parsed is not None
    both = specifiers.has_lower(parsed.clauses) and specifiers.has_upper(parsed.clauses)
    assert both is bounded


def test_workspace_member_inherits_tool_tables(tmp_path: Path) -> None:
    _write_tree(
        tmp_path,
        (
            ("pyproject.toml", GOOD_PYPROJECT),
            ("packages/api/pyproject.toml", '[project]\nname = "api"\n'),
        ),
    )
    (tmp_path / ".git").mkdir()
    member = tmp_path / "packages" / "api" / "pyproject.toml"
    codes = [
        f.code
        for f in check_file(member.read_text(encoding="utf-8"), member, CONFIG) or []
    ]
    assert not {"PP806", "PP807", "PP810"} & set(codes)
    alone = _codes("pyproject.toml", '[project]\nname = "api"\n')
    assert {"PP806", "PP807", "PP810"} <= set(alone)


def test_parent_gitignore_covers_the_venv(tmp_path: Path) -> None:
    _write_tree(
        tmp_path,
        (
            (".gitignore", ".venv/\n"),
            ("app/pyproject.toml", GOOD_PYPROJECT),
            ("app/.gitignore", "dist/\n"),
        ),
    )
    (tmp_path / ".git").mkdir()
    assert "PP820" not in _layout_codes(tmp_path / "app")


def test_native_sources_silence_the_backend_guess(tmp_path: Path) -> None:
    text = '[build-system]\nrequires = ["setuptools"]\n'
    _write_tree(tmp_path, (("pyproject.toml", text),))
    path = tmp_path / "pyproject.toml"
    finding = _only(check_file(text, path, CONFIG) or [], "PP803")
    assert "a guess" in finding.message
    assert "in the repository" in finding.message
    _write_tree(tmp_path, (("src/fast/_speedups.c", "int x;\n"),))
    assert "PP803" not in [f.code for f in check_file(text, path, CONFIG) or []]
