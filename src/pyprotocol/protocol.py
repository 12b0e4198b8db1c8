"""The catalogue of protocol sections and the links findings point to.

The protocol is two documents. Every section heading of both is listed here with its
GitHub-style anchor, so that a link built as ``<base>#<slug>`` lands on the section in
any hosted copy of the document. Rules name the sections they enforce by key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

#: Where the project's own documentation lives; default link bases point into it.
DOCS_URL: Final = "https://github.com/pyprotocol/pyprotocol/blob/main/docs"

CGP: Final = "cgp"
PR: Final = "pr"

DOCUMENT_TITLES: Final[Mapping[str, str]] = {
    CGP: "Python Code Generation & Refactoring Protocol (SOTA Edition v2)",
    PR: "Python 3.12+ Production Rules",
}

#: Default link base per document: the project's own page for that document, whose
#: headings repeat the protocol's so that the same anchors work there.
DEFAULT_BASES: Final[Mapping[str, str]] = {
    CGP: f"{DOCS_URL}/protocol/code-generation-protocol.md",
    PR: f"{DOCS_URL}/protocol/production-rules.md",
}


def github_slug(title: str) -> str:
    """Turn a heading into the anchor GitHub gives it.

    GitHub lower-cases the text, drops every character that is not a letter, a
    digit, a space, a hyphen or an underscore, and turns each space into a hyphen.

    Args:
        title: The heading text without the leading ``#`` marks.

    Returns:
        The anchor, without ``#``.
    """
    kept = []
    for char in title.strip().lower():
        category = unicodedata.category(char)
        if char in " -_" or category[0] in "LN" or category == "Mn":
            kept.append("-" if char == " " else char)
    return "".join(kept)


@dataclass(frozen=True, slots=True)
class Section:
    """One heading of a protocol document."""

    doc: str
    number: str
    title: str
    slug: str
    parent: str | None

    @property
    def key(self) -> str:
        """The stable key rules use, e.g. ``"pr:2-exception-handling"``."""
        return f"{self.doc}:{self.slug}"

    @property
    def label(self) -> str:
        """A short human label such as ``"PR §2 Exception Handling"``."""
        prefix = self.doc.upper()
        return (
            f"{prefix} §{self.number} {self.title}"
            if self.number
            else f"{prefix} {self.title}"
        )


# (document, heading level, heading text). Level 2 is "##", level 3 is "###".
_HEADINGS: Final[tuple[tuple[str, int, str], ...]] = (
    (CGP, 2, "The Prime Directive: The Hippocratic Oath of Code"),
    (CGP, 2, "1. Codebase Consistency & Architecture"),
    (CGP, 2, "2. Code Style, Formatting, & Linting"),
    (CGP, 2, "3. Typing & Static Analysis"),
    (CGP, 2, "4. Idiomatic & Performant Python"),
    (CGP, 2, "5. Testing & Validation"),
    (CGP, 2, "6. Security Imperatives"),
    (CGP, 2, "7. FastAPI Best Practices"),
    (CGP, 2, "8. Dependency Management"),
    (CGP, 2, "9. Auto-Correction & Error Handling Protocol"),
    (PR, 2, "1. Type System & Modern Syntax"),
    (PR, 3, "Type Parameter Syntax (PEP 695)"),
    (PR, 3, "Type Annotations"),
    (PR, 3, "Type Checking Configuration"),
    (PR, 2, "2. Exception Handling"),
    (PR, 3, "Exception Groups (Python 3.11+)"),
    (PR, 3, "Exception Chaining"),
    (PR, 3, "Try/Except Patterns"),
    (PR, 3, "Structured Logging"),
    (PR, 2, "3. Async/Await & Concurrency"),
    (PR, 3, "Structured Concurrency"),
    (PR, 3, "Async Patterns"),
    (PR, 3, "Concurrency Model Selection"),
    (PR, 2, "4. Performance Optimization"),
    (PR, 3, "Language-Level (Python 3.12+)"),
    (PR, 3, "Optimization Priority Order"),
    (PR, 3, "Profiling Strategy"),
    (PR, 2, "5. Testing with pytest"),
    (PR, 3, "Test Architecture"),
    (PR, 3, "Fixture Design"),
    (PR, 3, "Quality Metrics"),
    (PR, 3, "Test Configuration"),
    (PR, 2, "6. Project Structure & Packaging"),
    (PR, 3, "Project Layout (src layout)"),
    (PR, 3, "pyproject.toml (PEP 621)"),
    (PR, 3, "Dependency Management (uv)"),
    (PR, 3, "Build & Distribution"),
    (PR, 2, "7. Security"),
    (PR, 3, "Input Validation"),
    (PR, 3, "Authentication & Secrets"),
    (PR, 3, "Dependency Security"),
    (PR, 3, "Deserialization"),
    (PR, 3, "Cryptography"),
    (PR, 3, "API Security"),
    (PR, 3, "Logging"),
    (PR, 2, "8. Code Quality"),
    (PR, 3, "Linting with Ruff"),
    (PR, 3, "Formatting"),
    (PR, 3, "Docstrings (PEP 257 + Google Style)"),
    (PR, 3, "Complexity Management"),
    (PR, 2, "9. Container & Deployment"),
    (PR, 3, "Docker Best Practices"),
    (PR, 3, "Container Security"),
    (PR, 3, "Python Version"),
    (PR, 2, "10. CI/CD Quality Gates"),
    (PR, 3, "Pre-commit Hooks"),
    (PR, 3, "CI Pipeline Requirements"),
    (PR, 3, "Quality Thresholds"),
    (PR, 2, "11. XML & File Upload Security"),
    (PR, 3, "XML Processing"),
    (PR, 3, "File Uploads"),
    (PR, 2, "12. Critical Anti-Patterns"),
    (PR, 3, "Never Do This"),
    (PR, 2, "Production Deployment Checklist"),
    (PR, 3, "Pre-Deployment"),
    (PR, 3, "Monitoring"),
    (PR, 2, "References"),
    (PR, 3, "Official Standards"),
    (PR, 3, "Official Documentation"),
    (PR, 3, "Security Resources"),
    (PR, 3, "Best Practice Guides"),
)

_NUMBERED: Final = re.compile(r"^(\d+)\.\s+(.*)$")


def _build(headings: Iterable[tuple[str, int, str]]) -> dict[str, Section]:
    sections: dict[str, Section] = {}
    seen: dict[tuple[str, str], int] = {}
    parent: dict[str, Section] = {}
    for doc, level, heading in headings:
        base = github_slug(heading)
        count = seen.get((doc, base), 0)
        seen[(doc, base)] = count + 1
        slug = base if count == 0 else f"{base}-{count}"
        match = _NUMBERED.match(heading)
        if level == 2:
            number, title = (match.group(1), match.group(2)) if match else ("", heading)
            section = Section(doc, number, title, slug, None)
            parent[doc] = section
        else:
            top = parent[doc]
            section = Section(doc, top.number, heading, slug, top.key)
        sections[section.key] = section
    return sections


SECTIONS: Final[Mapping[str, Section]] = _build(_HEADINGS)


def section(key: str) -> Section:
    """Look a section up by key.

    Args:
        key: A key such as ``"pr:exception-chaining"``.

    Returns:
        The section.

    Raises:
        KeyError: If no section has that key.
    """
    return SECTIONS[key]


def href(key: str, bases: Mapping[str, str] | None = None) -> str:
    """Build the link for a section.

    Args:
        key: The section key.
        bases: Link base per document, overriding the defaults.

    Returns:
        ``<base>#<slug>`` for the section.
    """
    sec = SECTIONS[key]
    base = (bases or {}).get(sec.doc) or DEFAULT_BASES[sec.doc]
    return f"{base}#{sec.slug}"


def lineage(key: str) -> tuple[str, ...]:
    """The section and its ancestors, innermost first.

    Args:
        key: The section key.

    Returns:
        The keys from this section up to its top-level section.
    """
    keys: list[str] = []
    current: str | None = key
    while current is not None:
        keys.append(current)
        current = SECTIONS[current].parent
    return tuple(keys)
