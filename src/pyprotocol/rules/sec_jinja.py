"""PP607: a Jinja2 ``Environment`` without autoescaping."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import update_imports
from pyprotocol.model import Applicability, Severity
from pyprotocol.rules.astutil import has_star_kwargs, keyword
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.sec_helpers import (
    append_arg,
    is_constant,
    keyword_arg,
    rewrite_calls,
    source_of,
)

_ENVIRONMENTS: Final = frozenset(
    {
        "jinja2.Environment",
        "jinja2.environment.Environment",
        "jinja2.sandbox.SandboxedEnvironment",
        "jinja2.sandbox.ImmutableSandboxedEnvironment",
    }
)


class JinjaAutoescape(Rule):
    """Flags Jinja2 environments created without autoescaping."""

    code = "PP607"
    statement_local = True
    replaces = ("S701",)
    name = "jinja2-autoescape"
    summary = "Create Jinja2 environments with autoescaping on (`select_autoescape`)."
    why = (
        "Jinja2 does not escape by default: a value containing `<script>` rendered "
        "into an HTML template runs in the reader's browser (cross-site scripting). "
        "`autoescape=select_autoescape()` escapes HTML/XML templates and string "
        "templates and leaves other files alone. An environment with no "
        "`autoescape` argument or `autoescape=False` is flagged; any other value "
        "(`True`, a function, a variable) is taken as a decision. `NativeEnvironment` "
        "renders Python values, not markup, and is not flagged."
    )
    sections = ("pr:input-validation",)
    severity = Severity.WARNING
    applies_to = "code"
    requires_import = "jinja2"
    fix_title = "Turn autoescaping on with `select_autoescape()`"
    fix_applicability = Applicability.UNSAFE
    fix_reason = (
        "templates rendered from strings (and `.html`/`.xml` files) are now escaped, "
        "which changes the output of templates that produce non-HTML text"
    )
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import jinja2\nenv = jinja2.Environment(loader=loader)\n",
            "from jinja2 import Environment\nenv = Environment(autoescape=False)\n",
            "from jinja2.sandbox import SandboxedEnvironment\n"
            "env = SandboxedEnvironment()\n",
        ),
        good=(
            "from jinja2 import Environment, select_autoescape\n"
            "env = Environment(autoescape=select_autoescape())\n",
            "import jinja2\nenv = jinja2.Environment(autoescape=True)\n",
            "import jinja2\nenv = jinja2.Environment(autoescape=escape_for(path))\n",
            "import jinja2\nenv = jinja2.Environment(**options)\n",
            "from jinja2.nativetypes import NativeEnvironment\n"
            "env = NativeEnvironment()\n",
            "from mylib import Environment\nimport jinja2\nenv = Environment()\n",
        ),
        fixed=(
            Fixed(
                "import jinja2\n\nenv = jinja2.Environment(loader=loader)\n",
                "import jinja2\n\n"
                "env = jinja2.Environment(loader=loader, "
                "autoescape=jinja2.select_autoescape())\n",
                unsafe=True,
            ),
            Fixed(
                "from jinja2 import Environment\n\n"
                "env = Environment(autoescape=False)\n",
                "from jinja2 import select_autoescape, Environment\n\n"
                "env = Environment(autoescape=select_autoescape())\n",
                unsafe=True,
            ),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag an environment without autoescaping."""
        name = self.ctx.qualname(node.func)
        if name not in _ENVIRONMENTS:
            return
        option = keyword(node, "autoescape")
        if option is None:
            if has_star_kwargs(node):
                return
            message = (
                f"`{name}` without `autoescape`: Jinja2 does not escape by default"
            )
        elif is_constant(option.value, False):
            message = f"`{name}` with `autoescape=False`"
        else:
            return
        func = node.func
        prefix = ""
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and self.ctx.qualname(func.value) == "jinja2"
        ):
            prefix = f"{func.value.id}."
        self.report(
            node,
            f"{message}; values rendered into HTML can inject markup and scripts: "
            "pass `autoescape=select_autoescape()`",
            fix=True,
            data={"func": source_of(self.ctx.source, func), "prefix": prefix},
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Set ``autoescape=select_autoescape()``."""
        needs_import = False

        def rewrite(call: cst.Call, data: Mapping[str, str]) -> cst.Call:
            nonlocal needs_import
            prefix = data.get("prefix", "")
            needs_import = needs_import or not prefix
            value = cst.parse_expression(f"{prefix}select_autoescape()")
            args = list(call.args)
            for index, arg in enumerate(args):
                if arg.keyword is not None and arg.keyword.value == "autoescape":
                    args[index] = arg.with_changes(value=value)
                    return call.with_changes(args=args)
            new = keyword_arg("autoescape", value)
            return call.with_changes(args=append_arg(args, new))

        tree = rewrite_calls(tree, request, rewrite)
        if needs_import:
            tree = update_imports(tree, add=[("jinja2", "select_autoescape", None)])
        return tree
