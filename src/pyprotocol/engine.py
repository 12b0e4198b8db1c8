"""The one entry point for the CLI and the server: ``check`` and ``fix``.

``check`` parses the text once with :mod:`ast` and runs every enabled rule in a single
traversal. ``fix`` builds LibCST rewrites only for the findings whose fix is asked
for, re-parses the result and drops any rewrite whose output does not parse.
"""

from __future__ import annotations

import ast
import logging
import re
import subprocess
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final

import libcst as cst

from pyprotocol import protocol
from pyprotocol.config import Config
from pyprotocol.model import Applicability, Finding, Severity, Span
from pyprotocol.positions import LineIndex
from pyprotocol.rules import ALL_RULES
from pyprotocol.rules.base import (
    CANCEL_CHECK_STEPS,
    Context,
    FixRequest,
    RawFinding,
    Rule,
    WalkCancelledError,
    handler_names,
)
from pyprotocol.sources import ruff

log = logging.getLogger(__name__)

SYNTAX_CODE: Final = "PP000"
INTERNAL_CODE: Final = "PP001"
MAX_FIX_PASSES: Final = 32
MAX_ATTEMPTS_PER_RULE: Final = 4
_NOQA: Final = re.compile(
    r"#\s*(?P<file>pyprotocol:\s*)?noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]*(?:[\s,]+[A-Za-z]+[0-9]+)*))?",
    re.IGNORECASE,
)
_ANNOTATION_FIELDS: Final[dict[type[ast.AST], tuple[str, ...]]] = {
    ast.arg: ("annotation",),
    ast.FunctionDef: ("returns",),
    ast.AsyncFunctionDef: ("returns",),
    ast.AnnAssign: ("annotation",),
}
# Field order for definitions: decorators and signature before the body.
_FIELD_ORDER: Final[dict[type[ast.AST], tuple[str, ...]]] = {
    ast.FunctionDef: ("decorator_list", "type_params", "args", "returns", "body"),
    ast.AsyncFunctionDef: ("decorator_list", "type_params", "args", "returns", "body"),
    ast.ClassDef: ("decorator_list", "type_params", "bases", "keywords", "body"),
}
#: After ruff timed out, it is not asked again for this long (a hung ruff would
#: otherwise cost its whole timeout on every file); the same message stands in.
RUFF_RETRY_SECONDS: Final = 60.0
_OUTAGE_LOCK: Final = threading.Lock()
_RULES_BY_CODE: Final[dict[str, type[Rule]]] = {rule.code: rule for rule in ALL_RULES}
_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    rule.code: rule.replaces for rule in ALL_RULES if rule.replaces
}


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of checking one text."""

    findings: list[Finding]
    syntax_error: Finding | None = None
    internal_errors: tuple[str, ...] = ()
    tool_errors: tuple[str, ...] = ()
    #: The text's line index, when the check built one.
    index: LineIndex | None = None


@dataclass(slots=True)
class _Outage:
    """Until when a tool that timed out is not asked again, and what it said."""

    until: float = 0.0
    message: str = ""


_RUFF_OUTAGE: Final = _Outage()


@dataclass(slots=True)
class FixResult:
    """The result of fixing one text."""

    source: str
    applied: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """True when at least one fix was applied."""
        return bool(self.applied)


# -- selection ---------------------------------------------------------------------
def selector_matches(
    selector: str, code: str, name: str, sections: Iterable[str]
) -> bool:
    """Tell whether a ``select``/``ignore`` entry names a rule.

    A selector is ``ALL``, a code or code prefix (``PP1``), a rule name, or a protocol
    section key (``pr:2-exception-handling``), which covers its subsections.

    Args:
        selector: The entry.
        code: The rule's code.
        name: The rule's name.
        sections: The rule's section keys.

    Returns:
        True on a match.
    """
    if selector == "ALL" or selector == name:
        return True
    if ":" in selector:
        return any(selector in protocol.lineage(key) for key in sections)
    return code.startswith(selector.upper())


def rule_enabled(
    rule: type[Rule], config: Config, path: PurePath | None = None
) -> bool:
    """Tell whether ``rule`` runs under ``config`` for ``path``.

    Args:
        rule: The rule class.
        config: The configuration.
        path: The file, for ``per-file-ignores``.

    Returns:
        True when selected and not ignored.
    """
    args = (rule.code, rule.name, rule.sections)
    if not any(selector_matches(s, *args) for s in config.select):
        return False
    ignored = config.ignore + (config.ignored_here(path) if path is not None else ())
    return not any(selector_matches(s, *args) for s in ignored)


def severity_for(
    rule: type[Rule], config: Config, reported: Severity | None = None
) -> Severity:
    """The severity of a finding after overrides (the most specific selector wins).

    Args:
        rule: The rule class.
        config: The configuration.
        reported: The severity the rule gave this finding, if not its default.

    Returns:
        The severity.
    """
    best: tuple[int, Severity] | None = None
    for selector, severity in config.severity.items():
        if selector_matches(selector, rule.code, rule.name, rule.sections):
            rank = len(selector) if selector != "ALL" else 0
            if best is None or rank >= best[0]:
                best = (rank, severity)
    if best is not None:
        return best[1]
    return reported or rule.severity


# -- suppression -------------------------------------------------------------------
@dataclass(slots=True)
class Suppressions:
    """``# noqa`` comments: per line and file-wide (``# pyprotocol: noqa``)."""

    lines: dict[int, frozenset[str] | None] = field(default_factory=dict)
    file_codes: set[str] = field(default_factory=set)
    whole_file: bool = False

    @classmethod
    def scan(cls, lines: Sequence[str]) -> Suppressions:
        """Find the suppression comments in a text.

        Args:
            lines: The text's lines.

        Returns:
            The suppressions.
        """
        found = cls()
        for number, text in enumerate(lines, start=1):
            if "noqa" not in text.lower():
                continue
            for match in _NOQA.finditer(text):
                raw = match.group("codes")
                codes = frozenset(re.split(r"[\s,]+", raw.upper())) if raw else None
                if match.group("file"):
                    if codes is None:
                        found.whole_file = True
                    else:
                        found.file_codes |= codes
                else:
                    found.lines[number] = codes
        return found

    def suppresses(self, code: str, span: Span) -> bool:
        """Tell whether a finding is suppressed.

        A ``# noqa`` naming a ruff code that an own rule replaces (``BLE001`` for
        PP202) suppresses that rule too, so existing suppressions keep working.

        Args:
            code: The finding's code.
            span: Where it is; a comment on its first or last line counts.

        Returns:
            True when suppressed.
        """
        names = {code, *_ALIASES.get(code, ())}
        if self.whole_file or names & self.file_codes:
            return True
        for line in {span.line, span.end_line}:
            if line in self.lines:
                codes = self.lines[line]
                if codes is None or names & codes:
                    return True
        return False


# -- traversal ---------------------------------------------------------------------
_HANDLER_CACHE: Final[dict[str, tuple[tuple[str, type[ast.AST], bool], ...]]] = {}


def _handlers_of(rule: type[Rule]) -> tuple[tuple[str, type[ast.AST], bool], ...]:
    found = _HANDLER_CACHE.get(rule.code)
    if found is None:
        found = _HANDLER_CACHE[rule.code] = tuple(handler_names(rule))
    return found


def _children(node: ast.AST, kind: type[ast.AST]) -> list[tuple[ast.AST, int]]:
    """A node's children in source order, flagged 2 when they are annotations."""
    annotation_fields = _ANNOTATION_FIELDS.get(kind, ())
    children: list[tuple[ast.AST, int]] = []
    for name in _FIELD_ORDER.get(kind, node._fields):
        value = getattr(node, name, None)
        flag = 2 if name in annotation_fields else 0
        if isinstance(value, ast.AST):
            children.append((value, flag))
        elif isinstance(value, list):
            children.extend((item, flag) for item in value if isinstance(item, ast.AST))
    return children


class Walker:
    """Runs every rule's handlers in one iterative pre/post-order traversal."""

    def __init__(
        self,
        ctx: Context,
        rules: Sequence[Rule],
        *,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.ctx = ctx
        self.rules = rules
        self.cancelled = cancelled
        if cancelled is not None:
            ctx.cancelled = cancelled
        self.enter: dict[type[ast.AST], list[Callable[[ast.AST], None]]] = {}
        self.leave: dict[type[ast.AST], list[Callable[[ast.AST], None]]] = {}
        self.broken: dict[str, str] = {}
        #: Import statements left so far, in walk order (the context's imports grow
        #: as the walk goes: a function-level import counts after it).
        self.imported: list[ast.Import | ast.ImportFrom] = []
        for rule in rules:
            for attr, node_type, leaving in _handlers_of(type(rule)):
                table = self.leave if leaving else self.enter
                table.setdefault(node_type, []).append(getattr(rule, attr))

    def _call(self, handlers: list[Callable[[ast.AST], None]], node: ast.AST) -> None:
        for handler in tuple(handlers):
            try:
                handler(node)
            except WalkCancelledError:
                raise
            except Exception as err:
                code = getattr(getattr(handler, "__self__", None), "code", "?")
                self.broken[code] = f"{type(err).__name__}: {err}"
                log.exception("rule %s failed on %s", code, self.ctx.path)
                # The rule is unreliable on this file: stop calling it.
                for table in (self.enter, self.leave):
                    for registered in table.values():
                        registered[:] = [
                            h
                            for h in registered
                            if getattr(h, "__self__", None)
                            is not getattr(handler, "__self__", None)
                        ]

    def _leave_node(self, node: ast.AST, state: int) -> None:
        ctx = self.ctx
        ctx.parents.pop()
        kind = type(node)
        if kind in self.leave:
            self._call(self.leave[kind], node)
        if state & 2:
            ctx.annotation_depth -= 1
        if isinstance(node, ast.Import | ast.ImportFrom):
            ctx.imports.add(node)
            self.imported.append(node)

    def run(self) -> None:
        """Walk the whole module, then let the rules finish."""
        self._walk_from(self.ctx.tree)
        self.finish()

    def begin(self) -> None:
        """Enter the module before walking top-level statements one by one."""
        ctx = self.ctx
        if ast.Module in self.enter:
            self._call(self.enter[ast.Module], ctx.tree)
        ctx.parents[:] = [ctx.tree]

    def walk_root(self, root: ast.stmt) -> None:
        """Walk one top-level statement (between :meth:`begin` and :meth:`end`).

        Args:
            root: The statement.
        """
        self._walk_from(root)

    def enter_class(self, node: ast.ClassDef) -> None:
        """Enter a top-level class and walk its header, not its body.

        The body's statements are then walked one by one with :meth:`walk_root`,
        and :meth:`leave_class` closes the class.

        Args:
            node: The class.
        """
        if ast.ClassDef in self.enter:
            self._call(self.enter[ast.ClassDef], node)
        self.ctx.parents.append(node)
        for name in ("decorator_list", "type_params", "bases", "keywords"):
            for child in getattr(node, name):
                self._walk_from(child)

    def leave_class(self, node: ast.ClassDef) -> None:
        """Leave a class entered with :meth:`enter_class`.

        Args:
            node: The class.
        """
        self.ctx.parents.pop()
        if ast.ClassDef in self.leave:
            self._call(self.leave[ast.ClassDef], node)

    def end(self) -> None:
        """Leave the module after walking top-level statements one by one."""
        ctx = self.ctx
        ctx.parents.clear()
        if ast.Module in self.leave:
            self._call(self.leave[ast.Module], ctx.tree)

    def _walk_from(self, start: ast.AST) -> None:
        ctx = self.ctx
        enter = self.enter
        # (node, state): state bit 0 = leaving, bit 1 = the node is an annotation root.
        stack: list[tuple[ast.AST, int]] = [(start, 0)]
        cancelled = self.cancelled
        steps = 0
        while stack:
            if cancelled is not None:
                steps += 1
                if not steps % CANCEL_CHECK_STEPS and cancelled():
                    raise WalkCancelledError
            node, state = stack.pop()
            if state & 1:
                self._leave_node(node, state)
                continue
            if state & 2:
                ctx.annotation_depth += 1
            kind = type(node)
            if kind in enter:
                self._call(enter[kind], node)
            stack.append((node, state | 1))
            ctx.parents.append(node)
            stack.extend(reversed(_children(node, kind)))

    def finish(self) -> None:
        """Let every rule report what it collected."""
        ctx = self.ctx
        for rule in self.rules:
            try:
                rule.finish()
            except Exception as err:
                self.broken[rule.code] = f"{type(err).__name__}: {err}"
                log.exception("rule %s failed to finish on %s", rule.code, ctx.path)


def _applies(rule: type[Rule], ctx: Context) -> bool:
    if rule.applies_to == "tests" and not ctx.is_test_file:
        return False
    if rule.applies_to == "code" and ctx.is_test_file:
        return False
    if rule.requires_import and not ctx.imports.imports(rule.requires_import):
        return False
    return ctx.target_version >= rule.min_target


def syntax_error_finding(err: Exception, lines: LineIndex) -> Finding:
    """Turn a parse failure into a finding at the place Python reports.

    Args:
        err: The exception from :func:`ast.parse`.
        lines: The text's line index.

    Returns:
        An error finding with code ``PP000``.
    """
    if isinstance(err, SyntaxError) and err.lineno:
        last = max(len(lines.lines), 1)
        line = min(max(err.lineno, 1), last)
        text = lines.line(line)
        col = min(max((err.offset or 1) - 1, 0), len(text))
        end_line = (
            min(err.end_lineno, last)
            if err.end_lineno and err.end_lineno >= line
            else line
        )
        end_col = (
            (err.end_offset - 1)
            if err.end_offset and err.end_lineno == line
            else col + 1
        )
        # Python may point one past the end of a line (an unexpected end of line):
        # the span stays inside the document.
        end_col = min(max(end_col, 0), len(lines.line(end_line)))
        if end_line == line:
            end_col = max(end_col, col)
        span = Span(line, col, end_line, end_col)
        message = f"syntax error: {err.msg}"
    elif isinstance(err, MemoryError | RecursionError):
        span = Span(1, 0, 1, len(lines.line(1)))
        message = f"cannot parse: nested too deeply for Python's parser ({err})"
    else:
        # A NUL byte, or a lone surrogate (UnicodeEncodeError says where).
        at = err.start if isinstance(err, UnicodeEncodeError) else lines.text.find("\0")
        line, col = lines.position(max(at, 0))
        span = Span(line, col, line, min(col + 1, len(lines.line(line))))
        message = f"cannot parse: {err}"
    return Finding(SYNTAX_CODE, message, span, Severity.ERROR)


def parse(source: str) -> ast.Module:
    """Parse Python text with :mod:`ast`, silencing compile-time warnings.

    Args:
        source: The text.

    Returns:
        The module.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


def analyse(
    source: str,
    path: PurePath | str,
    config: Config | None = None,
    *,
    rules: Sequence[type[Rule]] | None = None,
    tools: bool = False,
) -> Analysis:
    """Check one text against the own rules (and, with ``tools``, ruff).

    Args:
        source: The file's text.
        path: The file's path (for test-file patterns and per-file ignores).
        config: The configuration; defaults when omitted.
        rules: Restrict to these rules (still subject to ``config``).
        tools: Also run ruff (lint and format) on the text.

    Returns:
        The findings (sorted by position), the syntax error if the text does not parse,
        and messages from rules that failed on this text.
    """
    config = config or Config()
    path = PurePath(path)
    lines = LineIndex(source)
    try:
        tree = parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
        found = syntax_error_finding(err, lines)
        return Analysis([found], syntax_error=found)
    ctx = Context(source, path, tree, config, lines)
    walker = Walker(ctx, active_rules(ctx, rules))
    walker.run()
    findings = [finalise(raw, config) for raw in ctx.raw]
    tool_errors: tuple[str, ...] = ()
    if tools:
        extra, tool_errors = tool_findings(source, path, config)
        findings.extend(extra)
    errors = tuple(f"{code}: {message}" for code, message in walker.broken.items())
    return Analysis(
        conclude(findings, lines),
        internal_errors=errors,
        tool_errors=tool_errors,
        index=lines,
    )


def active_rules(ctx: Context, rules: Sequence[type[Rule]] | None = None) -> list[Rule]:
    """The rules that run on a file, bound to its context.

    Args:
        ctx: The file's context.
        rules: Restrict to these rules (still subject to the configuration).

    Returns:
        The enabled rules that apply to the file.
    """
    return [
        rule(ctx)
        for rule in (ALL_RULES if rules is None else rules)
        if rule_enabled(rule, ctx.config, ctx.path) and _applies(rule, ctx)
    ]


def conclude(findings: list[Finding], lines: LineIndex) -> list[Finding]:
    """Drop suppressed findings and duplicates, and sort the rest by position.

    Args:
        findings: Every finding made on a text.
        lines: The text's line index.

    Returns:
        What is reported.
    """
    suppress = Suppressions.scan(lines.lines)
    findings = [f for f in findings if not suppress.suppresses(f.code, f.span)]
    findings.sort(key=lambda f: (f.span, f.code))
    return _dedupe(findings)


def tool_findings(
    source: str, path: PurePath, config: Config
) -> tuple[list[Finding], tuple[str, ...]]:
    """Ruff's lint and format findings for a text, filtered by the configuration.

    Args:
        source: The file's text (it must parse).
        path: The file's path.
        config: The configuration.

    Returns:
        The findings, and messages for tools that could not run.
    """
    with _OUTAGE_LOCK:
        outage = _RUFF_OUTAGE.until > time.monotonic()
        message = _RUFF_OUTAGE.message
    if outage:
        return [], (message,)
    try:
        found = ruff.check(source, path, config)
        formatting = ruff.format_finding(source, path, config)
    except ruff.RuffError as err:
        if isinstance(err.__cause__, subprocess.TimeoutExpired):
            # A hanging ruff would cost its timeout on every file: rest a while.
            with _OUTAGE_LOCK:
                _RUFF_OUTAGE.until = time.monotonic() + RUFF_RETRY_SECONDS
                _RUFF_OUTAGE.message = str(err)
        return [], (str(err),)
    if formatting is not None:
        found.append(formatting)
    return [f for f in found if finding_enabled(f, config, path)], ()


def finding_enabled(finding: Finding, config: Config, path: PurePath) -> bool:
    """Tell whether a tool's finding passes ``select``/``ignore``.

    Args:
        finding: A finding from ruff or mypy.
        config: The configuration.
        path: The file.

    Returns:
        True when it is selected and not ignored.
    """
    section = ruff.section_for(finding.code) if finding.source == ruff.SOURCE else None
    args = (finding.code, finding.code.lower(), (section,) if section else ())
    if not any(selector_matches(s, *args) for s in config.select):
        return False
    ignored = config.ignore + config.ignored_here(path)
    return not any(selector_matches(s, *args) for s in ignored)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, Span]] = set()
    unique = []
    for finding in findings:
        key = (finding.code, finding.span)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def finalise(raw: RawFinding, config: Config) -> Finding:
    """Turn a rule's raw finding into a finding under the configuration.

    Args:
        raw: What the rule reported.
        config: The configuration (severity overrides, link base).

    Returns:
        The finding.
    """
    rule = raw.rule
    return Finding(
        code=rule.code,
        message=raw.message,
        span=raw.span,
        severity=severity_for(rule, config, raw.severity),
        href=protocol.href(rule.sections[0], config.links),
        fix=raw.fix,
        tags=rule.tags,
        data=raw.data,
    )


def check(
    source: str,
    path: PurePath | str,
    config: Config | None = None,
    *,
    tools: bool = False,
) -> list[Finding]:
    """Check one text and return its findings (a syntax error is a finding too).

    Args:
        source: The file's text.
        path: The file's path.
        config: The configuration; defaults when omitted.
        tools: Also run ruff.

    Returns:
        The findings, sorted by position.
    """
    return analyse(source, path, config, tools=tools).findings


# -- fixing ------------------------------------------------------------------------
def _wanted(finding: Finding, codes: Sequence[str] | None, unsafe: bool) -> bool:
    if finding.fix is None or finding.code not in _RULES_BY_CODE:
        return False
    if finding.fix.applicability is Applicability.UNSAFE and not unsafe:
        return False
    if codes is None:
        return True
    rule = _RULES_BY_CODE[finding.code]
    return any(selector_matches(s, rule.code, rule.name, rule.sections) for s in codes)


def apply_rule_fix(
    source: str,
    path: PurePath,
    rule: type[Rule],
    findings: Sequence[Finding],
    config: Config,
    *,
    unsafe: bool = False,
) -> str | None:
    """Apply one rule's fix for some of its findings.

    Args:
        source: The text the findings were made on.
        path: The file's path.
        rule: The rule that made them.
        findings: The findings to fix.
        config: The configuration.
        unsafe: Whether unsafe fixes may run.

    Returns:
        The new text, or None when the fix failed or its output does not parse.
    """
    try:
        tree = cst.parse_module(source)
        ctx = Context(source, path, parse(source), config)
        request = FixRequest(findings, source, path, config.target_version, unsafe)
        new = rule(ctx).fix(tree, request).code
    except Exception:
        log.exception("fix for %s failed on %s", rule.code, path)
        return None
    if new == source:
        return None
    try:
        parse(new)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        log.warning("fix for %s produced text that does not parse; dropped", rule.code)
        return None
    return new


def fix(
    source: str,
    path: PurePath | str,
    config: Config | None = None,
    codes: Sequence[str] | None = None,
    *,
    unsafe: bool = False,
    only: Finding | None = None,
    tools: bool = False,
) -> FixResult:
    """Apply fixes until the text is stable.

    Args:
        source: The file's text.
        path: The file's path.
        config: The configuration; defaults when omitted.
        codes: Selectors of the rules whose fixes to apply; all when None.
        unsafe: Also apply fixes marked unsafe.
        only: Fix just this one finding (one pass, the server's quick fix).
        tools: Also apply ruff's fixes for the protocol's selection (after the own
            fixes, which may leave imports to sort), when ``codes`` is None.

    Returns:
        The new text and the findings that were fixed.
    """
    config = config or Config()
    path = PurePath(path)
    result = FixResult(source)
    if only is not None:
        _fix_one(result, path, config, only)
        return result
    _apply_own_fixes(result, path, config, codes, unsafe=unsafe)
    if tools and codes is None:
        _apply_ruff_fixes(result, path, config, unsafe=unsafe)
    if tools and result.changed:
        _keep_formatted(source, result, path)
    return result


def _fix_one(result: FixResult, path: PurePath, config: Config, only: Finding) -> None:
    """Apply the fix of one finding, own or ruff's."""
    if only.fix is None:
        return
    if only.source == ruff.SOURCE:
        edits = ruff.edits_of(only)
        new = ruff.apply_edits(result.source, edits) if edits else None
        if only.code == ruff.FORMAT_CODE:
            try:
                new = ruff.format_source(result.source, path)
            except ruff.RuffError:
                new = None
    else:
        rule = _RULES_BY_CODE.get(only.code)
        new = (
            apply_rule_fix(result.source, path, rule, [only], config, unsafe=True)
            if rule is not None
            else None
        )
    if new is not None and only.source == ruff.SOURCE and not _plausible(new, result):
        log.warning(
            "ruff's fix for %s produced no text or text that does not parse", only.code
        )
        new = None
    if new is not None and new != result.source:
        result.source = new
        result.applied.append(only)


def _plausible(new: str, result: FixResult) -> bool:
    """A tool's output parses, and is not empty where the text was not."""
    return _parses(new) and (bool(new.strip()) or not result.source.strip())


def _parses(source: str) -> bool:
    try:
        parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False
    return True


def _apply_own_fixes(
    result: FixResult,
    path: PurePath,
    config: Config,
    codes: Sequence[str] | None,
    *,
    unsafe: bool,
) -> None:
    """Apply own rules' fixes, one rule at a time, until nothing is left to fix."""
    failed: set[str] = set()
    attempts: dict[str, int] = {}
    for _ in range(MAX_FIX_PASSES):
        analysis = analyse(result.source, path, config)
        if analysis.syntax_error is not None:
            return
        pending = [
            f
            for f in analysis.findings
            if _wanted(f, codes, unsafe) and f.code not in failed
        ]
        if not pending:
            return
        code = pending[0].code
        batch = [f for f in pending if f.code == code]
        attempts[code] = attempts.get(code, 0) + 1
        if attempts[code] > MAX_ATTEMPTS_PER_RULE:
            failed.add(code)
            continue
        new = apply_rule_fix(
            result.source, path, _RULES_BY_CODE[code], batch, config, unsafe=unsafe
        )
        if new is None:
            failed.add(code)
            result.skipped.append(code)
            continue
        result.source = new
        result.applied.extend(batch)


def _keep_formatted(original: str, result: FixResult, path: PurePath) -> None:
    """Reformat a fixed text when the original was ruff-format clean.

    Fixes must not leave formatting findings behind in a file that had none.
    """
    try:
        if ruff.format_source(original, path) != original:
            return
        formatted = ruff.format_source(result.source, path)
    except ruff.RuffError:
        return
    if formatted and _parses(formatted):
        result.source = formatted


def _apply_ruff_fixes(
    result: FixResult, path: PurePath, config: Config, *, unsafe: bool
) -> None:
    try:
        before = ruff.check(result.source, path, config)
        new = ruff.fix(result.source, path, config, unsafe=unsafe)
    except ruff.RuffError as err:
        result.skipped.append(f"ruff: {err}")
        return
    if new == result.source or not new:
        return
    if not _parses(new):
        result.skipped.append("ruff: its fixes produced text that does not parse")
        return
    try:
        after = {(f.code, f.span) for f in ruff.check(new, path, config)}
    except ruff.RuffError as err:
        result.skipped.append(f"ruff: {err}")
        return
    result.applied.extend(
        f for f in before if f.fix is not None and (f.code, f.span) not in after
    )
    result.source = new
