"""PP608: passwords, tokens and keys written into the source."""

from __future__ import annotations

import ast
import re
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.sec_helpers import assigned_targets, name_parts, target_name

_SECRET_WORDS: Final = frozenset(
    {"password", "passwd", "passphrase", "secret", "token", "apikey"}
)
#: ``<qualifier>_key`` names that hold secrets (``api_key``, not ``sort_key``).
_KEY_QUALIFIERS: Final = frozenset(
    {
        "api",
        "secret",
        "private",
        "access",
        "auth",
        "signing",
        "encryption",
        "master",
        "license",
        "session",
        "webhook",
        "hmac",
    }
)
#: Words that, in a value made of letters and separators only, make it a label or
#: field name (``"access_token"``, ``"X-API-Key"``) rather than a secret.
_LABEL_WORDS: Final = ("password", "passwd", "secret", "token", "key")
_WORDY: Final = re.compile(r"[A-Za-z_.:-]+")
#: Parts of a value that make it a placeholder.
_PLACEHOLDERS: Final = (
    "example",
    "placeholder",
    "change",
    "dummy",
    "fake",
    "your",
    "redacted",
    "xxx",
    "***",
    "...",
    "todo",
)
_LABELS: Final = frozenset(
    {"string", "str", "text", "bytes", "none", "null", "true", "false", "hidden"}
)
#: Dict keys that name a field or header (``"api_key"``, ``"X-Api-Key"``).
_FIELD_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_CONSTANT_NAME: Final = re.compile(r"[A-Z][A-Z0-9_]*")
_ENUM_BASES: Final = frozenset(
    {"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"}
)
_MIN_LENGTH: Final = 4


_PASSWORDS: Final = frozenset({"password", "passwd", "passphrase"})
_MIN_RANDOM_LENGTH: Final = 8


def is_secret_name(identifier: str) -> bool:
    """Tell whether a name is one a secret is kept under.

    The last word decides: ``db_password``, ``GITHUB_TOKEN``, ``apiKey`` and
    ``client_secret`` are; ``password_field``, ``token_type`` and ``sort_key`` are not.

    Args:
        identifier: A variable, attribute, keyword or dict key.

    Returns:
        True for a secret's name.
    """
    parts = name_parts(identifier)
    if not parts:
        return False
    last = parts[-1]
    if last in _SECRET_WORDS:
        return True
    return last == "key" and len(parts) > 1 and parts[-2] in _KEY_QUALIFIERS


def _looks_random(value: str) -> bool:
    """Long enough and mixing letters with digits or cases, like a generated key."""
    if len(value) < _MIN_RANDOM_LENGTH:
        return False
    letters = any(ch.isalpha() for ch in value)
    digits = any(ch.isdigit() for ch in value)
    mixed_case = any(ch.isupper() for ch in value) and any(ch.islower() for ch in value)
    return letters and (digits or mixed_case)


def _looks_secret(value: str | bytes, password: bool) -> bool:
    """False for empty strings, labels, placeholders, paths and URLs.

    Tokens and keys must also look generated (``"async"`` compared with a lexer's
    ``token`` is not a secret); any other value of a password counts.
    """
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not password and not _looks_random(value):
        return False
    if len(value) < _MIN_LENGTH or any(ch.isspace() for ch in value):
        return False
    lowered = value.lower()
    if lowered in _LABELS or any(word in lowered for word in _PLACEHOLDERS):
        return False
    if _WORDY.fullmatch(value) and any(word in lowered for word in _LABEL_WORDS):
        return False
    if _CONSTANT_NAME.fullmatch(value) or len(set(value)) == 1:
        return False
    if value[0] in "<[{($%/~." or "{" in value or "://" in value:
        return False
    return not value.startswith("env:")


class HardcodedSecret(Rule):
    """Flags string literals stored under names such as password, token, api_key."""

    code = "PP608"
    statement_local = True
    replaces = ("S105", "S106", "S107")
    name = "hardcoded-secret"
    summary = "Do not write passwords, tokens or keys into source code."
    why = (
        "A secret in the source is in every clone, backup, log of the repository "
        "and image built from it, and cannot be rotated without a release. Read "
        "secrets from the environment or a secret manager. The rule guesses from "
        "names: a non-empty string literal assigned to, passed as, compared with, or "
        "used as the default of a name whose last word is password, passwd, "
        "passphrase, secret, token or `<api|secret|private|access|...>_key`. Empty "
        "strings, placeholders (`<token>`, `${TOKEN}`, `changeme`, `xxx`, `***`), "
        "labels and field names (`'password'`, `'access_token'`), CONSTANT_CASE "
        "values, paths, URLs, enum members and test files are left alone, and a "
        "token or key must look generated (eight characters or more mixing "
        "letters with digits or cases), which keeps lexers comparing `token == "
        "'async'` out."
    )
    sections = ("pr:authentication--secrets", "pr:never-do-this")
    severity = Severity.INFO
    heuristic = True
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "DB_PASSWORD = 'hunter2!'\n",
            "admin_password = 'password123'\n",
            "GITHUB_TOKEN: str = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'\n",
            "client = Client(api_key='sk-live-9f8e7d6c5b4a')\n",
            "def login(user: str, password: str = 'admin123') -> None: ...\n",
            "settings = {'secret_key': 'a8f5f167f44f4964e6c998dee827110c'}\n",
            "headers = {'X-Api-Key': 'k3y-9f8e7d6c5b4a'}\n",
            "class Config:\n    apiKey = 'AIzaSyD-1234567890abcdef'\n",
            "def check(password: str) -> bool:\n    return password == 'letmein'\n",
        ),
        good=(
            "import os\nDB_PASSWORD = os.environ['DB_PASSWORD']\n",
            "password = ''\n",
            "PASSWORD_FIELD = 'password'\n",
            "HEADER_TOKEN = 'X-Auth-Token'\n",
            "token_type = 'bearer'\n",
            "api_key = '<your-api-key>'\n",
            "SECRET_KEY = 'changeme'\n",
            "TOKEN_ENV = 'GITHUB_TOKEN'\n",
            "data = {'grant_type': 'password', 'token': '${TOKEN}'}\n",
            "from enum import Enum\nclass Kind(Enum):\n    TOKEN = 'tok_kind'\n",
            "sort_key = 'name_asc'\n",
            "TYPES = {'AWS::IAM::AccessKey': '72c2d9dd90025459'}\n",
            "def lex(token: str) -> bool:\n    return token == 'async'\n",
            "SECRET_KEY = 'development'\n",
        ),
    )

    def _check(self, name: str | None, value: ast.expr | None) -> None:
        if name is None or value is None or not is_secret_name(name):
            return
        if not isinstance(value, ast.Constant):
            return
        text = value.value
        password = bool(_PASSWORDS & set(name_parts(name)))
        if not isinstance(text, str | bytes) or not _looks_secret(text, password):
            return
        self.report(
            value,
            f"`{name}` gets a string literal that looks like a hard-coded secret: "
            "read it from the environment or a secret manager",
        )

    def visit_Assign(self, node: ast.Assign) -> None:
        """Check ``password = '...'``."""
        self._assignment(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        """Check ``password: str = '...'``."""
        self._assignment(node)

    def _assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        klass = self.ctx.parent
        if isinstance(klass, ast.ClassDef) and any(
            self.ctx.qualname(base) in _ENUM_BASES for base in klass.bases
        ):
            return
        for target in assigned_targets(node):
            self._check(target_name(target), node.value)

    def visit_keyword(self, node: ast.keyword) -> None:
        """Check ``connect(password='...')``."""
        self._check(node.arg, node.value)

    def visit_Dict(self, node: ast.Dict) -> None:
        """Check ``{'password': '...'}``."""
        for key, value in zip(node.keys, node.values, strict=True):
            if (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and _FIELD_NAME.fullmatch(key.value)
            ):
                self._check(key.value, value)

    def visit_arguments(self, node: ast.arguments) -> None:
        """Check ``def f(password='...')``."""
        positional = [*node.posonlyargs, *node.args]
        for arg, default in zip(
            positional[len(positional) - len(node.defaults) :],
            node.defaults,
            strict=True,
        ):
            self._check(arg.arg, default)
        for arg, maybe in zip(node.kwonlyargs, node.kw_defaults, strict=True):
            self._check(arg.arg, maybe)

    def visit_Compare(self, node: ast.Compare) -> None:
        """Check ``password == '...'``."""
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.Eq | ast.NotEq):
            return
        left, right = node.left, node.comparators[0]
        for side, other in ((left, right), (right, left)):
            if isinstance(side, ast.Name | ast.Attribute):
                self._check(target_name(side), other)
