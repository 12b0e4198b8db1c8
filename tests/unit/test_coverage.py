"""Every protocol section with checkable rules is enforced by at least one rule.

The list below is the set of sections the checkable-rules inventory draws from
(both documents); it is kept here so the test needs nothing outside the repository.
"""

from __future__ import annotations

from typing import Final

import pytest

from pyprotocol import protocol
from pyprotocol.docs import every_rule
from pyprotocol.sources import mypy, ruff

CHECKABLE_SECTIONS: Final = (
    "cgp:2-code-style-formatting--linting",
    "cgp:3-typing--static-analysis",
    "cgp:4-idiomatic--performant-python",
    "cgp:5-testing--validation",
    "cgp:6-security-imperatives",
    "cgp:7-fastapi-best-practices",
    "cgp:8-dependency-management",
    "pr:1-type-system--modern-syntax",
    "pr:2-exception-handling",
    "pr:3-asyncawait--concurrency",
    "pr:4-performance-optimization",
    "pr:5-testing-with-pytest",
    "pr:6-project-structure--packaging",
    "pr:7-security",
    "pr:8-code-quality",
    "pr:9-container--deployment",
    "pr:10-cicd-quality-gates",
    "pr:11-xml--file-upload-security",
    "pr:12-critical-anti-patterns",
)


def _enforcers() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    keys = [(r.code, k) for r in every_rule() for k in r.sections]
    keys += [(f"ruff:{code}", key) for code, key in ruff.SECTIONS.items()]
    keys += [(f"mypy:{code}", key) for code, key in mypy.SECTIONS.items()]
    for code, key in keys:
        for section in protocol.lineage(key):
            found.setdefault(section, set()).add(code)
    return found


@pytest.mark.parametrize("section", CHECKABLE_SECTIONS)
def test_section_has_a_rule(section: str) -> None:
    assert section in protocol.SECTIONS
    assert _enforcers().get(section), f"no rule enforces {section}"


def test_codes_are_unique() -> None:
    codes = [rule.code for rule in every_rule()]
    assert len(codes) == len(set(codes))
