"""Fix safety: outputs parse, fixing is idempotent, safe fixes keep behaviour.

The bounded version of ``bench/fix_safety.py``: generated modules (executed before
and after the fix, their results compared) and a sample of real files within a time
budget. The properties themselves are in ``fix_properties.py``.
"""

from __future__ import annotations

import time

import pytest
from codegen import Module, modules, run
from fix_properties import check_text, normalised
from fuzzing import corpus, examples, long_run
from hypothesis import given, settings

from pyprotocol import engine
from pyprotocol.rules import ALL_RULES

#: Seconds the real-file sample may take (it stops at the first file past it).
REAL_FILES_BUDGET = 25.0


@settings(max_examples=examples(30))
@given(modules())
def test_safe_fixes_keep_generated_modules_behaving_the_same(module: Module) -> None:
    outcome = check_text(module.source, "snippet.py", unsafe=False)
    assert not outcome.failures, outcome.failures
    if outcome.fixed != module.source:
        before = run(module.source, module.units)
        assert run(outcome.fixed, module.units) == before


@settings(max_examples=examples(10))
@given(modules())
def test_unsafe_fixes_on_generated_modules_parse_and_settle(module: Module) -> None:
    outcome = check_text(module.source, "snippet.py", unsafe=True)
    assert not outcome.failures, outcome.failures


def test_real_files_sample() -> None:
    files = corpus(limit_bytes=8_000)
    sample = files if long_run() else files[:: max(len(files) // 25, 1)]
    started = time.perf_counter()
    checked = 0
    failures: list[str] = []
    for path in sample:
        text = path.read_text(encoding="utf-8")
        try:
            engine.parse(text)
        except SyntaxError:
            continue
        failures.extend(check_text(text, path.name, unsafe=False).failures)
        failures.extend(check_text(text, path.name, unsafe=True).failures)
        checked += 1
        over = time.perf_counter() - started > REAL_FILES_BUDGET
        if not long_run() and checked >= 5 and over:
            break
    assert checked >= 5
    assert not failures, failures


@pytest.mark.parametrize(
    "rule", [r for r in ALL_RULES if r.examples.fixed], ids=lambda r: r.code
)
def test_normaliser_accepts_every_documented_safe_fix(rule: type) -> None:
    # The behaviour check is only as good as its normaliser: each rule's own safe
    # examples must normalise to the same module before and after.
    for fixed in rule.examples.fixed:  # type: ignore[attr-defined]
        if not fixed.unsafe:
            assert normalised(fixed.before) == normalised(fixed.after)


# -- regressions found by the fuzzers ------------------------------------------------
def test_union_operands_that_bind_looser_than_or_keep_parentheses() -> None:
    # `Optional[(A if c else B)]` became `A if c else B | None`: a different type.
    source = (
        "from typing import Optional, Union\n"
        "x: Optional[(int if C else str)] = None\n"
        "y: Union[lambda: 0, int]\n"
        "z: Union[not a, b]\n"
    )
    fixed = engine.fix(source, "m.py").source
    assert fixed == (
        "x: (int if C else str) | None = None\ny: (lambda: 0) | int\nz: (not a) | b\n"
    )
    assert normalised(fixed) == normalised(source)


def test_nested_union_rewrites_do_not_repeat_none() -> None:
    source = "from typing import Optional\nx: Optional[Optional[int]] = None\n"
    assert engine.fix(source, "m.py").source == "x: int | None = None\n"


def test_reduction_over_an_awaiting_comprehension_is_left_alone() -> None:
    # `min([await f(x) for x in xs])` became `min(await f(x) for x in xs)`: an async
    # generator, which `min` cannot iterate (TypeError at runtime).
    source = "async def f(xs, g):\n    return min([await g(x) for x in xs])\n"
    assert [f.code for f in engine.check(source, "m.py")] == []
    awaited_outside = "async def f(g):\n    return sum([x for x in await g()])\n"
    fixed = engine.fix(awaited_outside, "m.py").source
    assert fixed == "async def f(g):\n    return sum(x for x in await g())\n"


def test_aliased_optional_keeps_its_none() -> None:
    # `from typing import Optional as Opt; Opt[str]` became `str`: None was lost
    # because the fix recognised `Optional` by the local name's spelling.
    source = "from typing import Optional as Opt\n\ny: Opt[str] = None\n"
    assert engine.fix(source, "m.py").source == "y: str | None = None\n"
    source = "from typing import Optional as O, Union as U\n\ny: U[O[str], int]\n"
    assert engine.fix(source, "m.py").source == "y: str | None | int\n"


def test_union_that_cannot_become_one_string_offers_no_fix() -> None:
    # The fix was offered, did nothing and was dropped (found in libcst.matchers).
    source = (
        "from typing import Union\n\n"
        'x: Union["A", OneOf["B", \'c\']]\n'
        'y: Union["A", OneOf["B"]]\n'
    )
    first, second = engine.check(source, "m.py")
    assert first.fix is None
    assert "no fix" in first.message
    assert second.fix is not None
    result = engine.fix(source, "m.py")
    assert result.skipped == []
    assert result.source == (
        "from typing import Union\n\n"
        'x: Union["A", OneOf["B", \'c\']]\n'
        "y: 'A | OneOf[\"B\"]'\n"
    )


def test_typing_alias_used_as_a_runtime_value_is_an_unsafe_fix() -> None:
    # cattrs: `type in (TypingSet, TypingMutableSet, set)` became `type in (set,
    # TypingMutableSet, set)`, so `typing.Set` itself was no longer recognised.
    source = (
        "from typing import List, Set as TypingSet\n\n"
        "def is_set(t):\n    return t in (TypingSet, set)\n\n"
        "x: List[int] = []\n"
    )
    runtime, annotation = engine.check(source, "m.py")
    assert runtime.fix is not None
    assert runtime.fix.applicability.value == "unsafe"
    assert annotation.fix is not None
    assert annotation.fix.applicability.value == "safe"
    fixed = engine.fix(source, "m.py").source
    assert "return t in (TypingSet, set)" in fixed
    assert "x: list[int] = []" in fixed


def test_member_that_may_evaluate_to_a_string_offers_no_fix() -> None:
    # `Union[('A' if c else B), int]` became `('A' if c else B) | int`, which raises
    # TypeError when the annotation is evaluated.
    source = (
        "from typing import Optional, Union\n\n"
        "def f(x: Union[('A' if C else float), int]) -> None: ...\n"
        "def g(x: Optional[(Optional['A'] if C else float)]) -> None: ...\n"
    )
    outer_f, outer_g, inner_g = engine.check(source, "m.py")
    assert outer_f.fix is None
    assert outer_g.fix is None
    assert inner_g.fix is not None
    fixed = engine.fix(source, "m.py").source
    assert "Union[('A' if C else float), int]" in fixed
    assert "Optional[('A | None' if C else float)]" in fixed
