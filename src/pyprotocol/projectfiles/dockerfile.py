"""A small Dockerfile reader: instructions with their lines, build stages, images.

It follows the Dockerfile syntax as far as the rules need: the ``escape`` parser
directive, line continuations (comment and blank lines inside them are dropped),
heredocs (``RUN <<EOF`` ... ``EOF``), ``FROM [--flag=...] image [AS name]`` and the
global ``ARG`` defaults that ``FROM`` lines may use. It never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final

from pyprotocol.positions import split_lines

_DIRECTIVE: Final = re.compile(r"^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$")
_HEREDOC: Final = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")
_VARIABLE: Final = re.compile(
    r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))"
)
_ARG: Final = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$")


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction: its keyword, its arguments (continuations joined), lines."""

    keyword: str
    args: str
    line: int
    end_line: int
    col: int


@dataclass(frozen=True, slots=True)
class Image:
    """An image reference split into its parts."""

    raw: str
    name: str
    tag: str | None
    digest: str | None

    @property
    def short_name(self) -> str:
        """The last path component of the name, e.g. ``python``."""
        return self.name.rpartition("/")[2].lower()


@dataclass(slots=True)
class Stage:
    """A build stage: its ``FROM``, its base, its name and its instructions."""

    start: Instruction
    image_text: str
    image: Image | None
    name: str | None
    #: Index of the earlier stage this one builds on, if it does.
    parent: int | None
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(slots=True)
class Dockerfile:
    """A parsed Dockerfile."""

    instructions: list[Instruction]
    stages: list[Stage]
    global_args: dict[str, str]


def parse_image(text: str) -> Image:
    """Split ``registry/path/name:tag@sha256:...`` into its parts.

    Args:
        text: An image reference without variables.

    Returns:
        The parts.
    """
    reference, _, digest = text.partition("@")
    head, slash, last = reference.rpartition("/")
    name_part, colon, tag = last.partition(":")
    name = f"{head}{slash}{name_part}"
    return Image(text, name, tag if colon else None, digest or None)


def substitute(text: str, variables: dict[str, str]) -> str | None:
    """Replace ``$VAR``, ``${VAR}`` and ``${VAR:-default}`` with known values.

    Args:
        text: Text that may use build arguments.
        variables: Known values.

    Returns:
        The text with every variable replaced, or None when one is unknown.
    """
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        name = match.group(1) or match.group(3)
        if name in variables:
            return variables[name]
        if match.group(2) is not None:
            return match.group(2)
        unknown = True
        return ""

    result = _VARIABLE.sub(replace, text)
    return None if unknown else result


def _directives(lines: list[str]) -> tuple[str, int]:
    """The escape character and the index of the first line after the directives."""
    escape = "\\"
    for index, line in enumerate(lines):
        match = _DIRECTIVE.match(line.strip())
        if match is None:
            return escape, index
        if match.group(1).lower() == "escape" and match.group(2) in {"`", "\\"}:
            escape = match.group(2)
    return escape, len(lines)


class _Reader:
    """Walks the lines once, collecting instructions."""

    def __init__(self, text: str) -> None:
        self.lines = split_lines(text)
        self.escape, self.index = _directives(self.lines)
        self.found: list[Instruction] = []

    def run(self) -> list[Instruction]:
        while self.index < len(self.lines):
            line = self.lines[self.index]
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                self.index += 1
                continue
            self._instruction()
        return self.found

    def _instruction(self) -> None:
        first = self.index
        line = self.lines[first]
        col = len(line) - len(line.lstrip())
        parts: list[str] = []
        current = line
        while True:
            body = current.rstrip()
            if body.endswith(self.escape) and self.index + 1 < len(self.lines):
                parts.append(body[: -len(self.escape)])
                self.index += 1
                self._skip_inner_blank()
                if self.index >= len(self.lines):
                    break
                current = self.lines[self.index]
                continue
            parts.append(current)
            break
        self.index += 1
        logical = "".join(parts).strip()
        keyword, _, args = logical.partition(" ")
        if "\t" in keyword:
            keyword, _, rest = keyword.partition("\t")
            args = f"{rest} {args}"
        self._heredocs(args)
        self.found.append(
            Instruction(keyword.upper(), args.strip(), first + 1, self.index, col)
        )

    def _skip_inner_blank(self) -> None:
        """Inside a continuation, comment lines and blank lines are dropped."""
        while self.index < len(self.lines):
            stripped = self.lines[self.index].strip()
            if stripped and not stripped.startswith("#"):
                return
            self.index += 1

    def _heredocs(self, args: str) -> None:
        for match in _HEREDOC.finditer(args):
            strip_tabs = bool(match.group(1))
            word = match.group(3)
            while self.index < len(self.lines):
                body = self.lines[self.index]
                self.index += 1
                if (body.lstrip("\t") if strip_tabs else body) == word:
                    break


def _stage_of(
    instruction: Instruction, stages: list[Stage], variables: dict[str, str]
) -> Stage:
    tokens = instruction.args.split()
    rest: list[str] = []
    skip = False
    for token in tokens:
        if skip:
            skip = False
        elif token.startswith("--"):
            skip = "=" not in token
        else:
            rest.append(token)
    image_text = rest[0] if rest else ""
    name = rest[2].lower() if len(rest) >= 3 and rest[1].lower() == "as" else None
    resolved = substitute(image_text, variables) if image_text else None
    parent = next(
        (
            index
            for index, stage in enumerate(stages)
            if resolved is not None and stage.name == resolved.lower()
        ),
        None,
    )
    image = None if resolved is None or parent is not None else parse_image(resolved)
    return Stage(instruction, image_text, image, name, parent)


def parse(text: str) -> Dockerfile:
    """Read a Dockerfile.

    Args:
        text: The file's text.

    Returns:
        Its instructions and stages.
    """
    instructions = _Reader(text).run()
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            stages.append(_stage_of(instruction, stages, global_args))
        elif stages:
            stages[-1].instructions.append(instruction)
        elif instruction.keyword == "ARG":
            for token in instruction.args.split():
                match = _ARG.match(token)
                if match is not None and match.group(2) is not None:
                    global_args[match.group(1)] = match.group(2).strip("\"'")
    return Dockerfile(instructions, stages, global_args)
