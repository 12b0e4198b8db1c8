"""PP604: commands run through a shell (``shell=True``, ``os.system``, ``os.popen``)."""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import ClassVar, Final

import libcst as cst

from pyprotocol.model import Applicability, Severity
from pyprotocol.rules.astutil import keyword
from pyprotocol.rules.base import Examples, Fixed, FixRequest, Rule
from pyprotocol.rules.sec_helpers import (
    argument,
    is_constant,
    rewrite_calls,
    source_of,
    without_arg,
)

#: Functions that take ``shell=``.
_SHELL_OPTION: Final = frozenset(
    f"subprocess.{name}"
    for name in ("run", "call", "check_call", "check_output", "Popen")
)
#: Functions that always run their command through a shell.
_ALWAYS_SHELL: Final = frozenset(
    {
        "os.system",
        "os.popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "asyncio.create_subprocess_shell",
    }
)
_QUOTERS: Final = frozenset({"shlex.quote", "shlex.join", "pipes.quote"})
#: A command the fix may split: plain words, no quoting, globbing or expansion.
_PLAIN_COMMAND: Final = re.compile(r"[A-Za-z0-9_./:@+,-]+(?: [A-Za-z0-9_./:@+=,-]+)*")
_SHELL_BUILTINS: Final = frozenset(
    {
        *("alias", "bg", "break", "cd", "command", "continue", "declare", "dirs"),
        *("echo", "eval", "exec", "exit", "export", "fg", "getopts", "hash"),
        *("history", "jobs", "kill", "let", "local", "popd", "printf", "pushd"),
        *("pwd", "read", "readonly", "return", "set", "shift", "source", "test"),
        *("times", "trap", "type", "typeset", "ulimit", "umask", "unalias", "unset"),
        "wait",
    }
)


class ShellCommand(Rule):
    """Flags subprocesses started through a shell."""

    code = "PP604"
    statement_local = True
    replaces = ("S602", "S604", "S605")
    name = "shell-command"
    summary = "Run subprocesses without a shell: an argument list and `shell=False`."
    why = (
        "With `shell=True`, `os.system`, `os.popen` or `subprocess.getoutput` the "
        "command is parsed by `/bin/sh`, so any value spliced into it can add "
        "commands of its own (`; rm -rf ~`). Passing a list of arguments with the "
        "default `shell=False` hands each value to the program as one argument, with "
        "nothing to inject. A constant command string cannot be injected into today, "
        "so it is reported as lower risk, but it still pays for a shell it does not "
        "need and invites the next edit to splice a value in. A command whose every "
        "spliced value goes through `shlex.quote` / `shlex.join` follows the "
        "protocol's fallback and is not flagged."
    )
    sections = ("cgp:6-security-imperatives",)
    severity = Severity.WARNING
    applies_to = "code"
    fix_title = "Pass the command as an argument list without a shell"
    fix_applicability = Applicability.UNSAFE
    fix_reason = (
        "a command that is a shell built-in (or, on Windows, a `cmd` built-in such "
        "as `dir`) needs the shell to run"
    )
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import subprocess\nsubprocess.run(f'git log {ref}', shell=True)\n",
            "import os\nos.system('rm -rf ' + path)\n",
            "import os\nout = os.popen(cmd).read()\n",
            "from subprocess import check_output\n"
            "check_output('ls | wc -l', shell=True)\n",
            "import subprocess as sp\nsp.Popen(command, shell=True)\n",
            "import subprocess\nsubprocess.getoutput('uname -a')\n",
            "import os\nos.system('clear')\n",
            "import subprocess\nsubprocess.call(['ls', '-l'], shell=True)\n",
        ),
        good=(
            "import subprocess\nsubprocess.run(['git', 'log', ref], check=True)\n",
            "import subprocess\nsubprocess.run(cmd, shell=False)\n",
            "import shlex, subprocess\n"
            "subprocess.run(f'grep {shlex.quote(word)} log.txt | wc -l', shell=True)\n",
            "import shlex, subprocess\nsubprocess.run(shlex.join(argv), shell=True)\n",
            "import subprocess\nsubprocess.run(args, shell=use_shell)\n",
            "def system(cmd: str) -> None: ...\nsystem('ls')\n",
            "import os\nos.getcwd()\n",
            "import os\nos.system('')  # enables ANSI escapes on Windows\n",
        ),
        fixed=(
            Fixed(
                "import subprocess\n\n"
                "subprocess.run('git status --short', shell=True)\n",
                'import subprocess\n\nsubprocess.run(["git", "status", "--short"])\n',
                unsafe=True,
            ),
            Fixed(
                "import subprocess\n\n"
                "out = subprocess.check_output('ls -l', shell=True, text=True)\n",
                "import subprocess\n\n"
                'out = subprocess.check_output(["ls", "-l"], text=True)\n',
                unsafe=True,
            ),
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag shell-run commands."""
        name = self.ctx.qualname(node.func)
        if name in _SHELL_OPTION:
            option = keyword(node, "shell")
            if option is None or not (
                isinstance(option.value, ast.Constant) and option.value.value
            ):
                return
            how = f"`{name}(..., shell=True)`"
        elif name in _ALWAYS_SHELL:
            how = f"`{name}`"
        else:
            return
        command = argument(node, 0, "args", "cmd", "command")
        if is_constant(command, "") or (command is not None and self._quoted(command)):
            return
        if _constant_command(command):
            fixable = (
                name in _SHELL_OPTION
                and bool(node.args)
                and node.args[0] is command
                and isinstance(command, ast.Constant)
                and _splittable(str(command.value))
            )
            self.report(
                node,
                f"{how} runs a constant command through a shell: lower risk as "
                "nothing is spliced in, but no shell is needed; pass an argument "
                "list",
                fix=fixable,
                data={"func": source_of(self.ctx.source, node.func)},
            )
            return
        self.report(
            node,
            f"{how} runs the command through a shell, open to command injection: "
            "pass an argument list with `shell=False` (or quote every value with "
            "`shlex.quote`)",
        )

    def _quoted(self, command: ast.expr) -> bool:
        """True when every value spliced into the command is shell-quoted."""
        if self.ctx.is_call_to(command, *_QUOTERS):
            return True
        spliced = _spliced(command)
        return bool(spliced) and all(
            self.ctx.is_call_to(value, *_QUOTERS) for value in spliced
        )

    def fix(self, tree: cst.Module, request: FixRequest) -> cst.Module:
        """Split the constant command into a list and drop ``shell=True``."""
        return rewrite_calls(tree, request, _to_list)


def _spliced(command: ast.expr) -> list[ast.expr]:
    """The values spliced into a command string (empty when it is not built)."""
    if isinstance(command, ast.JoinedStr):
        return [v.value for v in command.values if isinstance(v, ast.FormattedValue)]
    if isinstance(command, ast.BinOp) and isinstance(command.op, ast.Add):
        sides = (command.left, command.right)
        nested = [part for side in sides for part in _spliced(side)]
        direct = [
            side
            for side in sides
            if not isinstance(side, ast.Constant | ast.BinOp | ast.JoinedStr)
        ]
        return nested + direct
    if isinstance(command, ast.BinOp) and isinstance(command.op, ast.Mod):
        right = command.right
        return list(right.elts) if isinstance(right, ast.Tuple) else [right]
    if isinstance(command, ast.Call) and isinstance(command.func, ast.Attribute):
        if command.func.attr == "format":
            return [*command.args, *(k.value for k in command.keywords)]
        if command.func.attr == "join" and command.args:
            inner = command.args[0]
            if isinstance(inner, ast.GeneratorExp | ast.ListComp):
                return [inner.elt]
    return []


def _constant_command(command: ast.expr | None) -> bool:
    """A string literal, or a list/tuple of string literals."""
    if isinstance(command, ast.List | ast.Tuple):
        return all(_constant_command(item) for item in command.elts)
    return isinstance(command, ast.Constant) and isinstance(command.value, str)


def _splittable(command: str) -> bool:
    if not _PLAIN_COMMAND.fullmatch(command):
        return False
    return command.split(" ", 1)[0] not in _SHELL_BUILTINS


def _to_list(call: cst.Call, data: Mapping[str, str]) -> cst.Call:
    del data
    first = call.args[0] if call.args else None
    if first is None or first.keyword is not None:
        return call
    value = first.value
    if not isinstance(value, cst.SimpleString):
        return call
    text = value.evaluated_value
    if not isinstance(text, str) or not _splittable(text):
        return call
    items = [cst.Element(cst.SimpleString(f'"{word}"')) for word in text.split(" ")]
    elements = [
        item.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        for item in items[:-1]
    ]
    new_first = first.with_changes(value=cst.List([*elements, items[-1]]))
    call = call.with_changes(args=[new_first, *call.args[1:]])
    return without_arg(call, "shell")
