"""Re-check only the top-level statements an edit touched.

The server checks a buffer on every change. Most edits land inside one function of a
module with hundreds, so an :class:`Incremental` analyser keeps, per open document,
the last good tree cut into *units* (top-level statements, with statements that share
a line kept together) and, per unit, what the statement-local rules found in it
(:attr:`~pyprotocol.rules.base.Rule.statement_local`).

On a new text it compares lines with the last one, re-parses only the region between
the unchanged units before and after the edit, moves the units after it by the number
of lines added or removed, and walks the statement-local rules over the new units
only. The body of a top-level class is cut into units too (its methods), so an edit
in one method of a 5,000-line class re-parses that method. Rules that look across
definitions walk the whole (reassembled) tree every time.

Every shortcut falls back to a full check when it cannot prove the result equal:
the region does not parse on its own (an edit opened a string or a bracket that runs
on), the module's top-level facts changed (imports, statements outside definitions,
the names of definitions, imports inside functions), or the configuration changed.
``tests/unit/test_incremental.py`` compares the result with a full check over edits
of real files.
"""

from __future__ import annotations

import ast
import bisect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Final

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.model import Finding, Span
from pyprotocol.positions import LineIndex
from pyprotocol.rules import ALL_RULES
from pyprotocol.rules.base import Context, ImportMap, Rule, WalkCancelledError

log = logging.getLogger(__name__)

_DEFINITIONS: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_BINDERS: Final = (
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.For,
    ast.AsyncFor,
    ast.withitem,
    ast.NamedExpr,
)
type _Import = ast.Import | ast.ImportFrom


@dataclass(slots=True)
class _Unit:
    """Statements that start and end on lines of their own."""

    stmts: list[ast.stmt]
    start: int
    end: int
    #: A member of a class (its methods' attribute assignments count as facts).
    member: bool = False
    #: Imports inside it, in walk order (they count for the units after it).
    imports: tuple[_Import, ...] = ()
    #: The statement-local rules' findings inside it (a class: on its header).
    findings: tuple[Finding, ...] = ()
    #: A top-level class: its body, cut into units.
    members: list[_Unit] | None = None
    #: Lines its nodes still have to move by (see :func:`_defer`).
    pending: int = 0
    _facts: tuple[object, ...] | None = None

    @property
    def klass(self) -> ast.ClassDef:
        """The class of a unit that has members."""
        node = self.stmts[0]
        if not isinstance(node, ast.ClassDef):
            msg = "only a class's unit has members"
            raise TypeError(msg)
        return node

    @property
    def facts(self) -> tuple[object, ...]:
        """What statement-local rules elsewhere may read from this unit."""
        if self._facts is None:
            self._facts = _facts(self.stmts, member=self.member)
        return self._facts

    def shift(self, delta: int, at: int) -> None:
        """Move the unit's positions after an edit above ``at``.

        Args:
            delta: Lines added (negative: removed).
            at: The first old line after the edited region.
        """
        if self.start >= at:
            self.start += delta
        if self.end >= at:
            self.end += delta
        self.findings = tuple(_shift(f, delta, at) for f in self.findings)
        for member in self.members or ():
            member.shift(delta, at)

    def all_imports(self) -> tuple[_Import, ...]:
        """Its imports, members' included, in walk order."""
        if self.members is None:
            return self.imports
        return tuple(node for member in self.members for node in member.imports)

    def all_findings(self) -> list[Finding]:
        """Its findings, members' included."""
        found = list(self.findings)
        for member in self.members or ():
            found.extend(member.findings)
        return found


@dataclass(slots=True)
class _Memory:
    """The last text that parsed, cut into units."""

    lines: list[str]
    units: list[_Unit]
    config: Config
    path: PurePath
    #: The result for ``lines``.
    analysis: engine.Analysis | None = None
    #: The findings of the rules that are not statement-local (maybe carried).
    others: list[Finding] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Stats:
    """How the last check went: for tests, logs and benchmarks."""

    #: "full", "partial" (top-level units), "member" (units of one class), "same".
    mode: str
    #: Lines re-parsed (the whole text for a full check).
    parsed_lines: int
    #: Units walked by the statement-local rules.
    walked_units: int


@dataclass(frozen=True, slots=True)
class _Region:
    """What an edit replaced: units ``first`` to ``after`` (exclusive) of a list."""

    first: int
    after: int
    fresh: list[_Unit]
    #: The region's first line.
    top: int
    #: The first old line after the region (units from here on move).
    at: int
    lines: int


def _start_line(stmt: ast.stmt) -> int:
    if isinstance(stmt, _DEFINITIONS) and stmt.decorator_list:
        return min(stmt.lineno, *(d.lineno for d in stmt.decorator_list))
    return stmt.lineno


def _facts(stmts: list[ast.stmt], *, member: bool) -> tuple[object, ...]:
    """What rules checking other units may read from these statements.

    A definition's kind, name and decorators (a method's assignments to attributes
    too: rules resolve ``self.log`` through them), anything else whole.
    """
    facts: list[object] = []
    for stmt in stmts:
        if isinstance(stmt, _DEFINITIONS):
            decorators = tuple(ast.dump(d) for d in stmt.decorator_list)
            assigned = _attribute_stores(stmt) if member else ()
            facts.append((type(stmt).__name__, stmt.name, decorators, assigned))
        else:
            facts.append(ast.dump(stmt))
    return tuple(facts)


def _attribute_stores(stmt: ast.stmt) -> tuple[str, ...]:
    """The statements in a definition that assign to an attribute."""
    return tuple(
        ast.dump(node)
        for node in ast.walk(stmt)
        if isinstance(node, _BINDERS)
        and any(
            isinstance(target, ast.Attribute) and isinstance(target.ctx, ast.Store)
            for target in ast.walk(node)
        )
    )


def _units(stmts: list[ast.stmt], *, top: bool) -> list[_Unit]:
    """Group statements into units: statements sharing a line stay together."""
    units: list[_Unit] = []
    group: list[ast.stmt] = []
    start = end = 0
    for stmt in stmts:
        first = _start_line(stmt)
        last = stmt.end_lineno or stmt.lineno
        if group and first <= end:
            group.append(stmt)
            end = max(end, last)
            continue
        if group:
            units.append(_unit(group, start, end, top=top))
        group, start, end = [stmt], first, last
    if group:
        units.append(_unit(group, start, end, top=top))
    return units


def _unit(stmts: list[ast.stmt], start: int, end: int, *, top: bool) -> _Unit:
    unit = _Unit(stmts, start, end, member=not top)
    if top and len(stmts) == 1 and isinstance(stmts[0], ast.ClassDef):
        unit.members = _units(stmts[0].body, top=False)
    return unit


def _shift(finding: Finding, delta: int, at: int) -> Finding:
    span = finding.span
    line = span.line + delta if span.line >= at else span.line
    end_line = span.end_line + delta if span.end_line >= at else span.end_line
    if line == span.line and end_line == span.end_line:
        return finding
    return replace(finding, span=Span(line, span.col, end_line, span.end_col))


def _is_local(rule: Rule | type[Rule]) -> bool:
    kind = rule if isinstance(rule, type) else type(rule)
    return (
        kind.statement_local
        and kind.finish is Rule.finish
        and not hasattr(kind, "visit_Module")
        and not hasattr(kind, "leave_Module")
    )


_LOCAL_RULES: Final = tuple(rule for rule in ALL_RULES if _is_local(rule))
_GLOBAL_RULES: Final = tuple(rule for rule in ALL_RULES if not _is_local(rule))


def _import_keys(units: list[_Unit]) -> list[str]:
    return [ast.dump(node) for unit in units for node in unit.all_imports()]


class _Walk:
    """One walk of the statement-local rules (and, on a full check, the others)."""

    def __init__(self, ctx: Context, rules: list[Rule], config: Config) -> None:
        self.ctx = ctx
        self.config = config
        self.walker = engine.Walker(ctx, rules)
        self.local = {type(rule) for rule in rules if _is_local(rule)}
        #: Findings of rules that are not statement-local (full checks only).
        self.others: list[Finding] = []
        self.walked = 0

    def sort(self, mark: int) -> list[Finding]:
        """Finalise the findings made since ``mark``; keep the local rules' ones.

        Args:
            mark: An index into the context's raw findings.

        Returns:
            The local rules' findings (the others go to :attr:`others`).
        """
        inside: list[Finding] = []
        for raw in self.ctx.raw[mark:]:
            finding = engine.finalise(raw, self.config)
            (inside if raw.rule in self.local else self.others).append(finding)
        return inside

    def unit(self, unit: _Unit) -> None:
        """Walk a unit and remember what the local rules found in it.

        Args:
            unit: The unit (a class: header and every member).
        """
        if unit.members is None:
            self.plain(unit)
            return
        node = unit.klass
        mark = len(self.ctx.raw)
        self.walker.enter_class(node)
        header = self.sort(mark)
        for member in unit.members:
            self.plain(member)
        mark = len(self.ctx.raw)
        self.walker.leave_class(node)
        unit.findings = (*header, *self.sort(mark))
        self.walked += 1

    def plain(self, unit: _Unit) -> None:
        """Walk a unit's statements.

        Args:
            unit: The unit.
        """
        mark, imported = len(self.ctx.raw), len(self.walker.imported)
        for stmt in unit.stmts:
            self.walker.walk_root(stmt)
        unit.findings = tuple(self.sort(mark))
        unit.imports = tuple(self.walker.imported[imported:])
        self.walked += 1

    def skip(self, unit: _Unit) -> None:
        """Pass over a unit the edit left alone: only its imports count.

        Args:
            unit: The unit.
        """
        for node in unit.all_imports():
            self.ctx.imports.add(node)

    def member_pass(self, unit: _Unit, fresh: set[int]) -> None:
        """Walk the new members of a class whose header findings stand.

        Args:
            unit: The class's unit.
            fresh: ids of the member units to walk.
        """
        node = unit.klass
        mark = len(self.ctx.raw)
        self.walker.enter_class(node)
        del self.ctx.raw[mark:]
        for member in unit.members or ():
            if id(member) in fresh:
                self.plain(member)
            else:
                self.skip(member)
        mark = len(self.ctx.raw)
        self.walker.leave_class(node)
        del self.ctx.raw[mark:]


class Incremental:
    """Checks successive texts of one document, reusing what an edit left alone.

    A check has two phases. :meth:`analyse_fast` re-checks what the edit touched
    with the statement-local rules and carries the other rules' findings over from
    the last complete result (moved with the edit; those inside the edited region
    are dropped). :meth:`complete` then runs the other rules over the whole tree and
    can be cancelled when a newer text arrives. :meth:`analyse` does both.

    Not thread-safe: one check at a time per instance (the server's scheduler runs
    at most one check per document).
    """

    def __init__(self) -> None:
        """Start with nothing remembered."""
        self._memory: _Memory | None = None
        self._pending: tuple[str, LineIndex] | None = None
        self.stats = Stats("none", 0, 0)

    def reset(self) -> None:
        """Forget the last text: the next check is a full one."""
        self._memory = None
        self._pending = None

    def tree(self) -> ast.Module | None:
        """The tree of the last text that parsed, as reassembled from its units.

        Returns:
            The module, or None when nothing is remembered.
        """
        if self._memory is None:
            return None
        _settle(self._memory.units)
        return _module(self._memory.units)

    def analyse(
        self, source: str, path: PurePath | str, config: Config | None = None
    ) -> engine.Analysis:
        """Check a text with the own rules, as :func:`engine.analyse` does.

        Args:
            source: The document's text.
            path: Its path.
            config: The configuration; defaults when omitted.

        Returns:
            The same analysis a full check gives.
        """
        fast = self.analyse_fast(source, path, config)
        if not self.pending:
            return fast
        done = self.complete()
        return fast if done is None else done

    @property
    def pending(self) -> bool:
        """True when the last fast check left rules for :meth:`complete`."""
        return self._pending is not None

    def analyse_fast(
        self, source: str, path: PurePath | str, config: Config | None = None
    ) -> engine.Analysis:
        """Check what an edit touched; other findings are carried over.

        Args:
            source: The document's text.
            path: Its path.
            config: The configuration; defaults when omitted.

        Returns:
            The analysis; complete unless :attr:`pending` is True.
        """
        config = config or Config()
        path = PurePath(path)
        self._pending = None
        try:
            return self._analyse(source, path, config)
        except Exception:
            log.exception("incremental check of %s failed; checking it whole", path)
            self.reset()
            return engine.analyse(source, path, config)

    def complete(
        self, cancelled: Callable[[], bool] | None = None
    ) -> engine.Analysis | None:
        """Run the rules that look across definitions on the last fast check's text.

        Args:
            cancelled: Polled during the walk; when it returns True the work stops.

        Returns:
            The complete analysis, or None when there was nothing pending or the
            work was cancelled (the carried findings then stand).
        """
        pending, self._pending = self._pending, None
        memory = self._memory
        if pending is None or memory is None:
            return None
        source, index = pending
        try:
            others, broken = _global_findings(memory, source, index, cancelled)
        except WalkCancelledError:
            return None
        except Exception:
            log.exception("the whole-module rules failed on %s", memory.path)
            self.reset()
            return None
        memory.others = others
        memory.analysis = _result(memory.units, others, index, broken)
        if broken:
            self.reset()
        return memory.analysis

    def _analyse(self, source: str, path: PurePath, config: Config) -> engine.Analysis:
        # Lines as `ast` counts them (a form feed or U+2028 ends no line), one index
        # for the whole check.
        index = LineIndex(source)
        lines = index.with_ends()
        memory = self._memory
        if memory is not None and memory.config == config and memory.path == path:
            if lines == memory.lines and memory.analysis is not None:
                self.stats = Stats("same", 0, 0)
                return memory.analysis
            partial = self._partial(memory, index, lines)
            if partial is not None:
                return partial
        return self._full(index, lines, path, config)

    def _full(
        self, index: LineIndex, lines: list[str], path: PurePath, config: Config
    ) -> engine.Analysis:
        source = index.text
        try:
            tree = engine.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError) as err:
            # The last good text stays: the edit that repairs this one is compared
            # with it.
            found = engine.syntax_error_finding(err, index)
            return engine.Analysis([found], syntax_error=found)
        units = _units(tree.body, top=True)
        ctx = Context(source, path, tree, config, index)
        walk = _Walk(ctx, engine.active_rules(ctx), config)
        walk.walker.begin()
        walk.others.extend(walk.sort(0))
        for unit in units:
            walk.unit(unit)
        mark = len(ctx.raw)
        walk.walker.end()
        walk.walker.finish()
        walk.others.extend(walk.sort(mark))
        broken = walk.walker.broken
        analysis = _result(units, walk.others, index, broken)
        self._memory = (
            None
            if broken
            else _Memory(lines, units, config, path, analysis, walk.others)
        )
        self.stats = Stats("full", len(lines), len(units))
        return analysis

    def _partial(
        self, memory: _Memory, index: LineIndex, lines: list[str]
    ) -> engine.Analysis | None:
        units = memory.units
        low, high = _diff(memory.lines, lines)
        first, after = _touched(units, low, high)
        delta = len(lines) - len(memory.lines)
        owner = units[first] if after - first == 1 else None
        members = owner.members if owner is not None else None
        if owner is not None and members and members[0].start <= low <= owner.end:
            if high > owner.end:
                return None
            # Inside one class's body: cut at its members instead.
            line = memory.lines[members[0].start - 1]
            indent = line[: len(line) - len(line.lstrip(" \t"))]
            inner = _touched(members, low, high)
            region = _region(lines, members, inner, delta, owner.end, indent)
            if region is None:
                return None
            return self._apply(memory, index, lines, region, owner)
        region = _region(lines, units, (first, after), delta, None, None)
        if region is None:
            return None
        return self._apply(memory, index, lines, region, None)

    def _apply(
        self,
        memory: _Memory,
        index: LineIndex,
        lines: list[str],
        region: _Region,
        owner: _Unit | None,
    ) -> engine.Analysis | None:
        siblings = memory.units if owner is None else (owner.members or [])
        replaced = siblings[region.first : region.after]
        if [u.facts for u in region.fresh] != [u.facts for u in replaced]:
            return None
        old_imports = _import_keys(replaced)
        delta = len(lines) - len(memory.lines)
        # From here on the units are made to match the new text.
        self._memory = None
        _splice(memory.units, region, owner, delta)
        units = memory.units
        tree = _module(units)
        source = index.text
        ctx = Context(source, memory.path, tree, memory.config, index)
        walk = _Walk(ctx, engine.active_rules(ctx, _LOCAL_RULES), memory.config)
        fresh = {id(unit) for unit in region.fresh}
        walk.walker.begin()
        for unit in units:
            if id(unit) in fresh:
                walk.unit(unit)
            elif unit is owner:
                walk.member_pass(unit, fresh)
            else:
                walk.skip(unit)
        walk.walker.end()
        if walk.walker.broken or _import_keys(region.fresh) != old_imports:
            # A rule failed, or an import inside a definition changed what the
            # statements after it resolve: check the whole text.
            return None
        # The other rules' findings move with the edit until they run again.
        memory.others = _carry(memory.others, region, delta)
        analysis = _result(units, memory.others, index, {})
        memory.lines = lines
        memory.analysis = analysis
        self._memory = memory
        self._pending = (source, index)
        mode = "partial" if owner is None else "member"
        self.stats = Stats(mode, region.lines, walk.walked)
        return analysis


def _splice(
    units: list[_Unit], region: _Region, owner: _Unit | None, delta: int
) -> None:
    """Put a region's new units in place and move everything after them."""
    siblings = units if owner is None else (owner.members or [])
    if delta:
        for unit in units:
            if unit is not owner and unit.start >= region.at:
                _move(unit, delta, region.at)
        if owner is not None:
            for unit in siblings[region.after :]:
                _move(unit, delta, region.at)
            # The class now ends `delta` lines later, and so do findings on it.
            owner.end += delta
            owner.findings = tuple(_shift(f, delta, region.top) for f in owner.findings)
    siblings[region.first : region.after] = region.fresh
    if owner is not None:
        node = owner.klass
        node.body = [stmt for unit in siblings for stmt in unit.stmts]
        node.end_lineno, node.end_col_offset = owner.end, node.body[-1].end_col_offset


def _module(units: list[_Unit]) -> ast.Module:
    """The module made of some units' statements."""
    return ast.Module(body=[s for u in units for s in u.stmts], type_ignores=[])


def _carry(findings: list[Finding], region: _Region, delta: int) -> list[Finding]:
    """Move findings across an edit; drop those that touch the edited lines."""
    kept: list[Finding] = []
    for finding in findings:
        span = finding.span
        if span.end_line < region.top:
            kept.append(finding)
        elif span.line >= region.at:
            kept.append(_shift(finding, delta, region.at))
    return kept


def _global_findings(
    memory: _Memory,
    source: str,
    index: LineIndex,
    cancelled: Callable[[], bool] | None,
) -> tuple[list[Finding], dict[str, str]]:
    """Run the rules that are not statement-local over the whole tree."""
    _settle(memory.units, cancelled)
    tree = _module(memory.units)
    ctx = Context(source, memory.path, tree, memory.config, index)
    ctx.cancelled = cancelled
    rules = engine.active_rules(ctx, _GLOBAL_RULES)
    if not rules:
        return [], {}
    walker = engine.Walker(ctx, rules, cancelled=cancelled)
    walker.run()
    return [engine.finalise(raw, memory.config) for raw in ctx.raw], walker.broken


def _result(
    units: list[_Unit],
    others: list[Finding],
    index: LineIndex,
    broken: dict[str, str],
) -> engine.Analysis:
    findings = [f for unit in units for f in unit.all_findings()]
    findings.extend(others)
    errors = tuple(f"{code}: {message}" for code, message in broken.items())
    return engine.Analysis(
        engine.conclude(findings, index), internal_errors=errors, index=index
    )


def _copy_imports(imports: ImportMap) -> ImportMap:
    copy = ImportMap()
    copy.names = dict(imports.names)
    copy.modules = set(imports.modules)
    return copy


def _move(unit: _Unit, delta: int, at: int) -> None:
    unit.shift(delta, at)
    _defer(unit, delta)


def _defer(unit: _Unit, delta: int) -> None:
    """Move a unit's nodes by ``delta`` lines, a definition's body only when needed.

    Moving every node of a 10,000-line module after a line break near its top costs
    more than the rest of the check: a definition's nodes keep a pending offset
    until something reads them (:func:`_settle`). Statements outside definitions,
    and the header of a class, move at once: other statements' rules read them.
    """
    if unit.members is not None:
        node = unit.klass
        node.lineno += delta
        if node.end_lineno is not None:
            node.end_lineno += delta
        for field_name in ("decorator_list", "type_params", "bases", "keywords"):
            for child in getattr(node, field_name):
                ast.increment_lineno(child, delta)
        for member in unit.members:
            _defer(member, delta)
    elif len(unit.stmts) == 1 and isinstance(unit.stmts[0], _DEFINITIONS):
        unit.pending += delta
    else:
        for stmt in unit.stmts:
            ast.increment_lineno(stmt, delta)


def _settle(units: list[_Unit], cancelled: Callable[[], bool] | None = None) -> None:
    """Apply the pending line offsets of definitions (see :func:`_defer`).

    Raises:
        WalkCancelledError: When ``cancelled`` says so (what is done stays done).
    """
    for unit in units:
        if cancelled is not None and cancelled():
            raise WalkCancelledError
        if unit.pending:
            for stmt in unit.stmts:
                ast.increment_lineno(stmt, unit.pending)
            unit.pending = 0
        if unit.members:
            _settle(unit.members, cancelled)


def _diff(old: list[str], new: list[str]) -> tuple[int, int]:
    """The first and last old lines (1-based) that differ from the new text.

    ``high`` is ``low - 1`` when lines were only inserted.
    """
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    return prefix + 1, len(old) - suffix


def _touched(units: list[_Unit], low: int, high: int) -> tuple[int, int]:
    """The index of the first unit the changed lines touch, and after the last."""
    first = bisect.bisect_left([u.end for u in units], low)
    after = bisect.bisect_right([u.start for u in units], high)
    return first, after


def _region(
    lines: list[str],
    units: list[_Unit],
    touched: tuple[int, int],
    delta: int,
    bottom: int | None,
    indent: str | None,
) -> _Region | None:
    """Parse the lines between the units an edit left alone.

    Args:
        lines: The new text's lines.
        units: The units the edit is among (module level or one class's members).
        touched: What :func:`_touched` found.
        delta: Lines added by the edit.
        bottom: The last old line units may span (a class's end), or None.
        indent: A class body's indentation, when the units are its members.

    Returns:
        The region, or None when it does not parse on its own.
    """
    first, after = touched
    if first > 0:
        top = units[first - 1].end + 1
    else:
        top = units[0].start if indent is not None else 1
    if after < len(units):
        end = units[after].start - 1
    elif bottom is not None:
        end = bottom
    else:
        end = len(lines) - delta
    text = "".join(lines[top - 1 : end + delta])
    if "__future__" in text:
        return None
    parsed = _parse_region(text, top, indent)
    if parsed is None:
        return None
    fresh = _units(parsed, top=indent is None)
    return _Region(first, after, fresh, top, end + 1, end + delta - top + 1)


def _parse_region(text: str, top: int, indent: str | None) -> list[ast.stmt] | None:
    """Parse a region's text, placed at line ``top``.

    A class body's region is parsed inside a stand-in class, with a ``pass`` after
    it so that a region of comments alone parses too.
    """
    offset = top - 1
    if indent is not None:
        if text and not text.endswith("\n"):
            text += "\n"
        text = f"class _:\n{text}{indent}pass\n"
        offset -= 1
    try:
        parsed = engine.parse(text).body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if indent is not None:
        body = parsed[0].body if parsed and isinstance(parsed[0], ast.ClassDef) else []
        if len(parsed) != 1 or not body or not isinstance(body[-1], ast.Pass):
            return None
        parsed = body[:-1]
    for stmt in parsed:
        ast.increment_lineno(stmt, offset)
    return parsed
