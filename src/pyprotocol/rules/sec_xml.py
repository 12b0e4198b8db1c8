"""PP614: XML parsed with the standard library or an entity-resolving lxml parser."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import update_imports
from pyprotocol.model import Applicability, Severity
from pyprotocol.rules.astutil import keyword
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.sec_helpers import (
    argument,
    dotted,
    is_constant,
    is_text,
    rewrite_calls,
    source_of,
)

_ET_FUNCS: Final = ("parse", "iterparse", "fromstring", "XML", "XMLParser")
#: Standard-library parser -> the defusedxml function with the same signature.
_STDLIB: Final[dict[str, str | None]] = {
    **{
        f"xml.etree.{module}.{func}": f"defusedxml.ElementTree.{func}"
        for module in ("ElementTree", "cElementTree")
        for func in _ET_FUNCS
    },
    "xml.etree.ElementTree.fromstringlist": None,
    "xml.etree.ElementTree.XMLPullParser": None,
    "xml.dom.minidom.parse": "defusedxml.minidom.parse",
    "xml.dom.minidom.parseString": "defusedxml.minidom.parseString",
    "xml.dom.pulldom.parse": "defusedxml.pulldom.parse",
    "xml.dom.pulldom.parseString": "defusedxml.pulldom.parseString",
    "xml.dom.expatbuilder.parse": "defusedxml.expatbuilder.parse",
    "xml.dom.expatbuilder.parseString": "defusedxml.expatbuilder.parseString",
    "xml.sax.parse": "defusedxml.sax.parse",
    "xml.sax.parseString": "defusedxml.sax.parseString",
    "xml.sax.make_parser": "defusedxml.sax.make_parser",
    "xml.sax.expatreader.create_parser": "defusedxml.expatreader.create_parser",
}
#: lxml functions -> the index of their ``parser`` argument.
_LXML_PARSE: Final = {
    f"lxml.{module}.{func}": index
    for module in ("etree", "objectify")
    for func, index in (("parse", 1), ("fromstring", 1), ("XML", 1))
}
_LXML_PARSERS: Final = frozenset({"lxml.etree.XMLParser", "lxml.objectify.makeparser"})


class UnsafeXmlParser(Rule):
    """Flags stdlib XML parsing and lxml parsing that resolves entities."""

    code = "PP614"
    statement_local = True
    replaces = (
        "S313",
        "S314",
        "S315",
        "S316",
        "S317",
        "S318",
        "S319",
        "S320",
        "S405",
        "S406",
        "S407",
        "S408",
        "S409",
        "S410",
    )
    name = "unsafe-xml-parser"
    summary = (
        "Parse untrusted XML with `defusedxml`, or lxml with `resolve_entities=False`."
    )
    why = (
        "XML entities can point at local files or URLs (XXE) or expand "
        "exponentially (billion laughs). The standard library's `xml.etree`, "
        "`xml.dom.minidom`, `xml.dom.pulldom` and `xml.sax` parsers do not protect "
        "against all of these; `defusedxml` wraps them with the same functions and "
        "refuses dangerous documents. With lxml, parse through "
        "`etree.XMLParser(resolve_entities=False, no_network=True)`; an lxml call "
        "without a parser, or a parser without `resolve_entities=False`, is "
        "flagged. A parser passed in a variable the rule cannot trace is left "
        "alone, as is parsing a string literal written in the code. The fix moves "
        "stdlib calls to `defusedxml`, a new dependency, so it is unsafe."
    )
    sections = ("pr:xml-processing",)
    severity = Severity.WARNING
    applies_to = "code"
    fix_title = "Parse with `defusedxml`"
    fix_applicability = Applicability.UNSAFE
    fix_reason = "adds a dependency on `defusedxml`"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import xml.etree.ElementTree as ET\nroot = ET.fromstring(body)\n",
            "from xml.dom import minidom\ndoc = minidom.parse(path)\n",
            "import xml.sax\nxml.sax.parseString(data, handler)\n",
            "from lxml import etree\ntree = etree.parse(path)\n",
            "from lxml import etree\np = etree.XMLParser(no_network=True)\n",
            "from lxml import etree\np = etree.XMLParser(resolve_entities=True)\n"
            "tree = etree.fromstring(data, p)\n",
        ),
        good=(
            "import defusedxml.ElementTree as ET\nroot = ET.fromstring(body)\n",
            "from lxml import etree\n"
            "parser = etree.XMLParser(resolve_entities=False, no_network=True)\n"
            "tree = etree.parse(source, parser)\n",
            "from lxml import etree\n"
            "tree = etree.fromstring(data, etree.XMLParser(resolve_entities=False))\n",
            "from lxml import etree\ntree = etree.parse(source, parser=self.parser)\n",
            "import xml.etree.ElementTree as ET\nel = ET.Element('item')\n"
            "text = ET.tostring(el)\n",
            "import xml.etree.ElementTree as ET\nroot = ET.fromstring('<config/>')\n",
            "from lxml import html\ndoc = html.fromstring(page)\n",
        ),
        fixed=(
            Fixed(
                "import xml.etree.ElementTree as ET\n\nroot = ET.fromstring(body)\n",
                "import xml.etree.ElementTree as ET\nimport defusedxml.ElementTree\n\n"
                "root = defusedxml.ElementTree.fromstring(body)\n",
                unsafe=True,
            ),
            Fixed(
                "from xml.dom.minidom import parseString\n\ndoc = parseString(data)\n",
                "import defusedxml.minidom\n\n"
                "doc = defusedxml.minidom.parseString(data)\n",
                unsafe=True,
            ),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag an unsafe XML parse."""
        name = self.ctx.qualname(node.func)
        if name is None:
            return
        if name in _STDLIB:
            self._stdlib(node, name)
        elif name in _LXML_PARSERS:
            if not _resolves_no_entities(node):
                self.report(
                    node,
                    f"`{name}` resolves entities by default (XXE): pass "
                    "`resolve_entities=False`",
                )
        elif name in _LXML_PARSE:
            self._lxml(node, name, _LXML_PARSE[name])
        elif name == "lxml.etree.iterparse":
            if is_text(argument(node, 0, "source")):
                return
            if not _resolves_no_entities(node):
                self.report(
                    node,
                    "`lxml.etree.iterparse` resolves entities by default (XXE): pass "
                    "`resolve_entities=False`",
                )

    def _stdlib(self, node: ast.Call, name: str) -> None:
        if is_text(argument(node, 0, "source", "text", "string", "file")):
            return
        replacement = _STDLIB[name]
        if replacement is None:
            message = (
                f"`{name}` is open to entity attacks (XXE, billion laughs): "
                "parse with `defusedxml`"
            )
        else:
            message = (
                f"`{name}` is open to entity attacks (XXE, billion laughs): use "
                f"`{replacement}`"
            )
        self.report(
            node,
            message,
            fix=replacement is not None,
            data={
                "func": source_of(self.ctx.source, node.func),
                "new": replacement or "",
                "old": name,
            },
        )

    def _lxml(self, node: ast.Call, name: str, index: int) -> None:
        if is_text(argument(node, 0, "source", "text")):
            return
        parser = argument(node, index, "parser")
        if parser is None or is_constant(parser, None):
            self.report(
                node,
                f"`{name}` without a parser uses lxml's default, which resolves "
                "entities: pass `parser=etree.XMLParser(resolve_entities=False, "
                "no_network=True)`",
            )
        # A parser passed in is checked where it is built (``XMLParser(...)``).

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Call the ``defusedxml`` function and import its module."""
        modules: set[str] = set()
        removed: set[tuple[str, str | None]] = set()

        def rewrite(call: cst.Call, data: Mapping[str, str]) -> cst.Call:
            new = data["new"]
            modules.add(new.rpartition(".")[0])
            if isinstance(call.func, cst.Name):
                module, _, func = data["old"].rpartition(".")
                removed.add((module, call.func.value if func else None))
            return call.with_changes(func=dotted(new))

        tree = rewrite_calls(tree, request, rewrite)
        return update_imports(
            tree,
            add=[(module, None, None) for module in sorted(modules)],
            remove_unused=sorted(removed, key=lambda pair: (pair[0], pair[1] or "")),
        )


def _resolves_no_entities(node: ast.Call) -> bool:
    """True when ``resolve_entities`` is ``False`` or ``'internal'``."""
    option = keyword(node, "resolve_entities")
    if option is None:
        return False
    return is_constant(option.value, False) or is_constant(option.value, "internal")
