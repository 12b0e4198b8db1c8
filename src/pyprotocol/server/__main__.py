"""``python -m pyprotocol.server [--tcp HOST:PORT]``."""

from __future__ import annotations

import argparse
import sys

from pyprotocol.server import serve


def main() -> int:
    """Parse the arguments and serve.

    Returns:
        The exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m pyprotocol.server")
    parser.add_argument(
        "--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio"
    )
    args = parser.parse_args()
    return serve(tcp=args.tcp)


sys.exit(main())
