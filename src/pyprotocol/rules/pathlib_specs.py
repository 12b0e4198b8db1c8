"""What each ``os.path``/``os``/``glob`` function becomes in pathlib (PP409's table).

Each entry says how the call is rewritten, which extra arguments carry over (and
under which keyword), what the path argument must be known to be for the rewrite
to behave the same, and what the new expression yields.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final


@dataclass(frozen=True, slots=True)
class Spec:
    """How one function maps onto pathlib."""

    #: The template: "method", "attr", "join", "cwd", "listdir", "walk", "mkdir",
    #: "glob", "split", "splitext", or "none" (flagged, never rewritten).
    op: str
    #: The pathlib method or attribute (``exists``, ``parent``, ``st_size``...).
    name: str
    #: What to use instead, for the message.
    advice: str
    #: Positional parameters after the path, by their original names.
    extra: tuple[str, ...] = ()
    #: Keywords accepted: original name -> pathlib name.
    keywords: Mapping[str, str] = field(default_factory=dict)
    #: Extra arguments are written as keywords (the method's order differs).
    as_keywords: bool = False
    #: What a safe rewrite needs to know of the path: "fsok" (it names the same
    #: file once wrapped in ``Path``), "canon" (``str(Path(p)) == p``), "text"
    #: (a ``str``, not ``bytes`` or a descriptor), or "never" (always unsafe).
    needs: str = "fsok"
    #: The new expression is a ``Path`` where the call returned a ``str``.
    returns_path: bool = False
    #: Rewritten only as a statement of its own (the pathlib method returns
    #: something where the function returned None).
    statement: bool = False
    #: The ruff rule this function falls under.
    ruff: str = ""


def _method(
    name: str,
    advice: str,
    ruff: str,
    *,
    extra: tuple[str, ...] = (),
    keywords: Mapping[str, str] | None = None,
    needs: str = "fsok",
    returns_path: bool = False,
    statement: bool = False,
) -> Spec:
    return Spec(
        "method",
        name,
        advice,
        extra=extra,
        keywords=keywords or {},
        needs=needs,
        returns_path=returns_path,
        statement=statement,
        ruff=ruff,
    )


_STAT_ADVICE: Final = "`Path(...).stat().{}`"

SPECS: Final[Mapping[str, Spec]] = {
    "os.path.join": Spec(
        "join", "", "`Path(...) / ...`", needs="canon", returns_path=True, ruff="PTH118"
    ),
    "os.path.exists": _method("exists", "`Path(...).exists()`", "PTH110"),
    "os.path.isfile": _method("is_file", "`Path(...).is_file()`", "PTH113"),
    "os.path.isdir": _method("is_dir", "`Path(...).is_dir()`", "PTH112"),
    "os.path.islink": _method("is_symlink", "`Path(...).is_symlink()`", "PTH114"),
    "os.path.isabs": _method(
        "is_absolute", "`Path(...).is_absolute()`", "PTH117", needs="text"
    ),
    "os.path.basename": Spec(
        "attr", "name", "`Path(...).name`", needs="canon", ruff="PTH119"
    ),
    "os.path.dirname": Spec(
        "attr",
        "parent",
        "`Path(...).parent`",
        needs="canon",
        returns_path=True,
        ruff="PTH120",
    ),
    "os.path.split": Spec(
        "split", "", "`Path(...).parent` and `.name`", needs="canon", ruff=""
    ),
    "os.path.splitext": Spec(
        "splitext",
        "",
        "`Path(...).suffix`, `.stem` or `.with_suffix('')`",
        needs="literal",
        ruff="PTH122",
    ),
    "os.path.abspath": _method(
        "absolute",
        "`Path(...).absolute()`",
        "PTH100",
        needs="text",
        returns_path=True,
    ),
    "os.path.realpath": _method(
        "resolve",
        "`Path(...).resolve()`",
        "",
        keywords={"strict": "strict"},
        needs="text",
        returns_path=True,
    ),
    "os.path.expanduser": _method(
        "expanduser",
        "`Path(...).expanduser()`",
        "PTH111",
        needs="canon",
        returns_path=True,
    ),
    "os.path.normpath": Spec(
        "normpath", "", "`Path(...)`", needs="canon", returns_path=True, ruff=""
    ),
    "os.path.getsize": Spec(
        "stat", "st_size", _STAT_ADVICE.format("st_size"), ruff="PTH202"
    ),
    "os.path.getmtime": Spec(
        "stat", "st_mtime", _STAT_ADVICE.format("st_mtime"), ruff="PTH204"
    ),
    "os.path.getatime": Spec(
        "stat", "st_atime", _STAT_ADVICE.format("st_atime"), ruff="PTH203"
    ),
    "os.path.getctime": Spec(
        "stat", "st_ctime", _STAT_ADVICE.format("st_ctime"), ruff="PTH205"
    ),
    "os.path.samefile": _method(
        "samefile", "`Path(...).samefile(...)`", "PTH121", extra=("f2",)
    ),
    "os.getcwd": Spec(
        "cwd", "cwd", "`Path.cwd()`", needs="text", returns_path=True, ruff="PTH109"
    ),
    "os.listdir": Spec("listdir", "iterdir", "`Path(...).iterdir()`", ruff="PTH208"),
    "os.scandir": Spec("none", "", "`Path(...).iterdir()`", ruff=""),
    "os.getcwdb": Spec("none", "bytes", "`Path.cwd()`", ruff="PTH109"),
    "os.walk": Spec(
        "walk",
        "walk",
        "`Path(...).walk()`",
        extra=("topdown", "onerror", "followlinks"),
        keywords={
            "topdown": "top_down",
            "onerror": "on_error",
            "followlinks": "follow_symlinks",
        },
        as_keywords=True,
        needs="canon",
        ruff="",
    ),
    "os.makedirs": Spec(
        "mkdir",
        "mkdir",
        "`Path(...).mkdir(parents=True)`",
        extra=("mode", "exist_ok"),
        keywords={"mode": "mode", "exist_ok": "exist_ok"},
        ruff="PTH103",
    ),
    "os.mkdir": _method(
        "mkdir",
        "`Path(...).mkdir()`",
        "PTH102",
        extra=("mode",),
        keywords={"mode": "mode"},
    ),
    "os.remove": _method("unlink", "`Path(...).unlink()`", "PTH107"),
    "os.unlink": _method("unlink", "`Path(...).unlink()`", "PTH108"),
    "os.rmdir": _method("rmdir", "`Path(...).rmdir()`", "PTH106"),
    "os.rename": _method(
        "rename", "`Path(...).rename(...)`", "PTH104", extra=("dst",), statement=True
    ),
    "os.replace": _method(
        "replace",
        "`Path(...).replace(...)`",
        "PTH105",
        extra=("dst",),
        statement=True,
    ),
    "os.stat": _method(
        "stat",
        "`Path(...).stat()`",
        "PTH116",
        keywords={"follow_symlinks": "follow_symlinks"},
    ),
    "os.chmod": _method(
        "chmod",
        "`Path(...).chmod(...)`",
        "PTH101",
        extra=("mode",),
        keywords={"mode": "mode", "follow_symlinks": "follow_symlinks"},
    ),
    "glob.glob": Spec("glob", "glob", "`Path(...).glob(...)`", ruff="PTH207"),
    "glob.iglob": Spec("glob", "glob", "`Path(...).glob(...)`", ruff="PTH207"),
}

#: ruff's PTH rules whose every case PP409 flags (so ruff is not asked for them).
REPLACED_RUFF: Final = tuple(sorted({s.ruff for s in SPECS.values() if s.ruff}))

#: ``os`` functions that take path-like arguments and give the same result for a
#: ``Path`` as for its string (a converted variable may be passed to them).
OS_PATHLIKE: Final = frozenset(
    {
        "access",
        "chdir",
        "chmod",
        "chown",
        "fspath",
        "lchown",
        "link",
        "listdir",
        "lstat",
        "makedirs",
        "mkdir",
        "open",
        "remove",
        "removedirs",
        "rename",
        "renames",
        "replace",
        "rmdir",
        "scandir",
        "stat",
        "symlink",
        "truncate",
        "unlink",
        "utime",
        "walk",
    }
)
#: ``shutil`` functions taking paths; the first group returns its destination,
#: so a ``Path`` is fine as their source (argument 0) or when the result is unused.
SHUTIL_RETURNS_DST: Final = frozenset({"copy", "copy2", "copyfile", "copytree", "move"})
SHUTIL_NONE: Final = frozenset(
    {"rmtree", "copymode", "copystat", "chown", "disk_usage", "unpack_archive"}
)
#: Builtins and other callables that take a ``Path`` where they took its string.
PATHLIKE_CALLS: Final = frozenset(
    {
        "builtins.open",
        "builtins.str",
        "builtins.print",
        "io.open",
        "pathlib.Path",
        "pathlib.PurePath",
        "os.fspath",
    }
)
#: Parameters of ``open()`` that ``Path.open()`` takes too, in order.
OPEN_PARAMS: Final = ("mode", "buffering", "encoding", "errors", "newline")
