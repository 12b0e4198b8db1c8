"""Shared helpers of the security rules (PP601-PP649): arguments, names, rewrites."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.fixes.common import code_of
from pyprotocol.rules.astutil import keyword
from pyprotocol.rules.base import FixRequest

_PARTS: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def argument(call: ast.Call, index: int, *names: str) -> ast.expr | None:
    """An argument given by position ``index`` or by one of the keyword ``names``.

    Args:
        call: The call.
        index: The 0-based position.
        names: Keyword names the same parameter may be passed as.

    Returns:
        The argument's expression, or None when absent (or hidden behind ``*args``).
    """
    positional = call.args[: index + 1]
    if any(isinstance(arg, ast.Starred) for arg in positional):
        return None
    if len(call.args) > index:
        return call.args[index]
    for name in names:
        found = keyword(call, name)
        if found is not None:
            return found.value
    return None


def is_constant(node: ast.expr | None, value: object) -> bool:
    """Tell whether ``node`` is the constant ``value`` (``True`` is not ``1``).

    Args:
        node: An expression, or None.
        value: The constant to compare with.

    Returns:
        True on a match.
    """
    return (
        isinstance(node, ast.Constant)
        and type(node.value) is type(value)
        and node.value == value
    )


def is_text(node: ast.expr | None) -> bool:
    """Tell whether ``node`` is a ``str`` or ``bytes`` literal.

    Args:
        node: An expression, or None.

    Returns:
        True for a string or bytes constant.
    """
    return isinstance(node, ast.Constant) and isinstance(node.value, str | bytes)


def name_parts(identifier: str) -> list[str]:
    """Split an identifier into lower-case words (snake_case and camelCase).

    Args:
        identifier: A name such as ``apiKey`` or ``DB_PASSWORD``.

    Returns:
        Its words, e.g. ``["api", "key"]``.
    """
    return [part.lower() for part in _PARTS.findall(identifier)]


def target_name(node: ast.expr) -> str | None:
    """The name a value is stored under: ``x``, ``obj.x`` or ``d["x"]``.

    Args:
        node: An assignment target or a referenced value.

    Returns:
        The last name, or None.
    """
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        key = node.slice.value
        return key if isinstance(key, str) else None
    return None


def assigned_targets(node: ast.AST) -> list[ast.expr]:
    """The targets of an assignment statement (empty for other nodes).

    Args:
        node: A statement.

    Returns:
        Its targets, tuples unpacked.
    """
    if isinstance(node, ast.Assign):
        raw = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        raw = [node.target]
    else:
        return []
    flat: list[ast.expr] = []
    while raw:
        target = raw.pop()
        if isinstance(target, ast.Tuple | ast.List):
            raw.extend(target.elts)
        else:
            flat.append(target)
    return flat


def scope_body(parents: Sequence[ast.AST], tree: ast.Module) -> list[ast.stmt]:
    """The body of the innermost function around the current node, or the module's.

    Args:
        parents: The context's ancestor stack.
        tree: The module.

    Returns:
        The statements of that scope.
    """
    for node in reversed(parents):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node.body
    return tree.body


def assignments_to(
    name: str, body: Sequence[ast.stmt], before: int
) -> Iterator[ast.Assign | ast.AnnAssign | ast.AugAssign]:
    """Assignments to a plain name in a scope, on lines before ``before``.

    Nested functions and classes are not searched: their names are other names.

    Args:
        name: The variable.
        body: The scope's statements.
        before: Only assignments starting before this line count.

    Yields:
        The assignment statements, in source order.
    """
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            continue
        if (
            isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign)
            and node.lineno < before
            and any(
                isinstance(t, ast.Name) and t.id == name for t in assigned_targets(node)
            )
        ):
            yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def source_of(source: str, node: ast.AST) -> str:
    """The exact source text of a node.

    Args:
        source: The module text.
        node: A node with a location.

    Returns:
        Its text ("" when unknown).
    """
    return ast.get_source_segment(source, node) or ""


type CallRewrite = Callable[[cst.Call, Mapping[str, str]], cst.BaseExpression]


class _CallRewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self,
        targets: Mapping[tuple[int, int], list[Mapping[str, str]]],
        rewrite: CallRewrite,
    ) -> None:
        super().__init__()
        self.targets = targets
        self.rewrite = rewrite

    def leave_Call(
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.BaseExpression:
        pos = self.get_metadata(PositionProvider, original_node, None)
        if pos is None:
            return updated_node
        func = code_of(original_node.func)
        for data in self.targets.get((pos.start.line, pos.start.column), ()):
            if data.get("func") == func:
                return self.rewrite(updated_node, data)
        return updated_node


def rewrite_calls(
    tree: cst.Module, request: FixRequest, rewrite: CallRewrite
) -> cst.Module:
    """Rewrite the calls the findings point at.

    Each finding must span the call and carry ``data["func"]``, the source text of
    the called expression, so that a call nested at the same position (as in
    ``f(x).g()``) is told apart.

    Args:
        tree: The module.
        request: The findings to fix.
        rewrite: Gets the call and the finding's data, returns the replacement.

    Returns:
        The rewritten module.
    """
    targets: dict[tuple[int, int], list[Mapping[str, str]]] = {}
    for finding in request.findings:
        key = (finding.span.line, finding.span.col)
        targets.setdefault(key, []).append(finding.data)
    wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
    return wrapper.visit(_CallRewriter(targets, rewrite))


def without_arg(call: cst.Call, name: str) -> cst.Call:
    """Drop a keyword argument from a call, keeping the commas tidy.

    Args:
        call: The call.
        name: The keyword to remove.

    Returns:
        The call without that argument.
    """
    args = list(call.args)
    for index, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            return drop_arg(call, index)
    return call


def drop_arg(call: cst.Call, index: int) -> cst.Call:
    """Drop the argument at ``index`` from a call, keeping the commas tidy.

    Args:
        call: The call.
        index: The position of the argument in ``call.args``.

    Returns:
        The call without that argument.
    """
    args = list(call.args)
    removed = args.pop(index)
    if args and index == len(args):
        args[-1] = args[-1].with_changes(comma=removed.comma)
    return call.with_changes(args=args)


def dotted(name: str) -> cst.Attribute | cst.Name:
    """Build the expression for a dotted name such as ``secrets.choice``.

    Args:
        name: The dotted name.

    Returns:
        A Name or an Attribute chain.
    """
    head, *rest = name.split(".")
    node: cst.Attribute | cst.Name = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def keyword_arg(name: str, value: cst.BaseExpression) -> cst.Arg:
    """Build a ``name=value`` argument.

    Args:
        name: The keyword.
        value: The value.

    Returns:
        The argument, without a comma.
    """
    return cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )


def append_arg(args: Sequence[cst.Arg], new: cst.Arg) -> list[cst.Arg]:
    """Append an argument, keeping a trailing comma and the layout of the call.

    Args:
        args: The call's arguments.
        new: The argument to add (its comma is replaced).

    Returns:
        The new argument list.
    """
    result = list(args)
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    if not result:
        return [new]
    last = result[-1]
    if isinstance(last.comma, cst.Comma):
        between = result[-2].comma if len(result) > 1 else space
        result[-1] = last.with_changes(comma=between)
        return [*result, new.with_changes(comma=last.comma)]
    result[-1] = last.with_changes(comma=space)
    return [*result, new.with_changes(comma=cst.MaybeSentinel.DEFAULT)]
