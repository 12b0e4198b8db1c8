"""PP101 (PEP 695 generics) and PP102 (``type`` aliases): cases beyond the examples."""

from __future__ import annotations

import ast
from pathlib import Path, PurePath

import libcst as cst
import pytest

from pyprotocol import engine
from pyprotocol.config import Config
from pyprotocol.model import Applicability, Finding
from pyprotocol.rules import typing_pep695
from pyprotocol.rules.base import Context, FixRequest
from pyprotocol.rules.typing_alias import TypeAliasStatement
from pyprotocol.rules.typing_pep695 import Pep695Generics

PY312 = Config(target_version=(3, 12))
PY313 = Config(target_version=(3, 13))
CODES = ["PP101", "PP102"]


def found(source: str, config: Config = PY312) -> list[Finding]:
    analysis = engine.analyse(source, "m.py", config)
    assert analysis.internal_errors == ()
    return [f for f in analysis.findings if f.code in CODES]


def fixed(source: str, *, unsafe: bool = False, config: Config = PY312) -> str:
    result = engine.fix(source, "m.py", config, CODES, unsafe=unsafe)
    compile(result.source, "m.py", "exec")
    again = engine.fix(result.source, "m.py", config, CODES, unsafe=unsafe)
    assert again.source == result.source, "fix-all must reach a fixed point"
    return result.source


def run(source: str) -> dict[str, object]:
    namespace: dict[str, object] = {"__name__": "fixed"}
    exec(compile(source, "fixed.py", "exec"), namespace)  # noqa: S102 - test input
    return namespace


# -- PP101: applicability --------------------------------------------------------------
VARIANT = (
    "from typing import Generic, TypeVar\n\n"
    'T_co = TypeVar("T_co", covariant=True)\n\n\n'
    "class Box(Generic[T_co]):\n"
    "    def get(self) -> T_co: ...\n"
)


def test_variance_makes_the_class_fix_unsafe() -> None:
    (finding,) = found(VARIANT)
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE
    assert "infer" in (finding.fix.reason or "")
    assert fixed(VARIANT) == VARIANT
    assert fixed(VARIANT, unsafe=True).startswith("class Box[T_co]:\n")


def test_variance_does_not_matter_for_functions() -> None:
    source = (
        "from typing import TypeVar\n\n"
        'T_co = TypeVar("T_co", covariant=True)\n\n\n'
        "def ident(x: T_co) -> T_co:\n    return x\n"
    )
    (finding,) = found(source)
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.SAFE
    assert fixed(source) == "def ident[T_co](x: T_co) -> T_co:\n    return x\n"


def test_infer_variance_is_what_pep_695_does_so_the_fix_is_safe() -> None:
    source = (
        "from typing_extensions import Generic, TypeVar\n\n"
        'T = TypeVar("T", infer_variance=True)\n\n\n'
        "class Box(Generic[T]):\n    pass\n"
    )
    (finding,) = found(source)
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.SAFE
    assert fixed(source) == "class Box[T]:\n    pass\n"


DEFAULTED = (
    "from typing import Generic, TypeVar\n\n"
    'T = TypeVar("T", default=int)\n\n\n'
    "class Box(Generic[T]):\n    pass\n"
)


def test_default_needs_target_313() -> None:
    (finding,) = found(DEFAULTED, PY312)
    assert finding.fix is None
    assert "3.13" in finding.message
    assert "no fix" in finding.message
    assert fixed(DEFAULTED) == DEFAULTED


def test_default_is_written_for_target_313(monkeypatch: pytest.MonkeyPatch) -> None:
    # The running Python must parse the output; pretend it is 3.13 and call the fix
    # directly (the engine would re-parse the output with this 3.12 interpreter).
    monkeypatch.setattr(typing_pep695, "RUNNING_PYTHON", (3, 13))
    source = (
        "from typing import Generic, ParamSpec, TypeVar, TypeVarTuple, Unpack\n\n"
        'T = TypeVar("T", default=int)\n'
        'P = ParamSpec("P", default=[int, str])\n'
        'Ts = TypeVarTuple("Ts", default=Unpack[tuple[int, ...]])\n\n\n'
        "class Box(Generic[T, P, Unpack[Ts]]):\n    pass\n"
    )
    (finding,) = found(source, PY313)
    assert finding.fix is not None
    ctx = Context(source, PurePath("m.py"), ast.parse(source), PY313)
    request = FixRequest([finding], source, PurePath("m.py"), (3, 13))
    out = Pep695Generics(ctx).fix(cst.parse_module(source), request).code
    assert out == (
        "class Box[T = int, **P = [int, str], *Ts = *tuple[int, ...]]:\n    pass\n"
    )


def test_default_without_target_313_is_reported_even_on_functions() -> None:
    source = (
        "from typing import TypeVar\n"
        'T = TypeVar("T", default=str)\n'
        "def f(x: T) -> T:\n    return x\n"
    )
    (finding,) = found(source, PY313)
    assert finding.fix is None  # this interpreter (3.12) cannot check `[T = str]`
    assert "PEP 696" in finding.message


# -- PP101: no fix, and why ------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            "from typing import TypeVar\n"
            'T = TypeVar("U")\ndef f(x: T) -> T:\n    return x\n',
            "another name",
        ),
        (
            "from typing import Generic\nfrom .types import T\n"
            "class Box(Generic[T]):\n    pass\n",
            "imported",
        ),
        (
            "from typing import TYPE_CHECKING, TypeVar\nif TYPE_CHECKING:\n"
            '    T = TypeVar("T")\ndef f(x: "T") -> "T":\n    return x\n',
            "inside a block",
        ),
        (
            "from typing import TypeVar\n"
            'T = TypeVar(*["T"])\ndef f(x: T) -> T:\n    return x\n',
            "cannot read",
        ),
        (
            "from typing import TypeVar\n"
            'T = TypeVar("T")\ndef f[U](x: T, y: U) -> T:\n    return x\n',
            "already has type parameters",
        ),
        (
            "from typing import TypeVar\n"
            'T = TypeVar("T")\nT = TypeVar("T")\ndef f(x: T) -> T:\n    return x\n',
            "more than once",
        ),
        (
            "from typing import Generic, TypeVar\n"
            'K = TypeVar("K")\nV = TypeVar("V")\n'
            "class Table(dict[K, V], Generic[K]):\n    pass\n",
            "does not list",
        ),
        (
            "from typing import ParamSpec\n"
            'P = ParamSpec("P", bound=int)\n'
            "def f(*args: P.args, **kwargs: P.kwargs) -> None: ...\n",
            "ParamSpec bound",
        ),
    ],
)
def test_no_fix_and_the_message_says_why(source: str, reason: str) -> None:
    findings = found(source)
    assert findings
    assert all(f.fix is None and reason in f.message for f in findings)


def test_imported_typevar_like_names_block_the_fix() -> None:
    # PEP 695 parameters cannot be mixed with old-style TypeVars: an imported `NodeT`
    # in the same signature (or bases) would become an undeclared type variable.
    function = (
        "from typing import TypeVar\nfrom ._types import NodeT\n"
        'S = TypeVar("S")\n'
        "def f(self: S, node: NodeT) -> NodeT:\n    return node\n"
    )
    klass = (
        "from typing import Generic, TypeVar\nfrom .base import Base, KT\n"
        'T = TypeVar("T")\n'
        "class A(Base[KT], Generic[T, KT]):\n    pass\n"
    )
    (finding,) = found(function)
    assert finding.fix is None
    assert "`NodeT` is imported and may be a TypeVar" in finding.message
    (finding,) = found(klass)
    assert finding.fix is None
    any_str = (
        "from typing import AnyStr, TypeVar\n"
        'T = TypeVar("T")\n'
        "def f(x: T, s: AnyStr) -> AnyStr:\n    return s\n"
    )
    (finding,) = found(any_str)
    assert finding.fix is None
    assert "`AnyStr`" in finding.message
    plain = "from typing import TypeVar\nfrom .models import User\n"
    plain += 'T = TypeVar("T")\ndef f(x: T, user: User) -> T:\n    return x\n'
    (finding,) = found(plain)
    assert finding.fix is not None


def test_definition_imported_by_another_module_of_the_package_stays(
    tmp_path: Path,
) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = package / "types.py"
    source = (
        "from typing import TypeVar\n\n"
        'T = TypeVar("T")\n'
        '_U = TypeVar("_U")\n\n\n'
        "def f(x: T, y: _U) -> T:\n    return x\n"
    )
    module.write_text(source)
    (package / "user.py").write_text("from pkg.types import (\n    T,\n)\n")
    result = engine.fix(source, module, PY312, CODES)
    assert result.source == (
        "from typing import TypeVar\n\n"
        'T = TypeVar("T")\n\n\n'
        "def f[T, _U](x: T, y: _U) -> T:\n    return x\n"
    )


# -- PP101: what the fix rewrites and what it keeps ------------------------------------
def test_definition_stays_while_something_outside_still_uses_it() -> None:
    source = (
        "from typing import TypeVar, cast\n\n"
        'T = TypeVar("T")\n\n\n'
        "def ident(x: T) -> T:\n    return x\n\n\n"
        "def load(raw: object) -> object:\n    return cast(T, raw)\n"
    )
    assert fixed(source) == (
        "from typing import TypeVar, cast\n\n"
        'T = TypeVar("T")\n\n\n'
        "def ident[T](x: T) -> T:\n    return x\n\n\n"
        "def load(raw: object) -> object:\n    return cast(T, raw)\n"
    )


def test_definition_listed_in_dunder_all_stays() -> None:
    source = (
        "from typing import TypeVar\n\n"
        '__all__ = ["T", "ident"]\n'
        'T = TypeVar("T")\n\n\n'
        "def ident(x: T) -> T:\n    return x\n"
    )
    out = fixed(source)
    assert 'T = TypeVar("T")' in out
    assert "def ident[T](x: T) -> T:" in out


def test_default_argument_and_decorator_are_outside_the_type_parameter_scope() -> None:
    source = (
        "from typing import TypeVar\n\n"
        'T = TypeVar("T")\n\n\n'
        "def f(x: T, marker: object = T) -> T:\n    return x\n"
    )
    out = fixed(source)
    assert 'T = TypeVar("T")' in out  # `marker=T` is evaluated outside `[T]`
    assert "def f[T](x: T, marker: object = T) -> T:" in out


def test_fixing_one_finding_keeps_the_definition_for_the_others() -> None:
    source = (
        "from typing import TypeVar\n\n"
        'T = TypeVar("T")\n\n\n'
        "def first(x: T) -> T:\n    return x\n\n\n"
        "def second(x: T) -> T:\n    return x\n"
    )
    one = found(source)[0]
    result = engine.fix(source, "m.py", PY312, only=one)
    assert 'T = TypeVar("T")' in result.source
    assert "def first[T](x: T) -> T:" in result.source
    assert "def second(x: T) -> T:" in result.source
    assert fixed(result.source) == (
        "def first[T](x: T) -> T:\n    return x\n\n\n"
        "def second[T](x: T) -> T:\n    return x\n"
    )


def test_class_parameter_order_follows_python() -> None:
    with_generic = (
        "from typing import Generic, Mapping, TypeVar\n"
        'K = TypeVar("K")\nV = TypeVar("V")\n'
        "class A(Mapping[V, K], Generic[K, V]):\n    pass\n"
    )
    implicit = (
        "from typing import Mapping, TypeVar\n"
        'K = TypeVar("K")\nV = TypeVar("V")\n'
        "class A(Mapping[V, K]):\n    pass\n"
    )
    assert fixed(with_generic) == (
        "from typing import Mapping\nclass A[K, V](Mapping[V, K]):\n    pass\n"
    )
    assert fixed(implicit) == (
        "from typing import Mapping\nclass A[V, K](Mapping[V, K]):\n    pass\n"
    )
    for source in (with_generic, implicit):
        before, after = run(source)["A"], run(fixed(source))["A"]
        assert [p.__name__ for p in before.__parameters__] == [  # type: ignore[attr-defined]
            p.__name__
            for p in after.__parameters__  # type: ignore[attr-defined]
        ]


def test_multiline_bases_keep_their_layout() -> None:
    source = (
        "from typing import Generic, TypeVar\n\n"
        'T = TypeVar("T")\n\n\n'
        "class Box(\n"
        "    list[T],\n"
        "    Generic[T],\n"
        "):\n"
        "    pass\n"
    )
    assert fixed(source) == "class Box[T](\n    list[T],\n):\n    pass\n"


def test_keywords_stay_when_generic_goes() -> None:
    source = (
        "from abc import ABCMeta\nfrom typing import Generic, TypeVar\n\n"
        'T = TypeVar("T")\n\n\n'
        "class Box(Generic[T], metaclass=ABCMeta):\n    pass\n"
    )
    assert fixed(source) == (
        "from abc import ABCMeta\n\n\nclass Box[T](metaclass=ABCMeta):\n    pass\n"
    )


def test_bound_string_is_unquoted_only_when_it_is_a_plain_expression() -> None:
    source = (
        "from typing import TypeVar\n\n"
        'A = TypeVar("A", bound="Node")\n'
        'B = TypeVar("B", bound="not valid(")\n\n\n'
        "def f(a: A, b: B) -> A:\n    return a\n"
    )
    assert fixed(source) == (
        'def f[A: Node, B: "not valid("](a: A, b: B) -> A:\n    return a\n'
    )


def test_nested_scopes() -> None:
    source = (
        "from typing import Generic, TypeVar\n\n"
        'T = TypeVar("T")\n'
        'S = TypeVar("S")\n\n\n'
        "def build() -> None:\n"
        "    class Local(Generic[T]):\n"
        "        def map(self, value: T, other: S) -> S:\n"
        "            return other\n"
    )
    assert fixed(source) == (
        "def build() -> None:\n"
        "    class Local[T]:\n"
        "        def map[S](self, value: T, other: S) -> S:\n"
        "            return other\n"
    )


def test_async_and_overloads() -> None:
    source = (
        "from typing import TypeVar, overload\n\n"
        'T = TypeVar("T")\n\n\n'
        "@overload\n"
        "async def get(x: T) -> T: ...\n"
        "@overload\n"
        "async def get(x: T, y: int) -> T: ...\n"
        "async def get(x: T, y: int = 0) -> T:\n"
        "    return x\n"
    )
    out = fixed(source)
    assert out.count("async def get[T](") == 3
    assert "TypeVar" not in out


def test_fixed_generic_class_behaves_the_same_at_runtime() -> None:
    source = (
        "from typing import Generic, Protocol, TypeVar\n\n"
        'K = TypeVar("K", bound=str)\n'
        'V = TypeVar("V", int, bytes)\n\n\n'
        "class Base(Generic[K]):\n    pass\n\n\n"
        "class Table(Base[K], Generic[K, V]):\n"
        "    def get(self, key: K) -> V: ...\n\n\n"
        "class Sink(Protocol[V]):\n"
        "    def send(self, item: V) -> None: ...\n"
    )
    out = fixed(source)
    assert "Generic" not in out
    assert "class Sink[V: (int, bytes)](Protocol):" in out
    namespace = run(out)
    table = namespace["Table"]
    params = table.__type_params__  # type: ignore[attr-defined]
    assert [p.__name__ for p in params] == ["K", "V"]
    assert params[0].__bound__ is str
    assert params[1].__constraints__ == (int, bytes)
    assert [p.__name__ for p in namespace["Sink"].__parameters__] == ["V"]  # type: ignore[attr-defined]


def test_pep695_code_and_bound_type_variables_are_not_flagged() -> None:
    source = (
        "from typing import Generic, TypeVar\n"
        'T = TypeVar("T")\n'
        "class Old(Generic[T]):\n"
        "    def keep(self, x: T) -> T:\n        return x\n"
        "class New[T]:\n"
        "    def keep(self, x: T) -> T:\n        return x\n"
    )
    (finding,) = found(source)
    assert finding.span.line == 3


# -- PP102 -----------------------------------------------------------------------------
def test_private_alias_used_only_in_annotations_is_safe() -> None:
    source = (
        "from typing import TypeAlias\n\n"
        "_Ids: TypeAlias = list[int]\n\n\n"
        "def count(ids: _Ids) -> int:\n    return len(ids)\n"
    )
    (finding,) = found(source)
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.SAFE
    assert fixed(source) == (
        "type _Ids = list[int]\n\n\ndef count(ids: _Ids) -> int:\n    return len(ids)\n"
    )


def test_public_alias_is_unsafe_and_says_why() -> None:
    source = "from typing import TypeAlias\n\nIds: TypeAlias = list[int]\n"
    (finding,) = found(source)
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE
    assert "isinstance" in (finding.fix.reason or "")
    assert fixed(source) == source
    assert fixed(source, unsafe=True) == "type Ids = list[int]\n"


def test_alias_used_at_runtime_gets_no_fix() -> None:
    source = (
        "from typing import TypeAlias\n\n"
        "_Ids: TypeAlias = list[int]\n\n"
        "EMPTY = _Ids()\n"
    )
    (finding,) = found(source)
    assert finding.fix is None
    assert "line 5" in finding.message


def test_heuristic_is_hedged_and_skips_runtime_values() -> None:
    (finding,) = found("Headers = dict[str, str]\n")
    assert "looks like a type alias" in finding.message
    assert TypeAliasStatement.heuristic
    assert found("Registry = dict[str, int]\nx = isinstance({}, Registry)\n") == []
    assert found("class Base(dict[str, int]): ...\nAlias = Base\n") == []
    assert found("HEADERS = dict[str, str]\n") == []
    assert found("def f() -> None:\n    Local = list[int]\n") == []


def test_type_contexts_are_not_runtime_uses() -> None:
    source = (
        "from typing import cast\n\n"
        "_Row = dict[str, int]\n"
        "_Rows = list[_Row] | None\n\n\n"
        "def read(raw: object) -> _Rows:\n"
        "    return cast(_Rows, raw)\n"
    )
    assert fixed(source) == (
        "from typing import cast\n\n"
        "type _Row = dict[str, int]\n"
        "type _Rows = list[_Row] | None\n\n\n"
        "def read(raw: object) -> _Rows:\n"
        "    return cast(_Rows, raw)\n"
    )


def test_alias_that_may_use_an_imported_typevar_gets_no_fix() -> None:
    (finding,) = found("from .types import T\n\nPair = tuple[T, T]\n")
    assert finding.fix is None
    assert "may be a TypeVar" in finding.message


def test_both_rules_together_remove_the_shared_typevar() -> None:
    source = (
        "from typing import Generic, TypeAlias, TypeVar\n\n"
        'T = TypeVar("T")\n\n'
        "_Pair: TypeAlias = tuple[T, T]\n\n\n"
        "class Box(Generic[T]):\n"
        "    def pair(self) -> _Pair[T]: ...\n"
    )
    assert fixed(source) == (
        "type _Pair[T] = tuple[T, T]\n\n\n"
        "class Box[T]:\n"
        "    def pair(self) -> _Pair[T]: ...\n"
    )


def test_fixed_examples_parse_under_the_project_python() -> None:
    for rule in (Pep695Generics, TypeAliasStatement):
        for example in rule.examples.fixed:
            ast.parse(example.after)
            compile(example.after, "after.py", "exec")
