"""The pyprotocol language server (pygls 2): ``pyprotocol serve``."""

from __future__ import annotations

import gc
import logging
import sys
from typing import Final

#: Allocations between young-generation collections in the server.
GC_THRESHOLD: Final = 50_000


def serve(*, tcp: str | None = None) -> int:
    """Run the language server until the client disconnects.

    Args:
        tcp: ``HOST:PORT`` to listen on instead of stdio.

    Returns:
        The exit status.
    """
    from pyprotocol.server.app import create_server

    # A check allocates a tree of ~100,000 nodes for a 10,000-line file: with the
    # default thresholds the cycle collector runs often and walks the kept trees,
    # which shows as 50-100 ms stalls. Trees hold no cycles that need collecting
    # quickly, so collect less often.
    gc.set_threshold(GC_THRESHOLD, 20, 20)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(stderr)
    server = create_server()
    if tcp is None:
        server.start_io()
        return 0
    host, sep, port = tcp.rpartition(":")
    if not sep or not port.isdigit():
        sys.stderr.write(f"--tcp expects HOST:PORT, got {tcp!r}\n")
        return 2
    server.start_tcp(host or "127.0.0.1", int(port))
    return 0


__all__ = ["serve"]
