"""PP613: passwords hashed with anything but Argon2."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.sec_helpers import argument, name_parts, target_name

_PASSWORD_WORDS: Final = frozenset(
    {"password", "passwd", "passphrase", "pw", "pwd", "passwords"}
)
#: Last words that make a name something other than the password itself.
_NOT_PASSWORD: Final = frozenset(
    {
        "hash",
        "hashed",
        "digest",
        "salt",
        "len",
        "length",
        "field",
        "name",
        "label",
        "prompt",
        "policy",
        "file",
        "path",
        "url",
        "hasher",
        "algorithm",
    }
)
#: Functions that hash their (password-named) arguments.
_HASHERS: Final = frozenset(
    {
        *(
            f"hashlib.{name}"
            for name in (
                "md5",
                "sha1",
                "sha224",
                "sha256",
                "sha384",
                "sha512",
                "sha3_256",
                "sha3_512",
                "blake2b",
                "blake2s",
                "new",
                "pbkdf2_hmac",
                "scrypt",
            )
        ),
        "hmac.new",
        "hmac.digest",
        "bcrypt.hashpw",
        "crypt.crypt",
    }
)
#: Always password hashing, never with Argon2.
_ALWAYS: Final = frozenset(
    {"werkzeug.security.generate_password_hash", "werkzeug.generate_password_hash"}
)
#: ``passlib.hash.<scheme>.<method>``
_PASSLIB_HASH_DEPTH: Final = 4
_KDFS: Final = frozenset(
    {
        "cryptography.hazmat.primitives.kdf.pbkdf2.PBKDF2HMAC",
        "cryptography.hazmat.primitives.kdf.scrypt.Scrypt",
    }
)


def _is_password(node: ast.expr) -> str | None:
    """The name, when an argument mentions a password (``pw.encode()`` too)."""
    for sub in ast.walk(node):
        name = target_name(sub) if isinstance(sub, ast.Name | ast.Attribute) else None
        if name is None:
            continue
        parts = name_parts(name)
        if parts and parts[-1] not in _NOT_PASSWORD and _PASSWORD_WORDS & set(parts):
            return name
    return None


class PasswordHashNotArgon2(Rule):
    """Flags password hashing with SHA-2, PBKDF2, scrypt, bcrypt or similar."""

    code = "PP613"
    statement_local = True
    name = "password-hash-not-argon2"
    summary = "Hash passwords with Argon2 (`argon2-cffi`), not SHA/PBKDF2/bcrypt."
    why = (
        "Fast hashes (MD5, SHA-1, SHA-2) let an attacker with a leaked table try "
        "billions of guesses a second. PBKDF2 and bcrypt slow that down but are not "
        "memory-hard, so GPUs and ASICs still crack them cheaply; the protocol "
        "requires Argon2 (`argon2.PasswordHasher`). The rule guesses what is a "
        "password from names: `hashlib`, `hmac`, `bcrypt.hashpw`, `crypt` and "
        "`cryptography`'s PBKDF2/Scrypt `derive` are flagged when an argument is "
        "named like password/passwd/pw (but not `password_hash`, `password_salt`). "
        "Werkzeug's `generate_password_hash`, passlib hashes other than argon2, a "
        "passlib `CryptContext` whose default scheme is not argon2, and a Django "
        "`PASSWORD_HASHERS` list not led by an Argon2 hasher are flagged outright."
    )
    sections = ("pr:authentication--secrets",)
    severity = Severity.INFO
    applies_to = "code"
    heuristic = True
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import hashlib\nh = hashlib.sha256(password.encode()).hexdigest()\n",
            "import hashlib\nk = hashlib.pbkdf2_hmac('sha256', pw, salt, 600_000)\n",
            "import bcrypt\nh = bcrypt.hashpw(user.password, bcrypt.gensalt())\n",
            "from werkzeug.security import generate_password_hash\n"
            "h = generate_password_hash(raw)\n",
            "from passlib.hash import pbkdf2_sha256\nh = pbkdf2_sha256.hash(secret)\n",
            "from passlib.context import CryptContext\n"
            "ctx = CryptContext(schemes=['bcrypt', 'argon2'])\n",
            "PASSWORD_HASHERS = [\n"
            "    'django.contrib.auth.hashers.PBKDF2PasswordHasher',\n"
            "    'django.contrib.auth.hashers.Argon2PasswordHasher',\n]\n",
            "from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC\n"
            "key = PBKDF2HMAC(algo, 32, salt, 10**6).derive(passphrase)\n",
        ),
        good=(
            "from argon2 import PasswordHasher\nh = PasswordHasher().hash(password)\n",
            "import hashlib\nh = hashlib.sha256(data).hexdigest()\n",
            "import hashlib\nh = hashlib.sha256(password_hash.encode()).hexdigest()\n",
            "from passlib.hash import argon2\nh = argon2.hash(password)\n",
            "from passlib.context import CryptContext\n"
            "ctx = CryptContext(schemes=['argon2', 'bcrypt'])\n",
            "PASSWORD_HASHERS = [\n"
            "    'django.contrib.auth.hashers.Argon2PasswordHasher',\n"
            "    'django.contrib.auth.hashers.PBKDF2PasswordHasher',\n]\n",
            "from mylib import hashpw\nhashpw(password)\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag password hashing that is not Argon2."""
        name = self.ctx.qualname(node.func)
        if name in _ALWAYS:
            self._flag(node, "`generate_password_hash` (PBKDF2/scrypt)")
            return
        if name is not None and name.startswith("passlib."):
            self._passlib(node, name)
            return
        if name in _HASHERS:
            algorithm = name
        elif self._kdf_derive(node):
            algorithm = "a PBKDF2/Scrypt key derivation"
        else:
            return
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            password = _is_password(arg)
            if password is not None:
                self._flag(
                    node, f"`{algorithm}` on `{password}` (guessed from the name)"
                )
                return

    def _kdf_derive(self, node: ast.Call) -> bool:
        func = node.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr == "derive"
            and isinstance(func.value, ast.Call)
            and self.ctx.qualname(func.value.func) in _KDFS
        )

    def _passlib(self, node: ast.Call, name: str) -> None:
        parts = name.split(".")
        if (
            len(parts) == _PASSLIB_HASH_DEPTH
            and parts[1] == "hash"
            and parts[3] in {"hash", "encrypt", "using"}
            and not parts[2].startswith("argon2")
        ):
            self._flag(node, f"passlib's `{parts[2]}`")
        elif name == "passlib.context.CryptContext":
            schemes = argument(node, 0, "schemes")
            if not isinstance(schemes, ast.List | ast.Tuple) or not schemes.elts:
                return
            first = schemes.elts[0]
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and not first.value.startswith("argon2")
            ):
                self._flag(node, f"a CryptContext defaulting to `{first.value}`")

    def visit_Assign(self, node: ast.Assign) -> None:
        """Flag a Django ``PASSWORD_HASHERS`` setting not led by Argon2."""
        if not any(
            isinstance(t, ast.Name) and t.id == "PASSWORD_HASHERS" for t in node.targets
        ):
            return
        value = node.value
        if not isinstance(value, ast.List | ast.Tuple) or not value.elts:
            return
        first = value.elts[0]
        if (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and "argon2" not in first.value.lower()
        ):
            self._flag(first, f"`PASSWORD_HASHERS` led by `{first.value}`")

    def _flag(self, node: ast.AST, what: str) -> None:
        self.report(
            node,
            f"passwords hashed with {what}: use Argon2 (`argon2.PasswordHasher`)",
        )
