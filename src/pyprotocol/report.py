"""Render findings as text, JSON, SARIF 2.1.0 or GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pyprotocol import __version__
from pyprotocol.model import Finding, Severity

FORMATS: Final = ("text", "json", "sarif", "github")
_SARIF_LEVEL: Final[Mapping[Severity, str]] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
    Severity.HINT: "note",
}
_GITHUB_LEVEL: Final[Mapping[Severity, str]] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
    Severity.HINT: "notice",
}


@dataclass(frozen=True, slots=True)
class Located:
    """A finding with the file it was found in."""

    path: Path
    finding: Finding


def as_dict(item: Located) -> dict[str, object]:
    """The JSON object for one finding (1-based lines and columns).

    Args:
        item: The finding and its file.

    Returns:
        A JSON-ready dictionary.
    """
    finding = item.finding
    span = finding.span
    return {
        "path": item.path.as_posix(),
        "line": span.line,
        "column": span.col + 1,
        "end_line": span.end_line,
        "end_column": span.end_col + 1,
        "code": finding.code,
        "message": finding.message,
        "severity": finding.severity.name.lower(),
        "href": finding.href,
        "source": finding.source,
        "fixable": finding.fixable,
        "fix": None
        if finding.fix is None
        else {
            "title": finding.fix.title,
            "applicability": finding.fix.applicability.value,
            "reason": finding.fix.reason,
        },
    }


def text(items: Sequence[Located]) -> str:
    """Human-readable lines, one per finding, with a summary.

    Args:
        items: The findings.

    Returns:
        The report.
    """
    lines = []
    for item in items:
        f = item.finding
        mark = " [*]" if f.fix is not None and f.fix.applicability == "safe" else ""
        link = f"\n    see {f.href}" if f.href else ""
        lines.append(
            f"{item.path}:{f.span.line}:{f.span.col + 1}: {f.code}{mark} "
            f"{f.message}{link}"
        )
    if items:
        fixable = sum(
            1 for i in items if i.finding.fix and i.finding.fix.applicability == "safe"
        )
        files = len({i.path for i in items})
        noun = "finding" if len(items) == 1 else "findings"
        lines.append(f"Found {len(items)} {noun} in {files} file(s).")
        if fixable:
            lines.append(f"[*] {fixable} fixable with `pyprotocol fix`.")
    else:
        lines.append("All checks passed.")
    return "\n".join(lines) + "\n"


def as_json(items: Sequence[Located]) -> str:
    """A JSON list of findings.

    Args:
        items: The findings.

    Returns:
        The JSON text.
    """
    return json.dumps([as_dict(item) for item in items], indent=2) + "\n"


def sarif(items: Sequence[Located], rules: Sequence[Mapping[str, str]]) -> str:
    """A SARIF 2.1.0 log with one run.

    Args:
        items: The findings.
        rules: Descriptions of the rules (``code``, ``name``, ``summary``, ``href``).

    Returns:
        The SARIF JSON text.
    """
    codes = sorted({i.finding.code for i in items} | {r["code"] for r in rules})
    known = {r["code"]: r for r in rules}
    descriptors = []
    for code in codes:
        rule = known.get(code, {})
        descriptor: dict[str, object] = {"id": code}
        if rule.get("name"):
            descriptor["name"] = rule["name"]
        if rule.get("summary"):
            descriptor["shortDescription"] = {"text": rule["summary"]}
        if rule.get("href"):
            descriptor["helpUri"] = rule["href"]
        descriptors.append(descriptor)
    index = {code: n for n, code in enumerate(codes)}
    results = []
    for item in items:
        f = item.finding
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": item.path.as_posix()},
                            "region": {
                                "startLine": f.span.line,
                                "startColumn": f.span.col + 1,
                                "endLine": f.span.end_line,
                                "endColumn": f.span.end_col + 1,
                            },
                        }
                    }
                ],
                **({"helpUri": f.href} if f.href else {}),
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pyprotocol",
                        "version": __version__,
                        "informationUri": "https://github.com/pyprotocol/pyprotocol",
                        "rules": descriptors,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


def _escape(value: str, *, prop: bool) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(items: Sequence[Located]) -> str:
    """GitHub Actions workflow commands that annotate the pull request.

    Args:
        items: The findings.

    Returns:
        One ``::warning``/``::error``/``::notice`` line per finding.
    """
    out = []
    for item in items:
        f = item.finding
        props = ",".join(
            (
                f"file={_escape(item.path.as_posix(), prop=True)}",
                f"line={f.span.line}",
                f"col={f.span.col + 1}",
                f"endLine={f.span.end_line}",
                f"endColumn={f.span.end_col + 1}",
                f"title={_escape(f.code, prop=True)}",
            )
        )
        message = f"{f.code} {f.message}" + (f" ({f.href})" if f.href else "")
        out.append(
            f"::{_GITHUB_LEVEL[f.severity]} {props}::{_escape(message, prop=False)}"
        )
    return "".join(line + "\n" for line in out)
