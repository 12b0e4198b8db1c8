"""The rule API: what a rule declares, and the context it detects in.

A rule is a small class in its own module. It declares its code, name, the protocol
sections it enforces, examples that must and must not be flagged, and ``visit_<Node>``
/ ``leave_<Node>`` methods named after :mod:`ast` node classes. The engine runs every
enabled rule in ONE traversal of the tree. A rule with a fix overrides :meth:`Rule.fix`,
which receives a LibCST module and rewrites it; fixes run only when asked for.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar, Final, cast

from pyprotocol.model import Applicability, Finding, FixInfo, Severity, Span, Tag
from pyprotocol.positions import LineIndex

if TYPE_CHECKING:
    import libcst as cst

    from pyprotocol.config import Config

_BUILTINS: Final = frozenset(dir(builtins))
#: How often (in nodes) a cancellable walk, or a long loop over a whole module,
#: asks whether it is still wanted.
CANCEL_CHECK_STEPS: Final = 2048
TYPING_MODULES: Final = ("typing", "typing_extensions")


class WalkCancelledError(Exception):
    """A cancellable check was told to stop (a newer text arrived)."""


@dataclass(frozen=True, slots=True)
class Fixed:
    """A fix example: the source before and the expected text after fixing."""

    before: str
    after: str
    unsafe: bool = False


@dataclass(frozen=True, slots=True)
class Examples:
    """Examples that document a rule and are run as its tests.

    ``bad`` snippets must be flagged by the rule, ``good`` ones must not. ``fixed``
    pairs must be flagged before, equal ``after`` once fixed, and not be flagged after.
    ``path`` is the file name the snippets are checked as (e.g. a test file).
    """

    bad: tuple[str, ...] = ()
    good: tuple[str, ...] = ()
    fixed: tuple[Fixed, ...] = ()
    path: str = "example.py"


@dataclass(slots=True)
class FixRequest:
    """What a fix is given besides the tree: where, and under which settings."""

    findings: Sequence[Finding]
    source: str
    path: PurePath
    target_version: tuple[int, int]
    unsafe: bool = False

    def starts(self) -> set[tuple[int, int]]:
        """The (line, column) starts of the findings, to match CST nodes against."""
        return {(f.span.line, f.span.col) for f in self.findings}


class Rule:
    """Base class of every own rule. Subclasses set the class variables below."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    why: ClassVar[str]
    sections: ClassVar[tuple[str, ...]]
    severity: ClassVar[Severity] = Severity.WARNING
    message: ClassVar[str] = ""
    fix_title: ClassVar[str | None] = None
    fix_applicability: ClassVar[Applicability] = Applicability.SAFE
    fix_reason: ClassVar[str | None] = None
    tags: ClassVar[tuple[Tag, ...]] = ()
    #: "all" files, only "tests", or only "code" (non-test files).
    applies_to: ClassVar[str] = "all"
    #: Only run where this module (or a submodule) is imported, e.g. "fastapi".
    requires_import: ClassVar[str | None] = None
    #: Minimum target Python version the rule makes sense for.
    min_target: ClassVar[tuple[int, int]] = (3, 12)
    #: Heuristic rules say so: they default to a low severity and hedge their message.
    heuristic: ClassVar[bool] = False
    #: ruff codes this rule supersedes: ruff is not asked for them (one owner).
    replaces: ClassVar[tuple[str, ...]] = ()
    examples: ClassVar[Examples] = Examples()
    #: True when what the rule reports inside a top-level statement depends only on
    #: that statement and the module's top-level facts (its imports, the statements
    #: outside definitions, the names of definitions): the server then reuses those
    #: findings for statements an edit did not touch. A rule that looks across
    #: definitions (other functions' bodies, a class's bases elsewhere) keeps the
    #: default and runs over the whole module on every check.
    statement_local: ClassVar[bool] = False

    def __init__(self, ctx: Context) -> None:
        """Bind the rule to one file's context.

        Args:
            ctx: The context of the file being checked.
        """
        self.ctx = ctx

    def report(
        self,
        where: ast.AST | Span,
        message: str | None = None,
        *,
        fix: FixInfo | bool | None = None,
        data: Mapping[str, str] | None = None,
        severity: Severity | None = None,
    ) -> None:
        """Record a finding.

        Args:
            where: The node (its whole extent) or span to flag.
            message: The message; the rule's default message when omitted.
            fix: True to offer the rule's declared fix, a FixInfo for a specific
                one, None or False for none.
            data: Values the fix needs later, kept with the finding.
            severity: A lower severity for this finding (a guess, say) than the
                rule's default; a user's severity override still wins.

        Raises:
            TypeError: When ``fix`` is True but the rule declares no fix.
        """
        span = where if isinstance(where, Span) else self.ctx.span(where)
        info: FixInfo | None
        if fix is True:
            if self.fix_title is None:
                msg = f"{self.code} offers a fix but declares no fix_title"
                raise TypeError(msg)
            info = FixInfo(self.fix_title, self.fix_applicability, self.fix_reason)
        elif isinstance(fix, FixInfo):
            info = fix
        else:
            info = None
        self.ctx.add(
            self, span, message or self.message, info, dict(data or {}), severity
        )

    def finish(self) -> None:
        """Called once after the traversal; rules that collect state report here."""

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Rewrite ``tree`` to fix ``request.findings`` (all of them this rule's).

        Args:
            tree: The module as parsed by LibCST.
            request: The findings to fix and the settings.

        Returns:
            The rewritten module.
        """
        del request
        return tree


@dataclass(slots=True)
class RawFinding:
    """A finding before suppression, selection and severity overrides apply."""

    rule: type[Rule]
    span: Span
    message: str
    fix: FixInfo | None
    data: dict[str, str] = field(default_factory=dict)
    severity: Severity | None = None


class ImportMap:
    """Which names a module binds by import, resolved to qualified names."""

    __slots__ = ("modules", "names")

    def __init__(self) -> None:
        """Start empty."""
        self.names: dict[str, str] = {}
        self.modules: set[str] = set()

    def add(self, node: ast.Import | ast.ImportFrom) -> None:
        """Record the bindings of an import statement.

        Args:
            node: The import statement.
        """
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.modules.add(alias.name)
                if alias.asname:
                    self.names[alias.asname] = alias.name
                else:
                    top = alias.name.partition(".")[0]
                    self.names[top] = top
            return
        module = "." * node.level + (node.module or "")
        self.modules.add(module)
        for alias in node.names:
            if alias.name == "*":
                continue
            joined = (
                f"{module}.{alias.name}"
                if module and not module.endswith(".")
                else (f"{module}{alias.name}")
            )
            self.names[alias.asname or alias.name] = joined

    def imports(self, module: str) -> bool:
        """Tell whether ``module`` or one of its submodules is imported.

        Args:
            module: A dotted module name.

        Returns:
            True when the module is imported in any form.
        """
        return any(m == module or m.startswith(f"{module}.") for m in self.modules)


def _collect_module_imports(body: Sequence[ast.stmt], imports: ImportMap) -> None:
    """Record imports at module level, including under ``if``/``try``/``with``."""
    for stmt in body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            imports.add(stmt)
        elif isinstance(stmt, ast.If | ast.For | ast.While):
            _collect_module_imports(stmt.body, imports)
            _collect_module_imports(stmt.orelse, imports)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            _collect_module_imports(stmt.body, imports)
            for handler in stmt.handlers:
                _collect_module_imports(handler.body, imports)
            _collect_module_imports(stmt.orelse, imports)
            _collect_module_imports(stmt.finalbody, imports)
        elif isinstance(stmt, ast.With):
            _collect_module_imports(stmt.body, imports)


class Context:
    """What rules can ask about the file and the place the traversal is at."""

    def __init__(
        self,
        source: str,
        path: PurePath,
        tree: ast.Module,
        config: Config,
        lines: LineIndex | None = None,
    ) -> None:
        """Prepare the context for one file.

        Args:
            source: The file's text.
            path: The file's path.
            tree: The parsed module.
            config: The configuration in force.
            lines: A line index of ``source`` when the caller has one.
        """
        self.source = source
        self.path = path
        self.tree = tree
        self.config = config
        self.lines = lines or LineIndex(source)
        self.is_test_file = config.is_test_file(path)
        self.target_version = config.target_version
        self.imports = ImportMap()
        _collect_module_imports(tree.body, self.imports)
        self.future_annotations = any(
            isinstance(stmt, ast.ImportFrom)
            and stmt.module == "__future__"
            and any(alias.name == "annotations" for alias in stmt.names)
            for stmt in tree.body
        )
        self.module_names = {
            target.id
            for stmt in tree.body
            if isinstance(stmt, ast.Assign | ast.AnnAssign)
            for target in (
                stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            )
            if isinstance(target, ast.Name)
        } | {
            stmt.name
            for stmt in tree.body
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        }
        self.parents: list[ast.AST] = []
        self.annotation_depth = 0
        self.raw: list[RawFinding] = []
        self._node_index: dict[type[ast.AST], list[ast.AST]] | None = None
        self._class_members: dict[int, ast.ClassDef] | None = None
        self._shared: dict[str, object] = {}
        #: Set for a check that may be cancelled; long loops call
        #: :meth:`check_cancelled`.
        self.cancelled: Callable[[], bool] | None = None

    def check_cancelled(self) -> None:
        """Stop a cancellable check that is no longer wanted.

        Raises:
            WalkCancelledError: When the check's ``cancelled`` callable says so.
        """
        if self.cancelled is not None and self.cancelled():
            raise WalkCancelledError

    def shared[T](self, key: str, build: Callable[[], T]) -> T:
        """A per-file value several rules use, built once on first request.

        The value lives on the context, so it goes away with it (a module-level
        cache keyed by context would keep every checked tree alive).

        Args:
            key: A name unique to the value's kind, e.g. ``"log_common.loggers"``.
            build: Makes the value.

        Returns:
            The value.
        """
        if key not in self._shared:
            self._shared[key] = build()
        # Each key is only ever stored by `build` callables of one type.
        return cast("T", self._shared[key])

    # -- whole-module questions, answered from one shared index --------------------
    def nodes_of[N: ast.AST](self, kind: type[N]) -> list[N]:
        """Every node of one exact ``ast`` class in the module, in walk order.

        Rules that need to look at the whole module before or after the traversal
        use this instead of walking the tree themselves: the index is built once
        per file and shared.

        Args:
            kind: A concrete ``ast`` node class.

        Returns:
            The nodes (do not modify the list).
        """
        if self._node_index is None:
            index: dict[type[ast.AST], list[ast.AST]] = {}
            for count, node in enumerate(ast.walk(self.tree)):
                index.setdefault(type(node), []).append(node)
                if not count % CANCEL_CHECK_STEPS:
                    self.check_cancelled()
            self._node_index = index
        # The index is keyed by exact class, so every node under `kind` is a `kind`.
        return cast("list[N]", self._node_index.get(kind, []))

    def class_of(self, member: ast.AST) -> ast.ClassDef | None:
        """The class whose body directly holds ``member`` (a method, say).

        Args:
            member: A statement.

        Returns:
            The class, or None when the statement is not in a class body.
        """
        if self._class_members is None:
            self._class_members = {
                id(item): node
                for node in self.nodes_of(ast.ClassDef)
                for item in node.body
            }
        return self._class_members.get(id(member))

    # -- where are we --------------------------------------------------------------
    @property
    def parent(self) -> ast.AST | None:
        """The parent of the node being visited."""
        return self.parents[-1] if self.parents else None

    @property
    def in_annotation(self) -> bool:
        """True inside a parameter, return or variable annotation."""
        return self.annotation_depth > 0

    def enclosing(self, *kinds: type[ast.AST]) -> ast.AST | None:
        """The nearest ancestor of one of the given kinds.

        Args:
            kinds: ``ast`` node classes.

        Returns:
            The ancestor, or None.
        """
        for node in reversed(self.parents):
            if isinstance(node, kinds):
                return node
        return None

    def function(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The innermost function whose body (or signature) is being visited."""
        for node in reversed(self.parents):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
            if isinstance(node, ast.ClassDef | ast.Lambda):
                return None
        return None

    def in_async_function(self) -> bool:
        """True inside the body of an ``async def`` (not a nested sync ``def``)."""
        return isinstance(self.function(), ast.AsyncFunctionDef)

    def class_scope(self) -> ast.ClassDef | None:
        """The class whose body directly holds the current function, if any."""
        for index in range(len(self.parents) - 1, -1, -1):
            node = self.parents[index]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                outer = self.parents[index - 1] if index else None
                return outer if isinstance(outer, ast.ClassDef) else None
        return None

    # -- names ---------------------------------------------------------------------
    def qualname(self, node: ast.expr) -> str | None:
        """Resolve a name or attribute chain to a qualified name through imports.

        ``t.Optional`` after ``import typing as t`` is ``typing.Optional``; ``Opt``
        after ``from typing import Optional as Opt`` is ``typing.Optional``; a builtin
        not rebound at module level is ``builtins.<name>``.

        Args:
            node: An expression.

        Returns:
            The qualified name, or None when it is not an imported or builtin name.
        """
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.imports.names.get(node.id)
        if head is None:
            if node.id in _BUILTINS and node.id not in self.module_names and not parts:
                return f"builtins.{node.id}"
            return None
        parts.append(head)
        return ".".join(reversed(parts))

    def typing_name(self, node: ast.expr) -> str | None:
        """The member name when ``node`` is ``typing.X`` or ``typing_extensions.X``.

        Args:
            node: An expression.

        Returns:
            ``X``, or None.
        """
        name = self.qualname(node)
        if name is None:
            return None
        module, _, member = name.rpartition(".")
        return member if module in TYPING_MODULES else None

    def is_call_to(self, node: ast.AST, *names: str) -> bool:
        """Tell whether ``node`` is a call to one of the qualified ``names``.

        Args:
            node: Any node.
            names: Qualified names such as ``"subprocess.run"``.

        Returns:
            True on a match.
        """
        return isinstance(node, ast.Call) and self.qualname(node.func) in names

    # -- positions -----------------------------------------------------------------
    def span(self, node: ast.AST) -> Span:
        """The span of a node, in code points.

        Args:
            node: A node with a location.

        Returns:
            Its span.
        """
        line: int = getattr(node, "lineno", 1)
        col: int = getattr(node, "col_offset", 0)
        end_line: int = getattr(node, "end_lineno", None) or line
        end_col: int = getattr(node, "end_col_offset", None) or col
        return Span(
            line,
            self.lines.byte_to_col(line, col),
            end_line,
            self.lines.byte_to_col(end_line, end_col),
        )

    def name_span(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    ) -> Span:
        """The span of the name in a ``def`` or ``class`` header.

        Args:
            node: The definition.

        Returns:
            The span of its name, or of its first line when the name is not found.
        """
        text = self.lines.line(node.lineno)
        start = self.lines.byte_to_col(node.lineno, node.col_offset)
        keyword = "class" if isinstance(node, ast.ClassDef) else "def"
        at = text.find(keyword, start)
        if at >= 0:
            at = text.find(node.name, at + len(keyword))
        if at < 0:
            return Span(node.lineno, start, node.lineno, len(text))
        return Span(node.lineno, at, node.lineno, at + len(node.name))

    def add(
        self,
        rule: Rule,
        span: Span,
        message: str,
        fix: FixInfo | None,
        data: dict[str, str],
        severity: Severity | None = None,
    ) -> None:
        """Store a finding reported by ``rule``.

        Args:
            rule: The reporting rule.
            span: Where.
            message: What.
            fix: The fix on offer, if any.
            data: Values for the fix.
            severity: This finding's own severity, if not the rule's.
        """
        self.raw.append(RawFinding(type(rule), span, message, fix, data, severity))


type Handler = Callable[[ast.AST], None]


def handler_names(rule: type[Rule]) -> Iterator[tuple[str, type[ast.AST], bool]]:
    """The ``visit_``/``leave_`` methods of a rule with their node classes.

    Args:
        rule: The rule class.

    Yields:
        The method name, the ``ast`` class it handles, and whether it is a leave.

    Raises:
        TypeError: When a handler's name is not an ``ast`` node class.
    """
    for attr in dir(rule):
        for prefix, leaving in (("visit_", False), ("leave_", True)):
            if attr.startswith(prefix):
                node_type = getattr(ast, attr[len(prefix) :], None)
                if not isinstance(node_type, type) or not issubclass(
                    node_type, ast.AST
                ):
                    msg = f"{rule.__name__}.{attr} names no ast node class"
                    raise TypeError(msg)
                yield attr, node_type, leaving
