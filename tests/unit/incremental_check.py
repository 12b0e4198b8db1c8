"""Compare incremental checks with full ones over edits of real files.

Shared by ``test_incremental.py`` and ``bench/incremental_diff.py``: an edit is applied
to a text, the :class:`~pyprotocol.incremental.Incremental` analyser checks it, and
its findings must equal those of :func:`pyprotocol.engine.analyse` on the same text.
"""

from __future__ import annotations

import ast
import random
from dataclasses import dataclass, field
from typing import Final

from pyprotocol import engine
from pyprotocol.incremental import Incremental
from pyprotocol.model import Finding
from pyprotocol.rules import ALL_RULES

#: Codes of the rules whose findings the fast phase computes (the others carry).
LOCAL: Final = frozenset(rule.code for rule in ALL_RULES if rule.statement_local)

#: Snippets typed into a text: statements, expressions, openers, dedents.
SNIPPETS: Final = (
    "x",
    "1",
    " ",
    "\n",
    "\n    ",
    "(",
    ")",
    '"""',
    "#",
    ":",
    "\n    return None\n",
    "\n    import os\n",
    "\nimport typing\n",
    "\ndef added(a):\n    return a\n",
    "\nclass Added:\n    y = 1\n",
    "\n    def m(self) -> None:\n        pass\n",
    "\n    log = logging.getLogger()\n",
    "except Exception:\n        pass\n",
    "; y = 2",
    "\t",
    "\r\n",
    "@decorator\n",
)


@dataclass(slots=True)
class Mismatch:
    """One edit after which the incremental result differed from the full one."""

    text: str
    missing: list[Finding] = field(default_factory=list)
    extra: list[Finding] = field(default_factory=list)
    mode: str = ""

    def codes(self) -> set[str]:
        """The rule codes involved."""
        return {f.code for f in self.missing + self.extra}


def random_edit(text: str, rng: random.Random) -> str:
    """Apply one edit of the kinds an editor sends: type, delete, paste, break lines.

    Args:
        text: The current text.
        rng: The random source.

    Returns:
        The edited text.
    """
    lines = text.splitlines(keepends=True) or [""]
    line = rng.randrange(len(lines))
    at = sum(len(item) for item in lines[:line]) + rng.randrange(len(lines[line]) + 1)
    kind = rng.random()
    if kind < 0.45:
        return text[:at] + rng.choice(SNIPPETS) + text[at:]
    if kind < 0.8:
        return text[:at] + text[at + rng.randrange(1, 40) :]
    if kind < 0.9:
        # Duplicate a block of lines elsewhere (a paste).
        start = rng.randrange(len(lines))
        block = "".join(lines[start : start + rng.randrange(1, 12)])
        return text[:at] + block + text[at:]
    # Delete whole lines.
    start = rng.randrange(len(lines))
    return "".join(lines[:start] + lines[start + rng.randrange(1, 6) :])


def compare(analyser: Incremental, text: str, path: str) -> Mismatch | None:
    """Check ``text`` both ways.

    Args:
        analyser: The incremental analyser, fed the previous texts.
        text: The new text.
        path: The file name to check it as.

    Returns:
        The difference, or None when both agree.
    """
    want = engine.analyse(text, path).findings
    # The fast phase alone: the statement-local rules' findings are already final.
    first = analyser.analyse_fast(text, path)
    fast = [f for f in first.findings if f.code in LOCAL]
    local = [f for f in want if f.code in LOCAL]
    if fast != local:
        return Mismatch(
            text,
            missing=[f for f in local if f not in fast],
            extra=[f for f in fast if f not in local],
            mode=f"fast phase ({analyser.stats.mode})",
        )
    done = analyser.complete() if analyser.pending else first
    got = done.findings if done is not None else first.findings
    if got == want:
        return check_tree(analyser, text)
    return Mismatch(
        text,
        missing=[f for f in want if f not in got],
        extra=[f for f in got if f not in want],
        mode=analyser.stats.mode,
    )


def check_tree(analyser: Incremental, text: str) -> Mismatch | None:
    """The reassembled tree must equal a fresh parse of the text, positions included.

    Args:
        analyser: The analyser after checking ``text``.
        text: The text.

    Returns:
        A mismatch without findings when the trees differ, else None.
    """
    tree = analyser.tree()
    if tree is None:
        return None
    try:
        fresh = engine.parse(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    if ast.dump(tree, include_attributes=True) != ast.dump(
        fresh, include_attributes=True
    ):
        return Mismatch(text, mode=f"tree differs ({analyser.stats.mode})")
    return None


def session(
    text: str, path: str, edits: int, rng: random.Random
) -> tuple[int, list[Mismatch]]:
    """Edit a text at random and compare after each edit.

    Args:
        text: The starting text.
        path: The file name.
        edits: How many edits.
        rng: The random source.

    Returns:
        The number of edits whose check ran incrementally, and the mismatches.
    """
    analyser = Incremental()
    mismatches: list[Mismatch] = []
    first = compare(analyser, text, path)
    if first is not None:
        mismatches.append(first)
    partial = 0
    for _ in range(edits):
        text = random_edit(text, rng)
        found = compare(analyser, text, path)
        partial += analyser.stats.mode in {"partial", "member"}
        if found is not None:
            mismatches.append(found)
    return partial, mismatches
