"""PP409 (os.path -> pathlib): variable conversion, traps, imports, and safety.

The last tests run the original and the safely fixed code side by side on a small
directory tree: a fix the rule calls safe must give the same result.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Final

import pytest

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.model import Applicability, Finding

CONFIG: Final = Config(target_version=(3, 12), select=("PP409",))
CODE: Final = "PP409"


def found(source: str, path: str = "mod.py") -> list[Finding]:
    return [f for f in engine.check(source, path, CONFIG) if f.code == CODE]


def fixed(source: str, *, unsafe: bool = False, path: str = "mod.py") -> str:
    return engine.fix(source, path, CONFIG, [CODE], unsafe=unsafe).source


def applicability(finding: Finding) -> Applicability | None:
    return finding.fix.applicability if finding.fix else None


# -- converting a variable where it is built -------------------------------------
def test_variable_becomes_a_path_once_and_its_uses_follow() -> None:
    source = (
        "import os\n\n\ndef load(name):\n"
        "    base = os.path.dirname(__file__)\n"
        "    data = os.path.join(base, 'data')\n"
        "    os.makedirs(data, exist_ok=True)\n"
        "    with open(os.path.join(data, 'x.txt')) as fh:\n"
        "        return fh.read()\n"
    )
    assert fixed(source) == (
        "from pathlib import Path\n\n\ndef load(name):\n"
        "    base = Path(__file__).parent\n"
        "    data = base / 'data'\n"
        "    data.mkdir(parents=True, exist_ok=True)\n"
        "    with (data / 'x.txt').open() as fh:\n"
        "        return fh.read()\n"
    )


@pytest.mark.parametrize(
    "use",
    [
        "return base + '/x'",
        "return base",
        "return base.endswith('pkg')",
        "return base == other",
        "return helper(base)",
        "return {'dir': base}",
        "return '%r' % base",
        "return f'{base!r}'",
    ],
)
def test_variable_used_as_a_str_stays_a_str(use: str) -> None:
    source = (
        "import os\n\n\ndef f(other):\n    base = os.path.dirname(__file__)\n"
        f"    {use}\n"
    )
    result = fixed(source)
    assert "base = str(Path(__file__).parent)\n" in result
    assert use in result


def test_variable_used_in_fstring_print_and_open_becomes_a_path() -> None:
    source = (
        "import os\n\n\ndef f():\n    out = os.path.join(os.getcwd(), 'out.log')\n"
        "    print(out)\n    print(f'writing {out}')\n    return open(out, 'w')\n"
    )
    assert fixed(source) == (
        "from pathlib import Path\n\n\ndef f():\n    out = Path.cwd() / 'out.log'\n"
        "    print(out)\n    print(f'writing {out}')\n    return out.open('w')\n"
    )


def test_reassigned_variable_is_not_converted() -> None:
    source = (
        "import os\n\n\ndef f(x):\n    base = os.path.dirname(__file__)\n"
        "    if x:\n        base = x\n    return os.path.isdir(base)\n"
    )
    result = fixed(source)
    assert "base = str(Path(__file__).parent)" in result
    # `base` may be anything after the reassignment: that site is not safe.
    assert "os.path.isdir(base)" in result


def test_public_module_global_keeps_str_and_is_not_trusted() -> None:
    source = (
        "import os\n\nDATA = os.path.join(os.path.dirname(__file__), 'data')\n\n\n"
        "def f():\n    return os.path.exists(DATA)\n"
    )
    findings = found(source)
    exists = next(f for f in findings if "exists" in f.message)
    assert applicability(exists) is Applicability.UNSAFE
    assert "DATA = str(Path(__file__).parent / 'data')" in fixed(source)


def test_private_module_global_becomes_a_path() -> None:
    source = (
        "import os\n\n_DATA = os.path.join(os.path.dirname(__file__), 'data')\n\n\n"
        "def f():\n    return os.path.exists(_DATA)\n"
    )
    assert fixed(source) == (
        "from pathlib import Path\n\n_DATA = Path(__file__).parent / 'data'\n\n\n"
        "def f():\n    return _DATA.exists()\n"
    )


def test_quick_fix_on_the_assignment_brings_the_uses_along() -> None:
    source = (
        "import os\n\n\ndef f():\n    base = os.path.dirname(__file__)\n"
        "    return os.path.isfile(os.path.join(base, 'x'))\n"
    )
    assignment = next(f for f in found(source) if f.span.line == 5)
    assert assignment.fix is not None
    assert "`base`" in assignment.fix.title
    result = engine.fix(source, "mod.py", CONFIG, only=assignment).source
    assert result == (
        "from pathlib import Path\n\n\ndef f():\n    base = Path(__file__).parent\n"
        "    return (base / 'x').is_file()\n"
    )


def test_suppressed_use_is_not_brought_along() -> None:
    source = (
        "import os\n\n\ndef f():\n    base = os.path.dirname(__file__)\n"
        "    return os.path.isfile(base)  # noqa: PTH113\n"
    )
    assert fixed(source) == (
        "import os\nfrom pathlib import Path\n\n\ndef f():\n"
        "    base = Path(__file__).parent\n"
        "    return os.path.isfile(base)  # noqa: PTH113\n"
    )


def test_walk_dirpath_becomes_a_path_and_names_are_safe_to_join() -> None:
    source = (
        "import os\n\n\ndef f():\n"
        "    for root, dirs, files in os.walk('src', followlinks=True):\n"
        "        for name in files:\n"
        "            print(os.path.join(root, name))\n"
    )
    findings = found(source)
    assert [applicability(f) for f in findings] == [Applicability.SAFE] * 2
    assert fixed(source) == (
        "from pathlib import Path\n\n\ndef f():\n"
        "    for root, dirs, files in Path('src').walk(follow_symlinks=True):\n"
        "        for name in files:\n"
        "            print(root / name)\n"
    )


def test_walk_without_followlinks_is_unsafe() -> None:
    source = "import os\nfor r, d, f in os.walk('src'):\n    print(r)\n"
    (finding,) = found(source)
    assert applicability(finding) is Applicability.UNSAFE
    assert finding.fix is not None
    assert "symbolic links" in (finding.fix.reason or "")


# -- traps ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call",
    [
        "os.path.exists('')",
        "os.path.isdir('build/')",
        "os.path.basename('build/')",
        "os.path.dirname('setup.py')",
        "os.path.dirname('src/pkg/')",
        "os.path.join('', 'x')",
        "os.path.join('data', 'raw/')",
        "os.path.join('.', 'x')",
        "os.path.normpath('a/../b')",
        "os.path.abspath('../b')",
        "os.path.splitext('notes.')[1]",
        "os.path.splitext('..hidden')[1]",
        "os.path.getsize(3)",
        "os.stat(b'x')",
    ],
)
def test_literal_trap_is_flagged_without_a_fix(call: str) -> None:
    findings = found(f"import os\nx = {call}\n")
    assert findings
    assert findings[0].fix is None
    assert "no automatic fix" in findings[0].message


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ("os.path.exists(p)", "empty"),
        ("os.stat(fd)", "file descriptor"),
        ("os.path.join(p, 'x')", "normalised"),
        ("os.path.dirname(p)", "normalised"),
        ("os.path.splitext(p)[1]", "splits"),
        ("os.path.abspath(p)", "`bytes`"),
        ("os.path.abspath(s)", "`..`"),
        ("os.path.normpath(p)", "`..`"),
        ("glob.glob('*.py')", "hidden"),
    ],
)
def test_unknown_value_gives_an_unsafe_fix_that_says_why(
    call: str, reason: str
) -> None:
    source = f"import glob, os\n\n\ndef f(p, fd, s: str):\n    return {call}\n"
    (finding,) = found(source)
    assert applicability(finding) is Applicability.UNSAFE
    assert finding.fix is not None
    assert reason in (finding.fix.reason or "")
    assert fixed(source) == source
    assert fixed(source, unsafe=True) != source


def test_comprehension_variable_is_not_the_outer_one() -> None:
    source = (
        "import os\n\n\ndef f(items):\n    p = 'a.txt'\n"
        "    return [os.path.exists(p) for p in items]\n"
    )
    (finding,) = found(source)
    assert applicability(finding) is Applicability.UNSAFE


def test_listed_names_are_safe_path_components() -> None:
    source = (
        "import os\n\n\ndef f():\n"
        "    return [os.path.join('docs', n) for n in sorted(os.listdir('docs'))]\n"
    )
    assert [applicability(f) for f in found(source)] == [Applicability.SAFE] * 2


# -- names and imports ---------------------------------------------------------------
def test_shadowed_import_is_not_flagged() -> None:
    source = "from os import path\n\n\ndef f(path):\n    return path.join(['a'])\n"
    assert found(source) == []


def test_import_inside_a_function_is_flagged_without_fix() -> None:
    source = "def f():\n    import os.path\n    return os.path.isdir('x')\n"
    (finding,) = found(source)
    assert finding.fix is None


def test_existing_pathlib_module_import_is_used() -> None:
    source = "import os\nimport pathlib\n\nok = os.path.isdir('src')\n"
    assert fixed(source) == "import pathlib\n\nok = pathlib.Path('src').is_dir()\n"


def test_path_bound_to_something_else_gives_no_fix() -> None:
    source = "import os\n\nPath = object\nok = os.path.isdir('src')\n"
    (finding,) = found(source)
    assert finding.fix is None


def test_os_import_stays_while_used_and_old_unused_imports_stay() -> None:
    source = "import os\nimport glob\n\nok = os.path.isdir('src')\nhome = os.environ\n"
    assert fixed(source) == (
        "import os\nimport glob\nfrom pathlib import Path\n\n"
        "ok = Path('src').is_dir()\nhome = os.environ\n"
    )


def test_aliases_are_resolved_and_removed() -> None:
    source = (
        "import os.path as osp\nfrom os.path import join as j\n\n"
        "x = osp.isdir(j('a', 'b'))\n"
    )
    assert (
        fixed(source) == "from pathlib import Path\n\nx = (Path('a') / 'b').is_dir()\n"
    )


def test_second_run_changes_nothing() -> None:
    source = (
        "import os\n\n\ndef f(p):\n    here = os.path.dirname(__file__)\n"
        "    return os.path.join(here, p), os.path.exists(p)\n"
    )
    once = fixed(source, unsafe=True)
    assert once != source
    assert fixed(once, unsafe=True) == once


# -- safe means the same result ------------------------------------------------------
LITERALS: Final = (
    "", ".", "..", "a", "a/", "a/b", "a/b/", "a//b", "./a", "a/./b", "a/../b",
    "/", "//x", "f.txt", "a/f.txt", ".bashrc", "a.", "..a", "d/f.tar.gz", "a/.",
)  # fmt: skip
TEMPLATES: Final = (
    "os.path.exists({})",
    "os.path.isfile({})",
    "os.path.isdir({})",
    "os.path.getsize({})",
    "os.path.basename({})",
    "os.path.dirname({})",
    "os.path.split({})[0]",
    "os.path.split({})[1]",
    "os.path.splitext({})[0]",
    "os.path.splitext({})[1]",
    "os.path.splitext(os.path.basename({}))[0]",
    "os.path.normpath({})",
    "os.path.abspath({})",
    "os.path.realpath({})",
    "os.path.join({}, 'x')",
    "os.path.join('d', {})",
    "sorted(os.listdir({}))",
    "os.path.isabs({})",
)


def _run(source: str, where: Path) -> object:
    namespace: dict[str, object] = {"__name__": "probe"}
    here = Path.cwd()
    os.chdir(where)
    try:
        exec(compile(source, "probe.py", "exec"), namespace)  # noqa: S102
    except Exception as err:  # noqa: BLE001 - the error is the result
        return type(err).__name__
    finally:
        os.chdir(here)
    return namespace["RESULT"]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    (root / "a" / "b").mkdir(parents=True)
    (root / "d").mkdir()
    for name in ("f.txt", "a/f.txt", ".bashrc", "a.", "..a", "d/f.tar.gz", "a/b/x"):
        (root / name).write_text("data")
    return root


@pytest.mark.parametrize(
    ("template", "literal"), list(itertools.product(TEMPLATES, LITERALS))
)
def test_safe_fix_gives_the_same_result(
    template: str, literal: str, tree: Path
) -> None:
    source = f"import os\n\nRESULT = {template.format(repr(literal))}\n"
    after = fixed(source)
    if after == source:
        return
    assert _run(after, tree) == _run(source, tree), after
