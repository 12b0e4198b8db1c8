"""The shipped examples: every file is flagged, fixes parse and reach a fixed point."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pyprotocol import engine
from pyprotocol.config import Config

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").rglob("*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_non_compliant_and_fixes_converge(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    config = Config()
    before = engine.check(source, path, config)
    assert before, f"{path.name} should break the protocol"
    assert all(f.href for f in before)
    fixed = engine.fix(source, path, config, unsafe=True)
    ast.parse(fixed.source)
    compile(fixed.source, str(path), "exec")
    assert not engine.fix(fixed.source, path, config, unsafe=True).changed
    after = engine.check(fixed.source, path, config)
    if any(f.fix is not None for f in before):
        assert len(after) < len(before)
    leftover_fixable = [f for f in after if f.fix is not None]
    assert leftover_fixable == []
