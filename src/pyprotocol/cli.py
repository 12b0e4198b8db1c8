"""The command line: ``check``, ``fix``, ``rules``, ``rule``, ``serve``."""

from __future__ import annotations

import argparse
import contextlib
import difflib
import enum
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Final, TextIO

from pyprotocol import __version__, engine, projectfiles, protocol, report, workspace
from pyprotocol.config import Config
from pyprotocol.model import Finding, Severity, Span
from pyprotocol.positions import split_lines
from pyprotocol.report import Located
from pyprotocol.rules import ALL_RULES
from pyprotocol.sources import mypy, ruff_batch

EXIT_CLEAN: Final = 0
EXIT_FINDINGS: Final = 1
EXIT_ERROR: Final = 2
PARALLEL_THRESHOLD: Final = 16
UNREADABLE_CODE: Final = "PP002"


@dataclass(frozen=True, slots=True)
class Overrides:
    """Selection given on the command line, applied over each file's configuration."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()

    def apply(self, config: Config) -> Config:
        """Apply to one configuration.

        Args:
            config: The file's configuration.

        Returns:
            The configuration with the command-line selection on top.
        """
        if self.select is not None:
            config = replace(config, select=self.select)
        if self.ignore:
            config = replace(config, ignore=config.ignore + self.ignore)
        return config


class Tools(enum.Enum):
    """How a file's ruff findings are made."""

    OFF = "off"
    PER_FILE = "per-file"
    BATCH = "batch"


@dataclass(frozen=True, slots=True)
class _Checked:
    """What a worker found in one file."""

    findings: list[Finding]
    tool_errors: tuple[str, ...] = ()
    #: Set when ruff's findings are still to come from the batch: the file's
    #: noqa comments, to apply to them.
    pending: engine.Suppressions | None = None


def _check_file(job: tuple[Path, Overrides, Tools]) -> _Checked:
    path, overrides, tools = job
    config = overrides.apply(workspace.config_for(path))
    try:
        source, data = workspace.read_file(path)
    except workspace.UnreadableError as err:
        message = f"cannot check this file: {err}"
        return _Checked(
            [Finding(UNREADABLE_CODE, message, Span(1, 0, 1, 0), Severity.ERROR)]
        )
    if tools is Tools.BATCH and ruff_batch.batchable(path, source, data):
        analysis = engine.analyse(source, path, config)
        if analysis.syntax_error is not None:
            return _Checked(analysis.findings)  # ruff's findings are not asked for
        noqa = engine.Suppressions.scan(split_lines(source))
        return _Checked(analysis.findings, pending=noqa)
    analysis = engine.analyse(source, path, config, tools=tools is not Tools.OFF)
    return _Checked(analysis.findings, analysis.tool_errors)


def check_paths(
    files: Sequence[Path],
    overrides: Overrides,
    jobs: int | None = None,
    *,
    tools: bool = True,
    err: TextIO | None = None,
    batch: bool = True,
) -> list[Located]:
    """Check files, in parallel when there are many.

    With ``tools``, ruff runs once per batch of files (see
    :mod:`pyprotocol.sources.ruff_batch`), alongside the own rules; with ``batch``
    off, twice per file, as the engine does for one text.

    Args:
        files: The files.
        overrides: Command-line selection.
        jobs: Worker processes; all cores when None.
        tools: Also run ruff.
        err: Where to report (once) a tool that could not run.
        batch: Run ruff over all files at once rather than file by file.

    Returns:
        The findings with their files, in file order.
    """
    mode = Tools.OFF
    if tools:
        mode = Tools.BATCH if batch and files else Tools.PER_FILE
    with contextlib.ExitStack() as stack:
        running = None
        if mode is Tools.BATCH:
            configs = [overrides.apply(workspace.config_for(path)) for path in files]
            running = stack.enter_context(
                ruff_batch.Batch(zip(files, configs, strict=True))
            )
        results = _run_workers([(path, overrides, mode) for path in files], jobs)
        if running is not None:
            running.collect()
            results = [
                _complete(running, i, result) for i, result in enumerate(results)
            ]
    problems = {problem for result in results for problem in result.tool_errors}
    for problem in sorted(problems):
        if err is not None:
            err.write(f"pyprotocol: {problem}\n")
    return [
        Located(path, f)
        for path, result in zip(files, results, strict=True)
        for f in result.findings
    ]


def _run_workers(
    work: list[tuple[Path, Overrides, Tools]], jobs: int | None
) -> list[_Checked]:
    workers = jobs or os.cpu_count() or 1
    if len(work) >= PARALLEL_THRESHOLD and workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(_check_file, work, chunksize=8))
    return [_check_file(job) for job in work]


def _complete(batch: ruff_batch.Batch, index: int, result: _Checked) -> _Checked:
    """Add the batch's ruff findings to a file's own-rule findings."""
    if result.pending is None:
        return result
    extra, errors = batch.tool_findings(index)
    return _Checked(ruff_batch.merge(result.findings, extra, result.pending), errors)


def _config_errors(files: Sequence[Path], out: TextIO) -> bool:
    seen: set[str] = set()
    for path in files:
        for error in workspace.config_for(path).errors:
            if error not in seen:
                seen.add(error)
                out.write(f"pyprotocol: config: {error}\n")
    return bool(seen)


def _rule_table() -> list[dict[str, str]]:
    return [
        {
            "code": rule.code,
            "name": rule.name,
            "summary": rule.summary,
            "href": protocol.href(rule.sections[0]),
        }
        for rule in ALL_RULES
    ]


def _files_or_error(paths: Sequence[str], err: TextIO) -> list[Path] | None:
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        err.write(f"pyprotocol: no such file or folder: {', '.join(missing)}\n")
        return None
    return list(workspace.python_files(Path(p) for p in paths))


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``pyprotocol check``."""
    files = _files_or_error(args.paths, err)
    if files is None:
        return EXIT_ERROR
    bad_config = _config_errors(files, err)
    overrides = Overrides(
        tuple(args.select.split(",")) if args.select else None,
        tuple(args.ignore.split(",")) if args.ignore else (),
    )
    items = check_paths(files, overrides, args.jobs, tools=not args.no_ruff, err=err)
    items = _merge(items, _project_items(args.paths, overrides))
    if args.mypy:
        items = _merge(items, _mypy_items(files, err))
    match args.format:
        case "json":
            out.write(report.as_json(items))
        case "sarif":
            out.write(report.sarif(items, _rule_table()))
        case "github":
            out.write(report.github(items))
        case _:
            out.write(report.text(items))
    if bad_config:
        return EXIT_ERROR
    return EXIT_FINDINGS if items else EXIT_CLEAN


def _project_items(paths: Sequence[str], overrides: Overrides) -> list[Located]:
    """Findings in project files (pyproject.toml, Dockerfile, CI, layout).

    Projects whose root is a given folder (or a folder right under it) are checked
    whole; project files named directly are checked alone.
    """
    items: list[Located] = []
    seen: set[tuple[Path, str, Span]] = set()

    def add(path: Path, finding: Finding) -> None:
        key = (path.resolve(), finding.code, finding.span)
        if key not in seen:
            seen.add(key)
            items.append(Located(path, finding))

    for raw in paths:
        given = Path(raw)
        if given.is_file():
            if projectfiles.kind_of(given) is not None:
                config = overrides.apply(workspace.config_for(given))
                try:
                    text = workspace.read_source(given)
                except workspace.UnreadableError:
                    continue
                for finding in (
                    projectfiles.check_file(text, given.resolve(), config) or []
                ):
                    add(given, finding)
            continue
        for root in _project_roots(given):
            config = overrides.apply(workspace.config_for(root / "pyproject.toml"))
            for path, finding in projectfiles.check_project(root, config):
                add(_shown(path, given, root), finding)
    return items


def _project_roots(folder: Path) -> list[Path]:
    """Folders holding a ``pyproject.toml`` at or under ``folder`` (not excluded)."""
    roots = []
    for pyproject in [folder / "pyproject.toml", *folder.glob("*/pyproject.toml")]:
        if pyproject.is_file():
            conf = workspace.config_for(pyproject)
            if not conf.is_excluded(pyproject.parent.resolve()):
                roots.append(pyproject.parent.resolve())
    return sorted(set(roots))


def _shown(path: Path, given: Path, root: Path) -> Path:
    """Show a project file relative to the folder the user named."""
    try:
        return given / path.resolve().relative_to(given.resolve())
    except ValueError:
        return path if path.is_absolute() else root / path


def _mypy_items(files: Sequence[Path], err: TextIO) -> list[Located]:
    """Findings of mypy for files, one run per project."""
    by_root: dict[Path, list[Path]] = {}
    for path in files:
        config = workspace.config_for(path)
        root = config.root or path.resolve().parent
        by_root.setdefault(root, []).append(path)
    items: list[Located] = []
    for root, paths in by_root.items():
        config = workspace.config_for(paths[0])
        try:
            found = mypy.check_files(paths, root, config)
        except mypy.MypyError as problem:
            err.write(f"pyprotocol: {problem}\n")
            continue
        originals = {p.resolve(): p for p in paths}
        items.extend(
            Located(originals[path], finding)
            for path, findings in found.items()
            for finding in findings
            if engine.finding_enabled(finding, config, path)
        )
    return items


def _merge(first: list[Located], second: list[Located]) -> list[Located]:
    order = {
        path: index for index, path in enumerate(dict.fromkeys(i.path for i in first))
    }
    merged = first + second
    merged.sort(
        key=lambda i: (order.get(i.path, len(order)), str(i.path), i.finding.span)
    )
    return merged


def cmd_fix(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``pyprotocol fix``."""
    files = _files_or_error(args.paths, err)
    if files is None:
        return EXIT_ERROR
    bad_config = _config_errors(files, err)
    codes = tuple(args.select.split(",")) if args.select else None
    fixed_files = fixed_count = remaining = 0
    for path in files:
        try:
            source = workspace.read_source(path)
        except workspace.UnreadableError as problem:
            err.write(f"pyprotocol: skipped {path}: {problem}\n")
            continue
        config = workspace.config_for(path)
        tools = not args.no_ruff
        result = engine.fix(
            source, path, config, codes, unsafe=args.unsafe, tools=tools
        )
        remaining += len(engine.check(result.source, path, config, tools=tools))
        if not result.changed:
            continue
        fixed_files += 1
        fixed_count += len(result.applied)
        if args.diff:
            out.writelines(
                difflib.unified_diff(
                    source.splitlines(keepends=True),
                    result.source.splitlines(keepends=True),
                    f"a/{path.as_posix()}",
                    f"b/{path.as_posix()}",
                )
            )
        else:
            workspace.write_atomic(path, result.source)
    verb = "Would fix" if args.diff else "Fixed"
    out.write(
        f"{verb} {fixed_count} finding(s) in {fixed_files} file(s); "
        f"{remaining} finding(s) remain.\n"
    )
    if bad_config:
        return EXIT_ERROR
    return EXIT_FINDINGS if args.diff and fixed_count else EXIT_CLEAN


def cmd_rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``pyprotocol rules``."""
    del args, err
    from pyprotocol.docs import every_rule

    rules = every_rule()
    width = max(len(rule.name) for rule in rules)
    for rule in rules:
        fix = "fix" if rule.fix_title else "   "
        label = protocol.section(rule.sections[0]).label
        out.write(f"{rule.code}  {rule.name:<{width}}  {fix}  {label}\n")
    return EXIT_CLEAN


def cmd_rule(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``pyprotocol rule CODE``."""
    from pyprotocol.docs import every_rule, rule_page

    wanted = args.code.upper()
    for rule in every_rule():
        if wanted in (rule.code, rule.name.upper()):
            out.write(rule_page(rule))
            return EXIT_CLEAN
    err.write(f"pyprotocol: no rule {args.code!r}; see `pyprotocol rules`\n")
    return EXIT_ERROR


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``pyprotocol serve``."""
    del out, err
    from pyprotocol.server import serve

    return serve(tcp=args.tcp)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command.

    Returns:
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="pyprotocol",
        description="Hold Python code to the engineering protocol.",
    )
    parser.add_argument(
        "--version", action="version", version=f"pyprotocol {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="report findings")
    check.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    check.add_argument("--format", choices=report.FORMATS, default="text")
    check.add_argument("--select", help="comma-separated codes, names or sections")
    check.add_argument("--ignore", help="comma-separated codes, names or sections")
    check.add_argument("--jobs", type=int, default=None, help="worker processes")
    check.add_argument("--no-ruff", action="store_true", help="skip ruff's checks")
    check.add_argument(
        "--mypy",
        action="store_true",
        help="also run mypy (strict unless the project configures it); it runs the "
        "project's mypy plugins, so use it on code you trust",
    )
    check.set_defaults(handler=cmd_check)

    fix = commands.add_parser("fix", help="apply fixes")
    fix.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    fix.add_argument("--unsafe", action="store_true", help="also apply unsafe fixes")
    fix.add_argument("--diff", action="store_true", help="print a diff, write nothing")
    fix.add_argument("--select", help="only fixes of these codes, names or sections")
    fix.add_argument("--no-ruff", action="store_true", help="own fixes only")
    fix.set_defaults(handler=cmd_fix)

    rules = commands.add_parser("rules", help="list the rules")
    rules.set_defaults(handler=cmd_rules)

    rule = commands.add_parser("rule", help="explain one rule")
    rule.add_argument("code")
    rule.set_defaults(handler=cmd_rule)

    serve = commands.add_parser("serve", help="run the language server (stdio)")
    serve.add_argument(
        "--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio"
    )
    serve.set_defaults(handler=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pyprotocol`` command.

    Args:
        argv: Arguments; ``sys.argv[1:]`` when None.

    Returns:
        The exit code.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_ERROR
    handler = args.handler
    code: int = handler(args, sys.stdout, sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
