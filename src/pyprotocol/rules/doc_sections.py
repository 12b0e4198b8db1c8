"""PP901: Google-style docstring sections out of step with the function."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule

_SECTION: Final = re.compile(
    r"^\s*(Args|Arguments|Returns|Yields|Raises)\s*:\s*$", re.MULTILINE
)
_ARG_LINE: Final = re.compile(r"^(\s*)(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:")


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of a function body, not of nested functions, classes or lambdas."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(
            node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda
        ):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _documented_args(doc: str) -> set[str] | None:
    """Names listed under ``Args:``, or None when there is no such section."""
    lines = doc.splitlines()
    for index, line in enumerate(lines):
        if line.strip() in {"Args:", "Arguments:"}:
            indent = len(line) - len(line.lstrip())
            names: set[str] = set()
            entry_indent: int | None = None
            for entry in lines[index + 1 :]:
                if not entry.strip():
                    continue
                current = len(entry) - len(entry.lstrip())
                if current <= indent:
                    break
                if entry_indent is None:
                    entry_indent = current
                match = _ARG_LINE.match(entry)
                if current == entry_indent and match:
                    names.add(match.group(2).lstrip("*"))
            return names
    return None


class DocstringSections(Rule):
    """Flags Google-style docstrings whose sections do not match the code."""

    code = "PP901"
    statement_local = True
    name = "docstring-sections"
    summary = (
        "Keep Google-style `Args:`, `Returns:` and `Raises:` sections true to the code."
    )
    why = (
        "The protocol asks for Google-style docstrings. A multi-line docstring of a "
        "public function that returns a value should say what in `Returns:` (or "
        "`Yields:`), one that raises on purpose should list it under `Raises:`, and "
        "`Args:` must not describe parameters the function no longer has. One-line "
        "docstrings, and docstrings with no Google sections at all, are left alone."
    )
    sections = (
        "pr:docstrings-pep-257--google-style",
        "cgp:2-code-style-formatting--linting",
    )
    severity = Severity.INFO
    examples: ClassVar[Examples] = Examples(
        bad=(
            'def area(w: int, h: int) -> int:\n    """Compute the area.\n\n'
            '    Args:\n        w: Width.\n        h: Height.\n    """\n'
            "    return w * h\n",
            'def check(x: int) -> None:\n    """Check x.\n\n'
            "    Args:\n        x: A value.\n"
            '    """\n    if x < 0:\n        raise ValueError(x)\n',
            'def f(a: int) -> None:\n    """Do it.\n\n    Args:\n        a: A.\n'
            '        b: Gone.\n    """\n',
        ),
        good=(
            'def area(w: int, h: int) -> int:\n    """Compute the area."""\n'
            "    return w * h\n",
            'def area(w: int, h: int) -> int:\n    """Compute the area.\n\n'
            "    Args:\n        w: Width.\n        h: Height.\n\n    Returns:\n"
            '        The area.\n    """\n    return w * h\n',
            'def _helper(x: int) -> int:\n    """Private.\n\n'
            '    Args:\n        x: X.\n    """\n'
            "    return x\n",
            'def plain(x: int) -> int:\n    """Prose only.\n\n'
            '    More prose.\n    """\n'
            "    return x\n",
            'def f(x: int) -> None:\n    """Do.\n\n    Args:\n        x: X.\n    """\n'
            "    try:\n        g()\n    except KeyError:\n        raise\n",
            "class C:\n    @property\n    def size(self) -> int:\n"
            '        """The size.\n\n'
            '        Counted lazily.\n        """\n        return 1\n',
            'class Base:\n    def run(self, x: int) -> int:\n        """Run.\n\n'
            '        Args:\n            x: X.\n        """\n'
            "        raise NotImplementedError\n",
            'def f(*args: int, **kwargs: int) -> None:\n    """Do.\n\n    Args:\n'
            '        *args: Values.\n        **kwargs: Options.\n    """\n',
        ),
    )

    def _check(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.name.startswith("_") and not node.name.startswith("__"):
            return
        doc = ast.get_docstring(node, clean=True)
        if doc is None or "\n" not in doc.strip():
            return
        sections = set(_SECTION.findall(doc))
        if not sections:
            return  # not (yet) Google style: nothing to hold it to
        problems = [
            *self._result_problems(node, sections),
            *_raise_problems(node, sections),
            *_arg_problems(node, doc),
        ]
        if problems:
            message = f"docstring of `{node.name}`: {'; '.join(problems)}"
            self.report(self.ctx.name_span(node), message)

    def _result_problems(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, sections: set[str]
    ) -> list[str]:
        if sections & {"Returns", "Yields"}:
            return []
        decorators = [self.ctx.qualname(d) or "" for d in node.decorator_list]
        if any(d.endswith(("property", "cached_property")) for d in decorators):
            return []
        nodes = list(_own_nodes(node.body))
        if any(
            isinstance(n, ast.Return) and n.value is not None and not _is_none(n.value)
            for n in nodes
        ):
            return ["it returns a value but has no `Returns:` section"]
        if any(isinstance(n, ast.Yield | ast.YieldFrom) for n in nodes):
            return ["it yields values but has no `Yields:` section"]
        return []

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """Check a function's docstring."""
        self._check(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        """Check an async function's docstring."""
        self._check(node)


def _raise_problems(
    node: ast.FunctionDef | ast.AsyncFunctionDef, sections: set[str]
) -> list[str]:
    if "Raises" in sections:
        return []
    if any(
        isinstance(n, ast.Raise) and n.exc is not None and not _is_abstract(n.exc)
        for n in _own_nodes(node.body)
    ):
        return ["it raises exceptions but has no `Raises:` section"]
    return []


def _is_abstract(exc: ast.expr) -> bool:
    """``raise NotImplementedError`` marks a method to override, not an error."""
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"


def _arg_problems(node: ast.FunctionDef | ast.AsyncFunctionDef, doc: str) -> list[str]:
    documented = _documented_args(doc)
    if not documented:
        return []
    args = node.args
    params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
    params |= {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    stale = sorted(documented - params)
    if stale:
        return [f"`Args:` describes {', '.join(stale)}, not in the signature"]
    return []


def _is_none(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value is None
