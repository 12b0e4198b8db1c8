"""One canonical form for ``os.path``/``os``/``glob`` calls and their pathlib twins.

Used by ``fix_properties.normalised`` before its own normalisation, so that PP409's
safe rewrites (``os.path.join(a, 'b')`` -> ``Path(a) / 'b'``, a variable made a
``Path`` where it is built, ``str(...)`` kept where a string is needed) compare equal
to the code they replace. Both sides go through the same mapping, so an unrelated
``x / 2`` or ``self.name`` is mapped the same way before and after.
"""

from __future__ import annotations

import ast
from typing import Final

from pyprotocol.rules.astutil import dotted_name

#: Function (last name) -> canonical operation.
FUNCTIONS: Final = {
    "join": "join",
    "exists": "exists",
    "isfile": "is_file",
    "isdir": "is_dir",
    "islink": "is_symlink",
    "isabs": "is_absolute",
    "abspath": "absolute",
    "realpath": "resolve",
    "expanduser": "expanduser",
    "samefile": "samefile",
    "getcwd": "cwd",
    "listdir": "listdir",
    "makedirs": "makedirs",
    "mkdir": "mkdir",
    "remove": "unlink",
    "unlink": "unlink",
    "rmdir": "rmdir",
    "rename": "rename",
    "replace": "replace",
    "stat": "stat",
    "chmod": "chmod",
    "basename": "name",
    "dirname": "parent",
    "open": "open",
}
#: ``os.path.getsize(p)`` is ``Path(p).stat().st_size``.
STAT_FUNCTIONS: Final = {
    "getsize": "st_size",
    "getmtime": "st_mtime",
    "getatime": "st_atime",
    "getctime": "st_ctime",
}
METHODS: Final = frozenset(
    {
        "exists",
        "is_file",
        "is_dir",
        "is_symlink",
        "is_absolute",
        "absolute",
        "resolve",
        "expanduser",
        "samefile",
        "mkdir",
        "unlink",
        "rmdir",
        "rename",
        "replace",
        "stat",
        "chmod",
        "open",
        "iterdir",
        "glob",
        "with_suffix",
    }
)
_WRAPPERS: Final = frozenset({"Path", "pathlib.Path", "str"})
#: How the examples and real code spell the modules: ``os.path.x``, ``path.x``
#: (``from os import path``), ``x`` (``from os.path import x``).
_MODULES: Final = frozenset({"", "os", "os.path", "path", "osp"})


def _op(
    name: str, *args: ast.expr, keywords: list[ast.keyword] | None = None
) -> ast.Call:
    return ast.Call(ast.Name(f"path:{name}", ast.Load()), list(args), keywords or [])


def _is_op(node: ast.expr, name: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == f"path:{name}"
    )


class PathCanon(ast.NodeTransformer):
    """Rewrite both spellings of each path operation into ``path:<op>(...)`` calls."""

    def visit_Call(self, node: ast.Call) -> ast.expr:
        """Functions, methods, ``Path(x)``/``str(x)`` wrappers."""
        self.generic_visit(node)
        dotted = dotted_name(node.func)
        if dotted in _WRAPPERS and len(node.args) == 1 and not node.keywords:
            return node.args[0]
        if dotted in {"Path.cwd", "pathlib.Path.cwd"} and not node.args:
            return _op("cwd")
        if dotted is not None and dotted.rpartition(".")[2] == "normpath":
            return node.args[0] if len(node.args) == 1 else node
        if dotted in {"glob.glob", "glob.iglob", "glob", "iglob"} and node.args:
            return _op(dotted.rpartition(".")[2], *node.args)
        module, _, name = (dotted or "").rpartition(".")
        if (
            dotted is not None
            and module in _MODULES
            and (node.args or name == "getcwd")
        ):
            return self._function(node, name)
        if isinstance(node.func, ast.Attribute) and node.func.attr in METHODS:
            return self._method(node, node.func)
        return node

    def _function(self, node: ast.Call, name: str) -> ast.expr:
        if name in STAT_FUNCTIONS and len(node.args) == 1:
            return ast.Attribute(_op("stat", node.args[0]), STAT_FUNCTIONS[name])
        op = FUNCTIONS.get(name)
        if op is None:
            return node
        if op == "join" and len(node.args) > 2:
            left: ast.expr = node.args[0]
            for part in node.args[1:]:
                left = _op("join", left, part)
            return left
        if op == "makedirs":
            return self._makedirs(node.args, node.keywords)
        return _op(op, *node.args, keywords=node.keywords)

    def _makedirs(self, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
        named = [k for k in keywords if k.arg != "parents"]
        if len(args) > 2:  # os.makedirs(name, mode, exist_ok)
            named.append(ast.keyword("exist_ok", args[2]))
        named.sort(key=lambda k: k.arg or "")
        return _op("makedirs", *args[:2], keywords=named)

    def _method(self, node: ast.Call, func: ast.Attribute) -> ast.expr:
        if func.attr == "mkdir" and any(
            k.arg == "parents" and isinstance(k.value, ast.Constant) and k.value.value
            for k in node.keywords
        ):
            return self._makedirs([func.value, *node.args], node.keywords)
        if func.attr == "glob" and len(node.args) == 1:
            folder = func.value
            if isinstance(folder, ast.Call) and dotted_name(folder.func) in {
                "Path",
                "pathlib.Path",
            }:
                # `Path()` is the current directory: the pattern alone.
                return _op("globbed", node.args[0])
            return _op("globbed", _op("join", folder, node.args[0]))
        name = {"is_symlink": "is_symlink"}.get(func.attr, func.attr)
        return _op(name, func.value, *node.args, keywords=node.keywords)

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        """``a / b`` is a join."""
        self.generic_visit(node)
        if isinstance(node.op, ast.Div):
            return _op("join", node.left, node.right)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        """``p.parent``, ``p.name``, ``p.suffix``, ``p.stem``."""
        self.generic_visit(node)
        if node.attr in {"parent", "name", "suffix", "stem"} and isinstance(
            node.ctx, ast.Load
        ):
            return _op(node.attr, node.value)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        """``splitext(p)[i]``, ``split(p)[i]``."""
        self.generic_visit(node)
        value, index = node.value, node.slice
        if not (
            isinstance(value, ast.Call)
            and isinstance(index, ast.Constant)
            and index.value in {0, 1}
            and len(value.args) == 1
        ):
            return node
        name = (dotted_name(value.func) or "").rpartition(".")[2]
        arg = value.args[0]
        if name == "split":
            return _op("parent" if index.value == 0 else "name", arg)
        if name == "splitext" and index.value == 1:
            return _op("suffix", arg)
        if name == "splitext" and _is_op(arg, "name"):
            assert isinstance(arg, ast.Call)
            return _op("stem", arg.args[0])
        if name == "splitext":
            return _op("with_suffix", arg, ast.Constant(""))
        return node

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp) -> ast.expr:
        if len(node.generators) != 1:
            return node
        (generator,) = node.generators
        if generator.ifs or not isinstance(generator.target, ast.Name):
            return node
        target = generator.target.id
        elt = node.elt
        source = generator.iter
        if (
            _is_op(elt, "name")
            and isinstance(elt, ast.Call)
            and isinstance(elt.args[0], ast.Name)
            and elt.args[0].id == target
            and _is_op(source, "iterdir")
            and isinstance(source, ast.Call)
        ):
            return _op("listdir", *source.args)
        if (
            isinstance(elt, ast.Name)
            and elt.id == target
            and _is_op(source, "globbed")
            and isinstance(source, ast.Call)
        ):
            kind = "glob" if isinstance(node, ast.ListComp) else "iglob"
            return _op(kind, *source.args)
        return node

    def visit_ListComp(self, node: ast.ListComp) -> ast.expr:
        """``[c.name for c in p.iterdir()]`` is ``os.listdir(p)``."""
        self.generic_visit(node)
        return self._comprehension(node)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.expr:
        """The same, lazily."""
        self.generic_visit(node)
        return self._comprehension(node)


def canonical(tree: ast.Module) -> ast.Module:
    """Map a module's path operations to one spelling.

    Args:
        tree: The module (changed in place).

    Returns:
        The module.
    """
    result = PathCanon().visit(tree)
    assert isinstance(result, ast.Module)
    return ast.fix_missing_locations(result)
