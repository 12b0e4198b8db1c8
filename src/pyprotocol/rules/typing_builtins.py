"""PP103: ``typing.List``/``Dict``/... instead of the builtin generics."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import rewrite_at, typing_module_imports, update_imports
from pyprotocol.model import Applicability, FixInfo, Severity, Tag
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule

#: typing alias → (module to import from or "" for a builtin, name there).
REPLACEMENTS: Final[dict[str, tuple[str, str]]] = {
    "List": ("", "list"),
    "Dict": ("", "dict"),
    "Set": ("", "set"),
    "FrozenSet": ("", "frozenset"),
    "Tuple": ("", "tuple"),
    "Type": ("", "type"),
    "Text": ("", "str"),
    "DefaultDict": ("collections", "defaultdict"),
    "OrderedDict": ("collections", "OrderedDict"),
    "Counter": ("collections", "Counter"),
    "ChainMap": ("collections", "ChainMap"),
    "Deque": ("collections", "deque"),
}

_RUNTIME_VALUE: Final = (
    "the alias is used as a value at runtime, where `typing.List` is not `list`: "
    "comparisons and identity checks with it change"
)


class BuiltinGenerics(Rule):
    """Flags the deprecated ``typing`` aliases of builtin and ``collections`` types."""

    code = "PP103"
    statement_local = True
    name = "builtin-generics"
    summary = (
        "Use `list[int]`, `dict[str, int]` ... instead of `typing.List`, "
        "`typing.Dict` ..."
    )
    why = (
        "The capitalised aliases in `typing` are deprecated since Python 3.9: the "
        "builtin "
        "classes and the `collections` classes take type arguments themselves. The "
        "aliases cost an import, hide which concrete type is meant, and will go away."
    )
    sections = ("pr:type-parameter-syntax-pep-695", "cgp:3-typing--static-analysis")
    replaces = ("UP006",)
    severity = Severity.WARNING
    tags = (Tag.DEPRECATED,)
    fix_title = "Use the builtin (or collections) type"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import List\nx: List[int] = []\n",
            "import typing\ndef f() -> typing.Dict[str, int]: ...\n",
            "import typing as t\nclass C(t.Tuple[int, int]): ...\n",
            "from typing_extensions import Type\ndef g(k: Type[int]) -> None: ...\n",
        ),
        good=(
            "x: list[int] = []\n",
            "from typing import Sequence\ndef f(x: Sequence[int]) -> None: ...\n",
            "class List: ...\nx: List = List()\n",
            "from collections import OrderedDict\nd: OrderedDict[str, int] = "
            "OrderedDict()\n",
        ),
        fixed=(
            Fixed(
                "from typing import Dict, List, Optional, Tuple\n\n\n"
                "def index(words: List[str]) -> Dict[str, Tuple[int, ...]]:\n"
                "    found: Dict[str, Tuple[int, ...]] = {}\n"
                "    return found\n\n\n"
                "def first(words: List[str]) -> Optional[str]:\n"
                "    return words[0] if words else None\n",
                "from typing import Optional\n\n\n"
                "def index(words: list[str]) -> dict[str, tuple[int, ...]]:\n"
                "    found: dict[str, tuple[int, ...]] = {}\n"
                "    return found\n\n\n"
                "def first(words: list[str]) -> Optional[str]:\n"
                "    return words[0] if words else None\n",
            ),
            Fixed(
                "import typing as t\n\ncounts: t.DefaultDict[str, t.Deque[int]]\n",
                "from collections import defaultdict, deque\n\n"
                "counts: defaultdict[str, deque[int]]\n",
            ),
        ),
    )

    def _check(self, node: ast.Name | ast.Attribute) -> None:
        alias = self.ctx.typing_name(node)
        if alias not in REPLACEMENTS:
            return
        module, target = REPLACEMENTS[alias]
        spelled = f"{module}.{target}" if module else target
        message = f"`typing.{alias}` is a deprecated alias: use `{spelled}`"
        clash = module and target in self.ctx.module_names | set(self.ctx.imports.names)
        if clash and self.ctx.imports.names.get(target) != f"{module}.{target}":
            self.report(node, f"{message} (no fix: `{target}` is already bound here)")
            return
        self.report(node, message, fix=self._fix_for(node))

    def _fix_for(self, node: ast.Name | ast.Attribute) -> FixInfo | bool:
        """Safe in annotations and subscripts; unsafe for a bare runtime value.

        ``x in (List, Set)`` or ``origin is List`` compares the alias object itself,
        and ``typing.List`` is not ``list``.
        """
        parent = self.ctx.parent
        if self.ctx.in_annotation or (
            isinstance(parent, ast.Subscript) and parent.value is node
        ):
            return True
        return FixInfo(self.fix_title or "", Applicability.UNSAFE, _RUNTIME_VALUE)

    def visit_Name(self, node: ast.Name) -> None:
        """Check a bare name such as ``List``."""
        self._check(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """Check a dotted name such as ``typing.List``."""
        self._check(node)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Replace each alias with its builtin or ``collections`` type."""
        needed: set[tuple[str, str]] = set()
        dotted: list[bool] = []
        local_aliases = _typing_aliases(request.source)

        def replace(original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:
            del original
            name = updated.attr.value if isinstance(updated, cst.Attribute) else None
            if isinstance(updated, cst.Name):
                name = local_aliases.get(updated.value)
            if name not in REPLACEMENTS:
                return updated
            dotted.append(isinstance(updated, cst.Attribute))
            module, target = REPLACEMENTS[name]
            if module:
                needed.add((module, target))
            return cst.Name(target)

        tree = rewrite_at(tree, request.starts(), (cst.Name, cst.Attribute), replace)
        removals: list[tuple[str, str | None] | tuple[str, str | None, str | None]] = [
            (m, alias)
            for m in ("typing", "typing_extensions")
            for alias in REPLACEMENTS
        ]
        if any(dotted):
            removals.extend(typing_module_imports(tree))
        adds = [(module, target, None) for module, target in sorted(needed)]
        return update_imports(tree, add=adds, remove_unused=removals)


def _typing_aliases(source: str) -> dict[str, str]:
    """Map local names bound by ``from typing import X [as Y]`` to the member name."""
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in {
            "typing",
            "typing_extensions",
        }:
            for alias in node.names:
                found[alias.asname or alias.name] = alias.name
    return found
