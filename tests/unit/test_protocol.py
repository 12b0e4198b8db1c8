"""The section catalogue: GitHub anchors and links."""

from __future__ import annotations

import pytest

from pyprotocol import protocol


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("2. Exception Handling", "2-exception-handling"),
        ("Type Parameter Syntax (PEP 695)", "type-parameter-syntax-pep-695"),
        ("2. Code Style, Formatting, & Linting", "2-code-style-formatting--linting"),
        ("3. Async/Await & Concurrency", "3-asyncawait--concurrency"),
        ("pyproject.toml (PEP 621)", "pyprojecttoml-pep-621"),
        ("Exception Groups (Python 3.11+)", "exception-groups-python-311"),
        (
            "The Prime Directive: The Hippocratic Oath of Code",
            "the-prime-directive-the-hippocratic-oath-of-code",
        ),
    ],
)
def test_github_slug(title: str, slug: str) -> None:
    assert protocol.github_slug(title) == slug


def test_every_heading_has_a_unique_key() -> None:
    keys = list(protocol.SECTIONS)
    assert len(keys) == len(set(keys))
    assert "pr:2-exception-handling" in protocol.SECTIONS
    assert "cgp:3-typing--static-analysis" in protocol.SECTIONS


def test_subsections_know_their_parent() -> None:
    assert protocol.lineage("pr:exception-chaining") == (
        "pr:exception-chaining",
        "pr:2-exception-handling",
    )
    assert protocol.section("pr:exception-chaining").label == (
        "PR §2 Exception Chaining"
    )


def test_href_uses_the_configured_base() -> None:
    default = protocol.href("pr:type-annotations")
    assert default.endswith("/docs/protocol/production-rules.md#type-annotations")
    custom = protocol.href("pr:type-annotations", {"pr": "https://example.com/pr"})
    assert custom == "https://example.com/pr#type-annotations"
