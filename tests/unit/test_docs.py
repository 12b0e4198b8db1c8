"""The committed rules reference matches the rule definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pyprotocol import docs, protocol
from pyprotocol.docs import every_rule

DOCS: Final = Path(__file__).resolve().parents[2] / "docs"


def test_committed_docs_are_up_to_date() -> None:
    pages = docs.generate()
    stale = [
        rel
        for rel, text in pages.items()
        if not (DOCS / rel).is_file()
        or (DOCS / rel).read_text(encoding="utf-8") != text
    ]
    assert stale == [], "run `uv run python -m pyprotocol.docs docs`"
    committed = {p.name for p in (DOCS / "rules").glob("*.md")}
    assert committed == {Path(rel).name for rel in pages if rel.startswith("rules/")}


def test_protocol_pages_carry_every_anchor() -> None:
    pages = docs.generate()
    for key, sec in protocol.SECTIONS.items():
        page = pages[f"protocol/{docs.PROTOCOL_PAGES[sec.doc]}"]
        headings = [
            line.lstrip("#").strip()
            for line in page.splitlines()
            if line.startswith("#")
        ]
        assert sec.slug in {protocol.github_slug(h) for h in headings}, key


def test_every_rule_names_real_sections() -> None:
    for rule in every_rule():
        assert rule.sections, rule.code
        for key in rule.sections:
            assert key in protocol.SECTIONS, (rule.code, key)
