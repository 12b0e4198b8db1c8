"""PP409's LibCST rewrite: apply a :class:`~pyprotocol.rules.pathlib_analysis.Plan`.

The plan says which nodes change (keyed by where their callee starts) and how;
this module builds the new expressions from the already-updated children, so a
path built by one rewritten call flows into the call around it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.fixes.common import update_imports
from pyprotocol.rules.pathlib_analysis import Key, Plan, Rewrite
from pyprotocol.rules.pathlib_specs import OPEN_PARAMS

#: Expressions that need no parentheses as the object of ``.attr`` or as the
#: right operand of ``/``.
_ATOMS: Final = (
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.FormattedString,
    cst.Integer,
    cst.Float,
    cst.List,
    cst.Tuple,
    cst.Dict,
    cst.Set,
    cst.ListComp,
    cst.GeneratorExp,
)
#: Imports a rewrite may leave unused.
_REMOVABLE: Final = (
    ("os", None, None),
    ("os.path", None, None),
    ("os", "path", None),
    ("glob", None, None),
)


class _Rewriter(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, plan: Plan, path_name: str) -> None:
        super().__init__()
        self.plan = plan
        self.path = cst.parse_expression(path_name)
        self.hits = 0

    def _key(self, node: cst.CSTNode) -> Key | None:
        head = node
        while isinstance(head, cst.Call | cst.Subscript):
            head = head.func if isinstance(head, cst.Call) else head.value
        pos = self.get_metadata(PositionProvider, head, None)
        return None if pos is None else (pos.start.line, pos.start.column)

    def _lookup(self, node: cst.CSTNode, subscript: bool) -> Rewrite | None:
        key = self._key(node)
        found = self.plan.rewrites.get(key) if key is not None else None
        if found is None or found.subscript != subscript:
            return None
        return found

    def leave_Call(
        self, original_node: cst.Call, updated_node: cst.Call
    ) -> cst.BaseExpression:
        updated_node = _bare_generator(original_node, updated_node)
        rewrite = self._lookup(original_node, subscript=False)
        if rewrite is None:
            return updated_node
        new = build(rewrite, updated_node, self.path)
        if new is None:
            return updated_node
        self.hits += 1
        return _keep_parens(updated_node, new)

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        rewrite = self._lookup(original_node, subscript=True)
        if rewrite is None or not isinstance(updated_node.value, cst.Call):
            return updated_node
        new = build(rewrite, updated_node.value, self.path)
        if new is None:
            return updated_node
        self.hits += 1
        return _keep_parens(updated_node, new)


def _bare_generator(original: cst.Call, updated: cst.Call) -> cst.Call:
    """``f((x for x in y))`` -> ``f(x for x in y)`` for a generator the fix wrote."""
    if (
        len(updated.args) == 1
        and isinstance(updated.args[0].value, cst.GeneratorExp)
        and not isinstance(original.args[0].value, cst.GeneratorExp)
        and updated.args[0].keyword is None
        and not updated.args[0].star
    ):
        arg = updated.args[0]
        value = arg.value.with_changes(lpar=[], rpar=[])
        return updated.with_changes(args=[arg.with_changes(value=value)])
    return updated


def _keep_parens(
    old: cst.BaseExpression, new: cst.BaseExpression
) -> cst.BaseExpression:
    if old.lpar and not new.lpar:
        return new.with_changes(lpar=old.lpar, rpar=old.rpar)
    return new


def apply(
    tree: cst.Module, plan: Plan, path_name: str, used: Collection[str]
) -> cst.Module:
    """Apply a plan and fix up the imports.

    Only imports whose names the module used before the rewrite are candidates
    for removal: an import that was already unused is not this fix's business.

    Args:
        tree: The module.
        plan: The rewrites.
        path_name: How ``Path`` is spelled (``Path``, ``pathlib.Path``, an alias).
        used: The names the module referenced before the rewrite.

    Returns:
        The rewritten module (unchanged when nothing matched).
    """
    rewriter = _Rewriter(plan, path_name)
    new = MetadataWrapper(tree, unsafe_skip_copy=True).visit(rewriter)
    if not rewriter.hits:
        return tree
    add: list[tuple[str, str | None, str | None]] = []
    if path_name == "Path":
        add.append(("pathlib", "Path", None))
    removals: list[tuple[str, str | None, str | None]] = list(_REMOVABLE)
    for name in sorted(plan.names):
        module, _, member = name.rpartition(".")
        removals.append((module, member, None))
    removals.extend(_aliased(tree))
    wanted = [r for r in removals if _local_name(r) in used]
    return update_imports(new, add=add, remove_unused=wanted)


def _local_name(request: tuple[str, str | None, str | None]) -> str:
    """The name an import binds, e.g. ``os`` for ``import os.path``."""
    module, member, alias = request
    if alias:
        return alias
    if member:
        return member
    return module.partition(".")[0]


def _aliased(tree: cst.Module) -> list[tuple[str, str | None, str | None]]:
    """Removal requests for ``import os.path as osp``, ``from os import sep as s``."""
    found: list[tuple[str, str | None, str | None]] = []
    for statement in tree.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    name = _dotted(alias.name)
                    if name in {"os", "os.path", "glob"} and alias.asname:
                        found.append((name, None, _as(alias)))
            elif isinstance(small, cst.ImportFrom) and small.module is not None:
                module = _dotted(small.module)
                if module in {"os", "os.path", "glob"} and not isinstance(
                    small.names, cst.ImportStar
                ):
                    found.extend(
                        (module, _dotted(a.name), _as(a))
                        for a in small.names
                        if a.asname
                    )
    return found


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _as(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value


# -- templates ------------------------------------------------------------------------
def build(
    rewrite: Rewrite, call: cst.Call, path: cst.BaseExpression
) -> cst.BaseExpression | None:
    """The new expression for one rewritten call.

    Args:
        rewrite: What to do.
        call: The (updated) call.
        path: The expression naming ``Path``.

    Returns:
        The replacement, or None when the call does not have the expected shape.
    """
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    template = _TEMPLATES.get(rewrite.op)
    if template is None:
        return None
    new = template(rewrite, path, [a.value for a in positional], keywords)
    if new is None:
        return None
    if rewrite.to_str:
        return _call(cst.Name("str"), [new])
    return new


def _as_path(
    rewrite: Rewrite, index: int, value: cst.BaseExpression, path: cst.BaseExpression
) -> cst.BaseExpression:
    wrap = rewrite.wrap[index] if index < len(rewrite.wrap) else True
    if not wrap:
        return value
    return _call(path, [value])


def _call(
    func: cst.BaseExpression,
    args: Sequence[cst.BaseExpression],
    keywords: Sequence[tuple[str, cst.BaseExpression]] = (),
) -> cst.Call:
    every = [cst.Arg(a) for a in args]
    every += [
        cst.Arg(
            value,
            keyword=cst.Name(name),
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
        for name, value in keywords
    ]
    return cst.Call(func=func, args=_commas(every))


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    return [
        a.with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            if i < len(args) - 1
            else cst.MaybeSentinel.DEFAULT,
            whitespace_after_arg=cst.SimpleWhitespace(""),
        )
        for i, a in enumerate(args)
    ]


def _receiver(value: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(value, _ATOMS) or value.lpar:
        return value
    return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _operand(value: cst.BaseExpression, *, left: bool) -> cst.BaseExpression:
    if isinstance(value, _ATOMS) or value.lpar:
        return value
    if (
        left
        and isinstance(value, cst.BinaryOperation)
        and isinstance(value.operator, cst.Divide)
    ):
        return value
    return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _attr(value: cst.BaseExpression, name: str) -> cst.Attribute:
    return cst.Attribute(value=_receiver(value), attr=cst.Name(name))


def _method_call(
    value: cst.BaseExpression,
    name: str,
    args: Sequence[cst.BaseExpression] = (),
    keywords: Sequence[tuple[str, cst.BaseExpression]] = (),
) -> cst.Call:
    return _call(_attr(value, name), args, keywords)


def _extra(
    rewrite: Rewrite,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> tuple[list[cst.BaseExpression], list[tuple[str, cst.BaseExpression]]]:
    """The arguments after the path, mapped onto the pathlib method."""
    spec = rewrite.spec
    positional: list[cst.BaseExpression] = []
    named: list[tuple[str, cst.BaseExpression]] = []
    for index, value in enumerate(args[1:]):
        original = spec.extra[index]
        if spec.as_keywords:
            named.append((spec.keywords.get(original, original), value))
        else:
            positional.append(value)
    named.extend((spec.keywords.get(k, k), v) for k, v in keywords.items())
    return positional, named


def _t_method(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if not args:
        return None
    positional, named = _extra(rewrite, args, keywords)
    receiver = _as_path(rewrite, 0, args[0], path)
    return _method_call(receiver, rewrite.spec.name, positional, named)


def _t_attr(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if not args or keywords:
        return None
    names = {
        "name": "name",
        "parent": "parent",
        "suffix": "suffix",
        "stem": "stem",
    }
    receiver = _as_path(rewrite, 0, _stem_source(rewrite, args[0]), path)
    return _attr(receiver, names[rewrite.op])


def _stem_source(rewrite: Rewrite, arg: cst.BaseExpression) -> cst.BaseExpression:
    """For ``splitext(basename(p))[0]`` the path is ``p``, inside ``basename``."""
    if rewrite.op == "stem" and isinstance(arg, cst.Call) and arg.args:
        return arg.args[0].value
    return arg


def _t_with_suffix(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if not args or keywords:
        return None
    receiver = _as_path(rewrite, 0, args[0], path)
    return _method_call(receiver, "with_suffix", [cst.SimpleString('""')])


def _t_join(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if not args or keywords:
        return None
    result = _operand(_as_path(rewrite, 0, args[0], path), left=True)
    for part in args[1:]:
        result = cst.BinaryOperation(
            left=result, operator=cst.Divide(), right=_operand(part, left=False)
        )
    return result


def _t_normpath(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if len(args) != 1 or keywords:
        return None
    return _as_path(rewrite, 0, args[0], path)


def _t_cwd(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    del rewrite
    if args or keywords:
        return None
    return _method_call(path, "cwd")


def _t_stat(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if len(args) != 1 or keywords:
        return None
    stat = _method_call(_as_path(rewrite, 0, args[0], path), "stat")
    return _attr(stat, rewrite.spec.name)


def _comprehension(
    element: cst.BaseExpression, name: str, source: cst.BaseExpression, *, lazy: bool
) -> cst.BaseExpression:
    target = cst.Name(name)
    clause = cst.CompFor(target=target, iter=source)
    if lazy:
        return cst.GeneratorExp(elt=element, for_in=clause)
    return cst.ListComp(elt=element, for_in=clause)


def _t_listdir(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if len(args) > 1 or keywords:
        return None
    folder = _as_path(rewrite, 0, args[0], path) if args else cst.Call(func=path)
    source = _method_call(folder, "iterdir")
    element = cst.Attribute(value=cst.Name(rewrite.var), attr=cst.Name("name"))
    return _comprehension(element, rewrite.var, source, lazy=rewrite.lazy)


def _t_glob(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if len(args) != 1 or keywords:
        return None
    pattern = args[0]
    if isinstance(pattern, cst.Call) and len(pattern.args) == 2:
        folder = _as_path(rewrite, 0, pattern.args[0].value, path)
        tail = pattern.args[1].value
    elif isinstance(pattern, cst.SimpleString | cst.ConcatenatedString):
        folder = cst.Call(func=path)
        tail = pattern
    else:
        return None
    source = _method_call(folder, "glob", [tail])
    element = _call(cst.Name("str"), [cst.Name(rewrite.var)])
    return _comprehension(element, rewrite.var, source, lazy=rewrite.op == "iglob")


def _t_makedirs(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    if not args:
        return None
    positional = args[1:2]
    named: list[tuple[str, cst.BaseExpression]] = []
    if "mode" in keywords:
        named.append(("mode", keywords["mode"]))
    named.append(("parents", cst.Name("True")))
    exist_ok = args[2] if len(args) > 2 else keywords.get("exist_ok")
    if exist_ok is not None:
        named.append(("exist_ok", exist_ok))
    receiver = _as_path(rewrite, 0, args[0], path)
    return _method_call(receiver, "mkdir", positional, named)


def _t_walk(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    return _t_method(rewrite, path, args, keywords)


def _t_open(
    rewrite: Rewrite,
    path: cst.BaseExpression,
    args: list[cst.BaseExpression],
    keywords: Mapping[str, cst.BaseExpression],
) -> cst.BaseExpression | None:
    del rewrite, path
    if not args or any(k not in OPEN_PARAMS for k in keywords):
        return None
    return _method_call(args[0], "open", args[1:], list(keywords.items()))


_TEMPLATES: Final = {
    "method": _t_method,
    "absolute": _t_method,
    "resolve": _t_method,
    "expanduser": _t_method,
    "name": _t_attr,
    "parent": _t_attr,
    "suffix": _t_attr,
    "stem": _t_attr,
    "with_suffix": _t_with_suffix,
    "join": _t_join,
    "normpath": _t_normpath,
    "cwd": _t_cwd,
    "stat": _t_stat,
    "listdir": _t_listdir,
    "glob": _t_glob,
    "iglob": _t_glob,
    "makedirs": _t_makedirs,
    "walk": _t_walk,
    "open": _t_open,
}
