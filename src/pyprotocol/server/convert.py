"""Findings to LSP diagnostics and back, converting positions once, at the edge.

Every range goes through :class:`~pyprotocol.positions.LineIndex` with the encoding
negotiated at ``initialize``; nothing else in the server counts columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from lsprotocol import types

from pyprotocol.model import Finding, Span, Tag
from pyprotocol.positions import Encoding, LineIndex

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pyprotocol.sources import mypy

SOURCE: Final = "pyprotocol"

_TAGS: Final = {
    Tag.UNNECESSARY: types.DiagnosticTag.Unnecessary,
    Tag.DEPRECATED: types.DiagnosticTag.Deprecated,
}


def encoding_of(kind: str | None) -> Encoding:
    """The position units for a negotiated ``PositionEncodingKind``.

    Args:
        kind: The kind pygls negotiated (``"utf-16"`` when absent).

    Returns:
        The matching encoding.
    """
    try:
        return Encoding(str(kind or Encoding.UTF16))
    except ValueError:
        return Encoding.UTF16


def to_range(span: Span, index: LineIndex, encoding: Encoding) -> types.Range:
    """Convert an engine span to a client range.

    Args:
        span: 1-based lines, code-point columns.
        index: The index of the text the span is on.
        encoding: The client's units.

    Returns:
        The LSP range.
    """
    line, character = index.to_client(span.line, span.col, encoding)
    end_line, end_character = index.to_client(span.end_line, span.end_col, encoding)
    return types.Range(
        start=types.Position(line=line, character=character),
        end=types.Position(line=end_line, character=end_character),
    )


def to_span(rng: types.Range, index: LineIndex, encoding: Encoding) -> Span:
    """Convert a client range to an engine span.

    Args:
        rng: The LSP range.
        index: The index of the text the range is on.
        encoding: The client's units.

    Returns:
        The span in 1-based lines and code-point columns.
    """
    start = index.position(
        index.client_offset(rng.start.line, rng.start.character, encoding)
    )
    end = index.position(index.client_offset(rng.end.line, rng.end.character, encoding))
    return Span(*start, *end)


def span_key(span: Span) -> list[int]:
    """A span as plain JSON data (for ``Diagnostic.data`` and action data).

    Args:
        span: The span.

    Returns:
        ``[line, col, end_line, end_col]``.
    """
    return [span.line, span.col, span.end_line, span.end_col]


def span_from_key(value: object) -> Span | None:
    """Read a span written by :func:`span_key`.

    Args:
        value: The JSON value.

    Returns:
        The span, or None when the value is not one.
    """
    if (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(item, int) for item in value)
    ):
        return Span(value[0], value[1], value[2], value[3])
    return None


def to_diagnostic(
    finding: Finding, index: LineIndex, encoding: Encoding
) -> types.Diagnostic:
    """Convert a finding to an LSP diagnostic.

    ``data`` carries what a code action needs to find the finding again: its code,
    its span in engine units and its fix, if any.

    Args:
        finding: The finding.
        index: The index of the text the finding is on.
        encoding: The client's units.

    Returns:
        The diagnostic.
    """
    data: dict[str, object] = {"code": finding.code, "span": span_key(finding.span)}
    if finding.fix is not None:
        fix = {
            "title": finding.fix.title,
            "applicability": str(finding.fix.applicability),
        }
        if finding.fix.reason:
            fix["reason"] = finding.fix.reason
        data["fix"] = fix
    if finding.data:
        data["values"] = dict(finding.data)
    return types.Diagnostic(
        range=to_range(finding.span, index, encoding),
        message=finding.message,
        severity=types.DiagnosticSeverity(int(finding.severity)),
        code=finding.code,
        code_description=(
            types.CodeDescription(href=finding.href) if finding.href else None
        ),
        source=finding.source or SOURCE,
        tags=[_TAGS[tag] for tag in finding.tags if tag in _TAGS] or None,
        data=data,
    )


def to_diagnostics(
    findings: list[Finding], index: LineIndex, encoding: Encoding
) -> list[types.Diagnostic]:
    """Convert findings to diagnostics.

    Args:
        findings: The findings.
        index: The index of the text they are on.
        encoding: The client's units.

    Returns:
        The diagnostics, in the same order.
    """
    return [to_diagnostic(finding, index, encoding) for finding in findings]


def to_type_diagnostics(
    results: Sequence[mypy.MypyFinding],
    uri: str,
    index: LineIndex,
    encoding: Encoding,
    *,
    related: bool,
) -> list[types.Diagnostic]:
    """Convert mypy findings; their notes become ``relatedInformation``.

    Args:
        results: mypy's findings with their notes.
        uri: The document (notes point into it).
        index: The index of the text the findings are on.
        encoding: The client's units.
        related: The client shows related information; otherwise the notes are
            appended to the message.

    Returns:
        The diagnostics, in the same order.
    """
    diagnostics = []
    for result in results:
        diagnostic = to_diagnostic(result.finding, index, encoding)
        if result.notes and related:
            diagnostic.related_information = [
                types.DiagnosticRelatedInformation(
                    location=types.Location(
                        uri=uri, range=to_range(note.span, index, encoding)
                    ),
                    message=note.message,
                )
                for note in result.notes
            ]
        elif result.notes:
            notes = "\n".join(f"note: {note.message}" for note in result.notes)
            diagnostic.message = f"{diagnostic.message}\n{notes}"
        diagnostics.append(diagnostic)
    return diagnostics
