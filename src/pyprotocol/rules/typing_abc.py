"""PP104: abstract collection types from ``typing`` instead of ``collections.abc``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import positions, typing_module_imports, update_imports
from pyprotocol.model import Severity, Tag
from pyprotocol.rules.base import TYPING_MODULES, Examples, Fixed, FixRequest, Rule

_ABC: Final = "collections.abc"
#: typing member → (module that really defines it, name there).
MOVED: Final[dict[str, tuple[str, str]]] = {
    **{
        name: (_ABC, name)
        for name in (
            "AsyncGenerator",
            "AsyncIterable",
            "AsyncIterator",
            "Awaitable",
            "Callable",
            "Collection",
            "Container",
            "Coroutine",
            "Generator",
            "Hashable",
            "ItemsView",
            "Iterable",
            "Iterator",
            "KeysView",
            "Mapping",
            "MappingView",
            "MutableMapping",
            "MutableSequence",
            "MutableSet",
            "Reversible",
            "Sequence",
            "Sized",
            "ValuesView",
        )
    },
    "AbstractSet": (_ABC, "Set"),
    "Pattern": ("re", "Pattern"),
    "Match": ("re", "Match"),
    "ContextManager": ("contextlib", "AbstractContextManager"),
    "AsyncContextManager": ("contextlib", "AbstractAsyncContextManager"),
}


class CollectionsAbc(Rule):
    """Flags ``typing.Callable``, ``typing.Iterable`` ... and their imports."""

    code = "PP104"
    statement_local = True
    name = "collections-abc"
    summary = (
        "Import `Callable`, `Iterable`, `Mapping` ... from `collections.abc`, "
        "not `typing`."
    )
    why = (
        "The abstract collection types in `typing` are deprecated aliases of the "
        "classes "
        "in `collections.abc` (and `re`, `contextlib`). The real classes are generic "
        "since Python 3.9, work with `isinstance`, and are what the standard library "
        "documents; importing them from `typing` keeps a deprecated path alive."
    )
    sections = ("pr:type-parameter-syntax-pep-695", "cgp:3-typing--static-analysis")
    replaces = ("UP035",)
    severity = Severity.WARNING
    tags = (Tag.DEPRECATED,)
    fix_title = "Import it from `collections.abc`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from typing import Callable\nf: Callable[[int], int]\n",
            "import typing\ndef f(xs: typing.Iterable[int]) -> None: ...\n",
            "import typing as t\nm: t.Mapping[str, int]\n",
            "from typing import AbstractSet as S\n",
        ),
        good=(
            "from collections.abc import Callable\nf: Callable[[int], int]\n",
            "from typing import Protocol, TypedDict\n",
            "from mylib import Callable\n",
            "import collections.abc\nx: collections.abc.Sequence[int]\n",
        ),
        fixed=(
            Fixed(
                "from typing import Callable, Iterator, Optional\n\n\n"
                "def apply(f: Callable[[int], int], xs: Iterator[int]) -> "
                "Optional[int]:\n"
                "    return next(map(f, xs), None)\n",
                "from typing import Optional\nfrom collections.abc import Callable, "
                "Iterator\n\n\n"
                "def apply(f: Callable[[int], int], xs: Iterator[int]) -> "
                "Optional[int]:\n"
                "    return next(map(f, xs), None)\n",
            ),
            Fixed(
                "import typing as t\n\n\ndef walk(items: t.Sequence[int]) -> "
                "t.Iterator[int]:\n"
                "    yield from items\n",
                "from collections.abc import Iterator, Sequence\n\n\n"
                "def walk(items: Sequence[int]) -> Iterator[int]:\n    yield from "
                "items\n",
            ),
            Fixed(
                "from typing import AbstractSet as FrozenView, Pattern\n\n"
                "seen: FrozenView[str]\nword: Pattern[str]\n",
                "from collections.abc import Set as FrozenView\nfrom re import "
                "Pattern\n\n"
                "seen: FrozenView[str]\nword: Pattern[str]\n",
            ),
        ),
    )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        """Flag names imported from ``typing`` that live elsewhere."""
        if node.module not in TYPING_MODULES or node.level:
            return
        for alias in node.names:
            if alias.name in MOVED:
                module, target = MOVED[alias.name]
                self.report(
                    alias,
                    f"`{alias.name}` is a deprecated alias in `typing`: import "
                    f"`{target}` from `{module}`",
                    fix=True,
                )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        """Flag ``typing.Callable``-style references."""
        member = self.ctx.typing_name(node)
        if member not in MOVED:
            return
        module, target = MOVED[member]
        message = f"`typing.{member}` is a deprecated alias: use `{module}.{target}`"
        bound = self.ctx.imports.names.get(target)
        if (
            bound is not None and bound != f"{module}.{target}"
        ) or target in self.ctx.module_names:
            self.report(node, f"{message} (no fix: `{target}` is already bound here)")
            return
        self.report(node, message, fix=True)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Move the imports and rewrite dotted references."""
        wrapper, starts = positions(tree)
        transformer = _MoveImports(request.starts(), starts)
        tree = wrapper.visit(transformer)
        removals = typing_module_imports(tree) if transformer.dotted else []
        return update_imports(
            tree, add=sorted(transformer.needed, key=str), remove_unused=removals
        )


class _MoveImports(cst.CSTTransformer):
    def __init__(
        self, wanted: set[tuple[int, int]], starts: dict[cst.CSTNode, tuple[int, int]]
    ) -> None:
        super().__init__()
        self.wanted = wanted
        self.starts = starts
        self.needed: set[tuple[str, str, str | None]] = set()
        self.dotted = False

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom | cst.RemovalSentinel:
        names, originals = updated_node.names, original_node.names
        if isinstance(names, cst.ImportStar) or isinstance(originals, cst.ImportStar):
            return updated_node
        kept: list[cst.ImportAlias] = []
        for original, alias in zip(originals, names, strict=True):
            name = alias.name.value if isinstance(alias.name, cst.Name) else None
            if name in MOVED and self.starts.get(original) in self.wanted:
                module, target = MOVED[name]
                asname = alias.asname.name if alias.asname else None
                local = asname.value if isinstance(asname, cst.Name) else name
                self.needed.add(
                    (module, target, None if local == target else str(local))
                )
            else:
                kept.append(alias)
        if len(kept) == len(names):
            return updated_node
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated_node.with_changes(names=kept)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if (
            self.starts.get(original_node) in self.wanted
            and updated_node.attr.value in MOVED
        ):
            module, target = MOVED[updated_node.attr.value]
            self.needed.add((module, target, None))
            self.dotted = True
            return cst.Name(target)
        return updated_node
