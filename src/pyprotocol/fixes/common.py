"""Small LibCST helpers: find nodes by position, manage imports, render code."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from typing import Final, cast

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

_EMPTY: Final = cst.Module(body=[])
#: Longer strings are not read as quoted annotations.
_MAX_ANNOTATION: Final = 300


def code_of(node: cst.CSTNode) -> str:
    """Render one node as source text.

    Args:
        node: Any node.

    Returns:
        Its code.
    """
    return _EMPTY.code_for_node(node)


class _AtPositions(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        starts: set[tuple[int, int]],
        kinds: tuple[type[cst.CSTNode], ...],
        replace: Callable[[cst.CSTNode, cst.CSTNode], cst.CSTNode],
    ) -> None:
        super().__init__()
        self.starts = starts
        self.kinds = kinds
        self.replace = replace
        self.hits = 0

    def on_leave[N: cst.CSTNode](
        self, original_node: N, updated_node: N
    ) -> N | cst.RemovalSentinel | cst.FlattenSentinel[N]:
        if isinstance(original_node, self.kinds):
            pos = self.get_metadata(PositionProvider, original_node, None)
            if pos is not None and (pos.start.line, pos.start.column) in self.starts:
                self.hits += 1
                # The replacement may be another kind of expression (a Subscript
                # becomes a BinaryOperation); LibCST validates it when rendering.
                return cast(N, self.replace(original_node, updated_node))
        return updated_node


def rewrite_at(
    tree: cst.Module,
    starts: set[tuple[int, int]],
    kinds: tuple[type[cst.CSTNode], ...],
    replace: Callable[[cst.CSTNode, cst.CSTNode], cst.CSTNode],
) -> cst.Module:
    """Replace the nodes of the given kinds that start at the given positions.

    Positions are (1-based line, code-point column) as in findings; inner nodes are
    replaced before the nodes that contain them.

    Args:
        tree: The module.
        starts: Start positions of the nodes to replace.
        kinds: The node classes to consider.
        replace: Gets the original and updated node, returns the replacement.

    Returns:
        The rewritten module.
    """
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    return wrapper.visit(_AtPositions(starts, kinds, replace))


def positions(
    tree: cst.Module,
) -> tuple[MetadataWrapper, dict[cst.CSTNode, tuple[int, int]]]:
    """Compute start positions for every node of a module.

    Args:
        tree: The module.

    Returns:
        The wrapper (visit through it) and a map from node to (line, column).
    """
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    ranges = wrapper.resolve(PositionProvider)
    return wrapper, {node: (r.start.line, r.start.column) for node, r in ranges.items()}


def typing_module_imports(tree: cst.Module) -> list[tuple[str, str | None, str | None]]:
    """The ``import typing [as t]`` statements of a module, as removal requests.

    Fixes that replace ``t.X`` references pass these to :func:`update_imports` so that
    a module import left unused by the fix goes too.

    Args:
        tree: The module.

    Returns:
        (module, None, alias) triples for ``typing`` and ``typing_extensions``.
    """
    found: list[tuple[str, str | None, str | None]] = []
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.Import):
                continue
            for alias in small.names:
                name = code_of(alias.name)
                if name in {"typing", "typing_extensions"}:
                    asname = alias.asname.name if alias.asname else None
                    local = asname.value if isinstance(asname, cst.Name) else None
                    found.append((name, None, local))
    return found


def update_imports(
    tree: cst.Module,
    add: Iterable[tuple[str, str | None, str | None]] = (),
    remove_unused: Iterable[
        tuple[str, str | None] | tuple[str, str | None, str | None]
    ] = (),
) -> cst.Module:
    """Add imports, and remove the named ones that nothing uses any more.

    Args:
        tree: The module.
        add: (module, name or None for ``import module``, alias) triples.
        remove_unused: (module, name or None[, alias]) to drop when unused.

    Returns:
        The module with its imports updated.
    """
    context = CodemodContext()
    wanted = [request for request in add if not _imported(tree, *request)]
    for module, name, alias in wanted:
        AddImportsVisitor.add_needed_import(context, module, name, alias)
    blank_start = _starts_blank(tree)
    if wanted:
        tree = AddImportsVisitor(context).transform_module(tree)
    requests = [_request(r) for r in remove_unused]
    drops = _unused(tree, requests)
    if drops is None:
        # Syntax newer than this Python's `ast` (a 3.13 target's type parameter
        # defaults): LibCST's own scope analysis decides.
        for request in requests:
            RemoveImportsVisitor.remove_unused_import(context, *request)
        tree = RemoveImportsVisitor(context).transform_module(tree)
    elif drops:
        # LibCST's RemoveImportsVisitor resolves scopes over the whole module
        # (seconds on a large file): the names are checked on `ast` instead, and
        # an import whose name appears anywhere else is kept.
        tree = tree.visit(_DropImports(drops))
    if not blank_start and _starts_blank(tree):
        # A removed first import leaves the blank lines that followed it at the top.
        first = tree.body[0]
        tree = tree.with_changes(
            body=[first.with_changes(leading_lines=[]), *tree.body[1:]]
        )
    return tree


type _Import = tuple[str, str | None, str | None]


def _request(
    request: tuple[str, str | None] | tuple[str, str | None, str | None],
) -> _Import:
    if len(request) == 3:
        return request
    return (request[0], request[1], None)


def _local(module: str, name: str | None, alias: str | None) -> str:
    """The name an import binds."""
    if alias:
        return alias
    return name if name is not None else module.partition(".")[0]


def _imported(
    tree: cst.Module, module: str, name: str | None, alias: str | None
) -> bool:
    """Tell whether a top-level import already binds exactly this."""
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            for found in _bindings(small):
                if found == (module, name, alias):
                    return True
    return False


def _bindings(small: cst.BaseSmallStatement) -> list[_Import]:
    found: list[_Import] = []
    if isinstance(small, cst.ImportFrom) and not isinstance(
        small.names, cst.ImportStar
    ):
        if small.relative or small.module is None:
            return found
        module = code_of(small.module)
        for item in small.names:
            asname = item.asname.name if item.asname else None
            local = asname.value if isinstance(asname, cst.Name) else None
            found.append((module, code_of(item.name), local))
    elif isinstance(small, cst.Import):
        for item in small.names:
            asname = item.asname.name if item.asname else None
            local = asname.value if isinstance(asname, cst.Name) else None
            found.append((code_of(item.name), None, local))
    return found


def _unused(tree: cst.Module, requests: list[_Import]) -> set[_Import] | None:
    """The requested imports whose bound name nothing else in the module mentions.

    None when the code does not parse with this Python's ``ast``.
    """
    if not requests:
        return set()
    try:
        parsed = ast.parse(tree.code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    mentioned: set[str] = set()
    for node in ast.walk(parsed):
        if isinstance(node, ast.Name):
            mentioned.add(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            # `__all__` entries and quoted annotations count as uses; prose in a
            # docstring does not.
            mentioned.update(_names_in_string(node.value))
    return {r for r in requests if _local(*r) not in mentioned}


def _names_in_string(value: str) -> list[str]:
    if len(value) > _MAX_ANNOTATION or "\n" in value.strip():
        return []
    try:
        parsed = ast.parse(value.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    return [node.id for node in ast.walk(parsed) if isinstance(node, ast.Name)]


class _DropImports(cst.CSTTransformer):
    """Removes the given imports (and import statements left empty)."""

    def __init__(self, drops: set[_Import]) -> None:
        super().__init__()
        self.drops = drops

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        del original_node
        names = updated_node.names
        if isinstance(names, cst.ImportStar) or updated_node.module is None:
            return updated_node
        if updated_node.relative:
            return updated_node
        kept = [
            item
            for item, bound in zip(names, _bindings(updated_node), strict=True)
            if bound not in self.drops
        ]
        return _keep(updated_node, names, kept)

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.Import | cst.RemovalSentinel:
        del original_node
        names = updated_node.names
        kept = [
            item
            for item, bound in zip(names, _bindings(updated_node), strict=True)
            if bound not in self.drops
        ]
        return _keep(updated_node, names, kept)


def _keep[N: (cst.Import, cst.ImportFrom)](
    node: N, names: Sequence[cst.ImportAlias], kept: list[cst.ImportAlias]
) -> N | cst.RemovalSentinel:
    if len(kept) == len(names):
        return node
    if not kept:
        return cst.RemoveFromParent()
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=kept)


def _starts_blank(tree: cst.Module) -> bool:
    if not tree.body:
        return False
    leading = tree.body[0].leading_lines
    return bool(leading) and all(line.comment is None for line in leading)
