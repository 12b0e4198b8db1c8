"""Rule explanations in Markdown, for hover and the ``showRule`` command."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from pyprotocol import protocol
from pyprotocol.model import Applicability, Finding
from pyprotocol.projectfiles import FILE_RULES, FileRule
from pyprotocol.rules import ALL_RULES
from pyprotocol.rules.base import Rule

type AnyRule = type[Rule] | type[FileRule]

RULES: Final[Mapping[str, AnyRule]] = {
    **{rule.code: rule for rule in ALL_RULES},
    **{rule.code: rule for rule in FILE_RULES},
}


def find_rule(name: str) -> AnyRule | None:
    """Look a rule up by code (any case) or by name.

    Args:
        name: ``"PP105"`` or ``"union-syntax"``.

    Returns:
        The rule class, or None.
    """
    rule = RULES.get(name.upper())
    if rule is not None:
        return rule
    return next((r for r in RULES.values() if r.name == name), None)


def _block(code: str, language: str = "python") -> str:
    return f"```{language}\n{code.rstrip()}\n```"


def _examples(rule: AnyRule) -> list[str]:
    if issubclass(rule, FileRule):
        # Project files: show the first bad file as it is named.
        parts = []
        for label, files in (
            ("Flagged", rule.examples.bad),
            ("Fine", rule.examples.good),
        ):
            if files:
                path, text = files[0]
                language = "toml" if path.endswith(".toml") else ""
                parts.append(f"{label} (`{path}`):\n" + _block(text, language))
        return parts
    examples = rule.examples
    if examples.fixed:
        before, after = examples.fixed[0].before, examples.fixed[0].after
    else:
        before = examples.bad[0] if examples.bad else ""
        after = examples.good[0] if examples.good else ""
    parts = []
    if before:
        parts.append("Flagged:\n" + _block(before))
    if after:
        parts.append("Use instead:\n" + _block(after))
    return parts


def rule_markdown(
    rule: AnyRule, links: Mapping[str, str] | None = None, *, full: bool = True
) -> str:
    """Explain a rule: name, summary, why, an example and the protocol links.

    Args:
        rule: The rule class.
        links: Link base per protocol document (the project's ``link-base``).
        full: Include the example.

    Returns:
        Markdown.
    """
    parts = [f"**{rule.code}** `{rule.name}`: {rule.summary}", rule.why]
    if full:
        parts.extend(_examples(rule))
    if rule.fix_title is not None:
        unsafe = getattr(rule, "fix_applicability", None) is Applicability.UNSAFE
        safety = "unsafe, review it" if unsafe else "safe"
        parts.append(f"Fix: {rule.fix_title} ({safety}).")
    parts.append(_links(rule.sections, links))
    return "\n\n".join(parts)


def _links(sections: Sequence[str], links: Mapping[str, str] | None) -> str:
    items = []
    for key in sections:
        section = protocol.section(key)
        items.append(f"[{section.label}]({protocol.href(key, links)})")
    return "Protocol: " + " · ".join(items)


def finding_markdown(
    findings: Sequence[Finding], links: Mapping[str, str] | None = None
) -> str:
    """Explain the findings under the cursor.

    Args:
        findings: The findings at the hovered position.
        links: Link base per protocol document.

    Returns:
        Markdown: each finding's message, then its rule explained.
    """
    parts: list[str] = []
    for finding in findings:
        rule = RULES.get(finding.code)
        if rule is None:
            parts.append(f"**{finding.code}**: {finding.message}")
            continue
        parts.append(f"{finding.message}\n\n" + rule_markdown(rule, links))
    return "\n\n---\n\n".join(parts)
