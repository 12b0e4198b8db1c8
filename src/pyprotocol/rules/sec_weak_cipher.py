"""PP611: weak ciphers and ECB/CBC modes; PP612: ``Crypto`` (PyCrypto) imports."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule

_ALGORITHMS: Final = "cryptography.hazmat.primitives.ciphers.algorithms."
_MODES: Final = "cryptography.hazmat.primitives.ciphers.modes."
_DECREPIT: Final = "cryptography.hazmat.decrepit."
_WEAK_CIPHERS: Final = frozenset(
    {"ARC4", "TripleDES", "Blowfish", "CAST5", "IDEA", "SEED", "ARC2", "RC2", "DES"}
)


class WeakCipher(Rule):
    """Flags broken ciphers and unauthenticated block modes in ``cryptography``."""

    code = "PP611"
    statement_local = True
    replaces = ("S304", "S305")
    name = "weak-cipher"
    summary = "Encrypt with AES-256-GCM; not DES, RC4, Blowfish, nor ECB or CBC modes."
    why = (
        "DES/3DES, RC4, Blowfish, CAST5, IDEA and SEED have small blocks or keys, or "
        "known biases. ECB encrypts equal blocks to equal ciphertext, so patterns "
        "show through. CBC hides them but does not authenticate: without a separate "
        "MAC, padding-oracle attacks decrypt it. AES-GCM (`cryptography`'s "
        "`AESGCM`, or `modes.GCM`) encrypts and authenticates in one step. The rule "
        "flags these algorithms and modes from `cryptography`, including its "
        "`hazmat.decrepit` package."
    )
    sections = ("pr:cryptography",)
    severity = Severity.WARNING
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from cryptography.hazmat.primitives.ciphers import algorithms\n"
            "algo = algorithms.TripleDES(key)\n",
            "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, "
            "modes\nc = Cipher(algorithms.AES(key), modes.ECB())\n",
            "from cryptography.hazmat.primitives.ciphers.modes import CBC\n"
            "mode = CBC(iv)\n",
            "from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4\n"
            "a = ARC4(key)\n",
        ),
        good=(
            "from cryptography.hazmat.primitives.ciphers.aead import AESGCM\n"
            "aes = AESGCM(key)\n",
            "from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, "
            "modes\nc = Cipher(algorithms.AES256(key), modes.GCM(iv))\n",
            "from mylib import modes\nm = modes.CBC()\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a weak algorithm or mode."""
        name = self.ctx.qualname(node.func)
        if name is None or not name.startswith("cryptography.hazmat."):
            return
        last = name.rpartition(".")[2]
        if name == f"{_MODES}ECB":
            message = "ECB mode shows patterns of the plaintext: use AES-GCM"
        elif name == f"{_MODES}CBC":
            message = (
                "CBC mode does not authenticate the ciphertext (padding-oracle "
                "attacks): use AES-GCM"
            )
        elif last in _WEAK_CIPHERS and (
            name.startswith(_ALGORITHMS) or name.startswith(_DECREPIT)
        ):
            message = f"{last} is a weak cipher: use AES-256-GCM"
        else:
            return
        self.report(node, message)


class PyCryptoImport(Rule):
    """Flags imports of ``Crypto`` / ``Cryptodome``."""

    code = "PP612"
    statement_local = True
    replaces = ("S413",)
    name = "pycrypto-import"
    summary = "Use the `cryptography` library, not PyCrypto (`Crypto`/`Cryptodome`)."
    why = (
        "PyCrypto, which provides the `Crypto` package, has been unmaintained since "
        "2013 and has known vulnerabilities. PyCryptodome installs under the same "
        "name (or as `Cryptodome`) and is maintained, but its low-level API makes "
        "it easy to pick a weak mode or reuse a nonce. The protocol standardises on "
        "`cryptography`, whose high-level recipes (`Fernet`, `AESGCM`) are hard to "
        "misuse."
    )
    sections = ("pr:cryptography",)
    severity = Severity.WARNING
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "from Crypto.Cipher import AES\n",
            "import Crypto.Random\n",
            "from Cryptodome.Hash import SHA256\n",
            "def f() -> None:\n    from Crypto.Cipher import DES\n",
        ),
        good=(
            "from cryptography.fernet import Fernet\n",
            "import cryptography\n",
            "from .Crypto import helpers\n",
            "from mypkg.Crypto import x\n",
        ),
    )

    def visit_Import(self, node: ast.Import) -> None:
        """Flag ``import Crypto...``."""
        for alias in node.names:
            self._check(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        """Flag ``from Crypto... import ...``."""
        if node.level == 0 and node.module:
            self._check(node, node.module)

    def _check(self, node: ast.stmt, module: str) -> None:
        top = module.partition(".")[0]
        if top in {"Crypto", "Cryptodome"}:
            self.report(
                node,
                f"`{module}` is PyCrypto or PyCryptodome: use the `cryptography` "
                "library (`Fernet`, `AESGCM`)",
            )
