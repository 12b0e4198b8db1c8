"""PP610: MD5 / SHA-1 (and older) hashes not marked as not-for-security."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.astutil import keyword
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.sec_helpers import argument, is_constant

_WEAK: Final = frozenset({"md4", "md5", "sha1", "sha", "md5-sha1", "md5_sha1"})
_CRYPTOGRAPHY: Final = "cryptography.hazmat.primitives.hashes."


class WeakHash(Rule):
    """Flags ``hashlib.md5``/``sha1`` without ``usedforsecurity=False``."""

    code = "PP610"
    statement_local = True
    replaces = ("S324",)
    name = "weak-hash"
    summary = (
        "Do not use MD5 or SHA-1 for security; mark other uses `usedforsecurity=False`."
    )
    why = (
        "Collisions for MD5 and SHA-1 can be computed cheaply, so they cannot "
        "protect integrity, signatures or passwords. For checksums, cache keys and "
        "content addressing they are fine, and `hashlib` lets the code say so with "
        "`usedforsecurity=False` (which also keeps it working on FIPS systems). The "
        "rule flags `hashlib.md5`, `hashlib.sha1` and `hashlib.new('md5' | 'sha1' | "
        "'md4')` without that argument, and `cryptography`'s `hashes.MD5()` / "
        "`hashes.SHA1()`. No fix is offered: only the author knows whether the hash "
        "protects anything, and use SHA-256 or better where it does."
    )
    sections = ("pr:never-do-this", "pr:cryptography")
    severity = Severity.WARNING
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import hashlib\ndigest = hashlib.md5(data).hexdigest()\n",
            "import hashlib\nh = hashlib.sha1()\n",
            "import hashlib\nh = hashlib.new('MD5', data)\n",
            "from hashlib import md5\nsig = md5(secret + body).hexdigest()\n",
            "from cryptography.hazmat.primitives import hashes\nalgo = hashes.SHA1()\n",
        ),
        good=(
            "import hashlib\n"
            "key = hashlib.md5(url, usedforsecurity=False).hexdigest()\n",
            "import hashlib\ndigest = hashlib.sha256(data).hexdigest()\n",
            "import hashlib\nh = hashlib.new('sha256', data)\n",
            "import hashlib\nh = hashlib.new(name, data)\n",
            "import hashlib, hmac\nmac = hmac.new(key, msg, hashlib.sha1)\n",
            "from mylib import md5\nmd5(x)\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a weak hash constructor."""
        name = self.ctx.qualname(node.func)
        if name is None:
            return
        algorithm: str | None = None
        if name.startswith("hashlib."):
            algorithm = self._hashlib(name.removeprefix("hashlib."), node)
            if algorithm is None:
                return
            flag = keyword(node, "usedforsecurity")
            if flag is not None and not is_constant(flag.value, True):
                return
            hint = (
                "if it protects nothing (checksum, cache key) pass "
                "`usedforsecurity=False`, otherwise use SHA-256 or better"
            )
        elif name in (f"{_CRYPTOGRAPHY}MD5", f"{_CRYPTOGRAPHY}SHA1"):
            algorithm = name.rpartition(".")[2]
            hint = "use SHA-256 or better"
        else:
            return
        self.report(
            node,
            f"{algorithm} is broken for security (integrity, signatures, passwords): "
            f"{hint}",
        )

    @staticmethod
    def _hashlib(func: str, node: ast.Call) -> str | None:
        if func in {"md5", "sha1"}:
            return func.upper().replace("SHA1", "SHA-1")
        if func != "new":
            return None
        algorithm = argument(node, 0, "name")
        if (
            isinstance(algorithm, ast.Constant)
            and isinstance(algorithm.value, str)
            and algorithm.value.lower() in _WEAK
        ):
            return algorithm.value.upper()
        return None
