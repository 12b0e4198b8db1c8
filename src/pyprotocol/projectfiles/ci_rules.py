"""Rules for the quality gates: pre-commit hooks and CI workflows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Final

import yaml

from pyprotocol.model import Severity
from pyprotocol.projectfiles import gates as gates_module
from pyprotocol.projectfiles import yamlnodes
from pyprotocol.projectfiles.base import (
    Document,
    FileExamples,
    FileKind,
    FileRule,
    Hit,
)
from pyprotocol.projectfiles.common import get, read_text
from pyprotocol.projectfiles.gates import Gates

COVERAGE_FLOOR: Final = 80.0
_CI_EVENTS: Final = frozenset(
    {"push", "pull_request", "pull_request_target", "merge_group"}
)

_GOOD_PRECOMMIT: Final = """\
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.7.0
    hooks:
      - id: ruff
        args: [--fix]
      - id: ruff-format
  - repo: https://github.com/pre-commit/mirrors-mypy
    rev: v1.11.0
    hooks:
      - id: mypy
"""

_GOOD_WORKFLOW: Final = """\
name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: astral-sh/setup-uv@v5
      - run: uv sync --frozen
      - run: uv run ruff check .
      - run: uv run ruff format --check .
      - run: uv run mypy --strict src
      - name: Tests
        run: |
          uv run pytest \\
            --cov=src --cov-fail-under=80
"""


class PrecommitHooks(FileRule):
    """Flags a pre-commit configuration without ruff, ruff-format and mypy hooks."""

    code = "PP813"
    name = "precommit-missing-hooks"
    summary = "Run ruff, ruff-format and mypy as pre-commit hooks."
    why = (
        "Hooks catch lint, formatting and type errors before a commit exists, so CI "
        "is not the first place they show up. The protocol lists ruff (with "
        "`--fix`), ruff-format and mypy. Hooks from `astral-sh/ruff-pre-commit` "
        "(`ruff` or `ruff-check`, `ruff-format`) and `pre-commit/mirrors-mypy` count, "
        "and so do local hooks whose entry runs the same tools."
    )
    sections = ("pr:pre-commit-hooks",)
    files = (FileKind.PRECOMMIT,)
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            (
                ".pre-commit-config.yaml",
                "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n"
                "    hooks:\n      - id: black\n",
            ),
            (
                ".pre-commit-config.yaml",
                "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
                "    rev: v0.7.0\n    hooks:\n      - id: ruff\n",
            ),
            (".pre-commit-config.yaml", "default_stages: [pre-commit]\n"),
        ),
        good=(
            (".pre-commit-config.yaml", _GOOD_PRECOMMIT),
            (
                ".pre-commit-config.yml",
                "repos:\n  - repo: local\n    hooks:\n"
                "      - id: lint\n        name: lint\n        language: system\n"
                "        entry: uv run ruff check --fix\n"
                "      - id: fmt\n        name: fmt\n        language: system\n"
                "        entry: uv run ruff format\n"
                "      - id: types\n        name: types\n        language: system\n"
                "        entry: uv run mypy --strict\n",
            ),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag the missing hooks (one finding at ``repos:``)."""
        data = yamlnodes.plain(doc.yaml_root)
        scripts = [
            script.replace("ruff format", "ruff format --check")
            for hook in gates_module.hooks(data)
            for script in gates_module.hook_scripts(hook)
        ]
        seen = gates_module.scan(scripts, None)
        missing = [
            name
            for name, present in (
                ("ruff", seen.ruff_check),
                ("ruff-format", seen.ruff_format),
                ("mypy", seen.mypy),
            )
            if not present
        ]
        if not missing:
            return
        node = yamlnodes.key_node(doc.yaml_root, "repos")
        span = yamlnodes.node_span(node, doc.lines) if node else doc.top_span()
        sources = {
            "ruff": "`ruff` from astral-sh/ruff-pre-commit",
            "ruff-format": "`ruff-format` from astral-sh/ruff-pre-commit",
            "mypy": "`mypy` from pre-commit/mirrors-mypy",
        }
        yield Hit(
            span,
            f"pre-commit runs no {', '.join(f'`{m}`' for m in missing)} hook: add "
            f"{', '.join(sources[m] for m in missing)}",
        )


def _workflow_scripts(data: object) -> list[str]:
    """The ``run:`` blocks of a workflow, plus the commands its actions stand for."""
    scripts: list[str] = []
    jobs = get(data, "jobs")
    for job in jobs.values() if isinstance(jobs, dict) else []:
        steps = get(job, "steps")
        for step in steps if isinstance(steps, list) else []:
            run = get(step, "run")
            if isinstance(run, str):
                scripts.append(run)
            uses = get(step, "uses")
            if isinstance(uses, str):
                scripts.extend(_action_command(uses, get(step, "with")))
    return scripts


def _action_command(uses: str, inputs: object) -> list[str]:
    action = uses.partition("@")[0].lower()
    command = _ACTION_COMMANDS.get(action)
    if command is None:
        return []
    args = get(inputs, "args")
    if command == "ruff":
        return [f"ruff {args if isinstance(args, str) and args.strip() else 'check'}"]
    return [command]


_ACTION_COMMANDS: Final = {
    "astral-sh/ruff-action": "ruff",
    "chartboost/ruff-action": "ruff",
    "jpetrucciani/ruff-check": "ruff check",
    "jpetrucciani/mypy-check": "mypy",
    "pre-commit/action": "pre-commit run",
    "pre-commit-ci/lite-action": "pre-commit run",
}


def _triggers(data: object) -> set[str]:
    on = get(data, "on")
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(item) for item in on}
    if isinstance(on, dict):
        return set(on)
    return set()


def _sibling_scripts(doc: Document) -> list[str]:
    """The scripts of the other workflows in the same folder (on disk)."""
    if doc.root is None:
        return []
    folder = doc.root / ".github" / "workflows"
    scripts: list[str] = []
    try:
        siblings = sorted(folder.iterdir())
    except OSError:
        return []
    for path in siblings:
        if path.name == doc.path.name or path.suffix not in {".yml", ".yaml"}:
            continue
        text = read_text(path)
        if text is None:
            continue
        try:
            data = yamlnodes.plain(yamlnodes.compose(text))
        except (yaml.YAMLError, RecursionError):
            continue
        scripts.extend(_workflow_scripts(data))
    return scripts


def _absorb_precommit(seen: Gates, root: Path | None) -> None:
    """Count the hooks of the pre-commit configuration a workflow runs."""
    if not seen.precommit:
        return
    hooked = gates_module.precommit_gates(root)
    if hooked is None and root is None:
        # No configuration to read: trust pre-commit with the usual hooks.
        seen.ruff_check = seen.ruff_format = seen.mypy = seen.mypy_strict = True
    elif hooked is not None:
        seen.ruff_check |= hooked.ruff_check
        seen.ruff_format |= hooked.ruff_format
        seen.mypy |= hooked.mypy
        seen.mypy_strict |= hooked.mypy_strict


def _coverage_problem(seen: Gates, root: Path | None) -> str | None:
    floor = seen.floor
    configured = gates_module.config_floor(root)
    if configured is not None and (floor is None or configured > floor):
        floor = configured
    if not seen.pytest:
        return "`pytest` with `--cov-fail-under=80`"
    if floor is None:
        return "a coverage floor for pytest (`--cov-fail-under=80`)"
    if floor < COVERAGE_FLOOR:
        return f"a coverage floor of 80 (it is {floor:g})"
    return None


def _missing(seen: Gates, root: Path | None) -> list[str]:
    """What the pipeline does not visibly run."""
    _absorb_precommit(seen, root)
    missing: list[str] = []
    if not seen.ruff_check:
        missing.append("`ruff check`")
    if not seen.ruff_format:
        missing.append("`ruff format --check`")
    if not seen.mypy:
        missing.append("`mypy --strict`")
    elif not (seen.mypy_strict or gates_module.config_strict(root)):
        missing.append("mypy in strict mode (`--strict` or `strict = true`)")
    coverage = _coverage_problem(seen, root)
    if coverage is not None:
        missing.append(coverage)
    return missing


def _python_project(root: Path) -> bool:
    return any(
        (root / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg")
    )


class CiQualityGates(FileRule):
    """Flags a CI pipeline that does not run the protocol's quality gates."""

    code = "PP814"
    name = "ci-missing-gates"
    summary = (
        "Run `ruff check`, `ruff format --check`, `mypy --strict` and `pytest` with a "
        "coverage floor in CI."
    )
    why = (
        "Gates that only run on a developer's machine are optional; in CI they "
        "decide what merges. The rule reads the `run:` steps of the workflow (and "
        "of the other workflows beside it: the gates may be split across files), "
        "the actions known to run ruff or pre-commit, and one level of hand-over "
        "into a Makefile, justfile, tox.ini, noxfile or script in the repository. "
        "mypy counts as strict with `--strict` or `strict = true` in its "
        "configuration; the coverage floor may come from the command or from the "
        "pytest/coverage configuration. Workflows that run none of the gates "
        "(release, docs) are left alone unless no workflow runs any, and so are "
        "repositories on disk with no `pyproject.toml`, `setup.py` or `setup.cfg` at "
        "their root (not Python projects). It is a "
        "heuristic: when a gate may hide behind a command it cannot follow, the "
        "finding says so and is only informational."
    )
    sections = ("pr:ci-pipeline-requirements", "pr:quality-thresholds")
    heuristic = True
    files = (FileKind.WORKFLOW,)
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            (
                ".github/workflows/ci.yml",
                "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - run: pip install ruff mypy pytest\n"
                "      - run: ruff check .\n      - run: mypy src\n"
                "      - run: pytest\n",
            ),
            (
                ".github/workflows/ci.yaml",
                "on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - run: echo hello\n",
            ),
            (
                ".github/workflows/ci.yml",
                "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - uses: astral-sh/ruff-action@v3\n"
                "      - run: uv run pytest --cov-fail-under=70\n",
            ),
        ),
        good=(
            (".github/workflows/ci.yml", _GOOD_WORKFLOW),
            (
                ".github/workflows/release.yml",
                "on:\n  release:\n    types: [published]\njobs:\n  publish:\n"
                "    runs-on: ubuntu-latest\n    steps:\n      - run: uv build\n",
            ),
            (
                ".github/workflows/lint.yml",
                "on: [push, pull_request]\njobs:\n  lint:\n"
                "    runs-on: ubuntu-latest\n    steps:\n"
                "      - uses: pre-commit/action@v3.0.1\n"
                "      - run: python -m pytest --cov --cov-fail-under 90\n",
            ),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag the gates no workflow visibly runs."""
        if doc.root is not None and not _python_project(doc.root):
            return
        data = yamlnodes.plain(doc.yaml_root)
        own = gates_module.scan(_workflow_scripts(data), doc.root)
        if not own.any:
            others = gates_module.scan(_sibling_scripts(doc), doc.root)
            if others.any or not (_triggers(data) & _CI_EVENTS):
                return
        seen = gates_module.scan(_sibling_scripts(doc), doc.root, own)
        missing = _missing(seen, doc.root)
        if not missing:
            return
        node = yamlnodes.key_node(doc.yaml_root, "jobs")
        span = yamlnodes.node_span(node, doc.lines) if node else doc.top_span()
        message = f"CI does not visibly run {', '.join(missing)}"
        if seen.opaque:
            shown = ", ".join(f"`{name}`" for name in seen.opaque)
            message += f"; it may happen inside {shown}, which this check cannot follow"
            yield Hit(span, message, Severity.INFO)
            return
        yield Hit(span, message)


CI_RULES: Final[tuple[type[FileRule], ...]] = (PrecommitHooks, CiQualityGates)
