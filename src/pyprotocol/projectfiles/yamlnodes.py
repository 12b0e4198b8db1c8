"""YAML with positions: PyYAML's node graph (``yaml.compose``) and plain values.

Composing, not loading, keeps every node's marks and never builds objects from tags;
scalars stay strings, so the ``on:`` key of a workflow is not read as ``True``.
"""

from __future__ import annotations

from typing import Final

import yaml

from pyprotocol.model import Span
from pyprotocol.positions import LineIndex
from pyprotocol.projectfiles.tomlindex import point

#: Deeper nesting than this is cut off when converting nodes to values.
MAX_DEPTH: Final = 64
#: At most this many nodes are converted (alias expansion can multiply them).
MAX_NODES: Final = 100_000


def compose(text: str) -> yaml.Node | None:
    """Parse one YAML document into nodes.

    Args:
        text: The document.

    Returns:
        The root node, or None for an empty document.

    Raises:
        yaml.YAMLError: When the text is not valid YAML (or holds several documents).
        RecursionError: When it nests too deeply for PyYAML's recursive composer.
    """
    return yaml.compose(text, Loader=yaml.SafeLoader)


def error_position(err: yaml.YAMLError, lines: LineIndex) -> tuple[str, Span]:
    """The message and position of a YAML error.

    Args:
        err: The error from :func:`compose`.
        lines: The text's line index.

    Returns:
        A one-line message and the span to flag.
    """
    if isinstance(err, yaml.MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        parts = [part for part in (err.context, err.problem) if part]
        message = ", ".join(parts) or "invalid YAML"
        if mark is not None:
            line = min(mark.line + 1, max(len(lines.lines), 1))
            return message, point(lines, line, mark.column)
        return message, point(lines, 1, 0)
    if isinstance(err, yaml.reader.ReaderError):
        line, col = lines.position(err.position)
        return f"unacceptable character #x{err.character:04x}", point(lines, line, col)
    return str(err).splitlines()[0] if str(err) else "invalid YAML", point(lines, 1, 0)


def node_span(node: yaml.Node, lines: LineIndex) -> Span:
    """The span of a node (start and end marks), clamped to the text.

    Args:
        node: A node from :func:`compose`.
        lines: The text's line index.

    Returns:
        The span.
    """
    last = max(len(lines.lines), 1)
    line = min(node.start_mark.line + 1, last)
    col = min(node.start_mark.column, len(lines.line(line)))
    end_line = min(node.end_mark.line + 1, last)
    end_col = min(node.end_mark.column, len(lines.line(end_line)))
    if (end_line, end_col) < (line, col):
        end_line, end_col = line, col
    return Span(line, col, end_line, end_col)


def key_node(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    """The key node for ``key`` in a mapping node (for positions).

    Args:
        mapping: A node, usually a mapping.
        key: The key's text.

    Returns:
        The key node, or None when absent or when ``mapping`` is not a mapping.
    """
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for key_item, _ in mapping.value:
        if isinstance(key_item, yaml.ScalarNode) and key_item.value == key:
            return key_item
    return None


def plain(node: yaml.Node | None) -> object:
    """Turn nodes into strings, lists and dicts (keys as text; no tag resolution).

    Aliases are expanded, but within limits: nesting past :data:`MAX_DEPTH` and
    nodes past :data:`MAX_NODES` (alias bombs, alias loops) become None.

    Args:
        node: A node.

    Returns:
        ``str`` for scalars, ``list`` for sequences, ``dict[str, object]`` for
        mappings, None for nothing.
    """
    return _Plain().convert(node, 0)


class _Plain:
    """One conversion, with its node budget."""

    def __init__(self) -> None:
        self.left = MAX_NODES

    def convert(self, node: yaml.Node | None, depth: int) -> object:
        if node is None or depth > MAX_DEPTH or self.left <= 0:
            return None
        self.left -= 1
        if isinstance(node, yaml.ScalarNode):
            return str(node.value)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, depth + 1) for item in node.value]
        if isinstance(node, yaml.MappingNode):
            result: dict[str, object] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    result.setdefault(str(key.value), self.convert(value, depth + 1))
            return result
        return None
