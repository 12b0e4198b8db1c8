"""Code actions: quick fixes, fix-all, fix-all-of-a-rule, and suppress-on-this-line.

Fixes come from :func:`pyprotocol.engine.fix`; the new text is diffed against the old
(:mod:`difflib`, by line, then trimmed to the changed characters) into minimal
``TextEdit`` s. The edit is put in the action unless the client resolves actions
lazily (``codeAction/resolve`` with ``edit``), in which case only ``data`` is sent.

ruff's fixes are quick fixes titled by ruff (unsafe ones say so), never preferred:
the editor applies a preferred fix without asking, and ruff's are not reviewed
against the protocol. Fix-all applies the own safe fixes, then ruff's safe ones.
The "not formatted" finding (PP900) gets a "Format document" action. mypy's
findings get "Suppress with ``# type: ignore[code]``", merged into an ignore comment
already on the line.
"""

from __future__ import annotations

import difflib
import io
import logging
import re
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final

from lsprotocol import types

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.model import Applicability, Finding, Span
from pyprotocol.positions import Encoding, LineIndex
from pyprotocol.server.convert import span_from_key, span_key, to_diagnostic
from pyprotocol.sources import mypy, ruff

log = logging.getLogger(__name__)

FIX_ALL_KIND: Final = f"{types.CodeActionKind.SourceFixAll.value}.pyprotocol"
QUICKFIX: Final = types.CodeActionKind.QuickFix.value
KINDS: Final = (QUICKFIX, FIX_ALL_KIND)

ACTION_FIX: Final = "fix"
ACTION_FIX_RULE: Final = "fixRule"
ACTION_FIX_ALL: Final = "fixAll"
ACTION_SUPPRESS: Final = "suppress"
ACTION_TYPE_IGNORE: Final = "typeIgnore"
#: Findings of external tools: no per-rule fix-all of their codes.
TOOL_SOURCES: Final = frozenset({ruff.SOURCE, mypy.SOURCE})
FORMAT_TITLE: Final = "Format document (ruff format)"

_NOQA: Final = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_UNSAFE_DEFAULT: Final = "it may change what the code does; review it"
_TYPE_IGNORE: Final = re.compile(r"#\s*type:\s*ignore\b\s*(?:\[(?P<codes>[^\]#]*)\])?")


@dataclass(frozen=True, slots=True)
class Target:
    """The text actions are computed on: one version of one document."""

    uri: str
    version: int
    text: str
    index: LineIndex
    path: PurePath
    config: Config
    findings: Sequence[Finding]
    parsed: bool
    encoding: Encoding
    versioned_edits: bool
    python: bool = True
    extras: dict[str, object] = field(default_factory=dict)
    #: ruff runs for this document: fix-all applies its safe fixes too.
    ruff: bool = False

    def diagnostic(self, finding: Finding) -> types.Diagnostic:
        """The diagnostic of a finding, in the client's units.

        Args:
            finding: The finding.

        Returns:
            The diagnostic.
        """
        return to_diagnostic(finding, self.index, self.encoding)

    def workspace_edit(self, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
        """Wrap edits of this document, tied to its version when the client allows.

        Args:
            edits: The text edits.

        Returns:
            The workspace edit.
        """
        if self.versioned_edits:
            document = types.OptionalVersionedTextDocumentIdentifier(
                uri=self.uri, version=self.version
            )
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(text_document=document, edits=list(edits))
                ]
            )
        return types.WorkspaceEdit(changes={self.uri: list(edits)})


# -- edits -------------------------------------------------------------------------
def _chunks(text: str, index: LineIndex) -> list[str]:
    count = len(index.lines)
    return [
        text[index.offset(number, 0) : index.offset(number + 1, 0)]
        if number < count
        else text[index.offset(number, 0) :]
        for number in range(1, count + 1)
    ]


def text_edits(
    old: str, new: str, index: LineIndex, encoding: Encoding
) -> list[types.TextEdit]:
    """The minimal edits that turn ``old`` into ``new``.

    Lines are matched with :class:`difflib.SequenceMatcher`; each changed block is
    then trimmed to the characters that differ (never splitting a CRLF).

    Args:
        old: The current text.
        new: The wanted text.
        index: The index of ``old``.
        encoding: The client's units.

    Returns:
        Non-overlapping edits in document order, ranges on ``old``.
    """
    if old == new:
        return []
    before = _chunks(old, index)
    after = _chunks(new, LineIndex(new))
    starts = [0]
    for chunk in before:
        starts.append(starts[-1] + len(chunk))
    head = 0
    while head < min(len(before), len(after)) and before[head] == after[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(before), len(after)) - head
        and before[-1 - tail] == after[-1 - tail]
    ):
        tail += 1
    matcher = difflib.SequenceMatcher(
        None, before[head : len(before) - tail], after[head : len(after) - tail], False
    )
    edits: list[types.TextEdit] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        start, end = starts[head + i1], starts[head + i2]
        replacement = "".join(after[head + j1 : head + j2])
        start, end, replacement = _trim(old, start, end, replacement)
        if start == end and not replacement:
            continue
        edits.append(_edit(index, start, end, replacement, encoding))
    return edits


def _trim(text: str, start: int, end: int, replacement: str) -> tuple[int, int, str]:
    removed = text[start:end]
    prefix = 0
    limit = min(len(removed), len(replacement))
    while prefix < limit and removed[prefix] == replacement[prefix]:
        prefix += 1
    if prefix and removed[prefix - 1] == "\r":
        prefix -= 1  # keep a CRLF whole
    suffix = 0
    limit -= prefix
    while suffix < limit and removed[-1 - suffix] == replacement[-1 - suffix]:
        suffix += 1
    if (
        suffix
        and removed[len(removed) - suffix] == "\n"
        and (len(removed) - suffix > 0 and removed[len(removed) - suffix - 1] == "\r")
    ):
        suffix -= 1  # keep a CRLF whole
    return (
        start + prefix,
        end - suffix,
        replacement[prefix : len(replacement) - suffix],
    )


def _edit(
    index: LineIndex, start: int, end: int, text: str, encoding: Encoding
) -> types.TextEdit:
    line, col = index.to_client(*index.position(start), encoding)
    end_line, end_col = index.to_client(*index.position(end), encoding)
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=line, character=col),
            end=types.Position(line=end_line, character=end_col),
        ),
        new_text=text,
    )


# -- suppression -------------------------------------------------------------------
def commentable_lines(text: str) -> frozenset[int]:
    """The lines that can take a trailing comment without changing the code.

    A line qualifies when it ends a logical or physical line (not inside a string,
    not continued with a backslash).

    Args:
        text: Python source.

    Returns:
        1-based line numbers; empty when the text does not tokenize.
    """
    found: set[int] = set()
    ends = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if token.type in ends:
                found.add(token.start[0])
    except (tokenize.TokenError, SyntaxError, ValueError):
        # ValueError: a lone surrogate (sent by an editor) does not encode.
        return frozenset()
    return frozenset(found)


def suppress_edit(
    target: Target, finding: Finding, lines: frozenset[int]
) -> types.TextEdit | None:
    """The edit that adds (or extends) a ``# noqa`` comment for one finding.

    The comment goes on the finding's first line, or its last when the first cannot
    take one; the engine honours both.

    Args:
        target: The document.
        finding: The finding to suppress.
        lines: The lines that can take a comment.

    Returns:
        The edit, or None when neither line can take a comment.
    """
    for number in dict.fromkeys((finding.span.line, finding.span.end_line)):
        if number not in lines:
            continue
        text = target.index.line(number)
        match = next(
            (m for m in _NOQA.finditer(text) if not _file_level(text, m.start())), None
        )
        if match is not None and match.group("codes"):
            codes = re.split(r"[\s,]+", match.group("codes").upper())
            if finding.code in codes:
                return None
            at, insert = match.end("codes"), f", {finding.code}"
        elif match is not None:
            return None  # a bare noqa comment suppresses everything already
        else:
            at, insert = len(text.rstrip()), f"  # noqa: {finding.code}"
        offset = target.index.offset(number, at)
        return _edit(target.index, offset, offset, insert, target.encoding)
    return None


def _file_level(text: str, at: int) -> bool:
    return text[:at].rstrip().lower().endswith("pyprotocol:")


def comment_columns(text: str) -> dict[int, int]:
    """Where each line's comment starts.

    Args:
        text: Python source.

    Returns:
        1-based line number to 0-based code-point column of its ``#``; empty when
        the text does not tokenize.
    """
    found: dict[int, int] = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if token.type == tokenize.COMMENT:
                found[token.start[0]] = token.start[1]
    except (tokenize.TokenError, SyntaxError, ValueError):
        return {}
    return found


def type_ignore_edit(
    target: Target,
    finding: Finding,
    lines: frozenset[int],
    comments: Mapping[int, int],
) -> types.TextEdit | None:
    """The edit that silences a mypy finding with ``# type: ignore[code]``.

    mypy honours the comment on the line it reports, and only when the comment
    starts with it: an existing ``# type: ignore[...]`` there gets the code added,
    another comment gets the ignore put in front of it.

    Args:
        target: The document.
        finding: A mypy finding.
        lines: The lines that can take a comment.
        comments: Where each line's comment starts.

    Returns:
        The edit, or None when the line cannot take a comment or is ignored already.
    """
    number = finding.span.line
    if number not in lines:
        return None
    text = target.index.line(number)
    at = comments.get(number)
    if at is None:
        at, insert = len(text.rstrip()), f"  # type: ignore[{finding.code}]"
    elif (match := _TYPE_IGNORE.match(text, at)) is None:
        insert = f"# type: ignore[{finding.code}]  "
    elif match.group("codes") is None:
        return None  # a bare ignore silences every code already
    else:
        listed = [c.strip() for c in match.group("codes").split(",") if c.strip()]
        if finding.code in listed:
            return None
        at = match.end("codes")
        insert = f", {finding.code}" if listed else finding.code
    offset = target.index.offset(number, at)
    return _edit(target.index, offset, offset, insert, target.encoding)


# -- titles ------------------------------------------------------------------------
def fix_title(finding: Finding) -> str:
    """The title of a finding's quick fix; unsafe fixes say so, and why.

    Args:
        finding: A fixable finding.

    Returns:
        The title.
    """
    if finding.fix is None:
        return f"Fix {finding.code}"
    if finding.code == ruff.FORMAT_CODE and finding.source == ruff.SOURCE:
        return FORMAT_TITLE
    title = f"{finding.fix.title} ({finding.code})"
    if finding.fix.applicability is Applicability.UNSAFE:
        title += f" [unsafe: {finding.fix.reason or _UNSAFE_DEFAULT}]"
    return title


def is_safe(finding: Finding) -> bool:
    """Tell whether a finding has a safe fix.

    Args:
        finding: The finding.

    Returns:
        True for a fix marked safe.
    """
    return finding.fix is not None and finding.fix.applicability is Applicability.SAFE


def in_fix_all(finding: Finding) -> bool:
    """Tell whether fix-all fixes a finding (formatting is not a fix).

    Args:
        finding: The finding.

    Returns:
        True for a safe fix other than formatting.
    """
    return is_safe(finding) and finding.code != ruff.FORMAT_CODE


def is_preferred(finding: Finding) -> bool:
    """Tell whether a finding's quick fix may be applied without a look.

    Args:
        finding: A fixable finding.

    Returns:
        True for own safe fixes; never for ruff's.
    """
    return is_safe(finding) and finding.source not in TOOL_SOURCES


# -- actions -----------------------------------------------------------------------
def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Tell whether an action kind passes the client's ``only`` filter.

    Args:
        kind: The action's kind.
        only: The kinds asked for; None for all.

    Returns:
        True when the kind is asked for.
    """
    if not only:
        return True
    return any(kind == base or kind.startswith(f"{base}.") for base in only)


def touches(span: Span, area: Span) -> bool:
    """Tell whether a finding's span meets a requested range (ends included).

    Args:
        span: The finding's span.
        area: The requested range.

    Returns:
        True when they overlap or touch.
    """
    return (span.line, span.col) <= (area.end_line, area.end_col) and (
        area.line,
        area.col,
    ) <= (span.end_line, span.end_col)


def in_range(
    target: Target, area: Span, context: Sequence[types.Diagnostic]
) -> list[Finding]:
    """The findings a code action request is about.

    Args:
        target: The document.
        area: The requested range, in engine units.
        context: The diagnostics the client sent along.

    Returns:
        The findings that meet the range or that the client's diagnostics name.
    """
    named: set[tuple[str, Span]] = set()
    for diagnostic in context:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        span = span_from_key(data.get("span"))
        if span is not None and isinstance(data.get("code"), str):
            named.add((str(data["code"]), span))
    return [
        f for f in target.findings if touches(f.span, area) or (f.code, f.span) in named
    ]


def _action(
    title: str,
    kind: str,
    target: Target,
    data: dict[str, object],
    diagnostics: list[types.Diagnostic] | None = None,
    *,
    preferred: bool | None = None,
) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=kind,
        diagnostics=diagnostics,
        is_preferred=preferred,
        data={"uri": target.uri, "version": target.version, **data},
    )


def code_actions(
    target: Target,
    area: Span,
    context: Sequence[types.Diagnostic],
    only: Sequence[str] | None,
    *,
    lazy: bool,
) -> list[types.CodeAction]:
    """The code actions for a range of a document.

    Args:
        target: The document.
        area: The requested range, in engine units.
        context: The diagnostics the client sent along.
        only: The kinds asked for.
        lazy: Leave the edits to ``codeAction/resolve``.

    Returns:
        The actions, with edits unless ``lazy``.
    """
    actions: list[types.CodeAction] = []
    if wanted(QUICKFIX, only):
        actions.extend(_quick_fixes(target, in_range(target, area, context)))
    if (
        wanted(FIX_ALL_KIND, only)
        and target.parsed
        and any(in_fix_all(f) for f in target.findings)
    ):
        actions.append(
            _action(
                "Fix all safely fixable pyprotocol findings",
                FIX_ALL_KIND,
                target,
                {"action": ACTION_FIX_ALL},
            )
        )
    if lazy:
        return actions
    return [a for a in actions if resolve(target, a) is not None]


def _quick_fixes(target: Target, findings: list[Finding]) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    seen_rules: set[str] = set()
    for finding in findings:
        diagnostic = target.diagnostic(finding)
        where = {"code": finding.code, "span": span_key(finding.span)}
        if finding.fix is not None and target.parsed:
            actions.append(
                _action(
                    fix_title(finding),
                    QUICKFIX,
                    target,
                    {"action": ACTION_FIX, **where},
                    [diagnostic],
                    preferred=is_preferred(finding),
                )
            )
        same_rule = [
            f for f in target.findings if f.code == finding.code and is_safe(f)
        ]
        if (
            target.parsed
            and finding.source not in TOOL_SOURCES
            and len(same_rule) > 1
            and finding.code not in seen_rules
        ):
            seen_rules.add(finding.code)
            actions.append(
                _action(
                    f"Fix all {finding.code} in this file",
                    QUICKFIX,
                    target,
                    {"action": ACTION_FIX_RULE, "code": finding.code},
                    [diagnostic],
                )
            )
        suppress = _suppression(target, finding)
        if suppress is not None:
            title, action = suppress
            actions.append(
                _action(
                    title, QUICKFIX, target, {"action": action, **where}, [diagnostic]
                )
            )
    return actions


def _suppression(target: Target, finding: Finding) -> tuple[str, str] | None:
    """The title and action that suppress a finding, if one can."""
    # A trailing comment is not safe in TOML strings, YAML block scalars or
    # Dockerfile instructions: suppressions are offered in Python only.
    if not target.python or finding.code == engine.SYNTAX_CODE:
        return None
    if finding.source == mypy.SOURCE:
        return f"Suppress with `# type: ignore[{finding.code}]`", ACTION_TYPE_IGNORE
    if finding.code == ruff.FORMAT_CODE:
        return None  # formatting is fixed, not silenced
    return f"Suppress {finding.code} on this line", ACTION_SUPPRESS


def resolve(target: Target, action: types.CodeAction) -> types.CodeAction | None:
    """Compute and attach an action's edit.

    Args:
        target: The document, at the version the action was made for.
        action: The action (its ``data`` says what to do).

    Returns:
        The action with its edit, or None when there is nothing to do any more.
    """
    data = action.data if isinstance(action.data, dict) else {}
    kind = data.get("action")
    edits: list[types.TextEdit] | None = None
    if kind == ACTION_FIX_ALL:
        fixed = engine.fix(target.text, target.path, target.config, tools=target.ruff)
        edits = _fixed(target, fixed)
    elif kind == ACTION_FIX_RULE and isinstance(data.get("code"), str):
        codes = [str(data["code"])]
        fixed = engine.fix(target.text, target.path, target.config, codes)
        edits = _fixed(target, fixed)
    else:
        finding = _find(target, data)
        if finding is not None and kind == ACTION_FIX:
            fixed = engine.fix(target.text, target.path, target.config, only=finding)
            edits = _fixed(target, fixed)
        elif finding is not None and kind == ACTION_SUPPRESS:
            lines = _comment_lines(target)
            edit = suppress_edit(target, finding, lines)
            edits = [edit] if edit is not None else None
        elif finding is not None and kind == ACTION_TYPE_IGNORE:
            columns = comment_columns(target.text)
            edit = type_ignore_edit(target, finding, _comment_lines(target), columns)
            edits = [edit] if edit is not None else None
    if not edits:
        return None
    action.edit = target.workspace_edit(edits)
    return action


def _fixed(target: Target, result: engine.FixResult) -> list[types.TextEdit] | None:
    if not result.changed:
        return None
    return text_edits(target.text, result.source, target.index, target.encoding)


def _find(target: Target, data: dict[str, object]) -> Finding | None:
    span = span_from_key(data.get("span"))
    code = data.get("code")
    return next((f for f in target.findings if f.code == code and f.span == span), None)


def _comment_lines(target: Target) -> frozenset[int]:
    cached = target.extras.get("commentable")
    if isinstance(cached, frozenset):
        return cached
    lines = commentable_lines(target.text)
    target.extras["commentable"] = lines
    return lines
