"""PP409's pathlib rewrite through the server: a quick fix per site, and fix-all."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from lsprotocol import types

from .helpers import (
    Doc,
    RecordingClient,
    capabilities,
    codes,
    diagnostics_for,
    start,
)

PP409: Final = "PP409"
SOURCE: Final = """\
import os


def load():
    base = os.path.dirname(__file__)
    return os.path.isfile(os.path.join(base, "data.txt"))


def size():
    return os.path.getsize("setup.cfg")
"""
FIXED: Final = """\
from pathlib import Path


def load():
    base = Path(__file__).parent
    return (base / "data.txt").is_file()


def size():
    return Path("setup.cfg").stat().st_size
"""


async def _actions(
    client: RecordingClient, doc: Doc, line: int, character: int
) -> list[types.CodeAction]:
    here = types.Position(line=line, character=character)
    found = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=doc.uri),
            range=types.Range(start=here, end=here),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    return [a for a in found or [] if isinstance(a, types.CodeAction)]


def _titled(found: list[types.CodeAction], text: str) -> types.CodeAction:
    matches = [a for a in found if text in a.title]
    assert len(matches) == 1, [a.title for a in found]
    return matches[0]


async def _opened(client: RecordingClient, tmp_path: Path) -> Doc:
    await start(client, tmp_path, capabilities())
    doc = Doc(client, tmp_path / "app.py", SOURCE).open()
    assert codes(await diagnostics_for(client, doc.uri, 1), PP409) == [4, 5, 5, 9]
    return doc


async def test_quick_fix_converts_the_variable_and_its_uses(
    client: RecordingClient, tmp_path: Path
) -> None:
    doc = await _opened(client, tmp_path)

    fix = _titled(
        await _actions(client, doc, 4, 12),
        f"Make `base` a `Path` where it is built ({PP409})",
    )
    assert fix.kind == types.CodeActionKind.QuickFix
    assert "unsafe" not in fix.title
    version = doc.apply(fix.edit)

    assert "    base = Path(__file__).parent\n" in doc.text
    assert '    return (base / "data.txt").is_file()\n' in doc.text
    assert 'os.path.getsize("setup.cfg")' in doc.text, "one site at a time"
    assert doc.text.startswith("import os\nfrom pathlib import Path\n")
    assert codes(await diagnostics_for(client, doc.uri, version), PP409) == [10]


async def test_fix_all_rewrites_every_site(
    client: RecordingClient, tmp_path: Path
) -> None:
    doc = await _opened(client, tmp_path)

    action = _titled(
        await _actions(client, doc, 9, 12), f"Fix all {PP409} in this file"
    )
    version = doc.apply(action.edit)

    assert doc.text == FIXED
    assert codes(await diagnostics_for(client, doc.uri, version), PP409) == []
