"""PP603: ``yaml.load`` without a safe loader, ``yaml.unsafe_load``, ``full_load``."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import update_imports
from pyprotocol.model import Applicability, FixInfo, Severity
from pyprotocol.rules.astutil import has_star_kwargs
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.sec_helpers import argument, drop_arg, rewrite_calls, source_of

_SAFE_LOADERS: Final = frozenset(
    {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}
)
_UNSAFE_LOADERS: Final = frozenset(
    {"Loader", "CLoader", "UnsafeLoader", "CUnsafeLoader", "FullLoader", "CFullLoader"}
)
#: Function -> its safe counterpart.
_TAKES_LOADER: Final = {"load": "safe_load", "load_all": "safe_load_all"}
_ALWAYS_UNSAFE: Final = {
    "unsafe_load": "safe_load",
    "unsafe_load_all": "safe_load_all",
    "full_load": "safe_load",
    "full_load_all": "safe_load_all",
}
_BEHAVIOUR: Final = (
    "documents using Python-specific tags (`!!python/...`) or custom constructors "
    "are now rejected"
)


def _yaml_member(name: str | None) -> str | None:
    """``X`` for ``yaml.X``, ``yaml.loader.X`` or ``yaml.cyaml.X``."""
    if name is None or not name.startswith("yaml."):
        return None
    return name.rpartition(".")[2]


class YamlUnsafeLoad(Rule):
    """Flags PyYAML loads that can build arbitrary Python objects."""

    code = "PP603"
    replaces = ("S506",)
    name = "yaml-unsafe-load"
    summary = "Load YAML with `yaml.safe_load`, never an unsafe or full loader."
    why = (
        "PyYAML's `Loader`, `UnsafeLoader` and `FullLoader` turn tags such as "
        "`!!python/object/apply` into calls, so a YAML file can run code. "
        "`yaml.safe_load` builds only plain data. A loader given as `SafeLoader`, "
        "`CSafeLoader`, `BaseLoader` or a class of this module derived from one of "
        "them is fine; a loader the rule cannot resolve (a variable) is left alone. "
        "The fix is safe when no loader is given (PyYAML 6 rejects that call "
        "anyway) and unsafe otherwise, because documents relying on Python tags are "
        "then refused; a custom subclass of an unsafe loader gets no fix, as its "
        "constructors may be needed."
    )
    sections = ("pr:deserialization", "cgp:6-security-imperatives")
    severity = Severity.ERROR
    applies_to = "code"
    fix_title = "Use `yaml.safe_load`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import yaml\ncfg = yaml.load(text, Loader=yaml.Loader)\n",
            "import yaml\ncfg = yaml.load(text, yaml.FullLoader)\n",
            "import yaml\ndocs = yaml.unsafe_load_all(stream)\n",
            "from yaml import full_load\ncfg = full_load(text)\n",
            "import yaml\nclass My(yaml.UnsafeLoader): ...\n"
            "cfg = yaml.load(text, Loader=My)\n",
            "try:\n    from yaml import CLoader as Loader\nexcept ImportError:\n"
            "    from yaml import Loader\nimport yaml\nyaml.load(s, Loader=Loader)\n",
        ),
        good=(
            "import yaml\ncfg = yaml.safe_load(text)\n",
            "import yaml\ncfg = yaml.load(text, Loader=yaml.SafeLoader)\n",
            "import yaml\nclass Strict(yaml.SafeLoader): ...\n"
            "cfg = yaml.load(text, Loader=Strict)\n",
            "from yaml import CSafeLoader\nimport yaml\n"
            "cfg = yaml.load(text, Loader=CSafeLoader)\n",
            "import yaml\ncfg = yaml.load(text, Loader=loader_for(path))\n",
            "import json\ncfg = json.load(fh)\n",
            "config.load(path)\n",
        ),
        fixed=(
            Fixed(
                "import yaml\n\ncfg = yaml.load(text)\n",
                "import yaml\n\ncfg = yaml.safe_load(text)\n",
            ),
            Fixed(
                "import yaml\n\ncfg = yaml.load(text, Loader=yaml.FullLoader)\n"
                "more = yaml.unsafe_load_all(stream)\n",
                "import yaml\n\ncfg = yaml.safe_load(text)\n"
                "more = yaml.safe_load_all(stream)\n",
                unsafe=True,
            ),
            Fixed(
                "from yaml import load, Loader\n\ncfg = load(text, Loader)\n",
                "from yaml import safe_load\n\ncfg = safe_load(text)\n",
                unsafe=True,
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Start with no loader classes seen."""
        super().__init__(ctx)
        self._safe_classes: set[str] = set()
        self._unsafe_classes: set[str] = set()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Remember classes derived from a PyYAML loader."""
        for base in node.bases:
            kind = self._loader_kind(base)
            if kind == "safe":
                self._safe_classes.add(node.name)
            elif kind is not None:
                self._unsafe_classes.add(node.name)

    def _loader_kind(self, node: ast.expr) -> str | None:
        """Classify a loader: safe, unsafe, custom (own unsafe subclass) or None."""
        if isinstance(node, ast.Name):
            if node.id in self._safe_classes:
                return "safe"
            if node.id in self._unsafe_classes:
                return "custom"
        member = _yaml_member(self.ctx.qualname(node))
        if member in _SAFE_LOADERS:
            return "safe"
        if member in _UNSAFE_LOADERS:
            return "unsafe"
        return None

    def visit_Call(self, node: ast.Call) -> None:
        """Flag unsafe PyYAML loads."""
        member = _yaml_member(self.ctx.qualname(node.func))
        if member in _ALWAYS_UNSAFE:
            self._flag(node, f"`yaml.{member}` can build arbitrary Python objects")
            return
        if member not in _TAKES_LOADER or has_star_kwargs(node):
            return
        replacement = _TAKES_LOADER[member]
        loader = argument(node, 1, "Loader")
        if loader is None:
            self.report(
                node,
                f"`yaml.{member}` without a loader: use `yaml.{replacement}`",
                fix=True,
                data=self._data(node, replacement),
            )
            return
        kind = self._loader_kind(loader)
        if kind == "unsafe":
            self._flag(
                node,
                f"`yaml.{member}` with an unsafe loader can build arbitrary Python "
                "objects",
            )
        elif kind == "custom":
            self.report(
                node,
                f"`yaml.{member}` with a loader derived from an unsafe one can build "
                f"arbitrary Python objects: derive it from `yaml.SafeLoader` or use "
                f"`yaml.{replacement}`",
            )

    def _flag(self, node: ast.Call, message: str) -> None:
        member = _yaml_member(self.ctx.qualname(node.func)) or ""
        replacement = _TAKES_LOADER.get(member) or _ALWAYS_UNSAFE[member]
        self.report(
            node,
            f"{message}: use `yaml.{replacement}`",
            fix=FixInfo(f"Use `yaml.{replacement}`", Applicability.UNSAFE, _BEHAVIOUR),
            data=self._data(node, replacement),
        )

    def _data(self, node: ast.Call, replacement: str) -> dict[str, str]:
        return {"func": source_of(self.ctx.source, node.func), "new": replacement}

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Call the safe function and drop the loader argument."""
        added: list[tuple[str, str | None, str | None]] = []
        removed: list[tuple[str, str | None]] = []

        def rewrite(call: cst.Call, data: Mapping[str, str]) -> cst.Call:
            new = data["new"]
            func = call.func
            if isinstance(func, cst.Attribute):
                func = func.with_changes(attr=cst.Name(new))
            elif isinstance(func, cst.Name):
                added.append(("yaml", new, None))
                removed.append(("yaml", func.value))
                func = cst.Name(new)
            call = call.with_changes(func=func)
            for index, arg in enumerate(call.args):
                is_loader = (
                    arg.keyword.value == "Loader"
                    if arg.keyword is not None
                    else index == 1
                )
                if is_loader:
                    if isinstance(arg.value, cst.Name):
                        removed.append(("yaml", arg.value.value))
                    return drop_arg(call, index)
            return call

        tree = rewrite_calls(tree, request, rewrite)
        return update_imports(tree, add=added, remove_unused=removed)
