"""PP705: one Pydantic model as both request body and response model of a route."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples
from pyprotocol.rules.fastapi_routes import (
    Route,
    RouteRule,
    annotated_extras,
    parameters,
    unwrap_annotated,
)
from pyprotocol.rules.idiom_scope import FunctionNode

#: FastAPI markers that make a parameter something other than the body.
_NOT_BODY: Final = frozenset(
    {
        "Query",
        "Path",
        "Header",
        "Cookie",
        "Depends",
        "Security",
        "Form",
        "File",
    }
)


class SharedIOModel(RouteRule):
    """Flags ``def create(item: Item) -> Item`` / ``response_model=Item`` routes."""

    code = "PP705"
    name = "shared-io-model"
    summary = "Use separate models for a route's request body and its response."
    why = (
        "When the model a client sends is also the model the API returns, every "
        "field is both writable and readable: a client can set fields it should not "
        "(`id`, `is_admin`, timestamps: mass assignment) and the response leaks "
        "whatever the model holds (a password hash). Distinct models, such as "
        "`ItemCreate` in and `ItemRead` out, make both contracts explicit. The rule "
        "compares the `response_model` (or the return annotation) of a path "
        "operation with the types of its body parameters."
    )
    sections = ("cgp:7-fastapi-best-practices", "pr:api-security")
    severity = Severity.WARNING
    requires_import = "fastapi"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from fastapi import FastAPI\nfrom pydantic import BaseModel\n"
            "app = FastAPI()\nclass Item(BaseModel):\n    name: str\n"
            "@app.post('/items', response_model=Item)\n"
            "async def create(item: Item):\n    return item\n",
            "from fastapi import APIRouter\nfrom .models import User\n"
            "router = APIRouter()\n@router.put('/users/{id}')\n"
            "async def update(id: int, user: User) -> User:\n    return user\n",
        ),
        good=(
            "from fastapi import FastAPI\nfrom .models import ItemCreate, ItemRead\n"
            "app = FastAPI()\n@app.post('/items', response_model=ItemRead)\n"
            "async def create(item: ItemCreate):\n    return item\n",
            "from fastapi import FastAPI\napp = FastAPI()\n"
            "@app.get('/n')\nasync def n(x: int) -> int:\n    return x\n",
            "from typing import Annotated\nfrom fastapi import FastAPI, Depends\n"
            "from .models import User\napp = FastAPI()\n"
            "@app.get('/me')\nasync def me(user: Annotated[User, Depends(current)]) "
            "-> User:\n    return user\n",
            "from fastapi import FastAPI\nfrom .models import Item\napp = FastAPI()\n"
            "@app.post('/items', response_model=None)\n"
            "async def create(item: Item) -> Item:\n    return item\n",
            "from fastapi import FastAPI\nfrom .models import Item\n"
            "def create(item: Item) -> Item:\n    return item\n",
        ),
    )

    def check_route(self, node: FunctionNode, route: Route) -> None:
        """Flag a model used both as the request body and the response."""
        response: ast.expr | None = node.returns
        for keyword in route.call.keywords:
            if keyword.arg == "response_model":
                response = keyword.value
        response = unwrap_annotated(self.ctx, response)
        if not self._model_like(response) or response is None:
            return
        wanted = ast.dump(response)
        for param, default in parameters(node):
            if default is not None and self._marker(default):
                continue
            annotation = param.annotation
            if any(
                self._marker(extra) for extra in annotated_extras(self.ctx, annotation)
            ):
                continue
            base = unwrap_annotated(self.ctx, annotation)
            if base is not None and ast.dump(base) == wanted:
                self.report(
                    base,
                    f"`{param.arg}` (the request body) and the response of "
                    f"`{node.name}` share one model: use distinct input and output "
                    "models (e.g. `...Create` and `...Read`)",
                )

    def _model_like(self, node: ast.expr | None) -> bool:
        if not isinstance(node, ast.Name | ast.Attribute):
            return False
        name = self.ctx.qualname(node)
        if name is not None and name.partition(".")[0] in {
            "builtins",
            "typing",
            "typing_extensions",
            "collections",
            "fastapi",
            "starlette",
        }:
            return False
        last = node.attr if isinstance(node, ast.Attribute) else node.id
        return last[:1].isupper()

    def _marker(self, node: ast.expr) -> bool:
        if not isinstance(node, ast.Call):
            return False
        name = self.ctx.qualname(node.func) or ""
        module, _, member = name.rpartition(".")
        return module.startswith("fastapi") and member in _NOT_BODY


__all__ = ["SharedIOModel"]
