"""PP616: HTTP requests that can wait forever (no timeout, or ``timeout=None``)."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.astutil import dotted_name, has_star_kwargs, keyword
from pyprotocol.rules.base import Context, Examples, Rule
from pyprotocol.rules.sec_helpers import argument, is_constant

_VERBS: Final = ("get", "post", "put", "patch", "delete", "head", "options", "request")
_REQUESTS: Final = frozenset(
    {f"requests.{verb}" for verb in _VERBS}
    | {f"requests.api.{verb}" for verb in _VERBS}
)
_SESSIONS: Final = frozenset(
    {"requests.Session", "requests.session", "requests.sessions.Session"}
)
_HTTPX: Final = frozenset({f"httpx.{verb}" for verb in (*_VERBS, "stream")})
_HTTPX_CLIENTS: Final = frozenset({"httpx.Client", "httpx.AsyncClient"})
_URLOPEN: Final = "urllib.request.urlopen"
#: urlopen(url, data=None, timeout=...)
_URLOPEN_TIMEOUT_INDEX: Final = 2


class HttpWithoutTimeout(Rule):
    """Flags ``requests`` calls without ``timeout=`` and explicit ``timeout=None``."""

    code = "PP616"
    replaces = ("S113",)
    name = "http-without-timeout"
    summary = "Give every outgoing HTTP request a timeout."
    why = (
        "`requests` and `urllib.request.urlopen` wait forever by default: one slow "
        "or hostile server holds a worker, a thread or the whole event loop "
        "indefinitely. Pass `timeout=`. `httpx` already applies a 5-second default "
        "to every request, so an `httpx` call without `timeout=` is not flagged; "
        "switching that off with `timeout=None` (on a call or a `Client`) is. "
        "Calls on a `requests.Session` bound in the module are checked too, and a "
        "call passing `**kwargs` is assumed to carry its timeout. In `async` code "
        "the protocol also wants `asyncio.timeout()` around external I/O; that is "
        "another rule's business."
    )
    sections = ("pr:structured-concurrency", "pr:7-security")
    severity = Severity.WARNING
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import requests\nr = requests.get(url)\n",
            "import requests\nr = requests.post(url, json=body, timeout=None)\n",
            "from requests import request\nrequest('GET', url)\n",
            "import requests\ns = requests.Session()\ns.get(url)\n",
            "import requests\nwith requests.Session() as s:\n    s.post(url, data=x)\n",
            "import httpx\nclient = httpx.Client(timeout=None)\n",
            "import httpx\nhttpx.get(url, timeout=None)\n",
            "from urllib.request import urlopen\nurlopen(url)\n",
        ),
        good=(
            "import requests\nr = requests.get(url, timeout=10)\n",
            "import requests\nr = requests.get(url, **options)\n",
            "import httpx\nr = httpx.get(url)\n",
            "import httpx\nclient = httpx.AsyncClient(timeout=5.0)\n",
            "from urllib.request import urlopen\nurlopen(url, timeout=5)\n",
            "from urllib.request import urlopen\nurlopen(url, None, 5)\n",
            "import requests\ns = requests.Session()\ns.get(url, timeout=3)\n",
            "cache.get(url)\n",
        ),
    )

    def __init__(self, ctx: Context) -> None:
        """Start with no sessions seen."""
        super().__init__(ctx)
        self._sessions: set[str] = set()

    def visit_Assign(self, node: ast.Assign) -> None:
        """Remember ``s = requests.Session()``."""
        names = {dotted_name(t) or "" for t in node.targets}
        if self.ctx.is_call_to(node.value, *_SESSIONS):
            self._sessions |= names
        else:
            self._sessions -= names

    def visit_withitem(self, node: ast.withitem) -> None:
        """Remember ``with requests.Session() as s``."""
        if node.optional_vars is not None and self.ctx.is_call_to(
            node.context_expr, *_SESSIONS
        ):
            self._sessions.add(dotted_name(node.optional_vars) or "")

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a request that can wait forever."""
        name = self.ctx.qualname(node.func)
        timeout = keyword(node, "timeout")
        if timeout is not None and is_constant(timeout.value, None):
            if name in _REQUESTS | _HTTPX | _HTTPX_CLIENTS or self._on_session(node):
                self.report(
                    node,
                    "`timeout=None` lets this request wait forever: give it a timeout",
                )
            return
        if timeout is not None or has_star_kwargs(node):
            return
        if name in _REQUESTS or self._on_session(node):
            label = name or "this session request"
            self.report(
                node,
                f"`{label}` without `timeout=` waits forever on a server that does "
                "not answer: pass `timeout=`",
            )
        elif name == _URLOPEN and argument(node, _URLOPEN_TIMEOUT_INDEX) is None:
            self.report(
                node,
                "`urlopen` without a timeout waits forever on a server that does not "
                "answer: pass `timeout=`",
            )

    def _on_session(self, node: ast.Call) -> bool:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in _VERBS:
            return False
        receiver = func.value
        if self.ctx.is_call_to(receiver, *_SESSIONS):
            return True
        text = dotted_name(receiver)
        return text is not None and text in self._sessions
