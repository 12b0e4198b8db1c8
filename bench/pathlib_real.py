"""PP409 (os.path -> pathlib) on real projects, judged by their own test suites.

Run: uv run python bench/pathlib_real.py [--work DIR] [--unsafe] [--keep] [PROJECT ...]

For each project (cookiecutter 2.7.1 and mkdocs 1.6.1 by default) the sdist is
downloaded from PyPI (``pip download --no-binary :all: --no-deps``), unpacked into
``DIR/<project>`` with a virtual environment of its own (the package in editable mode
and its test dependencies, installed by ``uv pip``), and then:

1. its test suite runs on the code as released (the baseline),
2. ``pyprotocol check --select PP409`` counts the sites: safe fix, unsafe fix, no fix
   (with the reasons),
3. ``pyprotocol fix --select PP409`` rewrites them (``--unsafe``: the unsafe ones
   too, on a fresh copy, measured separately),
4. the test suite runs again, and the failing tests are compared with the baseline's,
5. ``pyprotocol fix`` runs a second time and must change nothing.

Prints one report per project (and ``--json`` the figures). Exits 1 when a safe run
breaks a test or a second run changes a file. Needs the network for PyPI only; about
two minutes per project on 2 cores after the first download.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Project:
    """A project to rewrite and how to test it."""

    requirement: str
    install: tuple[str, ...]
    targets: tuple[str, ...]
    test: tuple[str, ...]
    runner: str


PROJECTS: dict[str, Project] = {
    "cookiecutter": Project(
        "cookiecutter==2.7.1",
        (".", "pytest", "pytest-mock", "freezegun"),
        ("cookiecutter", "tests"),
        ("-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "-rfE"),
        "pytest",
    ),
    "mkdocs": Project(
        "mkdocs==1.6.1",
        (".[i18n]",),
        ("mkdocs",),
        ("-m", "unittest", "discover", "-s", "mkdocs", "-p", "*tests.py"),
        "unittest",
    ),
}


@dataclass(slots=True)
class Tests:
    """One run of a test suite."""

    passed: int = 0
    failed: set[str] = field(default_factory=set)
    skipped: int = 0
    total: int = 0


@dataclass(slots=True)
class Report:
    """The figures of one project and mode."""

    project: str
    mode: str
    sites: int = 0
    offered: dict[str, int] = field(default_factory=dict)
    left_reasons: dict[str, int] = field(default_factory=dict)
    fixed: int = 0
    files_changed: int = 0
    tests_before: dict[str, object] = field(default_factory=dict)
    tests_after: dict[str, object] = field(default_factory=dict)
    new_failures: list[str] = field(default_factory=list)
    second_run_fixed: int = 0


def environment() -> dict[str, str]:
    """The environment for subprocesses (pyenv's shims need a version outside).

    Returns:
        A copy of ``os.environ``.
    """
    env = dict(os.environ)
    env.setdefault("PYENV_VERSION", platform.python_version())
    env.pop("VIRTUAL_ENV", None)
    return env


def run(
    command: list[str], cwd: Path, *, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing its output.

    Args:
        command: The command.
        cwd: Where.
        check: Raise on a non-zero exit.

    Returns:
        The finished process.
    """
    return subprocess.run(
        command,
        cwd=cwd,
        env=environment(),
        capture_output=True,
        text=True,
        check=check,
        timeout=3600,
    )


def fetch(name: str, project: Project, work: Path) -> Path:
    """Download and unpack a project's sdist, once.

    Args:
        name: The project's short name.
        project: What to fetch.
        work: The work folder.

    Returns:
        The unpacked pristine source folder.
    """
    pristine = work / "pristine" / name
    if pristine.exists():
        return pristine
    downloads = work / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    uv = shutil.which("uv") or "uv"
    run(
        [uv, "run", "--no-project", "--with", "pip", "python", "-m", "pip",
         "download", "--no-binary", ":all:", "--no-deps", "-d", str(downloads),
         project.requirement],
        work,
    )  # fmt: skip
    stem = project.requirement.replace("==", "-")
    archive = next(downloads.glob(f"{stem}.tar.gz"))
    with tempfile.TemporaryDirectory(dir=work) as tmp, tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
        (unpacked,) = Path(tmp).iterdir()
        pristine.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(unpacked, pristine)
    return pristine


def prepare(name: str, project: Project, work: Path, mode: str) -> Path:
    """A fresh copy of the sources, installed in a virtual environment of its own.

    Args:
        name: The project's short name.
        project: The project.
        work: The work folder.
        mode: "safe" or "unsafe" (each gets its own copy).

    Returns:
        The copy.
    """
    pristine = fetch(name, project, work)
    copy = work / mode / name
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(pristine, copy)
    venv = work / "venvs" / f"{name}-{mode}"
    uv = shutil.which("uv") or "uv"
    if not venv.exists():
        run([uv, "venv", "-q", "-p", platform.python_version(), str(venv)], work)
    editable = [f"{copy}{spec[1:]}" for spec in project.install if spec[:1] == "."]
    others = [spec for spec in project.install if spec[:1] != "."]
    run([uv, "pip", "install", "-q", "-p", str(venv), "-e", *editable, *others], work)
    return copy


def tests(project: Project, folder: Path, work: Path, name: str, mode: str) -> Tests:
    """Run a project's tests on its copy (installed in editable mode).

    Args:
        project: The project.
        folder: The copy to test.
        work: The work folder.
        name: The project's short name.
        mode: Which copy.

    Returns:
        The outcome.
    """
    python = work / "venvs" / f"{name}-{mode}" / "bin" / "python"
    done = subprocess.run(
        [str(python), *project.test],
        cwd=folder,
        env=environment(),
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    output = done.stdout + done.stderr
    if project.runner == "pytest":
        return _pytest_outcome(output)
    return _unittest_outcome(output)


def _count(pattern: str, text: str) -> int:
    found = re.findall(pattern, text, re.MULTILINE)
    return int(found[-1]) if found else 0


def _pytest_outcome(output: str) -> Tests:
    result = Tests(
        passed=_count(r"(\d+) passed", output),
        skipped=_count(r"(\d+) skipped", output),
        failed=set(re.findall(r"^(?:FAILED|ERROR) (\S+)", output, re.M)),
    )
    result.total = result.passed + result.skipped + len(result.failed)
    return result


def _unittest_outcome(output: str) -> Tests:
    failed = set(re.findall(r"^(?:FAIL|ERROR): (.+)$", output, re.M))
    total = _count(r"^Ran (\d+) tests?", output)
    skipped = _count(r"skipped=(\d+)", output)
    return Tests(total - len(failed) - skipped, failed, skipped, total)


def _shown(result: Tests) -> dict[str, object]:
    return {
        "total": result.total,
        "passed": result.passed,
        "failed": len(result.failed),
        "skipped": result.skipped,
    }


def pyprotocol(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run this checkout's ``pyprotocol``.

    Args:
        args: Its arguments.
        cwd: Where.

    Returns:
        The finished process.
    """
    return run([sys.executable, "-m", "pyprotocol", *args], cwd, check=False)


def census(
    folder: Path, targets: tuple[str, ...]
) -> tuple[int, Counter[str], Counter[str]]:
    """Count the PP409 sites and why the ones without a safe fix have none.

    Args:
        folder: The project folder.
        targets: Its folders to check.

    Returns:
        The number of sites, their count per kind of fix, and per reason.
    """
    done = pyprotocol(
        "check", "--select", "PP409", "--no-ruff", "--format", "json", *targets,
        cwd=folder,
    )  # fmt: skip
    findings = [f for f in json.loads(done.stdout or "[]") if f["code"] == "PP409"]
    kinds: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for finding in findings:
        fix = finding.get("fix") or {}
        kind = fix.get("applicability", "none")
        kinds[kind] += 1
        if kind == "unsafe":
            reasons[f"unsafe: {_general(fix.get('reason') or '')}"] += 1
        elif kind == "none":
            message = finding["message"].partition("(no automatic fix: ")[2]
            reasons[f"no fix: {_general(message.rstrip(')'))}"] += 1
    return len(findings), kinds, reasons


def _general(reason: str) -> str:
    """A reason without the expression it names, to count alike ones together."""
    return re.sub(r"^`(?!Path`)[^`]*`", "<value>", reason.strip())[:110]


def fix(folder: Path, targets: tuple[str, ...], *, unsafe: bool) -> tuple[int, int]:
    """Apply PP409's fixes.

    Args:
        folder: The project folder.
        targets: Its folders to fix.
        unsafe: Also the unsafe fixes.

    Returns:
        Findings fixed and files changed.
    """
    flags = ["--unsafe"] if unsafe else []
    done = pyprotocol(
        "fix", "--select", "PP409", "--no-ruff", *flags, *targets, cwd=folder
    )
    match = re.search(r"Fixed (\d+) finding\(s\) in (\d+) file", done.stdout)
    if match is None:
        raise RuntimeError(done.stdout + done.stderr)
    return int(match.group(1)), int(match.group(2))


def measure(name: str, work: Path, mode: str) -> Report:
    """The whole run for one project and mode.

    Args:
        name: The project's short name.
        work: The work folder.
        mode: "safe" or "unsafe".

    Returns:
        The report.
    """
    project = PROJECTS[name]
    folder = prepare(name, project, work, mode)
    report = Report(name, mode)
    before = tests(project, folder, work, name, mode)
    report.tests_before = _shown(before)
    report.sites, kinds, reasons = census(folder, project.targets)
    report.offered = dict(kinds)
    report.fixed, report.files_changed = fix(
        folder, project.targets, unsafe=mode == "unsafe"
    )
    after = tests(project, folder, work, name, mode)
    report.tests_after = _shown(after)
    report.new_failures = sorted(after.failed - before.failed)
    report.second_run_fixed, _ = fix(folder, project.targets, unsafe=mode == "unsafe")
    # Left by a safe run: the unsafe and the unfixable; by an unsafe run: the latter.
    left = Counter(
        {k: v for k, v in reasons.items() if mode == "safe" or k.startswith("no fix")}
    )
    report.left_reasons = dict(left.most_common())
    return report


def show(report: Report) -> None:
    """Print one report.

    Args:
        report: The report.
    """
    print(f"\n## {report.project} ({report.mode} fixes)")
    print(f"sites: {report.sites}  offered: {report.offered}")
    print(f"rewritten: {report.fixed} in {report.files_changed} files")
    print(f"tests before: {report.tests_before}")
    print(f"tests after:  {report.tests_after}")
    print(f"new failures: {report.new_failures or 'none'}")
    print(f"second run fixed: {report.second_run_fixed}")
    print("left, by reason:")
    for reason, count in report.left_reasons.items():
        print(f"  {count:4d}  {reason}")


def main() -> int:
    """Run the benchmark.

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("projects", nargs="*", default=list(PROJECTS))
    default = Path(tempfile.gettempdir()) / "pathlib-real"
    parser.add_argument("--work", type=Path, default=default)
    parser.add_argument("--unsafe", action="store_true", help="also measure --unsafe")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    work: Path = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    reports = []
    for name in args.projects:
        modes = ["safe", "unsafe"] if args.unsafe else ["safe"]
        for mode in modes:
            report = measure(name, work, mode)
            reports.append(report)
            show(report)
    if args.json:
        print(json.dumps([asdict(r) for r in reports], indent=2))
    broken = any(
        r.mode == "safe" and (r.new_failures or r.second_run_fixed) for r in reports
    )
    return 1 if broken else 0


if __name__ == "__main__":
    raise SystemExit(main())
