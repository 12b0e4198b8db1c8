"""``python -m pyprotocol``."""

import sys

from pyprotocol.cli import main

sys.exit(main())
