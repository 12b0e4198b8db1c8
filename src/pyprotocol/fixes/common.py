"""Small LibCST helpers: find nodes by position, manage imports, render code."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, cast

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

_EMPTY: Final = cst.Module(body=[])


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
    for module, name, alias in add:
        AddImportsVisitor.add_needed_import(context, module, name, alias)
    for request in remove_unused:
        RemoveImportsVisitor.remove_unused_import(context, *request)
    blank_start = _starts_blank(tree)
    tree = AddImportsVisitor(context).transform_module(tree)
    tree = RemoveImportsVisitor(context).transform_module(tree)
    if not blank_start and _starts_blank(tree):
        # A removed first import leaves the blank lines that followed it at the top.
        first = tree.body[0]
        tree = tree.with_changes(
            body=[first.with_changes(leading_lines=[]), *tree.body[1:]]
        )
    return tree


def _starts_blank(tree: cst.Module) -> bool:
    if not tree.body:
        return False
    leading = tree.body[0].leading_lines
    return bool(leading) and all(line.comment is None for line in leading)
