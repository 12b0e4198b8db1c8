"""ruff as a source: mapping, one owner per finding, failures leave the rest working."""

from __future__ import annotations

import pytest

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.sources import ruff

LEGACY = '"""M."""\n\nfrom typing import Optional\n\nx: Optional[int] = None\n'


def test_codes_map_to_sections_by_longest_prefix() -> None:
    assert ruff.section_for("E501") == "pr:formatting"
    assert ruff.section_for("E711") == "pr:linting-with-ruff"
    assert ruff.section_for("S105") == "pr:authentication--secrets"
    assert ruff.section_for("S608") == "pr:input-validation"
    assert ruff.section_for("ZZZ1") == "pr:linting-with-ruff"


def test_own_rules_own_their_findings() -> None:
    assert {"UP007", "UP045", "UP006", "UP035", "ANN401"} <= set(ruff.owned_codes())
    codes = [f.code for f in engine.check(LEGACY, "m.py", tools=True)]
    assert codes == ["PP105"]


def test_ruff_finding_carries_fix_edits() -> None:
    source = '"""M."""\n\nimport os\n'
    (finding,) = engine.check(source, "m.py", tools=True)
    assert finding.source == "ruff"
    assert finding.code == "F401"
    assert finding.fix is not None
    assert ruff.apply_edits(source, ruff.edits_of(finding)) == '"""M."""\n\n'


def test_format_finding_and_formatter() -> None:
    source = '"""M."""\n\nx=1\n'
    found = engine.check(source, "m.py", tools=True)
    assert [f.code for f in found] == [ruff.FORMAT_CODE]
    assert found[0].span.line == 3
    assert ruff.format_source(source, __import__("pathlib").PurePath("m.py")) == (
        '"""M."""\n\nx = 1\n'
    )


def test_test_files_skip_assert_and_docstring_checks() -> None:
    source = "def test_x():\n    assert 1 + 1 == 2\n"
    assert engine.check(source, "tests/test_x.py", tools=True) == []
    assert "D103" in [f.code for f in engine.check(source, "src/x.py", tools=True)]


def test_select_and_ignore_apply_to_ruff_codes() -> None:
    source = '"""M."""\n\nimport os\n'
    config = Config(ignore=("F401",))
    assert engine.check(source, "m.py", config, tools=True) == []
    config = Config(ignore=("pr:complexity-management",))
    assert engine.check(source, "m.py", config, tools=True) == []


def test_garbage_output_is_a_clear_error() -> None:
    with pytest.raises(ruff.RuffError, match="not JSON"):
        ruff.parse_output("Segmentation fault", Config())


def test_missing_ruff_is_reported_and_own_rules_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ruff, "ruff_binary", lambda: "/nonexistent/ruff")
    analysis = engine.analyse(LEGACY, "m.py", tools=True)
    assert [f.code for f in analysis.findings] == ["PP105"]
    assert analysis.tool_errors
    assert "could not be started" in analysis.tool_errors[0]


def test_fix_all_applies_ruff_fixes_after_own_fixes() -> None:
    source = (
        '"""M."""\n\nimport os\nfrom typing import Optional\n\n'
        "x: Optional[int] = None\n"
    )
    result = engine.fix(source, "m.py", tools=True)
    assert result.source == '"""M."""\n\nx: int | None = None\n'
    assert not engine.fix(result.source, "m.py", tools=True).changed


def test_one_ruff_finding_is_fixed_through_the_engine() -> None:
    source = '"""M."""\n\nimport os\nimport sys\n\nprint(sys.argv)\n'
    (finding,) = [
        f for f in engine.check(source, "m.py", tools=True) if f.code == "F401"
    ]
    result = engine.fix(source, "m.py", only=finding)
    assert result.source == '"""M."""\n\nimport sys\n\nprint(sys.argv)\n'


def test_fix_all_leaves_ignored_ruff_codes_alone() -> None:
    source = '"""M."""\n\nimport os\n'
    config = Config(ignore=("F401",))
    assert engine.fix(source, "m.py", config, tools=True).source == source
    assert "import os" not in engine.fix(source, "m.py", Config(), tools=True).source
