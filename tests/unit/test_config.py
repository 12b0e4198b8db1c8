"""``[tool.pyprotocol]``: discovery, validation and clear messages."""

from __future__ import annotations

from pathlib import Path, PurePath, PurePosixPath

from pyprotocol import config
from pyprotocol.model import Severity


def write(tmp_path: Path, text: str) -> Path:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(text, encoding="utf-8")
    return pyproject


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    found = config.for_path(tmp_path / "nowhere.py")
    assert found.select == ("ALL",)
    assert found.errors == () or found.source is not None


def test_nearest_pyproject_is_used(tmp_path: Path) -> None:
    write(tmp_path, '[tool.pyprotocol]\nignore = ["PP105"]\n')
    sub = tmp_path / "pkg" / "sub"
    sub.mkdir(parents=True)
    found = config.for_path(sub / "m.py")
    assert found.ignore == ("PP105",)
    assert found.root == tmp_path.resolve()


def test_every_key_is_read(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path,
        """
[project]
requires-python = ">=3.13"
[tool.pyprotocol]
select = ["PP1"]
extend-select = ["PP2"]
ignore = ["PP106"]
per-file-ignores = { "scripts/*" = ["PP105"] }
severity = { PP105 = "error" }
extend-exclude = ["generated"]
test-files = ["checks/**"]
link-base = { pr = "https://example.com/pr" }
""",
    )
    found = config.load(pyproject)
    assert found.errors == ()
    assert found.select == ("PP1", "PP2")
    assert found.ignore == ("PP106",)
    assert found.severity == {"PP105": Severity.ERROR}
    assert "generated" in found.exclude
    assert ".venv" in found.exclude
    assert found.target_version == (3, 13)
    assert found.links["pr"] == "https://example.com/pr"
    assert found.is_test_file(tmp_path / "checks" / "a.py")
    assert not found.is_test_file(tmp_path / "tests" / "a.py")
    assert found.ignored_here(tmp_path / "scripts" / "x.py") == ("PP105",)


def test_bad_values_are_named_and_defaults_kept(tmp_path: Path) -> None:
    pyproject = write(
        tmp_path,
        """
[tool.pyprotocol]
select = "PP1"
severity = { PP105 = "loud" }
target-version = "py27"
colour = true
ignore = ["PP106"]
""",
    )
    found = config.load(pyproject)
    text = "\n".join(found.errors)
    assert "`select` must be a list of strings" in text
    assert "loud" in text
    assert "`target-version`" in text
    assert "unknown key `colour`" in text
    assert found.select == ("ALL",)
    assert found.ignore == ("PP106",)


def test_invalid_toml_gives_defaults_and_a_message(tmp_path: Path) -> None:
    pyproject = write(tmp_path, "[tool.pyprotocol\nselect = [")
    found = config.load(pyproject)
    assert found.select == ("ALL",)
    assert len(found.errors) == 1
    assert "cannot read it" in found.errors[0]


def test_exclude_patterns_match_parts_and_paths() -> None:
    rel = PurePath("a/.venv/lib/x.py")
    conf = config.Config()
    assert conf.is_excluded(rel)
    assert not conf.is_excluded(PurePath("src/pkg/mod.py"))
    assert config.matches_any(PurePosixPath("tests/unit/test_a.py"), ("tests/**",))
    assert config.matches_any(PurePosixPath("a/b/test_x.py"), ("test_*.py",))
    assert not config.matches_any(PurePosixPath("src/tests.py"), ("tests/**",))


def test_default_test_patterns_find_tests_anywhere() -> None:
    conf = config.Config()
    assert conf.is_test_file(PurePath("/abs/pkg/tests/check_a.py"))
    assert conf.is_test_file(PurePath("tests/unit/helpers.py"))
    assert conf.is_test_file(PurePath("src/pkg/test_mod.py"))
    assert not conf.is_test_file(PurePath("src/pkg/testing.py"))
    assert config.matches_any(PurePosixPath("a/b/c/d.py"), ("**/c/*.py",))
    assert not config.matches_any(PurePosixPath("a/b/c/d.py"), ("c/*.py",))
