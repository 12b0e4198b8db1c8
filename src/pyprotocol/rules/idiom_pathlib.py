"""PP409: ``os.path``, ``os`` file functions and ``glob`` instead of ``pathlib``."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from pyprotocol.fixes.pathlib import apply
from pyprotocol.model import Applicability, FixInfo, Severity
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.pathlib_analysis import PathAnalysis, Site, sites_of
from pyprotocol.rules.pathlib_specs import REPLACED_RUFF


class OsPathToPathlib(Rule):
    """Flags ``os.path.*``, ``os`` file calls and ``glob`` where pathlib fits."""

    code = "PP409"
    name = "os-path-to-pathlib"
    summary = "Handle paths with `pathlib.Path`, not `os.path`, `os` or `glob` calls."
    why = (
        "A `Path` knows it is a path: it joins with `/`, has `.name`, `.parent` "
        "and `.suffix`, and does its own I/O (`.exists()`, `.mkdir()`, "
        "`.iterdir()`), where `os.path` passes bare strings through a dozen free "
        "functions. The protocol asks for pathlib for every path manipulation.\n\n"
        "The rewrite is careful, because the two do not always agree. `Path` "
        "normalises what it is given: `Path('')` is `.` (so `os.path.exists('')` "
        "is False but `Path('').exists()` is True), a trailing `/` is dropped (so "
        "`os.path.basename('a/')` is `''` but `Path('a/').name` is `a`, and "
        "`os.path.dirname('a/b/')` is `a/b` but `Path('a/b/').parent` is `a`), "
        "`os.path.dirname('f')` is `''` but `Path('f').parent` is `.`, and a `..` "
        "is kept where `abspath`/`normpath` collapse it. `Path` takes neither "
        "`bytes` nor file descriptors, which most `os` functions accept. "
        "`splitext` and `.suffix` disagree on names such as `a.` or `..a`. "
        "`glob.glob('*')` skips hidden files and expands metacharacters in the "
        "directory part, `Path.glob()` does neither, and `Path.walk()` lists "
        "symbolic links to directories under filenames where `os.walk()` lists "
        "them under dirnames.\n\n"
        "So a fix is marked safe only when the rule can tell the values involved "
        "make no difference: string literals it can check, `__file__`, "
        "`os.getcwd()`, results of `abspath`/`realpath`, and variables built from "
        "these. Otherwise the fix is unsafe and says why, or there is none. A "
        "variable built by a path call becomes a `Path` where it is built, when "
        "every use of it takes a `Path` just as well (another path call, `open()`, "
        "`shutil`, an f-string); a result that goes anywhere a `str` may be needed "
        "(returned, stored, compared, concatenated) is wrapped in `str(...)`. "
        "Module-level variables are converted only when private (or in a test "
        "module), since other modules may import them. Calls reached through an "
        "`import os` inside a function are flagged without a fix, and so is "
        "`os.scandir`, whose entries have no pathlib twin. An `os.walk` loop that only "
        "ever wraps its directory in `Path(...)` is left alone: that code already "
        "builds paths with pathlib, and `Path.walk()` would change which entries "
        "count as directories. The fix imports "
        "`Path` (or uses an existing `import pathlib`) and drops the `os`, "
        "`os.path` and `glob` imports it leaves unused. Residual differences even "
        "of safe fixes: `Path.exists()`/`is_file()` raise on a permission error "
        "where `os.path` answers False, and `Path.resolve()` raises on a symlink "
        "loop."
    )
    sections = ("cgp:4-idiomatic--performant-python",)
    severity = Severity.WARNING
    replaces = REPLACED_RUFF
    fix_title = "Rewrite with pathlib"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import os\nok = os.path.exists(name)\n",
            "from os import path\nfull = path.join(root, 'x')\n",
            "from os.path import join as j\nfull = j(root, 'x')\n",
            "import os.path as osp\nbig = osp.getsize(p) > 10\n",
            "import glob\nfiles = glob.glob(pattern)\n",
            # Traps: flagged, but no fix, since `Path` gives another result.
            "import os\nfound = os.path.exists('')\n",
            "import os\nname = os.path.basename('build/')\n",
            "import os\nfolder = os.path.dirname('setup.py')\n",
            "import os\nfolder = os.path.dirname('src/pkg/')\n",
            "import os\nfull = os.path.join('data', 'raw/')\n",
            "import os\nclean = os.path.normpath('src/../docs')\n",
            "import os\nfull = os.path.abspath('../docs')\n",
            "import os\next = os.path.splitext('notes.')[1]\n",
            "import os\next = os.path.splitext('..hidden')[1]\n",
            "import os\nsize = os.path.getsize(3)\n",
            "import os\nok = os.path.exists(b'data')\n",
            "import os\nroot, ext = os.path.splitext(name)\n",
            "import os\nhead, tail = os.path.split(name)\n",
            "import os\nfirst = next(os.walk('.'))\n",
            "import os\nmoved = os.rename('a', 'b')\n",
            "import os\nfor entry in os.scandir('.'):\n    print(entry.name)\n",
            "def f(p):\n    import os\n    return os.path.isdir(p)\n",
            "import os\nhere = os.getcwdb()\n",
        ),
        good=(
            "from pathlib import Path\nok = Path('setup.cfg').exists()\n",
            "import os\nhome = os.environ['HOME']\n",
            "from os import path\n\ndef f(path):\n    return path.join(['a', 'b'])\n",
            "import os\nsize = os.stat(fd).st_size  # noqa: PTH116\n",
            "import os\nok = os.path.isdir(p)  # noqa: PP409\n",
            "import posixpath\nx = posixpath.join('a', 'b')\n",
            "import os\nx = os.sep.join(parts)\n",
            "import os\nfrom pathlib import Path\n"
            "for folder, dirs, files in os.walk(root):\n"
            "    here = Path(folder)\n",
        ),
        fixed=(
            Fixed(
                "import os\n"
                "\n"
                "\n"
                "def read_config():\n"
                "    here = os.path.dirname(os.path.abspath(__file__))\n"
                '    path = os.path.join(here, "config", "app.ini")\n'
                "    if not os.path.exists(path):\n"
                '        return ""\n'
                "    with open(path) as fh:\n"
                "        return fh.read()\n",
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def read_config():\n"
                "    here = Path(__file__).absolute().parent\n"
                '    path = here / "config" / "app.ini"\n'
                "    if not path.exists():\n"
                '        return ""\n'
                "    with path.open() as fh:\n"
                "        return fh.read()\n",
            ),
            Fixed(
                "import os\n"
                "\n"
                '_DATA = os.path.join(os.path.dirname(__file__), "data")\n'
                "\n"
                "\n"
                "def report_path() -> str:\n"
                '    return os.path.join(_DATA, "report.txt")\n',
                "from pathlib import Path\n"
                "\n"
                '_DATA = Path(__file__).parent / "data"\n'
                "\n"
                "\n"
                "def report_path() -> str:\n"
                '    return str(_DATA / "report.txt")\n',
            ),
            Fixed(
                "import os\n"
                "import shutil\n"
                "\n"
                "\n"
                "def reset():\n"
                '    cache = os.path.join(os.getcwd(), "cache")\n'
                "    if os.path.isdir(cache):\n"
                "        shutil.rmtree(cache)\n"
                "    os.makedirs(cache)\n"
                '    print(f"reset {cache}")\n',
                "import shutil\n"
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def reset():\n"
                '    cache = Path.cwd() / "cache"\n'
                "    if cache.is_dir():\n"
                "        shutil.rmtree(cache)\n"
                "    cache.mkdir(parents=True)\n"
                '    print(f"reset {cache}")\n',
            ),
            Fixed(
                "import os\n"
                "\n"
                "\n"
                "def source_root():\n"
                '    root = os.path.join(os.getcwd(), "src")\n'
                '    return root if root.endswith("src") else ""\n',
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def source_root():\n"
                '    root = str(Path.cwd() / "src")\n'
                '    return root if root.endswith("src") else ""\n',
            ),
            Fixed(
                "import os.path\n"
                "\n"
                "\n"
                "def describe():\n"
                '    log = "logs/app.log"\n'
                "    return (\n"
                "        os.path.isfile(log),\n"
                '        os.path.isdir("logs"),\n'
                "        os.path.islink(log),\n"
                "        os.path.isabs(log),\n"
                "        os.path.getsize(log),\n"
                "        os.path.getmtime(log),\n"
                "        os.path.getatime(log),\n"
                "        os.path.getctime(log),\n"
                '        os.path.samefile(log, "logs/current.log"),\n'
                "    )\n",
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def describe():\n"
                '    log = "logs/app.log"\n'
                "    return (\n"
                "        Path(log).is_file(),\n"
                '        Path("logs").is_dir(),\n'
                "        Path(log).is_symlink(),\n"
                "        Path(log).is_absolute(),\n"
                "        Path(log).stat().st_size,\n"
                "        Path(log).stat().st_mtime,\n"
                "        Path(log).stat().st_atime,\n"
                "        Path(log).stat().st_ctime,\n"
                '        Path(log).samefile("logs/current.log"),\n'
                "    )\n",
            ),
            Fixed(
                "from os import path\n"
                "\n"
                "\n"
                "def names():\n"
                '    name = path.basename("docs/index.md")\n'
                '    suffix = path.splitext("docs/index.md")[1]\n'
                '    stem = path.splitext(path.basename("docs/index.md"))[0]\n'
                '    folder = path.split("docs/index.md")[0]\n'
                '    clean = path.normpath("docs//api/")\n'
                '    home = path.expanduser("~/.config")\n'
                "    real = path.realpath(__file__)\n"
                "    return name, suffix, stem, str(folder), clean, home, real\n",
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def names():\n"
                '    name = Path("docs/index.md").name\n'
                '    suffix = Path("docs/index.md").suffix\n'
                '    stem = Path("docs/index.md").stem\n'
                '    folder = Path("docs/index.md").parent\n'
                '    clean = str(Path("docs//api/"))\n'
                '    home = str(Path("~/.config").expanduser())\n'
                "    real = str(Path(__file__).resolve())\n"
                "    return name, suffix, stem, str(folder), clean, home, real\n",
            ),
            Fixed(
                "import os\n"
                "\n"
                "\n"
                "def tidy():\n"
                '    os.makedirs("build/cache", exist_ok=True)\n'
                '    os.mkdir("build/tmp", 0o700)\n'
                '    os.chmod("build/tmp", 0o755)\n'
                '    size = os.stat("build/cache").st_size\n'
                '    entries = sorted(os.listdir("build"))\n'
                '    os.rename("build/a.txt", "build/b.txt")\n'
                '    os.replace("build/b.txt", "build/c.txt")\n'
                '    os.remove("build/c.txt")\n'
                '    os.unlink("build/d.txt")\n'
                '    os.rmdir("build/tmp")\n'
                "    return os.getcwd(), size, entries\n",
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def tidy():\n"
                '    Path("build/cache").mkdir(parents=True, exist_ok=True)\n'
                '    Path("build/tmp").mkdir(0o700)\n'
                '    Path("build/tmp").chmod(0o755)\n'
                '    size = Path("build/cache").stat().st_size\n'
                "    entries = sorted(child.name for child in "
                'Path("build").iterdir())\n'
                '    Path("build/a.txt").rename("build/b.txt")\n'
                '    Path("build/b.txt").replace("build/c.txt")\n'
                '    Path("build/c.txt").unlink()\n'
                '    Path("build/d.txt").unlink()\n'
                '    Path("build/tmp").rmdir()\n'
                "    return str(Path.cwd()), size, entries\n",
            ),
            Fixed(
                "import glob\n"
                "import os\n"
                "\n"
                "\n"
                "def reports():\n"
                '    return glob.glob(os.path.join("data", "report-*.csv"))\n',
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def reports():\n"
                "    return [str(path) for path in "
                'Path("data").glob("report-*.csv")]\n',
            ),
            Fixed(
                "import os\n"
                "\n"
                "\n"
                "def sources(top):\n"
                "    for root, dirs, files in os.walk(top):\n"
                "        for name in files:\n"
                "            yield os.path.join(root, name)\n",
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def sources(top):\n"
                "    for root, dirs, files in Path(top).walk():\n"
                "        for name in files:\n"
                "            yield str(root / name)\n",
                unsafe=True,
            ),
            Fixed(
                "import glob\n"
                "\n"
                "\n"
                "def modules():\n"
                '    return list(glob.iglob("src/*.py"))\n',
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def modules():\n"
                '    return list(str(path) for path in Path().glob("src/*.py"))\n',
                unsafe=True,
            ),
            Fixed(
                "import os\n"
                "import pathlib\n"
                "\n"
                "\n"
                "def ensure(p):\n"
                "    if not os.path.isdir(p):\n"
                "        os.makedirs(p)\n",
                "import pathlib\n"
                "\n"
                "\n"
                "def ensure(p):\n"
                "    if not pathlib.Path(p).is_dir():\n"
                "        pathlib.Path(p).mkdir(parents=True)\n",
                unsafe=True,
            ),
            Fixed(
                "from os.path import exists, join as j\n"
                "\n"
                "\n"
                "def has_readme(base):\n"
                '    return exists(j(base, "README.md"))\n',
                "from pathlib import Path\n"
                "\n"
                "\n"
                "def has_readme(base):\n"
                '    return (Path(base) / "README.md").exists()\n',
                unsafe=True,
            ),
        ),
    )

    def finish(self) -> None:
        """Analyse the module and report every site."""
        analysis = sites_of(self.ctx)
        if analysis is None:
            return
        for site in analysis.sites:
            if not analysis.walk_feeds_pathlib(site):
                self._report(analysis, site)

    def _report(self, analysis: PathAnalysis, site: Site) -> None:
        message = f"`{site.func}()`: use {site.spec.advice}"
        severity = Severity.INFO if site.spec.op == "none" else None
        if not site.fixable:
            if site.reason:
                message += f" (no automatic fix: {site.reason})"
            self.report(site.call, message, severity=severity)
            return
        var = analysis.vars.get(id(site.call))
        title = (
            f"Make `{var.name}` a `Path` where it is built"
            if var is not None
            else f"Rewrite `{site.func}()` with pathlib"
        )
        if site.safe:
            info = FixInfo(title, Applicability.SAFE)
        else:
            info = FixInfo(title, Applicability.UNSAFE, site.reason)
        self.report(site.call, message, fix=info, severity=severity)

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Rewrite the requested sites (and the uses of variables they build)."""
        analysis = sites_of(self.ctx)
        if analysis is None or analysis.path_name is None:
            return tree
        plan = analysis.plan(request.starts(), unsafe=request.unsafe)
        if not plan.rewrites:
            return tree
        return apply(tree, plan, analysis.path_name, set(analysis.names))


__all__ = ["OsPathToPathlib"]
