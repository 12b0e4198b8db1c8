"""PP702: ``Depends(...)`` as a parameter default instead of in ``Annotated``."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from pyprotocol.fixes.common import update_imports
from pyprotocol.model import Severity
from pyprotocol.rules.base import Context, Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.fastapi_routes import DEPENDS, parameters
from pyprotocol.rules.idiom_scope import FunctionNode

_ANNOTATED_SOURCES: Final = frozenset(
    {"typing.Annotated", "typing_extensions.Annotated"}
)


class AnnotatedDepends(Rule):
    """Flags ``db: Session = Depends(get_db)``."""

    code = "PP702"
    replaces = ("FAST002",)
    name = "depends-default"
    summary = "Inject dependencies with `Annotated[T, Depends(...)]`, not a default."
    why = (
        "`param: T = Depends(dep)` lies to type checkers and readers: the default is "
        "not a `T` but a marker, the function cannot be called directly without "
        "passing every dependency, and the parameter must come after all parameters "
        "without defaults. `param: Annotated[T, Depends(dep)]` keeps the type "
        "honest, lets an `Annotated` alias be reused across endpoints, and is the "
        "form the protocol requires. The fix moves the `Depends(...)` into the "
        "annotation when the parameter is annotated and dropping its default keeps "
        "the signature valid (no parameter with a default before it); the same goes "
        "for `Security(...)`."
    )
    sections = ("cgp:7-fastapi-best-practices",)
    severity = Severity.WARNING
    requires_import = "fastapi"
    fix_title = "Move the dependency into `Annotated[...]`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from fastapi import Depends\ndef items(db: Session = Depends(get_db)):\n"
            "    pass\n",
            "from fastapi import Depends\ndef items(db=Depends(get_db)):\n    pass\n",
            "import fastapi\ndef me(user: User = fastapi.Security(current_user)):\n"
            "    pass\n",
        ),
        good=(
            "from typing import Annotated\nfrom fastapi import Depends\n"
            "def items(db: Annotated[Session, Depends(get_db)]):\n    pass\n",
            "from fastapi import FastAPI, Depends\napp = FastAPI()\n"
            "@app.get('/', dependencies=[Depends(verify)])\ndef root():\n    pass\n",
            "from fastapi import Query\ndef items(q: str = Query(None)):\n    pass\n",
            "import fastapi\nfrom mylib import Depends\n"
            "def items(db: Session = Depends(get_db)):\n    pass\n",
        ),
        fixed=(
            Fixed(
                "from fastapi import Depends, FastAPI\n\napp = FastAPI()\n\n\n"
                "@app.get('/items/')\n"
                "async def read_items(item_id: int, db: Session = Depends(get_db)):\n"
                "    return db\n",
                "from fastapi import Depends, FastAPI\nfrom typing import Annotated\n\n"
                "app = FastAPI()\n\n\n"
                "@app.get('/items/')\n"
                "async def read_items(item_id: int, db: Annotated[Session, "
                "Depends(get_db)]):\n"
                "    return db\n",
            ),
            Fixed(
                "from typing import Annotated\n\n"
                "from fastapi import Depends, Query\n\n\n"
                "def items(\n    q: Annotated[str, Query()],\n"
                "    commons: Commons = Depends(),\n    *,\n"
                "    user: User = Depends(current_user),\n) -> None:\n    pass\n",
                "from typing import Annotated\n\n"
                "from fastapi import Depends, Query\n\n\n"
                "def items(\n    q: Annotated[str, Query()],\n"
                "    commons: Annotated[Commons, Depends()],\n    *,\n"
                "    user: Annotated[User, Depends(current_user)],\n) -> None:\n"
                "    pass\n",
            ),
            Fixed(
                "from typing import Annotated\n\nfrom fastapi import Depends\n\n\n"
                "def items(db: Annotated[Session, 'db'] = Depends(get_db)):\n"
                "    pass\n",
                "from typing import Annotated\n\nfrom fastapi import Depends\n\n\n"
                "def items(db: Annotated[Session, 'db', Depends(get_db)]):\n"
                "    pass\n",
            ),
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Check once whether the name ``Annotated`` is free or already typing's.

        Args:
            ctx: The context of the file being checked.
        """
        super().__init__(ctx)
        bound = ctx.imports.names.get("Annotated")
        self._annotated_usable = (
            bound in _ANNOTATED_SOURCES
            if bound is not None
            else "Annotated" not in ctx.module_names
        )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a function's parameters."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check an async function's parameters."""
        self._check(node)

    def _check(self, node: FunctionNode) -> None:
        positional = len(node.args.posonlyargs) + len(node.args.args)
        earlier_default = False
        for index, (param, default) in enumerate(parameters(node)):
            keyword_only = index >= positional
            if default is None or not self.ctx.is_call_to(default, *DEPENDS):
                if default is not None and not keyword_only:
                    earlier_default = True
                continue
            marker = "Security" if self._is_security(default) else "Depends"
            message = (
                f"`{param.arg}` takes `{marker}(...)` as its default: annotate it "
                f"`{param.arg}: Annotated[T, {marker}(...)]`"
            )
            blocker = None
            if param.annotation is None:
                blocker = "the parameter has no annotation to wrap"
            elif not self._annotated_usable:
                blocker = "the name `Annotated` is bound to something else here"
            elif earlier_default and not keyword_only:
                blocker = "a parameter before it has a default"
            if blocker is not None:
                self.report(param, f"{message} (no fix: {blocker})")
            else:
                self.report(param, message, fix=True)
            if not keyword_only:
                earlier_default = True

    def _is_security(self, call: ast.expr) -> bool:
        return isinstance(call, ast.Call) and (
            self.ctx.qualname(call.func) or ""
        ).endswith("Security")

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Move each flagged default into the parameter's annotation."""
        wrapper = MetadataWrapper(tree, unsafe_skip_copy=True)
        tree = wrapper.visit(_Mover(request.starts()))
        if self.ctx.imports.names.get("Annotated") in _ANNOTATED_SOURCES:
            return tree
        return update_imports(tree, add=[("typing", "Annotated", None)])


def _is_annotated(node: cst.BaseExpression) -> bool:
    name = node.attr.value if isinstance(node, cst.Attribute) else None
    if isinstance(node, cst.Name):
        name = node.value
    return name == "Annotated"


class _Mover(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, starts: set[tuple[int, int]]) -> None:
        super().__init__()
        self.starts = starts

    def leave_Param(
        self, original_node: cst.Param, updated_node: cst.Param
    ) -> cst.Param:
        pos = self.get_metadata(PositionProvider, original_node, None)
        if pos is None or (pos.start.line, pos.start.column) not in self.starts:
            return updated_node
        annotation = updated_node.annotation
        default = updated_node.default
        if annotation is None or default is None:
            return updated_node
        dependency = cst.SubscriptElement(cst.Index(default))
        inner = annotation.annotation
        if isinstance(inner, cst.Subscript) and _is_annotated(inner.value):
            elements = list(inner.slice)
            last = elements[-1]
            if last.comma is cst.MaybeSentinel.DEFAULT:
                elements[-1] = last.with_changes(
                    comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
                )
            wrapped: cst.BaseExpression = inner.with_changes(
                slice=[*elements, dependency]
            )
        else:
            wrapped = cst.Subscript(
                value=cst.Name("Annotated"),
                slice=[
                    cst.SubscriptElement(
                        cst.Index(inner),
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                    ),
                    dependency,
                ],
            )
        return updated_node.with_changes(
            annotation=annotation.with_changes(annotation=wrapped),
            default=None,
            equal=cst.MaybeSentinel.DEFAULT,
        )


__all__ = ["AnnotatedDepends"]
