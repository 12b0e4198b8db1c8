"""Hypothesis strategies for Python modules that the own fixes rewrite.

A module is a few *units*: functions ``u0``, ``u1``, ... (and module constants) built
from templates that trigger the fixable rules with randomly chosen parts: unions of
random members, membership tests against random literals, reductions over random
comprehensions, append loops, logging calls with random f-strings and ``%`` templates,
constants, methods returning ``self``, handlers that re-raise. Each unit comes with the
inputs to call it with, so :func:`run` can compare behaviour before and after a fix.

(hypothesmith was considered: its last release is from early 2024, it calls itself a
proof of concept, and its grammar-driven output rarely reaches the shapes these fixes
rewrite; a targeted generator finds more.)
"""

from __future__ import annotations

import asyncio
import logging
import types
import typing
from dataclasses import dataclass
from typing import Final

from hypothesis import strategies as st

HEADER: Final = (
    "import logging\n"
    "import random\n"
    "import time\n"
    "import typing\n"
    "import typing as t\n"
    "from typing import Dict, List, Optional, Tuple, TypeAlias, Union\n\n"
    'log = logging.getLogger("snippet")\n'
)
HASHABLE: Final = (0, 1, -1, 2.5, "a", "b%s", None, True, (1, 2), b"x")
ANY_VALUE: Final = (*HASHABLE, [1, 2], {"k": 1}, (3,))
SEQUENCES: Final = ((), (1, 2, 3), (0, -1, 5, 5), (2.5, 1))


@dataclass(frozen=True, slots=True)
class Unit:
    """One generated function and the arguments to call it with."""

    code: str
    name: str
    inputs: tuple[object, ...]
    is_async: bool = False


@dataclass(frozen=True, slots=True)
class Module:
    """A generated module: its text and its units."""

    source: str
    units: tuple[Unit, ...]


_constants = st.sampled_from(
    ["1", "-2", "0.5", "'a'", '"b\'"', "None", "True", "(1, 2)", "b'x'", "-1j"]
)
_type_names = st.sampled_from(
    [
        "int",
        "str",
        "None",
        "'Fwd'",
        "List[int]",
        "t.List[str]",
        "Dict[str, int]",
        "Tuple[int, ...]",
        "bytes",
        "float",
    ]
)


@st.composite
def _union(draw: st.DrawFn, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["Optional", "Union", "typing.Optional", "t.Union"]))
    count = 1 if kind.endswith("Optional") else draw(st.integers(1, 3))
    members = []
    for _ in range(count):
        if depth < 2 and draw(st.booleans()):
            members.append(draw(_union(depth + 1)))
        else:
            members.append(draw(_type_names))
    if members[0] == "None":  # `Optional[None]` is `NoneType`; `None` is not a class
        members[0] = "bytes"
    if draw(st.integers(0, 9)) == 0:
        members[0] = f"({members[0]} if x else float)"
    return f"{kind}[{', '.join(members)}]"


def _unit_union(index: int, draw: st.DrawFn) -> Unit:
    union = draw(_union()).replace("'Fwd'", "int")
    code = f"def u{index}(x):\n    return {union}\n"
    # (`isinstance` is left out: `typing.Union` and `|` differ on members such as
    # `List[int]`, where it fails one way or the other.)
    return Unit(code, f"u{index}", (1, None))


def _unit_annotation(index: int, draw: st.DrawFn) -> Unit:
    arg, ret = draw(_union()), draw(_union())
    code = (
        f"def u{index}(x: {arg.replace(' if x ', ' if True ')}) -> "
        f"{ret.replace(' if x ', ' if False ')}:\n"
        "    return x\n"
        f"def u{index}_hints(x):\n"
        f"    hints = typing.get_type_hints(u{index}, localns={{'Fwd': int}})\n"
        "    return hints\n"
    )
    return Unit(code, f"u{index}_hints", (0,))


def _unit_membership(index: int, draw: st.DrawFn) -> Unit:
    items = draw(st.lists(_constants, min_size=2, max_size=5))
    op = draw(st.sampled_from(["in", "not in"]))
    left, right = draw(st.sampled_from([("[", "]"), ("(", ")")]))
    trailing = "," if draw(st.booleans()) else ""
    literal = f"{left}{', '.join(items)}{trailing}{right}"
    code = f"def u{index}(x):\n    return x {op} {literal}\n"
    return Unit(code, f"u{index}", HASHABLE)


_elements = st.sampled_from(
    ["x", "x * 2", "abs(x)", "x > 1", "str(x)", "(x, x)", "x if x else 0", "-x"]
)
_conditions = st.sampled_from(["x", "x > 0", "x != 5", "not x", "x if x else 1"])


def _unit_reduction(index: int, draw: st.DrawFn) -> Unit:
    func = draw(st.sampled_from(["sum", "min", "max", "any", "all"]))
    element = draw(_elements)
    if func == "sum" and element in {"str(x)", "(x, x)"}:
        element = "x"
    condition = draw(st.one_of(st.none(), _conditions))
    comp = f"[{element} for x in xs{f' if {condition}' if condition else ''}]"
    extra = {"sum": ", start=10", "min": ", default=-9", "max": ", default=-9"}.get(
        func, ""
    )
    if not draw(st.booleans()):
        extra = ""
    if draw(st.integers(0, 3)) == 0:
        code = (
            f"async def u{index}(xs):\n"
            "    async def same(v):\n"
            "        return v\n"
            f"    return {func}([await same({element}) for x in xs]{extra})\n"
        )
        return Unit(code, f"u{index}", SEQUENCES, is_async=True)
    code = f"def u{index}(xs):\n    return {func}({comp}{extra})\n"
    return Unit(code, f"u{index}", SEQUENCES)


def _unit_append(index: int, draw: st.DrawFn) -> Unit:
    iterable = draw(
        st.sampled_from(
            ["xs", "reversed(xs)", "xs, xs", "xs if xs else [7]", "range(len(xs))"]
        )
    )
    element = draw(_elements)
    condition = draw(st.one_of(st.none(), _conditions))
    body = f"out.append({element})"
    if condition is not None:
        body = f"if {condition}:\n            {body}"
    after = draw(st.sampled_from(["out", "out, len(out)", "out, x"]))
    code = (
        f"def u{index}(xs):\n"
        "    out = []\n"
        f"    for x in {iterable}:\n"
        f"        {body}\n"
        f"    return {after}\n"
    )
    return Unit(code, f"u{index}", SEQUENCES)


_literal = st.sampled_from(
    ["a", " ", "100%", "%s", "%%", "{{", "}}", "'", "x=", "%(k)s"]
)
_placeholder = st.sampled_from(
    ["{x}", "{x!r}", "{x!s}", "{x!a}", "{x + x}", "{(x, x)}", "{x:>4}", "{x=}", "{[x]}"]
)


def _unit_logging(index: int, draw: st.DrawFn) -> Unit:
    parts = draw(st.lists(st.one_of(_literal, _placeholder), min_size=1, max_size=5))
    method = draw(
        st.sampled_from(
            [
                "log.info",
                "log.warning",
                "logging.getLogger('snippet').debug",
                "log.log(logging.INFO, ",
            ]
        )
    )
    if draw(st.booleans()):
        message = 'f"' + "".join(parts) + '"'
    else:
        count = draw(st.integers(1, 3))
        spec = draw(
            st.lists(
                st.sampled_from(["%s", "%r", "%d", "%5s", "%%"]),
                min_size=count,
                max_size=count,
            )
        )
        values = ", ".join("x" for s in spec if s != "%%")
        message = f"'<{' '.join(spec)}>' % ({values},)" if values else "'<%%>'"
    call = f"{method}{message})" if method.endswith(", ") else f"{method}({message})"
    code = f"def u{index}(x):\n    {call}\n"
    # Bad arguments for a `%d` raise where the message is built eagerly; the logging
    # module reports them instead once the fix defers the formatting (its purpose).
    inputs = (1, 2.5) if "%d" in message else (1, "a%s", (1,), {"k": 1}, None, 2.5)
    return Unit(code, f"u{index}", inputs)


def _unit_raise(index: int, draw: st.DrawFn) -> Unit:
    handler = draw(
        st.sampled_from(
            [
                "except ZeroDivisionError:",
                "except (ZeroDivisionError, TypeError):",
                "except:",
            ]
        )
    )
    raised = draw(
        st.sampled_from(["raise ValueError('bad')", "raise", "raise ValueError(x)"])
    )
    if handler == "except:" and raised != "raise":
        raised = "raise"
    code = (
        f"def u{index}(x):\n    try:\n        return 1 / x\n"
        f"    {handler}\n        {raised}\n"
    )
    return Unit(code, f"u{index}", (0, 1, "a", 2.5))


def _unit_self(index: int, draw: st.DrawFn) -> Unit:
    returned = draw(st.sampled_from([f"'C{index}'", f'"C{index}"']))
    code = (
        f"class C{index}:\n"
        f"    def same(self) -> {returned}:\n"
        "        return self\n\n"
        f"def u{index}(x):\n    return type(C{index}().same()).__name__\n"
    )
    return Unit(code, f"u{index}", (0,))


def _unit_constant(index: int, draw: st.DrawFn) -> Unit:
    value = draw(
        st.one_of(
            _constants, st.sampled_from(["[1, 2]", "{'a': 1}", "1, 2", "'%s' % 1"])
        )
    )
    annotation = draw(st.sampled_from(["", ": int", ": object"]))
    code = (
        f"LIMIT_{index}{annotation} = {value}\n\n"
        f"def u{index}(x):\n    return LIMIT_{index}\n"
    )
    return Unit(code, f"u{index}", (0,))


def _unit_alias(index: int, draw: st.DrawFn) -> Unit:
    value = draw(st.one_of(_union(), _type_names)).replace(" if x else ", " if 1 else ")
    if value in {"None", "'Fwd'"}:
        value = "int"
    form = draw(st.sampled_from(["TypeAlias", "typing.TypeAlias", "bare"]))
    declared = (
        f"Alias{index} = {value}"
        if form == "bare"
        else f"Alias{index}: {form} = {value}"
    )
    code = (
        f"{declared}\n\n"
        f"def u{index}(x):\n"
        f"    return getattr(Alias{index}, '__value__', Alias{index})\n"
    )
    return Unit(code, f"u{index}", (0,))


def _unit_generic(index: int, draw: st.DrawFn) -> Unit:
    bound = draw(st.sampled_from(["", ", bound=int", ", int, str", ", covariant=True"]))
    var = f"T{index}"
    head = f'{var} = typing.TypeVar("{var}"{bound})\n\n'
    if draw(st.booleans()):
        body = (
            f"def first{index}(xs: List[{var}], default: {var}) -> {var}:\n"
            "    return xs[0] if xs else default\n\n"
            f"def u{index}(x):\n    return first{index}([x, 2], x)\n"
        )
    else:
        base = draw(st.sampled_from(["typing.Generic", "t.Generic"]))
        body = (
            f"class Box{index}({base}[{var}]):\n"
            f"    def __init__(self, value: {var}) -> None:\n"
            "        self.value = value\n\n"
            f"    def get(self) -> {var}:\n"
            "        return self.value\n\n"
            f"def u{index}(x):\n    return Box{index}(x).get(), Box{index}[int]\n"
        )
    return Unit(head + body, f"u{index}", (1, "a"))


def _unit_misc(index: int, draw: st.DrawFn) -> Unit:
    kind = draw(st.sampled_from(["log-error", "sleep", "token"]))
    if kind == "log-error":
        method = draw(st.sampled_from(["error", "critical", "log(logging.ERROR, "]))
        call = (
            f"log.{method}'failed %s', err)"
            if method.endswith(", ")
            else f"log.{method}('failed %s', err)"
        )
        code = (
            f"def u{index}(x):\n    try:\n        return 1 / x\n"
            f"    except ZeroDivisionError as err:\n        {call}\n"
        )
        return Unit(code, f"u{index}", (0, 1))
    if kind == "sleep":
        call = draw(st.sampled_from(["time.sleep(0)", "time.sleep(x * 0)"]))
        code = f"async def u{index}(x):\n    {call}\n    return x\n"
        return Unit(code, f"u{index}", (0, 2), is_async=True)
    code = (
        f"def u{index}(x):\n"
        "    token = ''.join(random.choice('a') for _ in range(3))\n"
        "    return token\n"
    )
    return Unit(code, f"u{index}", (0,))


_KINDS: Final = (
    _unit_union,
    _unit_annotation,
    _unit_membership,
    _unit_reduction,
    _unit_append,
    _unit_logging,
    _unit_raise,
    _unit_self,
    _unit_constant,
    _unit_alias,
    _unit_generic,
    _unit_misc,
)


@st.composite
def modules(draw: st.DrawFn) -> Module:
    """Modules of 1 to 6 units after a header of imports.

    Args:
        draw: Hypothesis's draw function.

    Returns:
        The module.
    """
    kinds = draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=6))
    units = tuple(kind(index, draw) for index, kind in enumerate(kinds))
    source = HEADER + "\n\n" + "\n\n".join(unit.code for unit in units)
    return Module(source, units)


def canonical(value: object) -> object:
    """A type expression's meaning: ``typing.List[int]`` and ``list[int]`` are one.

    Args:
        value: Anything a unit returned.

    Returns:
        Unions as sorted member lists, generics as (origin, arguments), containers
        walked.
    """
    if isinstance(value, tuple):
        return tuple(canonical(item) for item in value)
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    origin = typing.get_origin(value)
    if origin is typing.Union or origin is types.UnionType:
        return (
            "union",
            tuple(sorted({repr(canonical(a)) for a in typing.get_args(value)})),
        )
    if origin is not None:
        return (repr(origin), tuple(canonical(a) for a in typing.get_args(value)))
    return value


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(f"{record.levelname}:{record.getMessage()}")
        except (TypeError, ValueError, KeyError) as err:
            self.messages.append(
                f"{record.levelname}:unformattable {type(err).__name__}"
            )


def run(source: str, units: tuple[Unit, ...]) -> list[tuple[str, object, str]]:
    """Execute a module and call each unit with its inputs.

    Args:
        source: The module's text.
        units: Its units.

    Returns:
        Per call: the unit, the input and what came out (a repr, or the exception's
        type) followed by what was logged.
    """
    namespace: dict[str, object] = {"__name__": "snippet"}
    logger = logging.getLogger("snippet")
    capture = _Capture()
    logger.addHandler(capture)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    results: list[tuple[str, object, str]] = []
    try:
        try:
            code = compile(source, "snippet.py", "exec", dont_inherit=True)
            exec(code, namespace)  # noqa: S102
        except Exception as err:  # noqa: BLE001 - the type is the result
            return [("<module>", None, f"raised {type(err).__name__}: {err}")]
        for unit in units:
            function = namespace[unit.name]
            assert callable(function)
            for value in unit.inputs:
                capture.messages.clear()
                try:
                    outcome = function(value)
                    if unit.is_async:
                        outcome = asyncio.run(
                            typing.cast(
                                "typing.Coroutine[object, object, object]", outcome
                            )
                        )
                    shown = repr(canonical(outcome))
                except Exception as err:  # noqa: BLE001 - the type is the result
                    shown = f"raised {type(err).__name__}"
                results.append((unit.name, value, f"{shown} {capture.messages}"))
    finally:
        logger.removeHandler(capture)
    return results
