"""Each rule's examples are its tests: bad flagged, good not, fixes exact."""

from __future__ import annotations

import ast
from typing import Final

import pytest

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.rules import ALL_RULES
from pyprotocol.rules.base import Rule

BAD: Final = [
    pytest.param(rule, text, id=f"{rule.code}-bad-{i}")
    for rule in ALL_RULES
    for i, text in enumerate(rule.examples.bad)
]
GOOD: Final = [
    pytest.param(rule, text, id=f"{rule.code}-good-{i}")
    for rule in ALL_RULES
    for i, text in enumerate(rule.examples.good)
]
FIXED: Final = [
    pytest.param(rule, i, id=f"{rule.code}-fixed-{i}")
    for rule in ALL_RULES
    for i in range(len(rule.examples.fixed))
]
CONFIG: Final = Config(target_version=(3, 13))


def _codes(rule: type[Rule], text: str) -> list[str]:
    analysis = engine.analyse(text, rule.examples.path, CONFIG)
    assert analysis.syntax_error is None, analysis.syntax_error
    assert analysis.internal_errors == ()
    return [f.code for f in analysis.findings]


def test_every_rule_has_examples() -> None:
    for rule in ALL_RULES:
        assert rule.examples.bad or rule.examples.fixed, rule.code
        assert rule.examples.good, rule.code
        if rule.fix_title is not None:
            assert rule.examples.fixed, f"{rule.code} has a fix but no fixed example"


@pytest.mark.parametrize(("rule", "text"), BAD)
def test_bad_example_is_flagged(rule: type[Rule], text: str) -> None:
    assert rule.code in _codes(rule, text)


@pytest.mark.parametrize(("rule", "text"), GOOD)
def test_good_example_is_not_flagged(rule: type[Rule], text: str) -> None:
    assert rule.code not in _codes(rule, text)


@pytest.mark.parametrize(("rule", "index"), FIXED)
def test_fixed_example(rule: type[Rule], index: int) -> None:
    example = rule.examples.fixed[index]
    assert rule.code in _codes(rule, example.before)
    result = engine.fix(
        example.before, rule.examples.path, CONFIG, [rule.code], unsafe=example.unsafe
    )
    assert result.source == example.after
    ast.parse(result.source)
    assert rule.code not in _codes(rule, result.source)
    again = engine.fix(
        result.source, rule.examples.path, CONFIG, [rule.code], unsafe=True
    )
    assert again.source == result.source
