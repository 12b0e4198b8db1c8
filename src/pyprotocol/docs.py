"""The rules reference, generated from the rule definitions (``docs/`` in the repo).

Each rule gets a page (what, why, examples, fix safety, protocol sections). Each
protocol document gets a page whose headings repeat the document's, so that the links
findings carry (``<base>#<slug>``) land on the right section; under each heading are
the rules that enforce it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from pyprotocol import protocol
from pyprotocol.model import Applicability
from pyprotocol.rules import ALL_RULES
from pyprotocol.rules.base import Rule

PROTOCOL_PAGES: Final = {
    protocol.CGP: "code-generation-protocol.md",
    protocol.PR: "production-rules.md",
}


def _code_block(text: str) -> str:
    return f"```python\n{text.rstrip()}\n```\n"


def _fix_text(rule: type[Rule]) -> str:
    if rule.fix_title is None:
        return (
            "No automatic fix: no rewrite is known to satisfy the protocol without "
            "changing what the code means.\n"
        )
    safety = (
        "safe: `pyprotocol fix` and the editor's fix-all apply it"
        if rule.fix_applicability is Applicability.SAFE
        else "unsafe: applied only on request "
        "(`pyprotocol fix --unsafe` or the quick fix)"
    )
    reason = f" {rule.fix_reason}" if rule.fix_reason else ""
    return (
        f"{rule.fix_title}. Default applicability: {safety}.{reason} Some findings "
        "carry no fix, or a less safe one, when the rewrite would not be equivalent; "
        "their message says why.\n"
    )


def rule_page(rule: type[Rule]) -> str:
    """The Markdown page for one rule.

    Args:
        rule: The rule class.

    Returns:
        The page.
    """
    parts = [f"# {rule.code} `{rule.name}`\n", f"{rule.summary}\n"]
    parts.append(f"Default severity: {rule.severity.name.lower()}.")
    if rule.heuristic:
        parts.append(" This rule guesses; it says so in its message.")
    scope = {"tests": "test files only", "code": "non-test files only"}.get(
        rule.applies_to
    )
    if scope:
        parts.append(f" Applies to {scope}.")
    if rule.requires_import:
        parts.append(f" Runs only where `{rule.requires_import}` is imported.")
    parts.append("\n\n## Why\n\n" + rule.why + "\n")
    examples = rule.examples
    bad = [fixed.before for fixed in examples.fixed] + list(examples.bad)
    if bad:
        parts.append("\n## Flagged\n\n" + _code_block(bad[0]))
    good = [fixed.after for fixed in examples.fixed] + list(examples.good)
    if good:
        parts.append("\n## Use instead\n\n" + _code_block(good[0]))
    parts.append("\n## Fix\n\n" + _fix_text(rule))
    parts.append("\n## Protocol\n\n")
    for key in rule.sections:
        sec = protocol.section(key)
        parts.append(f"- [{sec.label}]({protocol.href(key)})\n")
    return "".join(parts)


def protocol_page(doc: str, rules: Iterable[type[Rule]]) -> str:
    """The Markdown page for one protocol document, listing rules per section.

    Args:
        doc: The document key.
        rules: Every rule.

    Returns:
        The page.
    """
    by_section: dict[str, list[type[Rule]]] = {}
    for rule in rules:
        for key in rule.sections:
            by_section.setdefault(key, []).append(rule)
    parts = [
        f"# {protocol.DOCUMENT_TITLES[doc]}\n\n",
        "The rules pyprotocol enforces for each section of this protocol document. "
        "Headings match the document's, so links to a section land here.\n",
    ]
    for sec in protocol.SECTIONS.values():
        if sec.doc != doc:
            continue
        level = "##" if sec.parent is None else "###"
        heading = (
            f"{sec.number}. {sec.title}"
            if sec.parent is None and sec.number
            else sec.title
        )
        parts.append(f"\n{level} {heading}\n\n")
        enforced = by_section.get(sec.key, [])
        if enforced:
            parts.extend(
                f"- [{r.code}](../rules/{r.code}.md) `{r.name}`: {r.summary}\n"
                for r in enforced
            )
        elif sec.parent is None:
            parts.append(
                "See the subsections.\n" if _has_children(sec.key) else _unchecked()
            )
        else:
            parts.append(_unchecked())
    return "".join(parts)


def _has_children(key: str) -> bool:
    return any(sec.parent == key for sec in protocol.SECTIONS.values())


def _unchecked() -> str:
    return (
        "No rule checks this section: it calls for judgement a program cannot make.\n"
    )


def index_page(rules: Iterable[type[Rule]]) -> str:
    """The index of all rules.

    Args:
        rules: Every rule.

    Returns:
        The page.
    """
    lines = [
        "# Rules\n\n",
        "| Code | Name | Fix | Protocol section |\n",
        "|---|---|---|---|\n",
    ]
    for rule in rules:
        sec = protocol.section(rule.sections[0])
        fix = "yes" if rule.fix_title else ""
        lines.append(
            f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {fix} | "
            f"[{sec.label}]({protocol.href(sec.key)}) |\n"
        )
    return "".join(lines)


def generate() -> dict[str, str]:
    """Every page of the reference, by path relative to ``docs/``.

    Returns:
        The pages.
    """
    pages = {f"rules/{rule.code}.md": rule_page(rule) for rule in ALL_RULES}
    pages["rules/README.md"] = index_page(ALL_RULES)
    for doc, name in PROTOCOL_PAGES.items():
        pages[f"protocol/{name}"] = protocol_page(doc, ALL_RULES)
    return pages


def write(root: Path) -> list[Path]:
    """Write the reference under ``root`` and remove stale rule pages.

    Args:
        root: The ``docs`` folder.

    Returns:
        The files written.
    """
    pages = generate()
    written = []
    rules_dir = root / "rules"
    if rules_dir.is_dir():
        for stale in rules_dir.glob("*.md"):
            if f"rules/{stale.name}" not in pages:
                stale.unlink()
    for rel, text in pages.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


if __name__ == "__main__":
    import sys

    for path in write(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(path)
