"""PP209: logging calls that pass values named like passwords, tokens or keys."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cached_property
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.log_common import Loggers, loggers_of

_WORDS: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
#: Words that name a secret when they end an identifier.
_SECRET_NOUNS: Final = frozenset(
    {"password", "passwords", "passwd", "passphrase", "secret", "secrets", "apikey"}
)
_SECRET_PAIRS: Final = frozenset(
    {
        ("api", "key"),
        ("api", "keys"),
        ("private", "key"),
        ("secret", "key"),
        ("access", "key"),
        ("signing", "key"),
        ("encryption", "key"),
        ("auth", "key"),
    }
)
#: Words before the noun that make the whole name describe something else
#: (``password_hash`` is caught by the noun rule; these cover ``max_token``...).
_NOT_SECRET_BEFORE: Final = frozenset(
    {
        "is", "has", "use", "uses", "should", "needs", "require", "requires", "no",
        "max", "min", "num", "count", "len", "hashed", "masked", "redacted",
        "next", "page", "continuation", "cancel", "cancellation", "sync", "eof",
        "start", "end", "first", "last", "current", "prev", "previous", "lexer",
        "parser", "bos", "pad", "unk", "sep", "cls", "special", "stop",
    }
)  # fmt: skip
#: Keyword arguments of logging calls that configure the call, not log a value.
_CONFIG_KEYWORDS: Final = frozenset({"exc_info", "stack_info", "stacklevel"})
_GETTERS: Final = frozenset({"os.getenv", "os.environ.get"})


def _words(identifier: str) -> list[str]:
    return [word.lower() for word in _WORDS.findall(identifier)]


class LogSecret(Rule):
    """Flags secret-looking values passed to logging calls."""

    code = "PP209"
    statement_local = True
    name = "log-secret"
    summary = "Never log passwords, tokens, secrets or keys."
    why = (
        "Logs are copied to files, aggregators and support tickets, read by far "
        "more people than the secrets they contain, and kept for months. A "
        "password or token written there is a leaked credential. The rule looks "
        "at what a resolved logging call (stdlib `logging` or structlog) is given: "
        "positional arguments, values interpolated into an f-string, `%` or "
        "`.format()` message, keyword fields (structlog) and `extra={...}` keys. "
        "It flags names, attributes, dictionary keys and environment lookups "
        "whose name ends in password, passwd, passphrase, secret, token, api_key, "
        "private_key, secret_key or access_key, and skips names that describe "
        "something else (`password_hash`, `token_count`, `max_tokens`, "
        "`next_token`, `is_secret`) and values that are transformed first "
        "(`len(password)`, `mask(token)`). `token` alone is too vague to judge "
        "(progress tokens, page tokens, lexer tokens): it is flagged only as a "
        "plain variable, and not in modules that import `tokenize` or `token`. "
        "Log a redacted form or an identifier instead."
    )
    sections = ("pr:logging", "pr:never-do-this")
    severity = Severity.WARNING
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import logging\nlog = logging.getLogger(__name__)\n"
            "def login(user, password):\n    log.info('login %s %s', user, password)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.debug(f'using key {settings.API_KEY}')\n",
            "import structlog\nlog = structlog.get_logger()\n"
            "log.info('token_issued', user=user, access_token=tok)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('conf: %s', creds['password'])\n",
            "import logging, os\nlogging.warning('secret is %s' % "
            "os.environ.get('CLIENT_SECRET'))\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('auth', extra={'access_token': resp.accessToken})\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('key: {}'.format(private_key))\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "def auth(token):\n    log.debug('got %s', token)\n",
        ),
        good=(
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('login for %s', user)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('password length %d', len(password))\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('%s %s %s', password_hash, token_count, max_tokens)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('page %s', next_token)\n",
            "print('password', password)\n",
            "import structlog\nlog = structlog.get_logger()\n"
            "log.info('login', password='***', is_secret=flag)\n",
            "import logging, tokenize\nlog = logging.getLogger(__name__)\n"
            "log.debug('unexpected %r', token)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('rotated key %s', key_id)\n",
            "import logging\nlog = logging.getLogger(__name__)\n"
            "log.info('progress %s', params.token)\n",
        ),
    )

    @cached_property
    def loggers(self) -> Loggers:
        """The file's logger resolver, built on first use."""
        return loggers_of(self.ctx)

    @cached_property
    def _lexing(self) -> bool:
        return self.ctx.imports.imports("tokenize") or self.ctx.imports.imports("token")

    def visit_Call(self, node: ast.Call) -> None:
        """Flag secret-looking values in a logging call."""
        if not isinstance(node.func, ast.Attribute):
            return
        if self.loggers.log_call(node) is None:
            return
        for where, name in self._secrets(node):
            self.report(
                where,
                f"`{name}` looks like a secret (by its name) and is logged: never "
                "log passwords, tokens or keys; log a redacted form or an id",
            )

    def _secrets(self, call: ast.Call) -> Iterator[tuple[ast.AST, str]]:
        for arg in call.args:
            yield from self._in_value(arg)
        for item in call.keywords:
            if item.arg in _CONFIG_KEYWORDS:
                continue
            if item.arg == "extra" and isinstance(item.value, ast.Dict):
                yield from self._in_dict(item.value)
                continue
            if item.arg is None:
                continue
            if self._secret_name(item.arg) and not isinstance(item.value, ast.Constant):
                yield item, item.arg
            else:
                yield from self._in_value(item.value)

    def _in_dict(self, node: ast.Dict) -> Iterator[tuple[ast.AST, str]]:
        for key, value in zip(node.keys, node.values, strict=True):
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and self._secret_name(key.value)
                and not isinstance(value, ast.Constant)
            ):
                yield key, key.value
            else:
                yield from self._in_value(value)

    def _in_value(self, node: ast.expr) -> Iterator[tuple[ast.AST, str]]:
        """Secret-looking values in a logged expression, looking through formatting."""
        if isinstance(node, ast.Dict):
            yield from self._in_dict(node)
            return
        parts = _parts(node)
        if parts is not None:
            for part in parts:
                yield from self._in_value(part)
            return
        name = self._value_name(node)
        bare = isinstance(node, ast.Name)
        if name is not None and self._secret_name(name, bare_token=bare):
            yield node, name

    def _value_name(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return node.id if self.ctx.qualname(node) is None else None
        if isinstance(node, ast.Attribute):
            return node.attr
        if isinstance(node, ast.Subscript):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                return key.value
            return None
        if isinstance(node, ast.Call) and node.args:
            first = node.args[0]
            getter = self.ctx.qualname(node.func) in _GETTERS or (
                isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            )
            if getter and isinstance(first, ast.Constant):
                return first.value if isinstance(first.value, str) else None
        return None

    def _secret_name(self, identifier: str, *, bare_token: bool = False) -> bool:
        """Tell whether an identifier names a secret.

        ``token`` on its own is too vague (progress tokens, lexer tokens, page
        tokens) except as a plain variable outside lexing code.
        """
        words = _words(identifier)
        if not words:
            return False
        before = words[:-1]
        if words[-1] == "token":
            if not before and (self._lexing or not bare_token):
                return False
            secret = True
        else:
            secret = words[-1] in _SECRET_NOUNS or tuple(words[-2:]) in _SECRET_PAIRS
            before = words[:-2] if tuple(words[-2:]) in _SECRET_PAIRS else before
        return secret and not any(word in _NOT_SECRET_BEFORE for word in before)


def _parts(node: ast.expr) -> list[ast.expr] | None:
    """The logged pieces of a formatting or container expression, else None."""
    if isinstance(node, ast.Starred):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [p.value for p in node.values if isinstance(p, ast.FormattedValue)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return [node.left, node.right]
    if isinstance(node, ast.Tuple | ast.List):
        return list(node.elts)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        return [*node.args, *(k.value for k in node.keywords)]
    return None


__all__ = ["LogSecret"]
