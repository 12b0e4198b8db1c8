"""The pure parts of the ruff and mypy lanes, without a server.

type-ignore edits, carried mypy findings, ruff twins, notes, titles and settings.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Final

from lsprotocol import types

from pyprotocol.config import Config
from pyprotocol.model import Applicability, Finding, FixInfo, Severity, Span
from pyprotocol.positions import Encoding, LineIndex
from pyprotocol.server.actions import (
    FORMAT_TITLE,
    Target,
    code_actions,
    comment_columns,
    commentable_lines,
    fix_title,
    is_preferred,
    type_ignore_edit,
)
from pyprotocol.server.convert import to_type_diagnostics
from pyprotocol.server.documents import Edit
from pyprotocol.server.settings import Settings
from pyprotocol.server.typecheck import carry_results, without_ruff_twins
from pyprotocol.sources.mypy import MypyFinding, Note

from .helpers import apply_edits

SOURCE: Final = """\
def name() -> int:
    return "x"
def other() -> int:
    return "y"  # noqa: ERA001
def third() -> int:
    return "z"  # type: ignore[misc]
def fourth() -> int:
    return "w"  # type: ignore
TEXT = f(\"\"\"
{"a" + 1}\"\"\")
"""


def target(text: str, findings: list[Finding]) -> Target:
    return Target(
        uri="file:///a.py",
        version=1,
        text=text,
        index=LineIndex(text),
        path=PurePath("a.py"),
        config=Config(),
        findings=findings,
        parsed=True,
        encoding=Encoding.UTF16,
        versioned_edits=False,
    )


def typed(line: int, code: str = "return-value", col: int = 11) -> Finding:
    return Finding(code, "m", Span(line, col, line, col + 3), Severity.ERROR, "mypy")


def ignored(line: int, code: str = "return-value") -> str | None:
    doc = target(SOURCE, [])
    edit = type_ignore_edit(
        doc, typed(line, code), commentable_lines(SOURCE), comment_columns(SOURCE)
    )
    if edit is None:
        return None
    return apply_edits(SOURCE, [edit], "utf-16").splitlines()[line - 1]


def test_type_ignore_goes_first_and_merges_codes() -> None:
    assert ignored(2) == '    return "x"  # type: ignore[return-value]'
    assert ignored(4) == '    return "y"  # type: ignore[return-value]  # noqa: ERA001'
    assert ignored(6) == '    return "z"  # type: ignore[misc, return-value]'
    assert ignored(6, "misc") is None, "listed already"
    assert ignored(8) is None, "a bare ignore covers every code"
    assert ignored(9, "operator") is None, "inside a string"


def test_mypy_findings_get_a_type_ignore_action_not_noqa() -> None:
    found = code_actions(
        target(SOURCE, [typed(2)]), Span(2, 12, 2, 12), [], None, lazy=True
    )
    assert [a.title for a in found] == ["Suppress with `# type: ignore[return-value]`"]


def test_ruff_fixes_are_never_preferred_and_format_is_titled() -> None:
    safe = FixInfo("Remove unused import")
    own = Finding("PP105", "m", Span(1, 0, 1, 1), Severity.WARNING, fix=safe)
    ruffs = Finding("F401", "m", Span(1, 0, 1, 1), Severity.WARNING, "ruff", fix=safe)
    unformatted = Finding(
        "PP900", "m", Span(1, 0, 1, 1), Severity.INFO, "ruff", fix=FixInfo("Format")
    )
    assert is_preferred(own)
    assert not is_preferred(ruffs)
    assert fix_title(unformatted) == FORMAT_TITLE
    unsafe = FixInfo("Replace", Applicability.UNSAFE, "ruff marks this fix unsafe")
    assert "[unsafe: ruff marks" in fix_title(
        Finding("B006", "m", Span(1, 0, 1, 1), Severity.WARNING, "ruff", fix=unsafe)
    )
    actions = code_actions(
        target(SOURCE, [unformatted]), Span(1, 0, 1, 0), [], None, lazy=True
    )
    assert [a.title for a in actions] == [FORMAT_TITLE], "no fix-all, no suppression"


def test_carried_mypy_findings_keep_their_untouched_notes() -> None:
    result = MypyFinding(
        typed(5), [Note(Span(5, 0, 5, 4), "here"), Note(Span(2, 0, 2, 4), "there")]
    )
    above = MypyFinding(typed(1))
    # Line 2 replaced by two lines: the note on it goes, the rest moves down one.
    edit = Edit(2, 0, 2, 10, 3, 3)
    [moved_above, moved] = carry_results([above, result], [edit])
    assert moved_above.finding.span == Span(1, 11, 1, 14)
    assert moved.finding.span == Span(6, 11, 6, 14)
    assert [(n.span, n.message) for n in moved.notes] == [(Span(6, 0, 6, 4), "here")]
    assert carry_results([result], [Edit(5, 12, 5, 13, 5, 13)]) == []


def test_ruff_twins_are_dropped() -> None:
    undefined = MypyFinding(typed(3, "name-defined", col=6))
    elsewhere = MypyFinding(typed(3, "name-defined", col=20))
    returns = Finding(
        "no-untyped-def",
        "Function is missing a return type annotation",
        Span(1, 0, 9, 8),
        Severity.ERROR,
        "mypy",
    )
    params = Finding(
        "no-untyped-def",
        "Function is missing a type annotation for one or more parameters",
        Span(1, 0, 9, 8),
        Severity.ERROR,
        "mypy",
    )
    inner = Finding(
        "no-untyped-def",
        "Function is missing a type annotation",
        Span(5, 4, 6, 8),
        Severity.ERROR,
        "mypy",
    )
    results = [MypyFinding(f) for f in (returns, params, inner)]
    results += [undefined, elsewhere]

    def ruff(code: str, line: int, col: int) -> Finding:
        return Finding(
            code, "m", Span(line, col, line, col + 1), Severity.ERROR, "ruff"
        )

    fast = [ruff("F821", 3, 6), ruff("ANN201", 1, 4), ruff("ANN001", 5, 10)]
    kept = without_ruff_twins(results, fast)
    assert [r.finding for r in kept] == [params, elsewhere.finding]
    assert without_ruff_twins(results, []) == results


def test_notes_are_related_information_or_part_of_the_message() -> None:
    text = "x = f(1)\n"
    result = MypyFinding(typed(1, col=0), [Note(Span(1, 4, 1, 5), "a hint")])
    [related] = to_type_diagnostics(
        [result], "file:///a.py", LineIndex(text), Encoding.UTF16, related=True
    )
    assert related.related_information == [
        types.DiagnosticRelatedInformation(
            location=types.Location(
                uri="file:///a.py",
                range=types.Range(
                    start=types.Position(line=0, character=4),
                    end=types.Position(line=0, character=5),
                ),
            ),
            message="a hint",
        )
    ]
    [inline] = to_type_diagnostics(
        [result], "file:///a.py", LineIndex(text), Encoding.UTF16, related=False
    )
    assert inline.message == "m\nnote: a hint"
    assert inline.related_information is None


def test_tool_settings() -> None:
    assert Settings().ruff
    assert not Settings().mypy_enabled, "mypy runs workspace code: off by default"
    nested = Settings().merged({"ruff": False, "mypy": {"enabled": True, "idleMs": 0}})
    assert (nested.ruff, nested.mypy_enabled, nested.mypy_idle) == (False, True, 0)
    flat = Settings().merged({"mypy.enabled": True, "mypy.idleMs": 800})
    assert (flat.mypy_enabled, flat.mypy_idle_ms) == (True, 800)
    bad = Settings().merged({"ruff": "yes", "mypy": {"enabled": 1, "idleMs": -1}})
    assert bad == Settings(errors=bad.errors)
    assert len(bad.errors) == 3
