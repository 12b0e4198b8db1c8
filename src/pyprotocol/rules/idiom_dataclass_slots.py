"""PP406: ``@dataclass`` classes without ``slots=True``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.model import Applicability, FixInfo, Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.idiom_scope import decorator_target

_DATACLASS: Final = "dataclasses.dataclass"
_HARMLESS_BASES: Final = frozenset(
    {"builtins.object", "typing.Generic", "typing_extensions.Generic"}
)
_HARMLESS_DECORATORS: Final = frozenset(
    {
        _DATACLASS,
        "functools.total_ordering",
        "typing.final",
        "typing_extensions.final",
    }
)
_FIX_TITLE: Final = "Add `slots=True`"
_UNSAFE_REASON: Final = (
    "instances lose their `__dict__`: code in other modules that sets undeclared "
    "attributes, patches methods on instances, reads `vars(obj)` or takes weak "
    "references to them would break"
)


def _dataclass_decorator(ctx: Context, node: ast.ClassDef) -> ast.expr | None:
    for decorator in node.decorator_list:
        if ctx.qualname(decorator_target(decorator)) == _DATACLASS:
            return decorator
    return None


def _field_names(node: ast.ClassDef, ctx: Context) -> set[str]:
    fields: set[str] = set()
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            annotation = stmt.annotation
            base = (
                annotation.value
                if isinstance(annotation, ast.Subscript)
                else annotation
            )
            if ctx.typing_name(base) != "ClassVar":
                fields.add(stmt.target.id)
    return fields


def _assigned_attrs(node: ast.ClassDef) -> set[str]:
    """Attributes set on ``self`` (or through ``object.__setattr__``) in methods."""
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store):
            if isinstance(sub.value, ast.Name) and sub.value.id == "self":
                found.add(sub.attr)
        elif (
            isinstance(sub, ast.Call)
            and isinstance(sub.func, ast.Attribute)
            and sub.func.attr == "__setattr__"
            and len(sub.args) >= 2
            and isinstance(sub.args[1], ast.Constant)
            and isinstance(sub.args[1].value, str)
        ):
            found.add(sub.args[1].value)
    return found


class DataclassSlots(Rule):
    """Flags ``@dataclass`` (without ``slots=``) on classes that could use slots."""

    code = "PP406"
    name = "dataclass-slots"
    summary = "Give dataclasses `slots=True`."
    why = (
        "A dataclass with `slots=True` stores its fields in fixed slots instead of a "
        "per-instance `__dict__`: instances take two to three times less memory and "
        "attribute access is faster, which the protocol requires for classes with "
        "many instances, and a misspelt attribute assignment raises instead of "
        "silently adding a new attribute. Classes that already decide (`slots=` given, "
        "`__slots__` defined) and classes with a base from another module (whose "
        "`__dict__` they inherit anyway) are not flagged. No fix is offered when the "
        "class needs a `__dict__` (`cached_property`, `__dict__`/`vars()`, attributes "
        "set outside the fields), uses zero-argument `super()` (broken by the class "
        "rebuild before Python 3.14) or when weak references are used. The fix is "
        "safe for module-private classes and unsafe otherwise, since other modules "
        "may rely on the `__dict__`."
    )
    sections = ("pr:language-level-python-312", "cgp:4-idiomatic--performant-python")
    severity = Severity.INFO
    applies_to = "code"
    fix_title = _FIX_TITLE
    fix_applicability = Applicability.UNSAFE
    fix_reason = _UNSAFE_REASON
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from dataclasses import dataclass\n@dataclass\nclass P:\n    x: int\n",
            "import dataclasses\n@dataclasses.dataclass(frozen=True)\nclass P:\n"
            "    x: int\n",
            "from dataclasses import dataclass\nfrom functools import cached_property\n"
            "@dataclass\nclass P:\n    x: int\n    @cached_property\n"
            "    def y(self) -> int:\n        return self.x\n",
            "from dataclasses import dataclass\n@dataclass\nclass A:\n    x: int\n"
            "@dataclass\nclass B(A):\n    y: int\n",
        ),
        good=(
            "from dataclasses import dataclass\n@dataclass(slots=True)\nclass P:\n"
            "    x: int\n",
            "from dataclasses import dataclass\n@dataclass(slots=False)\nclass P:\n"
            "    x: int\n",
            "from dataclasses import dataclass\n@dataclass\nclass P:\n"
            "    __slots__ = ('x',)\n    x: int\n",
            "from dataclasses import dataclass\nfrom lib import Base\n@dataclass\n"
            "class P(Base):\n    x: int\n",
            "from pydantic.dataclasses import dataclass\n@dataclass\nclass P:\n"
            "    x: int\n",
            "from dataclasses import dataclass\n@dataclass\nclass E(Exception):\n"
            "    code: int\n",
        ),
        fixed=(
            Fixed(
                "from dataclasses import dataclass\n\n\n@dataclass\nclass _Point:\n"
                "    x: int\n",
                "from dataclasses import dataclass\n\n\n@dataclass(slots=True)\n"
                "class _Point:\n    x: int\n",
            ),
            Fixed(
                "import dataclasses\n\n\n@dataclasses.dataclass(frozen=True)\n"
                "class Point:\n    x: int\n",
                "import dataclasses\n\n\n"
                "@dataclasses.dataclass(frozen=True, slots=True)\n"
                "class Point:\n    x: int\n",
                unsafe=True,
            ),
            Fixed(
                "from dataclasses import dataclass\n\n\n@dataclass(\n    frozen=True,\n"
                "    eq=False,\n)\nclass _Point:\n    x: int\n",
                "from dataclasses import dataclass\n\n\n@dataclass(\n    frozen=True,\n"
                "    eq=False,\n    slots=True,\n)\nclass _Point:\n    x: int\n",
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Index the module's own classes and whether it uses weak references.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        self._classes = {
            stmt.name: stmt for stmt in ctx.tree.body if isinstance(stmt, ast.ClassDef)
        }
        self._weakrefs = ctx.imports.imports("weakref")
        self._module_dict_use = any(
            n.attr in {"__dict__", "__weakref__"} for n in ctx.nodes_of(ast.Attribute)
        ) or any(
            isinstance(n.func, ast.Name) and n.func.id in {"vars", "setattr"}
            for n in ctx.nodes_of(ast.Call)
        )

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        """Check a dataclass."""
        decorator = _dataclass_decorator(self.ctx, node)
        if decorator is None or node.keywords:
            return
        if isinstance(decorator, ast.Call) and any(
            k.arg == "slots" or k.arg is None for k in decorator.keywords
        ):
            return
        if any(
            isinstance(target, ast.Name) and target.id == "__slots__"
            for stmt in node.body
            if isinstance(stmt, ast.Assign | ast.AnnAssign)
            for target in (
                stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            )
        ):
            return
        if any(
            self.ctx.qualname(decorator_target(d)) not in _HARMLESS_DECORATORS
            for d in node.decorator_list
        ):
            # An unknown decorator may add slots itself, or rely on `__dict__`.
            return
        local_bases = self._local_dataclass_bases(node, set())
        if local_bases is None:
            return
        blocker = self._blocker(node, len(local_bases))
        message = (
            f"dataclass `{node.name}` has no `slots=True`: each instance carries a "
            "`__dict__`"
        )
        if blocker is not None:
            self.report(
                self.ctx.name_span(node), f"{message} (no fix: {blocker})", fix=None
            )
            return
        safe = node.name.startswith("_") and not self._module_dict_use
        info = FixInfo(
            _FIX_TITLE,
            Applicability.SAFE if safe else Applicability.UNSAFE,
            None if safe else _UNSAFE_REASON,
        )
        where = self.ctx.span(decorator)
        self.report(
            self.ctx.name_span(node),
            message,
            fix=info,
            data={"line": str(where.line), "col": str(where.col)},
        )

    def _local_dataclass_bases(
        self, node: ast.ClassDef, seen: set[str]
    ) -> list[ast.ClassDef] | None:
        """The module's own dataclass bases, or None when a base rules slots out.

        A base rules slots out when it comes from another module (or is a local
        class that is not a dataclass) anywhere up the hierarchy.
        """
        if node.name in seen or node.keywords:
            return None
        seen.add(node.name)
        found: list[ast.ClassDef] = []
        for base in node.bases:
            target = base.value if isinstance(base, ast.Subscript) else base
            if self.ctx.qualname(target) in _HARMLESS_BASES:
                continue
            if isinstance(target, ast.Name) and target.id in self._classes:
                local = self._classes[target.id]
                if (
                    _dataclass_decorator(self.ctx, local) is not None
                    and self._local_dataclass_bases(local, seen) is not None
                ):
                    found.append(local)
                    continue
            return None
        return found

    def _blocker(self, node: ast.ClassDef, local_bases: int) -> str | None:
        if local_bases > 1:
            return "several slotted bases would conflict"
        if self._weakrefs:
            return "the module uses weak references, which need `weakref_slot=True`"
        blocker = self._body_blocker(node)
        if blocker is not None:
            return blocker
        extra = sorted(_assigned_attrs(node) - _field_names(node, self.ctx))
        if extra and local_bases == 0:
            return f"`self.{extra[0]}` is set but is not a field"
        return None

    def _body_blocker(self, node: ast.ClassDef) -> str | None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.FunctionDef | ast.AsyncFunctionDef):
                if any(
                    self.ctx.qualname(decorator_target(d))
                    == "functools.cached_property"
                    for d in sub.decorator_list
                ):
                    return "`cached_property` needs the instance `__dict__`"
            elif isinstance(sub, ast.Attribute) and sub.attr in {
                "__dict__",
                "__weakref__",
            }:
                return f"the class uses `{sub.attr}`"
            elif isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name):
                if sub.func.id == "vars":
                    return "the class uses `vars()`"
                if sub.func.id == "super" and not sub.args:
                    return (
                        "zero-argument `super()` breaks in a slotted dataclass before "
                        "Python 3.14"
                    )
            elif isinstance(sub, ast.Name) and sub.id == "__class__":
                return "`__class__` refers to the class before the slotted rebuild"
        return None

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Add ``slots=True`` to each flagged class's ``@dataclass`` decorator."""
        starts = {
            (int(f.data["line"]), int(f.data["col"]))
            for f in request.findings
            if "line" in f.data
        }
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        return wrapper.visit(_SlotsAdder(starts))


class _SlotsAdder(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, starts: set[tuple[int, int]]) -> None:
        super().__init__()
        self.starts = starts

    def leave_Decorator(
        self, original_node: cst.Decorator, updated_node: cst.Decorator
    ) -> cst.Decorator:
        pos = self.get_metadata(PositionProvider, original_node.decorator, None)
        if pos is None or (pos.start.line, pos.start.column) not in self.starts:
            return updated_node
        return updated_node.with_changes(decorator=_add_slots(updated_node.decorator))


def _add_slots(updated: cst.BaseExpression) -> cst.BaseExpression:
    slots = cst.Arg(
        value=cst.Name("True"),
        keyword=cst.Name("slots"),
        equal=cst.AssignEqual(
            whitespace_before=cst.SimpleWhitespace(""),
            whitespace_after=cst.SimpleWhitespace(""),
        ),
    )
    if isinstance(updated, cst.Call):
        args = list(updated.args)
        if not args:
            return updated.with_changes(args=[slots])
        last = args[-1]
        if isinstance(last.comma, cst.Comma):
            # A trailing comma: keep the layout, one argument per line.
            args[-1] = last.with_changes(
                comma=last.comma.with_changes(
                    whitespace_after=updated.whitespace_before_args
                )
            )
            slots = slots.with_changes(comma=last.comma)
        else:
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            )
        return updated.with_changes(args=[*args, slots])
    if isinstance(updated, cst.Name | cst.Attribute):
        return cst.Call(func=updated, args=[slots])
    return updated


__all__ = ["DataclassSlots"]
