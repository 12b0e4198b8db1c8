"""Incremental checks equal full checks, and do re-check only what an edit touched."""

from __future__ import annotations

import ast
import random

import pytest
from fuzzing import corpus, examples
from incremental_check import check_tree, compare, session

from pyprotocol import engine
from pyprotocol.incremental import Incremental
from pyprotocol.rules import ALL_RULES

MODULE = '''"""A module."""

import logging
from typing import Optional

log = logging.getLogger(__name__)


def first(value: Optional[int]) -> int:
    try:
        return value or 0
    except Exception:
        pass
    return 1


class Service:
    """A class with methods."""

    limit = 3

    def __init__(self) -> None:
        self.log = logging.getLogger("svc")

    def run(self, items: list[int]) -> int:
        total = 0
        for item in items:
            total += item
        return total

    def stop(self) -> None:
        try:
            self.run([])
        except Exception as err:
            self.log.error("failed: %s", err)


def last() -> None:
    x = 1; y = 2
    print(x, y)
'''


def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def check_both(analyser: Incremental, text: str) -> str:
    """Check incrementally, compare with a full check, return the mode used."""
    mismatch = compare(analyser, text, "module.py")
    assert mismatch is None, (mismatch.missing, mismatch.extra, mismatch.mode)
    return analyser.stats.mode


@pytest.mark.parametrize(
    ("old", "new", "mode"),
    [
        # Inside a top-level function: only it is parsed again.
        ("return value or 0", "return value or 42", "partial"),
        # Inside one method of a class: only that method.
        ("total += item", "total += item * 2", "member"),
        # A line added inside a method: everything after it moves.
        ("total = 0\n", "total = 0\n        count = 0\n", "member"),
        # Lines removed from a method.
        ("        for item in items:\n            total += item\n", "", "member"),
        # A new finding appears in a method (logging without traceback).
        ('self.log.error("failed: %s", err)', "self.log.error(err)", "member"),
        # A comment line between methods.
        ("    limit = 3\n", "    limit = 3\n    # a note\n", "member"),
        # Statements sharing a line stay one unit.
        ("x = 1; y = 2", "x = 1; y = 3", "partial"),
        # A blank line between top-level definitions.
        ("\n\nclass Service:", "\n\n\nclass Service:", "partial"),
        # An import changes what every statement resolves: full check.
        ("from typing import Optional", "from typing import Optional, Union", "full"),
        # A module-level assignment is a fact other statements read: full check.
        ("log = logging.getLogger(__name__)", "log = None", "full"),
        # A method that assigns `self.log` differently: full check.
        ('logging.getLogger("svc")', "print", "full"),
        # A renamed definition: full check.
        ("def last()", "def final()", "full"),
    ],
)
def test_edit_checks_the_same_as_a_full_check(old: str, new: str, mode: str) -> None:
    analyser = Incremental()
    assert check_both(analyser, MODULE) == "full"
    assert check_both(analyser, edit(MODULE, old, new)) == mode


def test_a_syntax_error_then_its_repair() -> None:
    analyser = Incremental()
    check_both(analyser, MODULE)
    broken = edit(MODULE, "total += item", "total += (item")
    result = analyser.analyse(broken, "module.py")
    assert result.syntax_error is not None
    # The repair is compared with the last text that parsed.
    assert check_both(analyser, edit(MODULE, "total += item", "total += item + 1")) == (
        "member"
    )


def test_a_string_opened_in_a_method_and_closed_at_the_end_falls_back() -> None:
    # The edited method alone does not parse; the whole text does.
    analyser = Incremental()
    check_both(analyser, MODULE)
    text = edit(MODULE, "total = 0", 'total = """') + '"""\n'
    assert check_both(analyser, text) == "full"
    assert not any(f.code == "PP000" for f in analyser.analyse(text, "m.py").findings)


def test_same_text_is_not_checked_again() -> None:
    analyser = Incremental()
    first = analyser.analyse(MODULE, "module.py")
    assert analyser.analyse(MODULE, "module.py") is first
    assert analyser.stats.mode == "same"


def test_a_new_configuration_checks_everything() -> None:
    from pyprotocol.config import Config

    analyser = Incremental()
    analyser.analyse(MODULE, "module.py")
    analyser.analyse(MODULE, "module.py", Config(ignore=("PP2",)))
    assert analyser.stats.mode == "full"


def test_fast_phase_carries_whole_module_findings_and_complete_refines_them() -> None:
    # PP111 (constants Final) looks at the whole module: it is not statement-local.
    text = "LIMIT = 3\n\n\ndef f() -> int:\n    return LIMIT\n"
    analyser = Incremental()
    assert [f.code for f in analyser.analyse(text, "m.py").findings] == ["PP111"]
    # Rebinding LIMIT inside f makes PP111 go away, but only the second phase knows.
    changed = text.replace("    return LIMIT\n", "    global LIMIT\n    LIMIT = 4\n")
    changed += "    return LIMIT\n"
    fast = analyser.analyse_fast(changed, "m.py")
    assert analyser.pending
    assert [f.code for f in fast.findings] == ["PP111"]
    done = analyser.complete()
    assert done is not None
    assert done.findings == engine.analyse(changed, "m.py").findings
    assert not any(f.code == "PP111" for f in done.findings)


def test_the_second_phase_can_be_cancelled() -> None:
    functions = "".join(
        f"\n\ndef f{i}() -> int:\n    return LIMIT + {i}\n" for i in range(300)
    )
    text = "LIMIT = 3\n" + functions
    analyser = Incremental()
    analyser.analyse(text, "m.py")
    fast = analyser.analyse_fast(text.replace("LIMIT + 7\n", "LIMIT + 8\n"), "m.py")
    assert analyser.pending
    asked: list[bool] = []

    def cancelled() -> bool:
        asked.append(True)
        return True

    assert analyser.complete(cancelled) is None
    assert asked
    assert not analyser.pending
    # The carried findings stand, and the next edit still checks incrementally.
    assert [f.code for f in fast.findings] == ["PP111"]
    analyser.analyse(text, "m.py")
    assert analyser.stats.mode == "partial"


def test_statement_local_rules_have_no_module_wide_hooks() -> None:
    from pyprotocol.rules.base import Rule

    for rule in ALL_RULES:
        if rule.statement_local:
            assert rule.finish is Rule.finish, rule.code
            assert not hasattr(rule, "visit_Module"), rule.code


def test_reassembled_tree_equals_a_fresh_parse_after_many_edits() -> None:
    analyser = Incremental()
    text = MODULE
    rng = random.Random(7)  # noqa: S311 - reproducible edits
    analyser.analyse(text, "module.py")
    lines = text.splitlines(keepends=True)
    for step in range(40):
        at = rng.randrange(len(lines))
        candidate = lines[:]
        if step % 3:
            candidate.insert(at, "        pass\n")
        elif candidate[at].strip() == "pass":
            del candidate[at]
        try:
            ast.parse("".join(candidate))
        except SyntaxError:
            continue
        lines = candidate
        text = "".join(lines)
        check_both(analyser, text)
        assert check_tree(analyser, text) is None


@pytest.mark.parametrize("seed", range(examples(3)))
def test_random_edits_of_real_files(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible edits
    files = corpus(40_000)
    partial = 0
    for path in rng.sample(files, 6):
        done, mismatches = session(path.read_text(), path.name, 12, rng)
        partial += done
        assert not mismatches, [(m.mode, m.missing, m.extra) for m in mismatches]
    # Some of the edits must have been checked incrementally, or this proves nothing.
    assert partial > 0


@pytest.mark.parametrize("odd", ["\x0c", "\u2028", "\r"])
def test_characters_that_python_does_not_count_as_line_ends(odd: str) -> None:
    # str.splitlines() breaks at a form feed or U+2028, `ast` does not: lines must
    # be counted the way `ast` counts them, or the regions would be misplaced.
    text = (
        f"import os\n#{odd}x\n\ndef a():\n    pass\n\n\n"
        "def b():\n    x = 1\n    return x\n"
    )
    if odd == "\r":
        text = text.replace("\n", "\r")
    analyser = Incremental()
    assert check_both(analyser, text) == "full"
    assert check_both(analyser, text.replace("x = 1", "x = 11")) == "partial"
    assert check_tree(analyser, text.replace("x = 1", "x = 11")) is None
