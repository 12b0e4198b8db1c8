"""The engine: one traversal, import resolution, suppression, selection, bad input."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import PurePath
from typing import ClassVar

import libcst as cst

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.model import Severity, Span
from pyprotocol.rules.base import Examples, FixRequest, Rule

OPTIONAL = "from typing import Optional\nx: Optional[int] = None\n"


def codes(source: str, config: Config | None = None, path: str = "m.py") -> list[str]:
    return [f.code for f in engine.check(source, path, config)]


def test_imports_are_resolved_not_matched_by_text() -> None:
    assert codes("import typing as t\nx: t.Optional[int]\n") == ["PP105"]
    assert codes("from typing import Optional as Opt\nx: Opt[int]\n") == ["PP105"]
    assert codes("import typing_extensions\nx: typing_extensions.Optional[int]\n") == [
        "PP105"
    ]
    assert codes("from mylib import Optional\nx: Optional[int]\n") == []
    assert codes("class Optional: ...\nx: Optional[int]\n") == []


def test_function_level_imports_count_from_where_they_are() -> None:
    source = "def f() -> None:\n    from typing import Optional\n    x: Optional[int]\n"
    assert codes(source) == ["PP105"]


def test_finding_carries_link_span_and_fix() -> None:
    (finding,) = engine.check(OPTIONAL, "m.py")
    assert finding.span == Span(2, 3, 2, 16)
    assert finding.href is not None
    assert finding.href.endswith("#type-annotations")
    assert finding.fixable
    assert finding.source == "pyprotocol"


def test_columns_are_code_points_on_non_ascii_lines() -> None:
    source = "from typing import Optional\ns = 'é😀'; x: Optional[int]\n"
    (finding,) = engine.check(source, "m.py")
    line = source.splitlines()[1]
    assert finding.span.col == line.index("Optional")
    assert finding.span.end_col == line.index("Optional") + len("Optional[int]")


def test_syntax_error_is_one_clear_finding() -> None:
    analysis = engine.analyse("def f(:\n    pass\n", "m.py")
    assert analysis.syntax_error is not None
    assert [f.code for f in analysis.findings] == ["PP000"]
    assert analysis.syntax_error.span.line == 1
    assert analysis.syntax_error.severity is Severity.ERROR


def test_nul_byte_and_odd_text_do_not_crash() -> None:
    for text in (
        "x = 1\0\n",
        "\t\tx = (",
        "\ufeffx = 1\n",
        "x = '\udcff'\n",
        "",
        "\r\r\r",
    ):
        analysis = engine.analyse(text, "m.py")
        assert all(f.span.line >= 1 for f in analysis.findings)


def test_crlf_positions() -> None:
    source = OPTIONAL.replace("\n", "\r\n")
    (finding,) = engine.check(source, "m.py")
    assert finding.span == Span(2, 3, 2, 16)


def test_noqa_on_the_line_and_file_wide() -> None:
    assert codes("from typing import Optional\nx: Optional[int]  # noqa: PP105\n") == []
    assert codes("from typing import Optional\nx: Optional[int]  # noqa\n") == []
    assert codes("from typing import Optional\nx: Optional[int]  # noqa: PP999\n") == [
        "PP105"
    ]
    assert codes("# pyprotocol: noqa: PP105\n" + OPTIONAL) == []
    assert codes("# pyprotocol: noqa\n" + OPTIONAL) == []


def test_select_and_ignore_by_code_name_prefix_and_section() -> None:
    base = Config()
    assert codes(OPTIONAL, replace(base, ignore=("PP105",))) == []
    assert codes(OPTIONAL, replace(base, ignore=("union-syntax",))) == []
    assert codes(OPTIONAL, replace(base, ignore=("PP1",))) == []
    assert (
        codes(OPTIONAL, replace(base, ignore=("pr:1-type-system--modern-syntax",)))
        == []
    )
    assert codes(OPTIONAL, replace(base, select=("PP2",))) == []
    assert codes(OPTIONAL, replace(base, select=("pr:type-annotations",))) == ["PP105"]


def test_per_file_ignores_and_severity_overrides() -> None:
    config = replace(Config(), per_file_ignores=(("scripts/*", ("PP105",)),))
    assert codes(OPTIONAL, config, "scripts/tool.py") == []
    assert codes(OPTIONAL, config, "src/tool.py") == ["PP105"]
    severe = replace(Config(), severity={"PP1": Severity.INFO, "PP105": Severity.ERROR})
    (finding,) = engine.check(OPTIONAL, "m.py", severe)
    assert finding.severity is Severity.ERROR


class _Broken(Rule):
    code = "PP999"
    name = "broken"
    summary = "Always fails."
    why = "Tests isolation."
    sections = ("pr:type-annotations",)
    examples: ClassVar[Examples] = Examples()

    def visit_Name(self, node: ast.Name) -> None:
        raise RuntimeError(node.id)


def test_a_failing_rule_is_isolated() -> None:
    from pyprotocol.rules.typing_union import UnionSyntax

    analysis = engine.analyse(OPTIONAL, "m.py", rules=[_Broken, UnionSyntax])
    assert [f.code for f in analysis.findings] == ["PP105"]
    assert analysis.internal_errors
    assert "PP999" in analysis.internal_errors[0]


def test_fix_twice_changes_nothing_the_second_time() -> None:
    source = (
        "from typing import Dict, List, Optional\n\n\n"
        "def f(a: Optional[List[int]]) -> Dict[str, Optional[int]]:\n"
        "    return {}\n"
    )
    once = engine.fix(source, "m.py")
    assert once.changed
    assert once.source == (
        "def f(a: list[int] | None) -> dict[str, int | None]:\n    return {}\n"
    )
    assert not engine.fix(once.source, "m.py").changed


def test_fix_keeps_comments_and_formatting() -> None:
    source = (
        "from typing import Optional  # used below\n"
        "import os\n\n"
        "# a comment that must stay\n"
        "def f(x: Optional[int]):  # trailing\n"
        "    return os.sep\n"
    )
    fixed = engine.fix(source, "m.py").source
    assert "# a comment that must stay" in fixed
    assert "def f(x: int | None):  # trailing" in fixed
    assert "import os" in fixed


def test_fix_on_syntax_error_changes_nothing() -> None:
    source = "from typing import Optional\nx: Optional[int] = (\n"
    assert engine.fix(source, "m.py").source == source


def test_only_one_finding_is_fixed_when_asked() -> None:
    source = "from typing import Optional\na: Optional[int]\nb: Optional[str]\n"
    first = engine.check(source, "m.py")[0]
    result = engine.fix(source, "m.py", only=first)
    assert (
        result.source
        == "from typing import Optional\na: int | None\nb: Optional[str]\n"
    )


class _BadFix(Rule):
    code = "PP998"
    name = "bad-fix"
    summary = "Offers a fix that writes invalid code."
    why = "Tests that such a fix is dropped."
    sections = ("pr:type-annotations",)
    fix_title = "Break the file"
    examples: ClassVar[Examples] = Examples()

    def visit_Module(self, node: ast.Module) -> None:
        self.report(Span(1, 0, 1, 1), "always", fix=True)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        del request
        return tree.with_changes(
            body=[cst.SimpleStatementLine([cst.Expr(cst.Name("def"))])]
        )


def test_a_fix_whose_output_does_not_parse_is_dropped() -> None:
    source = "x = 1\n"
    (finding,) = engine.analyse(source, "m.py", rules=[_BadFix]).findings
    assert (
        engine.apply_rule_fix(source, PurePath("m.py"), _BadFix, [finding], Config())
        is None
    )
    assert engine.fix(source, "m.py", only=finding).source == source


def test_noqa_with_a_replaced_ruff_code_suppresses_the_own_rule() -> None:
    source = "from typing import Any\nx: Any = 1  # noqa: ANN401\n"
    assert codes(source) == []


def test_absurd_nesting_is_a_finding_not_a_crash() -> None:
    analysis = engine.analyse("x = " + "-" * 200_000 + "1\n", "m.py")
    assert analysis.syntax_error is not None
    assert "nested too deeply" in analysis.syntax_error.message or (
        "syntax error" in analysis.syntax_error.message
    )
