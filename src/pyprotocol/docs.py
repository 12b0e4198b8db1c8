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
from pyprotocol.projectfiles import FILE_RULES, FileRule
from pyprotocol.projectfiles.base import FileExamples as FileExamplesType
from pyprotocol.rules import ALL_RULES
from pyprotocol.rules.base import Rule

type AnyRule = type[Rule] | type[FileRule]


def every_rule() -> list[AnyRule]:
    """Own rules and project-file rules, in code order.

    Returns:
        The rule classes.
    """
    rules: list[AnyRule] = [*ALL_RULES, *FILE_RULES]
    return sorted(rules, key=lambda rule: rule.code)


PROTOCOL_PAGES: Final = {
    protocol.CGP: "code-generation-protocol.md",
    protocol.PR: "production-rules.md",
}


def _code_block(text: str, lang: str = "python") -> str:
    return f"```{lang}\n{text.rstrip()}\n```\n"


def _fix_text(rule: AnyRule) -> str:
    if rule.fix_title is None:
        return (
            "No automatic fix: no rewrite is known to satisfy the protocol without "
            "changing what the code means.\n"
        )
    safety = (
        "safe: `pyprotocol fix` and the editor's fix-all apply it"
        if getattr(rule, "fix_applicability", Applicability.SAFE) is Applicability.SAFE
        else "unsafe: applied only on request "
        "(`pyprotocol fix --unsafe` or the quick fix)"
    )
    fix_reason = getattr(rule, "fix_reason", None)
    reason = f" {fix_reason}" if fix_reason else ""
    return (
        f"{rule.fix_title}. Default applicability: {safety}.{reason} Some findings "
        "carry no fix, or a less safe one, when the rewrite would not be equivalent; "
        "their message says why.\n"
    )


def _examples(rule: AnyRule) -> tuple[list[str], list[str], str]:
    """Flagged and clean examples of a rule, and the code-fence language."""
    if isinstance(rule.examples, FileExamplesType):
        bad = [text for _, text in rule.examples.bad]
        good = [text for _, text in rule.examples.good]
        first = (rule.examples.bad or rule.examples.good or (("x.toml", ""),))[0][0]
        lang = (
            "toml"
            if first.endswith(".toml")
            else "yaml"
            if first.endswith((".yml", ".yaml"))
            else "dockerfile"
            if "ockerfile" in first
            else "text"
        )
        return bad, good, lang
    examples = rule.examples
    bad = [fixed.before for fixed in examples.fixed] + list(examples.bad)
    good = [fixed.after for fixed in examples.fixed] + list(examples.good)
    return bad, good, "python"


def rule_page(rule: AnyRule) -> str:
    """The Markdown page for one rule.

    Args:
        rule: The rule class (own or project-file rule).

    Returns:
        The page.
    """
    parts = [f"# {rule.code} `{rule.name}`\n", f"{rule.summary}\n"]
    parts.append(f"Default severity: {rule.severity.name.lower()}.")
    if rule.heuristic:
        parts.append(" This rule guesses; it says so in its message.")
    applies_to = getattr(rule, "applies_to", "all")
    scope = {"tests": "test files only", "code": "non-test files only"}.get(applies_to)
    if scope:
        parts.append(f" Applies to {scope}.")
    requires = getattr(rule, "requires_import", None)
    if requires:
        parts.append(f" Runs only where `{requires}` is imported.")
    files = getattr(rule, "files", ())
    if files:
        kinds = ", ".join(f"`{kind.value}`" for kind in files)
        parts.append(f" Checks project files: {kinds}.")
    parts.append("\n\n## Why\n\n" + rule.why + "\n")
    bad, good, lang = _examples(rule)
    if bad:
        parts.append("\n## Flagged\n\n" + _code_block(bad[0], lang))
    if good:
        parts.append("\n## Use instead\n\n" + _code_block(good[0], lang))
    parts.append("\n## Fix\n\n" + _fix_text(rule))
    parts.append("\n## Protocol\n\n")
    for key in rule.sections:
        sec = protocol.section(key)
        parts.append(f"- [{sec.label}]({protocol.href(key)})\n")
    return "".join(parts)


def protocol_page(doc: str, rules: Iterable[AnyRule]) -> str:
    """The Markdown page for one protocol document, listing rules per section.

    Args:
        doc: The document key.
        rules: Every rule.

    Returns:
        The page.
    """
    by_section: dict[str, list[AnyRule]] = {}
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


def index_page(rules: Iterable[AnyRule]) -> str:
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
    rules = every_rule()
    pages = {f"rules/{rule.code}.md": rule_page(rule) for rule in rules}
    pages["rules/README.md"] = index_page(rules)
    for doc, name in PROTOCOL_PAGES.items():
        pages[f"protocol/{name}"] = protocol_page(doc, rules)
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
