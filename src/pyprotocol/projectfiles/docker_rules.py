"""Rules for Dockerfiles: pinned, non-Alpine bases, a non-root user, several stages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar, Final

from pyprotocol.model import Severity, Span
from pyprotocol.projectfiles.base import (
    Document,
    FileExamples,
    FileKind,
    FileRule,
    Hit,
)
from pyprotocol.projectfiles.dockerfile import Dockerfile, Instruction, Stage

_DOCKER: Final = (FileKind.DOCKERFILE,)
_PYTHON_USE: Final = re.compile(r"\b(?:python3?(?:\.\d+)?|pip3?|py3-[\w-]+|uv)\b")
_ROOT_USERS: Final = frozenset({"root", "0"})
#: Images whose default user is not root.
_NONROOT_IMAGES: Final = ("cgr.dev/chainguard/",)

_GOOD_DOCKERFILE: Final = """\
# syntax=docker/dockerfile:1
FROM python:3.12-slim AS builder
COPY --from=ghcr.io/astral-sh/uv:latest /uv /usr/local/bin/uv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev

FROM python:3.12-slim
RUN useradd -m -u 1000 appuser
COPY --from=builder /app/.venv /app/.venv
COPY src/ ./src/
USER appuser
ENV PATH="/app/.venv/bin:$PATH"
CMD ["python", "-m", "my_package"]
"""


def _image_span(doc: Document, stage: Stage) -> Span:
    """The span of the image reference on a ``FROM`` line."""
    line = stage.start.line
    text = doc.lines.line(line)
    at = text.find(stage.image_text, stage.start.col + 4) if stage.image_text else -1
    if at < 0:
        return doc.line_span(line)
    return Span(line, at, line, at + len(stage.image_text))


def _stages(doc: Document) -> list[Stage]:
    return doc.docker.stages if doc.docker is not None else []


class UnpinnedBaseImage(FileRule):
    """Flags a base image without a tag or with the ``latest`` tag."""

    code = "PP815"
    name = "docker-unpinned-base"
    summary = "Pin base images to a version tag (or a digest), never `latest`."
    why = (
        "`FROM python` and `FROM python:latest` build on whatever the registry "
        "serves that day: a new major Python or OS release arrives unannounced and "
        "the same Dockerfile no longer builds the same image. A version tag "
        "(`python:3.12-slim`) or a digest (`@sha256:...`) pins it. `FROM scratch`, "
        "stages built on earlier stages and images named through build arguments "
        "whose value is unknown are left alone."
    )
    sections = ("pr:container-security", "pr:docker-best-practices")
    severity = Severity.ERROR
    files = _DOCKER
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("Dockerfile", "FROM python\nUSER app\n"),
            ("Dockerfile", "FROM python:latest AS build\nFROM build\nUSER app\n"),
            ("app.dockerfile", "ARG BASE=debian:latest\nFROM ${BASE}\n"),
        ),
        good=(
            ("Dockerfile", _GOOD_DOCKERFILE),
            ("Dockerfile", "FROM python@sha256:0123abcd\nFROM scratch\n"),
            ("Dockerfile.prod", "ARG BASE\nFROM $BASE\n"),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag untagged and ``latest`` bases."""
        for stage in _stages(doc):
            image = stage.image
            if image is None or image.digest or image.name.lower() == "scratch":
                continue
            if image.tag is None:
                message = (
                    f"base image `{image.raw}` has no tag: pin a version, "
                    f"e.g. `{image.name}:<version>`"
                )
            elif image.tag.lower() == "latest":
                message = f"base image `{image.raw}` uses `latest`: pin a version tag"
            else:
                continue
            yield Hit(_image_span(doc, stage), message)


class AlpinePython(FileRule):
    """Flags an Alpine base image for Python."""

    code = "PP816"
    name = "docker-alpine-python"
    summary = "Use a slim or distroless base for Python, not Alpine."
    why = (
        "Alpine uses musl instead of glibc: most wheels on PyPI are built for "
        "glibc, so packages compile from source (slow builds, larger images, build "
        "tools in the image) and behave differently at run time. `python:X.Y-slim` "
        "or a distroless image is the protocol's choice. Flagged: `python:*alpine*` "
        "images, and plain `alpine` stages that install or run Python."
    )
    sections = ("pr:container-security", "pr:docker-best-practices")
    files = _DOCKER
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("Dockerfile", "FROM python:3.12-alpine\n"),
            (
                "Dockerfile",
                "FROM alpine:3.20\nRUN apk add --no-cache python3 py3-pip\n",
            ),
        ),
        good=(
            ("Dockerfile", _GOOD_DOCKERFILE),
            (
                "Dockerfile",
                "FROM alpine:3.20 AS fetch\nRUN wget -O /tmp/x https://example.com/x\n"
                "FROM python:3.12-slim\nCOPY --from=fetch /tmp/x /x\n",
            ),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag Alpine bases of Python stages."""
        for stage in _stages(doc):
            image = stage.image
            if image is None or (image.tag is None and image.short_name != "alpine"):
                continue
            tag = (image.tag or "").lower()
            pythonish = "python" in image.short_name or "python" in tag
            if "alpine" in tag and pythonish:
                message = f"`{image.raw}` is an Alpine (musl) Python image"
            elif image.short_name == "alpine" and _uses_python(stage):
                message = f"this stage installs or runs Python on `{image.raw}`"
            else:
                continue
            yield Hit(
                _image_span(doc, stage),
                f"{message}: use `python:X.Y-slim` or a distroless image",
            )


def _uses_python(stage: Stage) -> bool:
    return any(
        _PYTHON_USE.search(instruction.args)
        for instruction in stage.instructions
        if instruction.keyword in {"RUN", "CMD", "ENTRYPOINT"}
    )


def _last_user(dockerfile: Dockerfile, index: int) -> Instruction | None:
    """The ``USER`` in force in a stage, following stages built on stages."""
    seen: set[int] = set()
    current: int | None = index
    while current is not None and current not in seen:
        seen.add(current)
        stage = dockerfile.stages[current]
        users = [i for i in stage.instructions if i.keyword == "USER"]
        if users:
            return users[-1]
        current = stage.parent
    return None


def _base_image(dockerfile: Dockerfile, index: int) -> str:
    """The external image a stage finally builds on (``""`` when unknown)."""
    seen: set[int] = set()
    current: int | None = index
    while current is not None and current not in seen:
        seen.add(current)
        stage = dockerfile.stages[current]
        if stage.parent is None:
            return stage.image.raw.lower() if stage.image else ""
        current = stage.parent
    return ""


class RootUser(FileRule):
    """Flags a final stage that runs as root."""

    code = "PP817"
    name = "docker-root-user"
    summary = "Switch to a non-root `USER` in the final stage."
    why = (
        "A process running as root in a container is root on the container's "
        "filesystem and a step closer to the host if it escapes. Create a user and "
        "end the final stage with `USER <name>`. A `USER` set in an earlier stage "
        "that the final stage builds on counts; `USER root` and `USER 0` do not. "
        "Base images that default to a non-root user (a `nonroot` tag, Chainguard "
        "images) are accepted."
    )
    sections = ("pr:container-security", "pr:never-do-this")
    severity = Severity.ERROR
    files = _DOCKER
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(
            ("Dockerfile", 'FROM python:3.12-slim\nCMD ["python"]\n'),
            (
                "Dockerfile",
                "FROM python:3.12-slim AS b\nUSER app\nFROM python:3.12-slim\n"
                "COPY --from=b /app /app\n",
            ),
            ("Dockerfile", "FROM python:3.12-slim\nUSER app\nRUN x\nUSER root\n"),
        ),
        good=(
            ("Dockerfile", _GOOD_DOCKERFILE),
            ("Dockerfile", "FROM python:3.12-slim AS b\nUSER 1000:1000\nFROM b\n"),
            ("Dockerfile", "FROM gcr.io/distroless/python3-debian12:nonroot\n"),
        ),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag a final stage without a non-root user."""
        dockerfile = doc.docker
        if dockerfile is None or not dockerfile.stages:
            return
        index = len(dockerfile.stages) - 1
        user = _last_user(dockerfile, index)
        if user is None:
            base = _base_image(dockerfile, index)
            if "nonroot" in base or base.startswith(_NONROOT_IMAGES):
                return
            final = dockerfile.stages[index].start
            yield Hit(
                doc.line_span(final.line),
                "the final stage runs as root: add a user and `USER <name>`",
            )
            return
        name = user.args.split()[0].partition(":")[0] if user.args.split() else ""
        if name.lower() in _ROOT_USERS:
            yield Hit(
                doc.line_span(user.line),
                f"the final stage runs as root (`USER {user.args}`): switch to a "
                "non-root user",
            )


class SingleStage(FileRule):
    """Flags a Dockerfile with a single build stage."""

    code = "PP818"
    name = "docker-single-stage"
    summary = "Use a multi-stage build: dependencies in one stage, the app in another."
    why = (
        "A single stage ships everything the build needed (compilers, caches, "
        "uv itself, build-only packages) in the runtime image: a larger attack "
        "surface and larger images. Build the environment in a builder stage and "
        "copy only the virtual environment and the code into the final stage."
    )
    sections = ("pr:container-security", "pr:docker-best-practices")
    files = _DOCKER
    examples: ClassVar[FileExamples] = FileExamples(
        bad=(("Dockerfile", "FROM python:3.12-slim\nRUN pip install .\nUSER app\n"),),
        good=(("Dockerfile", _GOOD_DOCKERFILE),),
    )

    def check(self, doc: Document) -> Iterator[Hit]:
        """Flag the only ``FROM`` of a single-stage Dockerfile."""
        stages = _stages(doc)
        if len(stages) == 1:
            yield Hit(
                doc.line_span(stages[0].start.line),
                "single-stage build: build dependencies in a builder stage and copy "
                "only the environment and code into the final stage",
            )


DOCKER_RULES: Final[tuple[type[FileRule], ...]] = (
    UnpinnedBaseImage,
    AlpinePython,
    RootUser,
    SingleStage,
)
