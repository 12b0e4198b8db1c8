"""PP602: ``pickle`` / ``marshal`` / ``shelve`` / ``dill`` deserialization."""

from __future__ import annotations

import ast
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.astutil import keyword
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.sec_helpers import is_constant

_PICKLE: Final = "unpickling runs code chosen by whoever wrote the data"
#: Qualified name -> why it is dangerous.
_LOADERS: Final[dict[str, str]] = {
    **{
        f"{module}.{func}": _PICKLE
        for module in ("pickle", "_pickle", "cPickle", "dill", "cloudpickle")
        for func in ("load", "loads", "Unpickler")
    },
    "marshal.load": "`marshal` data can crash the interpreter or build code objects",
    "marshal.loads": "`marshal` data can crash the interpreter or build code objects",
    "shelve.open": "a shelf stores pickles: reading it unpickles",
    "shelve.Shelf": "a shelf stores pickles: reading it unpickles",
    "shelve.DbfilenameShelf": "a shelf stores pickles: reading it unpickles",
    "jsonpickle.decode": "jsonpickle rebuilds arbitrary objects and runs their code",
    "joblib.load": "joblib files are pickles",
    "pandas.read_pickle": _PICKLE,
}


_DUMPERS: Final = frozenset(
    f"{module}.dumps" for module in ("pickle", "_pickle", "dill", "cloudpickle")
) | {"marshal.dumps"}


class UnsafeDeserialization(Rule):
    """Flags loading data with pickle-based and other code-running deserializers."""

    code = "PP602"
    statement_local = True
    replaces = ("S301", "S302")
    name = "unsafe-deserialization"
    summary = "Do not load data with `pickle`, `marshal`, `shelve` or `dill`."
    why = (
        "Unpickling calls whatever constructor the data names, so a crafted file or "
        "message runs code in the process. `marshal`, `shelve` (pickles on disk), "
        "`dill`, `cloudpickle`, `jsonpickle`, `joblib.load` and `pandas.read_pickle` "
        "share the problem. Use JSON (or another data-only format) for anything that "
        "crosses a trust boundary; if a pickle really is private to the process, "
        "suppress the finding with a comment saying why. Dumping is not flagged, nor "
        "a restricted `Unpickler` subclass, a round trip (`pickle.loads(pickle."
        "dumps(x))`) or test files; `numpy.load` and `torch.load` are flagged "
        "only when pickles are explicitly allowed (`allow_pickle=True`, "
        "`weights_only=False`)."
    )
    sections = ("pr:deserialization", "cgp:6-security-imperatives", "pr:never-do-this")
    severity = Severity.WARNING
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "import pickle\ndata = pickle.loads(payload)\n",
            "import pickle\nwith open(p, 'rb') as f:\n    obj = pickle.load(f)\n",
            "from pickle import loads as unpack\nunpack(blob)\n",
            "import marshal\ncode = marshal.loads(raw)\n",
            "import shelve\ndb = shelve.open('cache')\n",
            "import dill\nfn = dill.loads(b)\n",
            "import numpy as np\narr = np.load(path, allow_pickle=True)\n",
            "import torch\nm = torch.load(path, weights_only=False)\n",
        ),
        good=(
            "import json\ndata = json.loads(payload)\n",
            "import pickle\nblob = pickle.dumps(obj)\n",
            "import pickle\nclass Restricted(pickle.Unpickler):\n"
            "    def find_class(self, module: str, name: str) -> type:\n"
            "        raise pickle.UnpicklingError(name)\n",
            "import numpy as np\narr = np.load(path)\n",
            "import torch\nm = torch.load(path, weights_only=True)\n",
            "from mylib import loads\nloads(blob)\n",
            "cache.load(key)\n",
            "import pickle\nclone = pickle.loads(pickle.dumps(obj))\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag calls that deserialize with a code-running format."""
        name = self.ctx.qualname(node.func)
        if name is None:
            return
        if node.args and self.ctx.is_call_to(node.args[0], *_DUMPERS):
            return
        reason = _LOADERS.get(name)
        if reason is None:
            reason = self._opt_in(name, node)
        if reason is None:
            return
        self.report(
            node,
            f"`{name}` on data: {reason}; use JSON or another data-only format for "
            "anything that can come from outside the process",
        )

    @staticmethod
    def _opt_in(name: str, node: ast.Call) -> str | None:
        if name == "numpy.load":
            flag = keyword(node, "allow_pickle")
            if flag is not None and is_constant(flag.value, True):
                return "`allow_pickle=True` unpickles object arrays"
        if name == "torch.load":
            flag = keyword(node, "weights_only")
            if flag is not None and is_constant(flag.value, False):
                return "`weights_only=False` unpickles arbitrary objects"
        return None
