"""PP609: the ``random`` module used to make tokens, keys, passwords or salts."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.fixes.common import update_imports
from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.sec_helpers import (
    assigned_targets,
    dotted,
    name_parts,
    rewrite_calls,
    source_of,
    target_name,
)

#: Words (of a snake/camel name) that mark a value as security-sensitive.
_WORDS: Final = frozenset(
    {
        "token",
        "password",
        "passwd",
        "passphrase",
        "secret",
        "salt",
        "nonce",
        "otp",
        "pin",
        "iv",
        "csrf",
        "apikey",
    }
)
_KEY_QUALIFIERS: Final = frozenset(
    {"api", "secret", "private", "session", "encryption", "signing", "auth", "access"}
)
#: ``random`` function -> its ``secrets`` equivalent.
_DIRECT: Final = {
    "choice": "secrets.choice",
    "getrandbits": "secrets.randbits",
    "randbytes": "secrets.token_bytes",
}
#: Functions that ``secrets.SystemRandom()`` (a CSPRNG) provides unchanged.
_SYSTEM_RANDOM: Final = frozenset(
    {
        "random",
        "uniform",
        "randint",
        "randrange",
        "choices",
        "sample",
        "shuffle",
        "triangular",
        "betavariate",
        "expovariate",
        "gammavariate",
        "gauss",
        "lognormvariate",
        "normalvariate",
        "vonmisesvariate",
        "paretovariate",
        "weibullvariate",
        "binomialvariate",
    }
)


def _sensitive(identifier: str | None) -> bool:
    """Tell whether a name says its value is a token, password, salt, key..."""
    if identifier is None:
        return False
    parts = name_parts(identifier)
    if any(part in _WORDS for part in parts):
        return True
    return any(
        part == "key" and index > 0 and parts[index - 1] in _KEY_QUALIFIERS
        for index, part in enumerate(parts)
    )


class InsecureRandom(Rule):
    """Flags ``random`` calls whose result becomes a token, key, password or salt."""

    code = "PP609"
    statement_local = True
    replaces = ("S311",)
    name = "insecure-random"
    summary = "Make tokens, keys, passwords and salts with `secrets`, not `random`."
    why = (
        "`random` is a Mersenne Twister: fast, reproducible, and predictable. After "
        "624 outputs an observer can compute every later one, so tokens, reset "
        "codes, salts or passwords made with it can be guessed. `secrets` draws from "
        "the operating system's CSPRNG. The rule does not flag every `random` call "
        "(simulations, sampling and jitter are fine): only calls whose result is "
        "assigned to, returned from, passed as or stored under a name that says "
        "token, password, secret, salt, nonce, otp, pin, iv, csrf or `api_key` (and "
        "the like), or that sit in a function named so (`generate_token`). The fix "
        "uses the `secrets` equivalent (`choice`, `randbits`, `token_bytes`, "
        "`randbelow` for a one-argument `randrange`) or `secrets.SystemRandom()` "
        "for the other functions, which behave the same but cannot be seeded."
    )
    sections = ("pr:cryptography", "pr:never-do-this")
    severity = Severity.INFO
    heuristic = True
    applies_to = "code"
    fix_title = "Use the `secrets` module"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import random\n"
            "token = ''.join(random.choice(ALPHABET) for _ in range(32))\n",
            "import random\nsalt = random.getrandbits(128)\n",
            "import random\ndef make_password(n: int) -> str:\n"
            "    return ''.join(random.choices(CHARS, k=n))\n",
            "from random import randint\nuser.reset_pin = randint(1000, 9999)\n",
            "import random\nsend(otp=random.randrange(10**6))\n",
            "import random\nkeys = {'api_key': random.randbytes(32).hex()}\n",
        ),
        good=(
            "import secrets\ntoken = secrets.token_urlsafe(32)\n",
            "import random\ndelay = random.uniform(0.1, 0.5)\n",
            "import random\nsample = random.sample(population, k=10)\n",
            "import random\nkey = random.choice(list(cache))\n",
            "import random\ndef shuffle_deck(deck: list[int]) -> None:\n"
            "    random.shuffle(deck)\n",
            "import random\nrng = random.SystemRandom()\n"
            "token = rng.choice(ALPHABET)\n",
            "from mylib import random\ntoken = random.choice(ALPHABET)\n",
        ),
        fixed=(
            Fixed(
                "import random\n\n"
                "token = ''.join(random.choice(ALPHABET) for _ in range(32))\n"
                "salt = random.getrandbits(128)\n",
                "import secrets\n\n"
                "token = ''.join(secrets.choice(ALPHABET) for _ in range(32))\n"
                "salt = secrets.randbits(128)\n",
            ),
            Fixed(
                "from random import randint, randrange\n\n\n"
                "def new_pin() -> int:\n"
                "    return randint(1000, 9999) + randrange(10)\n",
                "import secrets\n\n\n"
                "def new_pin() -> int:\n"
                "    return secrets.SystemRandom().randint(1000, 9999) + "
                "secrets.randbelow(10)\n",
            ),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag a ``random`` call made for a security-sensitive value."""
        name = self.ctx.qualname(node.func)
        if name is None or not name.startswith("random."):
            return
        member = name.removeprefix("random.")
        if member not in _DIRECT and member not in _SYSTEM_RANDOM:
            return
        what = self._purpose(node)
        if what is None:
            return
        replacement = _replacement(member, node)
        self.report(
            node,
            f"`random.{member}` seems to make {what}: `random` is predictable, use "
            f"`{replacement}`",
            fix=True,
            data={
                "func": source_of(self.ctx.source, node.func),
                "new": replacement,
                "old": member,
            },
        )

    def _purpose(self, call: ast.Call) -> str | None:
        """What the value is for, from the names around the call, or None."""
        child: ast.AST = call
        for node in reversed(self.ctx.parents):
            if isinstance(node, ast.stmt | ast.Lambda):
                found = self._statement_purpose(node)
                break
            if isinstance(node, ast.keyword) and _sensitive(node.arg):
                return f"`{node.arg}`"
            if isinstance(node, ast.Dict):
                found = _dict_key(node, child)
                if found is not None:
                    return found
            child = node
        else:
            found = None
        if found is not None:
            return found
        func = self.ctx.function()
        if func is not None and _sensitive(func.name):
            return f"`{func.name}`'s result"
        return None

    @staticmethod
    def _statement_purpose(node: ast.AST) -> str | None:
        for target in assigned_targets(node):
            name = target_name(target)
            if _sensitive(name):
                return f"`{name}`"
        return None

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Call the ``secrets`` equivalent and import ``secrets``."""
        removed: set[tuple[str, str | None]] = {("random", None)}

        def rewrite(call: cst.Call, data: Mapping[str, str]) -> cst.Call:
            old = data["old"]
            removed.add(("random", old))
            new = data["new"]
            if new.startswith("secrets.SystemRandom()."):
                func: cst.BaseExpression = cst.Attribute(
                    value=cst.Call(dotted("secrets.SystemRandom")),
                    attr=cst.Name(old),
                )
            else:
                func = dotted(new)
            return call.with_changes(func=func)

        tree = rewrite_calls(tree, request, rewrite)
        return update_imports(
            tree,
            add=[("secrets", None, None)],
            remove_unused=sorted(removed, key=lambda pair: (pair[0], pair[1] or "")),
        )


def _dict_key(node: ast.Dict, child: ast.AST) -> str | None:
    for key, value in zip(node.keys, node.values, strict=True):
        if value is child and isinstance(key, ast.Constant):
            name = key.value if isinstance(key.value, str) else None
            if _sensitive(name):
                return f"`{name}`"
    return None


def _replacement(member: str, node: ast.Call) -> str:
    if member in _DIRECT:
        return _DIRECT[member]
    if (
        member == "randrange"
        and len(node.args) == 1
        and not node.keywords
        and not isinstance(node.args[0], ast.Starred)
    ):
        return "secrets.randbelow"
    return f"secrets.SystemRandom().{member}"
