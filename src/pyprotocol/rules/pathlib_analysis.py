"""PP409's analysis: which ``os.path``/``os``/``glob`` calls can become pathlib.

The analysis runs on the ``ast`` of a module, once for detection and again when a
fix is asked for (the two see the same text, so they agree). It finds the calls
(through every import style), works out what is known of each path argument
(:class:`Facts`), decides whether a rewrite behaves the same (safe), may behave
differently (unsafe, with the reason) or cannot be written at all, and plans a
set of rewrites: which calls change, which variables become ``Path`` objects where
they are built, and where a result must stay a ``str``.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Final

from pyprotocol.rules.pathlib_specs import (
    OPEN_PARAMS,
    OS_PATHLIKE,
    PATHLIKE_CALLS,
    SHUTIL_NONE,
    SHUTIL_RETURNS_DST,
    SPECS,
    Spec,
)
from pyprotocol.rules.scope_names import ScopeNode, Scopes, scopes_of

if TYPE_CHECKING:
    from pyprotocol.rules.base import Context

type Key = tuple[int, int]
type _Bound = Mapping[str, ast.expr | None]
_SCOPES: Final = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS: Final = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_MAGIC: Final = frozenset("*?[")
_MAX_DEPTH: Final = 8
_NOQA: Final = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9, ]+))?", re.IGNORECASE)
_TEST_FILE: Final = re.compile(r"^(test_.*|.*_test)\.py$")


# -- what is known of a path value --------------------------------------------------
@dataclass(frozen=True, slots=True)
class Facts:
    """What is known of the string (or ``Path``) a path expression evaluates to.

    ``canon`` implies ``fsok`` implies ``text``.
    """

    #: A ``str`` or a ``Path``: not ``bytes``, not a file descriptor.
    text: bool = False
    #: Non-empty, and ``Path(value)`` names the same file (no trailing ``/``,
    #: no final ``.`` component).
    fsok: bool = False
    #: ``str(Path(value)) == value`` and the value is not ``''`` or ``'.'``.
    canon: bool = False
    #: Starts at the root.
    absolute: bool = False
    #: Has a directory part (``os.path.dirname`` of it is not empty).
    has_dir: bool = False
    #: No ``..`` component.
    no_dotdot: bool = False
    #: No glob metacharacter.
    no_magic: bool = False
    #: Already a ``Path`` in the code as written.
    pathobj: bool = False
    #: A ``bytes`` or ``int`` literal: pathlib cannot take it at all.
    never: bool = False
    #: The exact value when it is a literal.
    literal: str | None = None


UNKNOWN: Final = Facts()
_TEXT: Final = Facts(text=True)
#: A name listed from a directory: never empty, no ``/``, never ``.`` or ``..``.
_ENTRY_NAME: Final = Facts(text=True, fsok=True, canon=True, no_dotdot=True)
#: ``__file__``, ``os.getcwd()``, ``os.path.abspath(...)``, ``os.path.realpath(...)``.
_CLEAN_ABSOLUTE: Final = Facts(
    text=True, fsok=True, canon=True, absolute=True, has_dir=True, no_dotdot=True
)


def literal_facts(value: str) -> Facts:
    """What is known of a string literal used as a path.

    Args:
        value: The literal's value.

    Returns:
        Its facts (POSIX spelling; a backslash makes it unknown but text).
    """
    if "\\" in value:
        return _TEXT
    parts = value.split("/")
    canon = value not in {"", "."} and str(PurePosixPath(value)) == value
    return Facts(
        text=True,
        fsok=bool(value) and parts[-1] not in {"", "."},
        canon=canon,
        absolute=value.startswith("/"),
        has_dir="/" in value.rstrip("/"),
        no_dotdot=".." not in parts,
        no_magic=not _MAGIC & set(value),
        literal=value,
    )


def _tail_facts(tail: str, head_absolute: bool) -> Facts:
    """A string built by formatting or ``+`` whose last literal part is ``tail``."""
    fsok = bool(tail) and tail[-1] not in "/." and "\\" not in tail
    return Facts(text=True, fsok=fsok, absolute=head_absolute)


# -- the calls found ----------------------------------------------------------------
@dataclass(slots=True)
class Site:
    """One call to a function of :data:`SPECS`."""

    call: ast.Call
    func: str
    spec: Spec
    chain: tuple[ScopeNode, ...]
    #: The node the rewrite replaces: the call, or ``splitext(p)[1]``'s subscript.
    node: ast.expr
    #: The template to use: the spec's op, or a refinement ("suffix", "stem"...).
    op: str = ""
    #: The path arguments (the ones wrapped in ``Path(...)``), in order.
    paths: tuple[ast.expr, ...] = ()
    #: A site whose text this one takes over (``basename`` inside ``.stem``).
    absorbs: ast.Call | None = None
    fixable: bool = False
    safe: bool = False
    #: Why the fix is unsafe, or why there is none.
    reason: str = ""
    #: Facts of the value the call returns, when it returns a path.
    result: Facts = UNKNOWN

    @property
    def returns_path(self) -> bool:
        """True when the rewrite yields a ``Path`` where the call gave a ``str``."""
        return self.op in _PATH_OPS


_PATH_OPS: Final = frozenset(
    {
        "join",
        "parent",
        "absolute",
        "resolve",
        "expanduser",
        "normpath",
        "cwd",
        "with_suffix",
        "split_parent",
    }
)


@dataclass(frozen=True, slots=True)
class Rewrite:
    """One node to replace, as the fix needs it."""

    op: str
    spec: Spec
    #: Per path argument: wrap it in ``Path(...)``.
    wrap: tuple[bool, ...] = ()
    #: Wrap the result in ``str(...)``: a ``str`` is needed where it goes.
    to_str: bool = False
    #: The node is a subscript (``splitext(p)[1]``), not a call.
    subscript: bool = False
    #: The loop variable of a comprehension the rewrite writes.
    var: str = ""
    #: Write a generator, not a list: the consumer takes any iterable.
    lazy: bool = False


@dataclass(slots=True)
class Plan:
    """The rewrites of one fix, keyed by the start of the replaced node's head."""

    rewrites: dict[Key, Rewrite] = field(default_factory=dict)
    #: Module-level names of the functions rewritten, for import clean-up.
    names: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Var:
    """A variable that may become a ``Path`` where it is built."""

    name: str
    site: Site
    uses: list[ast.Name]
    #: The ``dirpath`` of an ``os.walk`` loop rather than an assignment.
    walk: bool = False


@dataclass(slots=True)
class _State:
    """A plan in the making."""

    chosen: dict[int, Site]
    converted: dict[int, _Var] = field(default_factory=dict)
    path_uses: set[int] = field(default_factory=set)


class PathAnalysis:
    """The sites of one module and what can be done with them."""

    def __init__(self, ctx: Context) -> None:
        """Analyse a module.

        Args:
            ctx: The module's context.
        """
        self.ctx = ctx
        self.scopes: Scopes = scopes_of(ctx)
        self.parents: dict[int, ast.AST] = {}
        self.chains: dict[int, tuple[ScopeNode, ...]] = {}
        self.local_imports: dict[int, dict[str, str]] = {}
        self.names: dict[str, list[ast.Name]] = {}
        self.sites: list[Site] = []
        self.by_call: dict[int, Site] = {}
        self.path_name = self._path_name()
        self.walk_vars: dict[int, _Var] = {}
        #: (scope id, name) -> the ``os.walk`` site whose loop binds the name, and
        #: the name's place in the loop's tuple.
        self.walk_parts: dict[tuple[int, str], tuple[Site, int]] = {}
        #: (scope id, name) -> the iterables of the ``for`` loops binding the name.
        self.loop_iters: dict[tuple[int, str], list[ast.expr]] = {}
        #: Names bound by a comprehension around them -> the iterable (None when
        #: the target is not a plain name).
        self.comp_iters: dict[int, ast.expr | None] = {}
        self._index()
        for site in self.sites:
            self._classify(site)
        self.vars = self._variables()

    # -- indexing -------------------------------------------------------------------
    def _index(self) -> None:
        stack: list[tuple[ast.AST, tuple[ScopeNode, ...], _Bound]] = [
            (self.ctx.tree, (), {})
        ]
        calls: list[tuple[ast.Call, tuple[ScopeNode, ...]]] = []
        #: The first iterable of a comprehension runs outside it.
        outside: dict[int, _Bound] = {}
        while stack:
            node, chain, bound = stack.pop()
            bound = outside.pop(id(node), bound)
            if isinstance(node, ast.Call):
                calls.append((node, chain))
            else:
                self._note(node, chain, bound)
            inner = chain
            if isinstance(node, _COMPREHENSIONS):
                outside[id(node.generators[0].iter)] = bound
                bound = {**bound, **_comprehension_names(node)}
            elif isinstance(node, _SCOPES):
                inner, bound = (*chain, node), {}
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
                stack.append((child, inner, bound))
        self._make_sites(calls)

    def _note(self, node: ast.AST, chain: tuple[ScopeNode, ...], bound: _Bound) -> None:
        """Index imports inside functions, names and simple ``for`` targets."""
        if isinstance(node, ast.Import | ast.ImportFrom) and chain:
            self._local_import(node, chain[-1])
        elif isinstance(node, ast.Name):
            self.names.setdefault(node.id, []).append(node)
            self.chains[id(node)] = chain
            if node.id in bound:
                self.comp_iters[id(node)] = bound[node.id]
        elif isinstance(node, ast.For | ast.AsyncFor) and isinstance(
            node.target, ast.Name
        ):
            scope = id(chain[-1]) if chain else 0
            key = (scope, node.target.id)
            self.loop_iters.setdefault(key, []).append(node.iter)

    def _make_sites(self, calls: list[tuple[ast.Call, tuple[ScopeNode, ...]]]) -> None:
        for call, chain in calls:
            func = self.resolve(call.func, chain)
            if func is None or func[0] not in SPECS:
                continue
            site = Site(call, func[0], SPECS[func[0]], chain, call)
            if func[1]:
                site.reason = "`os` is imported inside the function"
            self.sites.append(site)
            self.by_call[id(call)] = site
            if func[0] == "os.walk":
                self._walk_targets(site)
        self.sites.sort(key=lambda s: (s.call.lineno, s.call.col_offset))

    def _walk_targets(self, site: Site) -> None:
        loop = self.parent(site.call)
        if (
            isinstance(loop, ast.For)
            and loop.iter is site.call
            and isinstance(loop.target, ast.Tuple)
        ):
            scope = id(site.chain[-1]) if site.chain else 0
            for index, element in enumerate(loop.target.elts):
                if isinstance(element, ast.Name):
                    self.walk_parts[(scope, element.id)] = (site, index)

    def _local_import(
        self, node: ast.Import | ast.ImportFrom, scope: ScopeNode
    ) -> None:
        table = self.local_imports.setdefault(id(scope), {})
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    table[alias.asname] = alias.name
                else:
                    head = alias.name.partition(".")[0]
                    table[head] = head
        elif node.module and not node.level:
            for alias in node.names:
                table[alias.asname or alias.name] = f"{node.module}.{alias.name}"

    def resolve(
        self, node: ast.expr, chain: tuple[ScopeNode, ...]
    ) -> tuple[str, bool] | None:
        """The qualified name of a callee, following local bindings.

        Args:
            node: The callee expression.
            chain: The functions around it, outermost first.

        Returns:
            The name and whether it comes from an import inside a function, or
            None when it is not an imported name (or is shadowed).
        """
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        found = self.scopes.lookup(node.id, chain)
        if found is not None and found.chain:
            table = self.local_imports.get(id(found.chain[-1]), {})
            head = table.get(node.id)
            if head is None:
                return None
            return ".".join([head, *reversed(parts)]), True
        if found is not None and any(b.value is not None for b in found.bindings):
            return None
        name = self.ctx.qualname(node)
        if name is None:
            return None
        return ".".join([name, *reversed(parts)]), False

    def _path_name(self) -> str | None:
        """How to spell ``Path``, or None when the fix cannot.

        An unconditional import of ``Path`` or of ``pathlib`` is used; otherwise
        ``Path`` (imported by the fix) unless that name means something else.
        """
        top = [
            s for s in self.ctx.tree.body if isinstance(s, ast.Import | ast.ImportFrom)
        ]
        for stmt in top:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "pathlib":
                for alias in stmt.names:
                    if alias.name == "Path":
                        return alias.asname or "Path"
        for stmt in top:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.name == "pathlib":
                        return f"{alias.asname or 'pathlib'}.Path"
        bound = self.ctx.imports.names.get("Path")
        if bound not in {None, "pathlib.Path"} or "Path" in self.ctx.module_names:
            return None
        return "Path"

    def parent(self, node: ast.AST) -> ast.AST | None:
        """The parent of a node.

        Args:
            node: A node of the module.

        Returns:
            Its parent, or None for the module.
        """
        return self.parents.get(id(node))

    # -- facts ----------------------------------------------------------------------
    def facts(
        self, node: ast.expr, chain: tuple[ScopeNode, ...], depth: int = 0
    ) -> Facts:
        """What is known of the path value of an expression.

        Args:
            node: The expression.
            chain: The functions around it.
            depth: How many variables were followed to get here.

        Returns:
            Its facts (:data:`UNKNOWN` when nothing is known).
        """
        if depth > _MAX_DEPTH:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return literal_facts(node.value)
            if isinstance(node.value, bytes | int) and not isinstance(node.value, bool):
                return Facts(never=True)
            return UNKNOWN
        if isinstance(node, ast.JoinedStr):
            return self._joined_facts(node)
        if isinstance(node, ast.BinOp):
            return self._binop_facts(node, chain, depth)
        if isinstance(node, ast.Name):
            return self._name_facts(node, chain, depth)
        if isinstance(node, ast.Call):
            return self._call_facts(node, chain, depth)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            inner = self.facts(node.value, chain, depth + 1)
            return (
                Facts(text=True, fsok=True, pathobj=True) if inner.pathobj else UNKNOWN
            )
        return UNKNOWN

    def _joined_facts(self, node: ast.JoinedStr) -> Facts:
        if not node.values:
            return literal_facts("")
        first, last = node.values[0], node.values[-1]
        head_absolute = (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value.startswith("/")
        )
        if isinstance(last, ast.Constant) and isinstance(last.value, str):
            return _tail_facts(last.value, head_absolute)
        return Facts(text=True, absolute=head_absolute)

    def _binop_facts(
        self, node: ast.BinOp, chain: tuple[ScopeNode, ...], depth: int
    ) -> Facts:
        if isinstance(node.op, ast.Div):
            left = self.facts(node.left, chain, depth + 1)
            if left.pathobj:
                return Facts(text=True, fsok=True, pathobj=True)
            return UNKNOWN
        right = node.right
        if (
            isinstance(node.op, ast.Add)
            and isinstance(right, ast.Constant)
            and isinstance(right.value, str)
        ):
            left = self.facts(node.left, chain, depth + 1)
            return _tail_facts(right.value, left.absolute)
        return UNKNOWN

    def _name_facts(
        self, node: ast.Name, chain: tuple[ScopeNode, ...], depth: int
    ) -> Facts:
        if id(node) in self.comp_iters:
            source = self.comp_iters[id(node)]
            return UNKNOWN if source is None else self._item_facts(source, chain, depth)
        found = self.scopes.lookup(node.id, chain)
        if found is None:
            return _CLEAN_ABSOLUTE if node.id == "__file__" else UNKNOWN
        if len(found.bindings) != 1 or self._declared_global(node.id):
            return UNKNOWN
        binding = found.bindings[0]
        if binding.value is None and binding.annotation is None:
            return self._loop_facts(node.id, found.chain, depth)
        if binding.value is None:
            return self._annotation_facts(binding.annotation)
        if binding.via_with or binding.annotation is not None:
            return UNKNOWN
        if not found.chain and not self._private_module_name(node.id):
            # A public global may be patched from outside (tests do): its value
            # at the call is not necessarily the one assigned here.
            return UNKNOWN
        return self.facts(binding.value, found.chain, depth + 1)

    def _loop_facts(self, name: str, chain: tuple[ScopeNode, ...], depth: int) -> Facts:
        """A name bound once, by a ``for`` loop (or an ``os.walk`` loop's tuple)."""
        scope = id(chain[-1]) if chain else 0
        walk = self.walk_parts.get((scope, name))
        if walk is not None:
            site, index = walk
            top = self.facts(site.call.args[0], site.chain, depth + 1)
            if index != 0 or not top.canon:
                return UNKNOWN
            return Facts(
                text=True,
                fsok=True,
                canon=True,
                absolute=top.absolute,
                has_dir=True,
                no_dotdot=top.no_dotdot,
            )
        iters = self.loop_iters.get((scope, name), [])
        if len(iters) != 1:
            return UNKNOWN
        return self._item_facts(iters[0], chain, depth)

    def _item_facts(
        self, source: ast.expr, chain: tuple[ScopeNode, ...], depth: int
    ) -> Facts:
        """Facts of the items of an iterable: names listed from a directory."""
        if depth > _MAX_DEPTH:
            return UNKNOWN
        if (
            isinstance(source, ast.Call)
            and len(source.args) == 1
            and self.resolve(source.func, chain) == ("builtins.sorted", False)
        ):
            return self._item_facts(source.args[0], chain, depth + 1)
        site = self.by_call.get(id(source))
        if site is not None and site.func == "os.listdir":
            arg = _path_arg(site)
            if arg is None or self.facts(arg, chain, depth + 1).text:
                return _ENTRY_NAME
            return UNKNOWN
        if isinstance(source, ast.Name):
            found = self.scopes.lookup(source.id, chain)
            scope = id(found.chain[-1]) if found and found.chain else 0
            walk = self.walk_parts.get((scope, source.id))
            if found is not None and len(found.bindings) == 1 and walk is not None:
                site, index = walk
                top = self.facts(site.call.args[0], site.chain, depth + 1)
                if index in {1, 2} and top.text:
                    return _ENTRY_NAME
        return UNKNOWN

    def _annotation_facts(self, annotation: ast.expr | None) -> Facts:
        if annotation is None:
            return UNKNOWN
        name = self.ctx.qualname(annotation)
        if name == "builtins.str":
            return _TEXT
        if name in {"pathlib.Path", "pathlib.PurePath"}:
            return Facts(text=True, fsok=True, pathobj=True)
        return UNKNOWN

    def _declared_global(self, name: str) -> bool:
        return any(name in node.names for node in self.ctx.nodes_of(ast.Global))

    def _call_facts(
        self, node: ast.Call, chain: tuple[ScopeNode, ...], depth: int
    ) -> Facts:
        site = self.by_call.get(id(node))
        if site is not None:
            if not site.op:
                self._classify(site)
            return site.result
        func = self.resolve(node.func, chain)
        name = func[0] if func else None
        if name in {"pathlib.Path", "pathlib.PurePath"} and len(node.args) == 1:
            inner = self.facts(node.args[0], chain, depth + 1)
            return replace(inner, pathobj=True, fsok=True, text=True, never=False)
        if name in {"builtins.str", "os.fspath"} and len(node.args) == 1:
            inner = self.facts(node.args[0], chain, depth + 1)
            return replace(inner, pathobj=False)
        return UNKNOWN

    # -- classification -------------------------------------------------------------
    def _classify(self, site: Site) -> None:
        """Decide the template, the safety and the result facts of a site."""
        if site.op:
            return
        site.op = "none"
        reason = site.reason or self._blocker(site)
        if reason:
            site.reason = reason
            return
        handler = _CLASSIFIERS.get(site.spec.op)
        if handler is None:
            site.reason = _NO_TWIN
            return
        handler(self, site)

    def _blocker(self, site: Site) -> str:
        """Why a site cannot be rewritten at all ('' when it can)."""
        call = site.call
        if site.spec.op == "none":
            return _BYTES_CWD if site.spec.name == "bytes" else _NO_TWIN
        if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords
        ):
            return "arguments are unpacked with `*` or `**`"
        if self.path_name is None:
            return "`Path` names something else in this module"
        if self._local_binding("Path", site.chain) or self._local_binding(
            "str", site.chain
        ):
            return "`Path` or `str` is rebound in this function"
        if self._has_comment(call):
            return "a comment inside the call would be lost"
        spec = site.spec
        if len(call.args) > 1 + len(spec.extra) and spec.op not in {"join", "glob"}:
            return "too many arguments"
        for keyword in call.keywords:
            if keyword.arg not in spec.keywords:
                return f"`{keyword.arg}=` has no pathlib equivalent"
        if spec.statement and not isinstance(self.parent(call), ast.Expr):
            return "the call's result is used, and the pathlib method returns another"
        return ""

    def _local_binding(self, name: str, chain: tuple[ScopeNode, ...]) -> bool:
        found = self.scopes.lookup(name, chain)
        return found is not None and bool(found.chain)

    def _has_comment(self, node: ast.AST) -> bool:
        start: int = getattr(node, "lineno", 1)
        end: int = getattr(node, "end_lineno", None) or start
        if end == start:
            return False
        segment = ast.get_source_segment(self.ctx.source, node) or ""
        return "#" in segment

    def settle(self, site: Site, needs: str, args: Iterable[ast.expr]) -> None:
        """Mark a site fixable, safe when every path argument meets ``needs``.

        Args:
            site: The site.
            needs: "fsok", "canon", "text", "literal" or "never".
            args: The path arguments to check.
        """
        site.fixable = True
        args = list(args)
        reasons = [self._shortfall(arg, needs, site.chain) for arg in args]
        if any(reason is None for reason in reasons):
            self.refuse(site, "an argument is a `bytes` or `int` literal")
            return
        missing = [r for r in reasons if r]
        site.safe = not missing
        site.reason = missing[0] if missing else ""
        for arg, reason in zip(args, reasons, strict=True):
            if reason and self.facts(arg, site.chain).literal is not None:
                self.refuse(site, _literal_reason(self.ctx.source, arg))
                return

    def refuse(self, site: Site, reason: str) -> None:
        """Mark a site as having no fix.

        Args:
            site: The site.
            reason: Why.
        """
        site.fixable = site.safe = False
        site.reason = reason

    def refuse_literal(self, site: Site, arg: ast.expr) -> bool:
        """Refuse an unsafe site whose path is a literal: it is known to differ.

        Args:
            site: The site, already classified unsafe.
            arg: Its path argument.

        Returns:
            True when refused.
        """
        if self.facts(arg, site.chain).literal is None:
            return False
        self.refuse(site, _literal_reason(self.ctx.source, arg))
        return True

    def _shortfall(
        self, arg: ast.expr, needs: str, chain: tuple[ScopeNode, ...]
    ) -> str | None:
        facts = self.facts(arg, chain)
        if facts.never:
            return None
        shown = _shown(self.ctx.source, arg)
        if needs == "never":
            return _NEVER_REASON
        if needs == "text" and not facts.text:
            return f"{shown} may be `bytes` or a file descriptor"
        if needs == "fsok" and not (facts.fsok or facts.canon):
            return (
                f"{shown} may be empty, `bytes`, a file descriptor or end in `/`, "
                "which `Path` treats differently"
            )
        if needs == "canon" and not facts.canon:
            return (
                f"{shown} may be empty or not normalised (a trailing `/`, `.` or "
                "`//`), which `Path` treats differently"
            )
        if needs == "literal" and facts.literal is None:
            return f"{shown} may be a name `Path` splits differently (e.g. `a.`)"
        return ""

    # -- variables converted where they are built -----------------------------------
    def _variables(self) -> dict[int, _Var]:
        """Assignment sites whose variable can become a ``Path``, by site call id."""
        found: dict[int, _Var] = dict(self.walk_vars)
        for site in self.sites:
            var = self._variable(site)
            if var is not None and all(self.use_ok(use) for use in var.uses):
                found[id(site.call)] = var
        return found

    def _variable(self, site: Site) -> _Var | None:
        if not site.fixable or not site.returns_path:
            return None
        assign = self.parent(site.node)
        if not (
            isinstance(assign, ast.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.targets[0], ast.Name)
        ):
            return None
        name = assign.targets[0].id
        found = self.scopes.lookup(name, site.chain)
        if (
            found is None
            or found.chain != site.chain
            or len(found.bindings) != 1
            or found.bindings[0].value is not site.node
            or self._declared_global(name)
            or self._in_class_body(assign)
        ):
            return None
        if not site.chain and not self._private_module_name(name):
            return None
        uses = [
            use
            for use in self.names.get(name, [])
            if isinstance(use.ctx, ast.Load) and self.same_binding(use, site.chain)
        ]
        return _Var(name, site, uses)

    def same_binding(self, use: ast.Name, chain: tuple[ScopeNode, ...]) -> bool:
        """Whether a name refers to the binding owned by the scope ``chain``.

        Args:
            use: A name.
            chain: The scope of the binding.

        Returns:
            True when the name resolves to that scope.
        """
        if id(use) in self.comp_iters:
            return False
        found = self.scopes.lookup(use.id, self.chains.get(id(use), ()))
        return found is not None and found.chain == chain

    def _in_class_body(self, node: ast.AST) -> bool:
        parent = self.parent(node)
        while parent is not None and not isinstance(parent, (ast.Module, *_SCOPES)):
            if isinstance(parent, ast.ClassDef):
                return True
            parent = self.parent(parent)
        return False

    def _private_module_name(self, name: str) -> bool:
        """Whether a module global is only used here.

        Others may import a public one: only private ones, or any in a test
        module (nothing imports from those), count.
        """
        if name in _all_names(self.ctx.tree):
            return False
        return name.startswith("_") or bool(_TEST_FILE.match(self.ctx.path.name))

    def use_ok(self, node: ast.expr) -> bool:
        """Whether a ``Path`` can stand where ``node`` (a ``str`` path) is used.

        The consumers accepted give the same result for a ``Path`` as for its
        string; that the string itself is unchanged is the rewrite's own safety.

        Args:
            node: A use of the value (a name, or a call being rewritten).

        Returns:
            True when the consumer gives the same result for the ``Path``.
        """
        parent = self.parent(node)
        if isinstance(parent, ast.Call) and node is not parent.func:
            return self._call_takes_path(parent, node)
        if isinstance(parent, ast.keyword):
            call = self.parent(parent)
            return isinstance(call, ast.Call) and self._call_takes_path(call, node)
        if isinstance(parent, ast.FormattedValue):
            return parent.conversion == -1 and parent.format_spec is None
        if isinstance(parent, ast.Compare):
            return all(isinstance(op, ast.Is | ast.IsNot) for op in parent.ops) and all(
                isinstance(c, ast.Constant) and c.value is None
                for c in [parent.left, *parent.comparators]
                if c is not node
            )
        if isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert):
            return parent.test is node
        return isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)

    def _call_takes_path(self, call: ast.Call, node: ast.expr) -> bool:
        chain = self.chains_of(call)
        func = self.resolve(call.func, chain)
        if func is None:
            return False
        name = func[0]
        module, _, member = name.rpartition(".")
        if name in PATHLIKE_CALLS or module == "os.path":
            return True
        if module == "os":
            return member in OS_PATHLIKE
        if module == "subprocess":
            return any(k.arg == "cwd" and k.value is node for k in call.keywords)
        if module != "shutil":
            return False
        if member in SHUTIL_NONE or isinstance(self.parent(call), ast.Expr):
            return member in SHUTIL_NONE | SHUTIL_RETURNS_DST
        return member in SHUTIL_RETURNS_DST and bool(call.args) and call.args[0] is node

    def chains_of(self, node: ast.AST) -> tuple[ScopeNode, ...]:
        """The functions around a node.

        Args:
            node: A node of the module.

        Returns:
            The enclosing functions, outermost first.
        """
        chain: list[ScopeNode] = []
        parent = self.parent(node)
        while parent is not None:
            if isinstance(parent, _SCOPES):
                chain.append(parent)
            parent = self.parent(parent)
        return tuple(reversed(chain))

    # -- planning -------------------------------------------------------------------
    def plan(self, starts: set[Key], *, unsafe: bool) -> Plan:
        """The rewrites that fix the sites starting at ``starts``.

        A site that builds a variable converted to a ``Path`` brings along the
        uses of that variable that are sites too (when safe and not suppressed).

        Args:
            starts: (line, column) starts of the findings to fix.
            unsafe: Whether dependent sites may be unsafe ones.

        Returns:
            The plan.
        """
        state = _State(
            {
                id(site.call): site
                for site in self.sites
                if site.fixable and self.start(site.call) in starts
            }
        )
        self._absorb(state)
        self._add_dependents(state, unsafe=unsafe)
        plan = Plan()
        for site in state.chosen.values():
            plan.rewrites[self.key(site.node)] = self._rewrite(site, state)
            plan.names.add(site.func)
            self._plan_open(site.node, state, plan)
        for var in state.converted.values():
            for use in var.uses:
                self._plan_open(use, state, plan)
        return plan

    def _absorb(self, state: _State) -> None:
        for site in list(state.chosen.values()):
            if site.absorbs is not None:
                state.chosen.pop(id(site.absorbs), None)

    def _add_dependents(self, state: _State, *, unsafe: bool) -> None:
        changed = True
        while changed:
            changed = False
            for call_id, var in self.vars.items():
                if call_id not in state.chosen or call_id in state.converted:
                    continue
                state.converted[call_id] = var
                state.path_uses.update(id(use) for use in var.uses)
                for use in var.uses:
                    node: ast.expr = use
                    # The use's site, and the sites that take that one's result.
                    while (site := self._site_of_path_arg(node)) is not None:
                        if (
                            id(site.call) in state.chosen
                            or not site.fixable
                            or not (site.safe or unsafe)
                            or self.suppressed(site.call)
                        ):
                            break
                        state.chosen[id(site.call)] = site
                        changed = True
                        node = site.node
                self._absorb(state)

    def _site_of_path_arg(self, node: ast.expr) -> Site | None:
        parent = self.parent(node)
        site = self.by_call.get(id(parent)) if parent is not None else None
        if site is not None and site.paths and site.paths[0] is node:
            return site
        return None

    def suppressed(self, node: ast.AST) -> bool:
        """Whether a ``# noqa`` on the node's first line covers PP409.

        Args:
            node: A node.

        Returns:
            True when suppressed.
        """
        line = self.ctx.lines.line(getattr(node, "lineno", 1))
        match = _NOQA.search(line)
        if match is None:
            return False
        codes = match.group("codes")
        if not codes:
            return True
        wanted = {"PP409", *(s.ruff for s in SPECS.values() if s.ruff)}
        return bool(wanted & {c.strip().upper() for c in codes.split(",")})

    def _rewrite(self, site: Site, state: _State) -> Rewrite:
        wrap = tuple(not self.new_is_path(arg, state) for arg in site.paths)
        to_str = False
        if site.returns_path:
            keeps_path = id(site.call) in state.converted or self.use_ok(site.node)
            to_str = not keeps_path
        subscript = site.node is not site.call
        var = ""
        if site.op in {"listdir", "glob", "iglob"}:
            var = self.fresh_name(
                ("child", "entry", "item", "child_")
                if site.op == "listdir"
                else ("path", "match", "found", "path_")
            )
        lazy = site.op == "listdir" and self._consumed_whole(site.call)
        return Rewrite(site.op, site.spec, wrap, to_str, subscript, var, lazy)

    def _consumed_whole(self, node: ast.expr) -> bool:
        """Whether a list is only the sole argument of ``sorted``/``set``/..."""
        call = self.parent(node)
        if not isinstance(call, ast.Call) or call.args != [node]:
            return False
        func = self.resolve(call.func, self.chains_of(call))
        return func is not None and func[0] in _WHOLE

    def fresh_name(self, candidates: tuple[str, ...]) -> str:
        """The first name not used anywhere in the module.

        Args:
            candidates: Names to try, in order.

        Returns:
            A free name (the last candidate, numbered, if all are taken).
        """
        for name in candidates:
            if name not in self.names:
                return name
        index = 2
        while f"{candidates[-1]}{index}" in self.names:
            index += 1
        return f"{candidates[-1]}{index}"

    def new_is_path(self, node: ast.expr, state: _State) -> bool:
        """Whether an expression is a ``Path`` once the plan is applied.

        Args:
            node: The expression.
            state: The sites chosen and the variables converted.

        Returns:
            True for a converted variable, a rewritten call yielding a ``Path``
            that is kept a ``Path``, or a ``Path`` in the code as written.
        """
        if id(node) in state.path_uses:
            return True
        for site in state.chosen.values():
            if site.node is node:
                return site.returns_path and self.use_ok(node)
        return self.facts(node, self.chains_of(node)).pathobj

    def _plan_open(self, node: ast.expr, state: _State, plan: Plan) -> None:
        """``open(p, ...)`` becomes ``p.open(...)`` when ``p`` is now a ``Path``."""
        call = self.parent(node)
        if not (
            isinstance(call, ast.Call)
            and call.args
            and call.args[0] is node
            and len(call.args) <= 1 + len(OPEN_PARAMS)
            and all(k.arg in OPEN_PARAMS for k in call.keywords)
            and not any(isinstance(a, ast.Starred) for a in call.args)
        ):
            return
        func = self.resolve(call.func, self.chains_of(call))
        if func is None or func[0] not in {"builtins.open", "io.open"}:
            return
        if self.new_is_path(node, state) and not self._has_comment(call):
            plan.rewrites[self.key(call)] = Rewrite("open", SPECS["os.path.join"])

    def walk_feeds_pathlib(self, site: Site) -> bool:
        """Whether an ``os.walk`` loop hands its directory straight to ``Path()``.

        Such code already handles paths with pathlib; what ``Path.walk()`` would
        change is which entries count as directories (symbolic links), not how
        paths are built, so the loop is left alone.

        Args:
            site: A site.

        Returns:
            True for an ``os.walk`` loop whose dirpath is only used as
            ``Path(dirpath)``.
        """
        loop = self.parent(site.call)
        if not (
            site.func == "os.walk"
            and isinstance(loop, ast.For)
            and isinstance(loop.target, ast.Tuple)
            and loop.target.elts
            and isinstance(loop.target.elts[0], ast.Name)
        ):
            return False
        dirpath = loop.target.elts[0]
        uses = [
            use
            for use in self.names.get(dirpath.id, [])
            if use is not dirpath and self.same_binding(use, site.chain)
        ]
        return bool(uses) and all(self._wrapped_in_path(use) for use in uses)

    def _wrapped_in_path(self, use: ast.Name) -> bool:
        call = self.parent(use)
        if not isinstance(call, ast.Call) or call.args != [use] or call.keywords:
            return False
        func = self.resolve(call.func, self.chains_of(call))
        return func is not None and func[0] == "pathlib.Path"

    def start(self, node: ast.AST) -> Key:
        """Where a node starts, as findings give it.

        Args:
            node: A node.

        Returns:
            (line, code-point column).
        """
        span = self.ctx.span(node)
        return span.line, span.col

    def key(self, node: ast.AST) -> Key:
        """Where the head of a node starts, as the fix finds it in the CST.

        Args:
            node: A call or subscript.

        Returns:
            (line, code-point column) of the callee (or subscripted value).
        """
        head: ast.AST = node
        while isinstance(head, ast.Call | ast.Subscript):
            head = head.func if isinstance(head, ast.Call) else head.value
        span = self.ctx.span(head)
        return span.line, span.col


# -- per-template classification ----------------------------------------------------
#: Builtins that consume an iterable whole, so a generator does as well as a list.
_WHOLE: Final = frozenset(
    f"builtins.{name}"
    for name in ("sorted", "set", "frozenset", "list", "tuple", "any", "all")
)
_NO_TWIN: Final = (
    "`os.DirEntry` has no pathlib twin (`Path.iterdir()` yields paths without "
    "cached file types)"
)
_BYTES_CWD: Final = "`Path.cwd()` gives a `Path` of a `str`, not `bytes`"
_NEVER_REASON: Final = (
    "`Path.walk()` lists symbolic links to directories under filenames where "
    "`os.walk()` lists them under dirnames"
)


def _path_arg(site: Site) -> ast.expr | None:
    return site.call.args[0] if site.call.args else None


def _classify_method(analysis: PathAnalysis, site: Site) -> None:
    arg = _path_arg(site)
    if arg is None:
        site.reason = "no path argument"
        return
    site.op = site.spec.op if site.spec.op != "method" else "method"
    if site.spec.name in {"absolute", "resolve", "expanduser"}:
        site.op = site.spec.name
    site.paths = (arg,)
    needs = site.spec.needs
    if site.spec.name == "absolute":
        # abspath normalises everything Path does, and `..` too.
        analysis.settle(site, "text", site.paths)
        facts = analysis.facts(arg, site.chain)
        if site.safe and not facts.no_dotdot:
            if analysis.refuse_literal(site, arg):
                return
            site.safe = False
            site.reason = (
                f"{_shown(analysis.ctx.source, arg)} may hold `..`, which "
                "`os.path.abspath` collapses and `Path.absolute()` keeps"
            )
    elif site.spec.name == "samefile":
        analysis.settle(site, needs, site.call.args[:2])
    else:
        analysis.settle(site, needs, site.paths)
    if site.returns_path:
        site.result = _result_facts(analysis, site)


def _result_facts(analysis: PathAnalysis, site: Site) -> Facts:
    arg = site.paths[0] if site.paths else None
    facts = analysis.facts(arg, site.chain) if arg is not None else UNKNOWN
    name = site.func
    if name in {"os.path.abspath", "os.path.realpath", "os.getcwd"}:
        return _CLEAN_ABSOLUTE if site.safe else _TEXT
    if not site.safe:
        return _TEXT
    if name == "os.path.expanduser":
        literal = facts.literal or ""
        home = literal == "~" or literal.startswith("~/")
        return Facts(
            text=True,
            fsok=True,
            canon=True,
            absolute=home or facts.absolute,
            has_dir=home or facts.has_dir,
            no_dotdot=facts.no_dotdot,
        )
    return replace(facts, literal=None, pathobj=False)


def _classify_join(analysis: PathAnalysis, site: Site) -> None:
    args = site.call.args
    if not args:
        site.reason = "no path argument"
        return
    site.op = "join"
    site.paths = (args[0],)
    analysis.settle(site, "canon", args)
    if not site.fixable:
        return
    every = [analysis.facts(arg, site.chain) for arg in args]
    if site.safe:
        literals = [f.literal for f in every]
        literal = (
            posixpath.join(*[v for v in literals if v is not None])
            if all(v is not None for v in literals)
            else None
        )
        site.result = Facts(
            text=True,
            fsok=True,
            canon=True,
            absolute=any(f.absolute for f in every),
            has_dir=len(args) > 1 or every[0].has_dir,
            no_dotdot=all(f.no_dotdot for f in every),
            no_magic=all(f.no_magic for f in every),
            literal=literal,
        )
    else:
        site.result = _TEXT


def _classify_attr(analysis: PathAnalysis, site: Site) -> None:
    """``basename`` -> ``.name``; ``dirname`` -> ``.parent``."""
    arg = _path_arg(site)
    if arg is None:
        site.reason = "no path argument"
        return
    site.op = site.spec.name
    site.paths = (arg,)
    analysis.settle(site, "canon", site.paths)
    if not site.fixable:
        return
    facts = analysis.facts(arg, site.chain)
    if site.spec.name == "parent":
        if site.safe and not facts.has_dir:
            if analysis.refuse_literal(site, arg):
                return
            site.safe = False
            site.reason = (
                f"{_shown(analysis.ctx.source, arg)} may have no directory part: "
                "`os.path.dirname` gives '' where `Path.parent` gives `.`"
            )
        site.result = (
            Facts(
                text=True,
                fsok=True,
                canon=True,
                absolute=facts.absolute,
                has_dir=facts.absolute,
                no_dotdot=facts.no_dotdot,
                no_magic=facts.no_magic,
                literal=posixpath.dirname(facts.literal) if facts.literal else None,
            )
            if site.safe
            else _TEXT
        )


def _classify_split(analysis: PathAnalysis, site: Site) -> None:
    """``split(p)[0]`` -> ``.parent``, ``split(p)[1]`` -> ``.name``."""
    index = _index_of(analysis, site.call)
    arg = _path_arg(site)
    if index is None or arg is None:
        site.reason = "both parts are used; split with `.parent` and `.name` by hand"
        return
    site.node = _subscript_of(analysis, site.call)
    site.paths = (arg,)
    spec = SPECS["os.path.dirname"] if index == 0 else SPECS["os.path.basename"]
    site.spec = replace(spec, ruff="")
    _classify_attr(analysis, site)
    site.op = "parent" if index == 0 else "name"


def _classify_splitext(analysis: PathAnalysis, site: Site) -> None:
    """``splitext(p)[1]`` -> ``.suffix``; ``[0]`` -> ``.with_suffix('')``/``.stem``."""
    index = _index_of(analysis, site.call)
    arg = _path_arg(site)
    if index is None or arg is None:
        site.reason = "both parts are used; use `.suffix` and `.stem` by hand"
        return
    site.node = _subscript_of(analysis, site.call)
    inner = analysis.by_call.get(id(arg))
    if index == 0 and inner is not None and inner.func == "os.path.basename":
        analysis._classify(inner)
        if inner.call.args and not inner.call.keywords and len(inner.call.args) == 1:
            site.absorbs = inner.call
            arg = inner.call.args[0]
            site.op = "stem"
    if not site.op or site.op == "none":
        site.op = "suffix" if index == 1 else "with_suffix"
    site.paths = (arg,)
    analysis.settle(site, "canon", site.paths)
    if not site.fixable:
        return
    facts = analysis.facts(arg, site.chain)
    if facts.literal is not None:
        site.safe = _splitext_agrees(facts.literal, site.op)
        if not site.safe:
            analysis.refuse(site, f"`Path` splits {facts.literal!r} differently")
            return
    else:
        site.safe = False
        site.reason = (
            f"{_shown(analysis.ctx.source, arg)} may be a name that `Path` splits "
            "differently (one ending in `.`, or made of leading dots) or a path it "
            "normalises (`./a`, `a/`)"
        )
    site.result = _TEXT
    if site.safe and site.op == "with_suffix" and facts.literal is not None:
        site.result = literal_facts(posixpath.splitext(facts.literal)[0])


def _splitext_agrees(value: str, op: str) -> bool:
    if not value or value.endswith("/"):
        return False
    path = PurePosixPath(value)
    if op == "suffix":
        return posixpath.splitext(value)[1] == path.suffix
    if op == "stem":
        return posixpath.splitext(posixpath.basename(value))[0] == path.stem
    return posixpath.splitext(value)[0] == str(path.with_suffix(""))


def _index_of(analysis: PathAnalysis, call: ast.Call) -> int | None:
    parent = analysis.parent(call)
    if (
        isinstance(parent, ast.Subscript)
        and parent.value is call
        and isinstance(parent.slice, ast.Constant)
        and parent.slice.value in {0, 1, -1, -2}
        and isinstance(parent.ctx, ast.Load)
    ):
        value = parent.slice.value
        return value % 2 if isinstance(value, int) else None
    return None


def _subscript_of(analysis: PathAnalysis, call: ast.Call) -> ast.expr:
    parent = analysis.parent(call)
    return parent if isinstance(parent, ast.Subscript) else call


def _classify_normpath(analysis: PathAnalysis, site: Site) -> None:
    arg = _path_arg(site)
    if arg is None:
        site.reason = "no path argument"
        return
    site.op = "normpath"
    site.paths = (arg,)
    analysis.settle(site, "text", site.paths)
    if not site.fixable:
        return
    facts = analysis.facts(arg, site.chain)
    if facts.literal is not None:
        site.safe = (
            posixpath.normpath(facts.literal) == str(PurePosixPath(facts.literal))
            and facts.literal != ""
        )
    else:
        site.safe = facts.canon and facts.no_dotdot
    if not site.safe:
        if analysis.refuse_literal(site, arg):
            return
        site.reason = (
            f"{_shown(analysis.ctx.source, arg)} may hold `..`, which "
            "`os.path.normpath` collapses and `Path` keeps"
        )
    if facts.literal is not None and site.safe:
        site.result = literal_facts(posixpath.normpath(facts.literal))
    else:
        site.result = (
            replace(facts, pathobj=False, literal=None) if site.safe else _TEXT
        )


def _classify_cwd(analysis: PathAnalysis, site: Site) -> None:
    del analysis
    if site.call.args:
        site.reason = "unexpected arguments"
        return
    site.op = "cwd"
    site.fixable = site.safe = True
    site.result = _CLEAN_ABSOLUTE


def _classify_stat(analysis: PathAnalysis, site: Site) -> None:
    arg = _path_arg(site)
    if arg is None:
        site.reason = "no path argument"
        return
    site.op = "stat"
    site.paths = (arg,)
    analysis.settle(site, "fsok", site.paths)


def _classify_listdir(analysis: PathAnalysis, site: Site) -> None:
    site.op = "listdir"
    arg = _path_arg(site)
    if arg is None:
        site.fixable = site.safe = True
        return
    site.paths = (arg,)
    analysis.settle(site, "fsok", site.paths)


def _classify_mkdir(analysis: PathAnalysis, site: Site) -> None:
    arg = _path_arg(site)
    if arg is None:
        site.reason = "no path argument"
        return
    site.op = "makedirs"
    site.paths = (arg,)
    analysis.settle(site, "fsok", site.paths)


def _classify_walk(analysis: PathAnalysis, site: Site) -> None:
    arg = _path_arg(site)
    loop = analysis.parent(site.call)
    if (
        arg is None
        or not isinstance(loop, ast.For)
        or loop.iter is not site.call
        or not isinstance(loop.target, ast.Tuple)
        or len(loop.target.elts) != 3
        or not isinstance(loop.target.elts[0], ast.Name)
    ):
        site.reason = (
            "only a `for dirpath, dirnames, filenames in os.walk(...)` loop is "
            "rewritten"
        )
        return
    dirpath = loop.target.elts[0]
    found = analysis.scopes.lookup(dirpath.id, site.chain)
    uses = [
        use
        for use in analysis.names.get(dirpath.id, [])
        if use is not dirpath and analysis.same_binding(use, site.chain)
    ]
    if (
        found is None
        or len(found.bindings) != 1
        or any(not isinstance(u.ctx, ast.Load) for u in uses)
        or not all(analysis.use_ok(u) for u in uses)
    ):
        site.reason = (
            f"`{dirpath.id}` is used as a `str`, and `Path.walk()` yields `Path`s"
        )
        return
    site.op = "walk"
    site.paths = (arg,)
    follow = _keyword_or_arg(site.call, "followlinks", 3)
    analysis.settle(site, "canon", site.paths)
    if not site.fixable:
        return
    analysis.walk_vars[id(site.call)] = _Var(dirpath.id, site, uses, walk=True)
    if site.safe and not (isinstance(follow, ast.Constant) and follow.value is True):
        site.safe = False
        site.reason = _NEVER_REASON


def _keyword_or_arg(call: ast.Call, name: str, index: int) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[index] if len(call.args) > index else None


def _classify_glob(analysis: PathAnalysis, site: Site) -> None:
    """``glob.glob(join(d, pat))`` -> ``[str(p) for p in Path(d).glob(pat)]``."""
    if len(site.call.args) != 1 or site.call.keywords:
        site.reason = "only a pattern without options is rewritten"
        return
    pattern = site.call.args[0]
    split = _glob_parts(analysis, pattern, site)
    if split is None:
        site.reason = "the pattern's directory part is not visible"
        return
    directory, tail = split
    if tail is None or not tail or tail.startswith("/") or "\\" in tail:
        site.reason = "the pattern's file part is not a literal"
        return
    site.op = "iglob" if site.func == "glob.iglob" else "glob"
    site.paths = (directory,) if directory is not None else ()
    analysis.settle(site, "canon", site.paths)
    dir_facts = analysis.facts(directory, site.chain) if directory else UNKNOWN
    components = tail.split("/")
    problems = []
    if directory is not None and not dir_facts.no_magic:
        problems.append(
            "the directory may hold glob metacharacters, which `glob` expands and "
            "`Path.glob()` takes literally"
        )
    if any(c[:1] in _MAGIC for c in components) or "**" in tail:
        problems.append(
            "`glob` skips hidden files that `Path.glob()` matches for a pattern "
            "starting with a wildcard"
        )
    if problems and site.safe:
        site.safe = False
        site.reason = problems[0]


def _glob_parts(
    analysis: PathAnalysis, pattern: ast.expr, site: Site
) -> tuple[ast.expr | None, str | None] | None:
    """Split a pattern into its directory expression and its literal tail."""
    if isinstance(pattern, ast.Constant) and isinstance(pattern.value, str):
        return None, pattern.value
    inner = analysis.by_call.get(id(pattern))
    if inner is not None and inner.func == "os.path.join" and len(inner.call.args) >= 2:
        *heads, last = inner.call.args
        if (
            len(heads) == 1
            and isinstance(last, ast.Constant)
            and isinstance(last.value, str)
            and not inner.call.keywords
        ):
            site.absorbs = inner.call
            return heads[0], last.value
    return None


_CLASSIFIERS: Final = {
    "method": _classify_method,
    "join": _classify_join,
    "attr": _classify_attr,
    "split": _classify_split,
    "splitext": _classify_splitext,
    "normpath": _classify_normpath,
    "cwd": _classify_cwd,
    "stat": _classify_stat,
    "listdir": _classify_listdir,
    "mkdir": _classify_mkdir,
    "walk": _classify_walk,
    "glob": _classify_glob,
}


def _literal_reason(source: str, arg: ast.expr) -> str:
    return f"`Path` gives another result for {_shown(source, arg)}"


def _comprehension_names(
    node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp,
) -> dict[str, ast.expr | None]:
    """The names a comprehension binds, with the iterable when the target is one."""
    found: dict[str, ast.expr | None] = {}
    for generator in node.generators:
        if isinstance(generator.target, ast.Name):
            found[generator.target.id] = generator.iter
            continue
        for name in ast.walk(generator.target):
            if isinstance(name, ast.Name):
                found[name.id] = None
    return found


def _shown(source: str, node: ast.expr) -> str:
    text = ast.get_source_segment(source, node) or "the path"
    if len(text) > 30 or "\n" in text:
        return "the path"
    return f"`{text}`"


def _all_names(tree: ast.Module) -> set[str]:
    for stmt in tree.body:
        if (
            isinstance(stmt, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in stmt.targets)
            and isinstance(stmt.value, ast.List | ast.Tuple)
        ):
            return {
                e.value
                for e in stmt.value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            }
    return set()


def sites_of(ctx: Context) -> PathAnalysis | None:
    """The analysis of a module that uses ``os`` or ``glob``, else None.

    Args:
        ctx: The module's context.

    Returns:
        The analysis, or None when the module cannot hold a site.
    """
    if not any(ctx.imports.imports(m) for m in ("os", "glob")) and not _local_os(ctx):
        return None
    return PathAnalysis(ctx)


def _local_os(ctx: Context) -> bool:
    for node in ctx.nodes_of(ast.Import):
        if any(a.name in {"os", "os.path", "glob"} for a in node.names):
            return True
    return any(
        node.module in {"os", "os.path", "glob"}
        for node in ctx.nodes_of(ast.ImportFrom)
    )
