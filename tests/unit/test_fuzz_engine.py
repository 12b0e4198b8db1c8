"""The engine on arbitrary text: it never raises, and what it reports is well formed.

Every finding's span lies inside the document (lines 1..N, columns within their line
in code points, end not before start); a text that does not parse gives exactly one
PP000 finding; each check finishes in bounded time. Inputs: random text (surrogates,
NUL, every line ending, form feeds, tabs, non-BMP characters, Python-ish tokens),
mutations of real files from installed packages, and generated modules. Fixed cases
(a 20,000-line file, a 5 MB line, binary, non-UTF-8 and NUL bytes) run through the
CLI as well. ``HYPOTHESIS_PROFILE=long`` runs a hundred times more examples.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from codegen import Module, modules
from fuzzing import corpus, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from pyprotocol import cli, engine
from pyprotocol.config import Config
from pyprotocol.model import Finding
from pyprotocol.positions import split_lines

#: Seconds one check of a fuzzed text (at most ~40 kB) may take on a slow CI machine.
CHECK_SECONDS = 20.0

_PIECES = st.sampled_from(
    [
        "\n",
        "\r",
        "\r\n",
        "\x0c",
        "\u2028",
        "\x85",
        "\t",
        "\0",
        "\ud800",
        "\udfff",
        "\U0001f600",
        "\u00e9",
        " ",
        "    ",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ":",
        ",",
        "'",
        '"',
        '"""',
        "'''",
        "\\",
        "#",
        "# noqa",
        "# noqa: PP105",
        "# pyprotocol: noqa",
        "def f(x):",
        "class C:",
        "async def g():",
        "await x",
        "lambda: 0",
        "import typing",
        "from typing import Optional, List",
        "Optional[int]",
        "List[str]",
        "x in [1, 2]",
        "sum([x for x in y])",
        "try:",
        "except:",
        "raise E",
        "log.info(f'{x}')",
        "X = 1",
        "f'{",
        "yield",
        "return",
        "if x:",
        "else:",
        "@dec",
        "type X = int",
        "match x:",
        "case 1:",
        "print(",
        "1" * 30,
        "0x",
        "1e",
        "...",
    ]
)
TEXTS = st.lists(
    st.one_of(_PIECES, st.characters(exclude_categories=()), st.text(max_size=5)),
    max_size=60,
).map("".join)


def check_invariants(text: str, *, tools: bool = False, fix: bool = True) -> None:
    """Assert the engine's promises on one text."""
    start = time.perf_counter()
    analysis = engine.analyse(text, "fuzz.py", Config(), tools=tools)
    lines = split_lines(text)
    for finding in analysis.findings:
        assert_inside(finding, lines)
    try:
        engine.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        assert analysis.syntax_error is not None
        assert analysis.findings == [analysis.syntax_error]
        assert analysis.syntax_error.code == engine.SYNTAX_CODE
    else:
        assert analysis.syntax_error is None
        assert engine.SYNTAX_CODE not in {f.code for f in analysis.findings}
    assert not analysis.internal_errors, analysis.internal_errors
    if fix:
        result = engine.fix(text, "fuzz.py", Config(), unsafe=True)
        if analysis.syntax_error is not None:
            assert not result.changed
            assert result.source == text
        elif result.changed:
            compile(result.source, "fuzz.py", "exec", dont_inherit=True)
    assert time.perf_counter() - start < CHECK_SECONDS


def assert_inside(finding: Finding, lines: list[str]) -> None:
    span = finding.span
    assert 1 <= span.line <= len(lines), finding
    assert 1 <= span.end_line <= len(lines), finding
    assert 0 <= span.col <= len(lines[span.line - 1]), finding
    assert 0 <= span.end_col <= len(lines[span.end_line - 1]), finding
    assert (span.line, span.col) <= (span.end_line, span.end_col), finding


@settings(max_examples=examples(300))
@given(TEXTS)
def test_random_text(text: str) -> None:
    check_invariants(text)


@settings(max_examples=examples(10))
@given(TEXTS)
def test_random_text_with_ruff(text: str) -> None:
    # Lone surrogates cannot go to ruff as UTF-8; the engine must still not fall over.
    check_invariants(text, tools=True, fix=False)


@st.composite
def mutated_files(draw: st.DrawFn) -> str:
    """A real file with slices deleted, inserted, duplicated, or line ends changed."""
    path = draw(st.sampled_from(corpus(limit_bytes=12_000)))
    text = path.read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 4))):
        size = len(text)
        at = draw(st.integers(0, size))
        end = draw(st.integers(at, min(size, at + 400)))
        match draw(st.sampled_from(["delete", "insert", "duplicate", "endings"])):
            case "delete":
                text = text[:at] + text[end:]
            case "insert":
                text = text[:at] + draw(TEXTS) + text[at:]
            case "duplicate":
                where = draw(st.integers(0, size))
                text = text[:where] + text[at:end] + text[where:]
            case _:
                text = text.replace("\n", draw(st.sampled_from(["\r\n", "\r"])))
    return text


@settings(max_examples=examples(40))
@given(mutated_files())
def test_mutated_real_files(text: str) -> None:
    check_invariants(text)


@settings(max_examples=examples(25))
@given(modules(), st.data())
def test_generated_modules_and_their_mutations(
    module: Module, data: st.DataObject
) -> None:
    source = module.source
    check_invariants(source)
    at = data.draw(st.integers(0, len(source)))
    end = data.draw(st.integers(at, len(source)))
    check_invariants(source[:at] + data.draw(TEXTS) + source[end:], fix=False)


# -- fixed hostile inputs ------------------------------------------------------------
def test_deep_nesting_is_a_syntax_finding() -> None:
    text = "x = " + "1+" * 200_000 + "1\n"
    (finding,) = engine.check(text, "deep.py")
    assert finding.code == engine.SYNTAX_CODE
    assert "nested too deeply" in finding.message
    (finding,) = engine.check("x = " + "(" * 300 + ")" * 300 + "\n", "p.py")
    assert finding.code == engine.SYNTAX_CODE


def test_nul_byte_is_a_syntax_finding_where_it_is() -> None:
    (finding,) = engine.check("x = 1\n\0y = 2\n", "nul.py")
    assert finding.code == engine.SYNTAX_CODE
    assert (finding.span.line, finding.span.col) == (2, 0)
    assert "null bytes" in finding.message


def _cli(*args: str | Path) -> tuple[int, str, float]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pyprotocol", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    lines = [f"def f{i}(x: int) -> int:\n    return x + {i}\n\n\n" for i in range(5000)]
    (folder / "long_file.py").write_text("".join(lines), encoding="utf-8")
    (folder / "long_line.py").write_text(
        'x = "' + "a" * (5 * 1024 * 1024) + '"\n', encoding="utf-8"
    )
    (folder / "binary.py").write_bytes(bytes(range(256)) * 16)
    (folder / "latin1.py").write_bytes("x = 'café'\n".encode("latin-1"))
    (folder / "nul.py").write_bytes(b"x = 1\n\0y = 2\n")
    return folder


def test_cli_on_a_20000_line_file(hostile: Path) -> None:
    path = hostile / "long_file.py"
    assert path.read_text(encoding="utf-8").count("\n") == 20_000
    code, out, seconds = _cli("check", path)
    assert code == cli.EXIT_FINDINGS, out
    assert "D103" in out  # ruff ran: missing docstrings
    assert "Traceback" not in out
    assert seconds < 120


def test_cli_on_a_5mb_single_line(hostile: Path) -> None:
    code, out, seconds = _cli("check", hostile / "long_line.py")
    assert code == cli.EXIT_FINDINGS, out
    assert "E501 Line too long (5242886 > 88)" in out
    assert "Traceback" not in out
    assert seconds < 120


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("binary.py", "PP002 cannot check this file: not valid source text"),
        ("latin1.py", "PP002 cannot check this file: not valid source text"),
        ("nul.py", "PP000 cannot parse: source code string cannot contain null bytes"),
    ],
)
def test_cli_on_unreadable_bytes(hostile: Path, name: str, expected: str) -> None:
    code, out, seconds = _cli("check", hostile / name)
    assert code == cli.EXIT_FINDINGS, out
    assert expected in out
    assert "Traceback" not in out
    assert seconds < 60
    # `fix` leaves such a file alone and says why (or finds nothing to fix).
    before = (hostile / name).read_bytes()
    code, out, _ = _cli("fix", hostile / name)
    assert code == cli.EXIT_CLEAN, out
    assert "Traceback" not in out
    assert (hostile / name).read_bytes() == before


@pytest.mark.parametrize(
    "text",
    [
        "affiliates.\n#\n",
        "x = 1 +\\\n",
        "x = (\n",
        "def f(:\n  pass",
        'x = """a\n\nb',
        "\n\ud800",
        "x = 1\n# \ud800\n",
    ],
)
def test_syntax_error_span_stays_inside_the_document(text: str) -> None:
    # Regressions: Python points one past the end of `affiliates.` (an unexpected
    # end of line), and a lone surrogate's finding sat on line 1 whatever its line;
    # both spans ended past their line.
    (finding,) = engine.check(text, "e.py")
    assert finding.code == engine.SYNTAX_CODE
    assert_inside(finding, split_lines(text))
    if "\ud800" in text:
        line, col = next(
            (n, c)
            for n, row in enumerate(split_lines(text), 1)
            for c, char in enumerate(row)
            if char == "\ud800"
        )
        assert (finding.span.line, finding.span.col) == (line, col)
