"""The registry of own rules: one explicit list, in code order."""

from __future__ import annotations

from typing import Final

from pyprotocol.rules.async_blocking import (
    AsyncBlockingFileIO,
    AsyncBlockingHttp,
    AsyncBlockingProcess,
)
from pyprotocol.rules.async_sleep import AsyncTimeSleep
from pyprotocol.rules.async_tasks import DiscardedTask, GatherWithoutReturnExceptions
from pyprotocol.rules.async_timeout import IoWithoutTimeout
from pyprotocol.rules.base import Rule
from pyprotocol.rules.doc_sections import DocstringSections
from pyprotocol.rules.exc_bare_except import BareExcept
from pyprotocol.rules.exc_base_exception import BaseExceptionSubclass
from pyprotocol.rules.exc_broad_except import BroadExcept
from pyprotocol.rules.exc_cancelled import SwallowedCancellation
from pyprotocol.rules.exc_exception_group import ExceptExceptionGroup
from pyprotocol.rules.exc_raise_from import RaiseWithoutFrom
from pyprotocol.rules.exc_try_size import LargeTryBody
from pyprotocol.rules.fastapi_annotated_depends import AnnotatedDepends
from pyprotocol.rules.fastapi_app_routes import AppRoutes
from pyprotocol.rules.fastapi_background import BackgroundWork
from pyprotocol.rules.fastapi_io_models import SharedIOModel
from pyprotocol.rules.fastapi_status_code import StatusConstants
from pyprotocol.rules.fastapi_sync_io import SyncPathOperationIO
from pyprotocol.rules.idiom_append_loop import AppendLoop
from pyprotocol.rules.idiom_dataclass_slots import DataclassSlots
from pyprotocol.rules.idiom_deque import ListAsQueue
from pyprotocol.rules.idiom_generator_arg import GeneratorArgument
from pyprotocol.rules.idiom_match_chain import MatchChain
from pyprotocol.rules.idiom_membership import LiteralMembership
from pyprotocol.rules.idiom_pathlib import OsPathToPathlib
from pyprotocol.rules.idiom_resource_with import ResourceWithoutWith
from pyprotocol.rules.idiom_string_enum import StringEnum
from pyprotocol.rules.log_file_handler import UnrotatedLogFile
from pyprotocol.rules.log_formatting import EagerLogFormatting
from pyprotocol.rules.log_secrets import LogSecret
from pyprotocol.rules.log_traceback import ErrorWithoutTraceback
from pyprotocol.rules.sec_assert import AssertValidation
from pyprotocol.rules.sec_cors import CorsWildcardCredentials
from pyprotocol.rules.sec_deserialize import UnsafeDeserialization
from pyprotocol.rules.sec_eval import EvalExec
from pyprotocol.rules.sec_http_timeout import HttpWithoutTimeout
from pyprotocol.rules.sec_jinja import JinjaAutoescape
from pyprotocol.rules.sec_password_hash import PasswordHashNotArgon2
from pyprotocol.rules.sec_random import InsecureRandom
from pyprotocol.rules.sec_secrets import HardcodedSecret
from pyprotocol.rules.sec_shell import ShellCommand
from pyprotocol.rules.sec_sql import SqlStringFormatting
from pyprotocol.rules.sec_weak_cipher import PyCryptoImport, WeakCipher
from pyprotocol.rules.sec_weak_hash import WeakHash
from pyprotocol.rules.sec_xml import UnsafeXmlParser
from pyprotocol.rules.sec_yaml import YamlUnsafeLoad
from pyprotocol.rules.testing_async_marker import AsyncTestMarker
from pyprotocol.rules.testing_fixture_teardown import FixtureTeardown
from pyprotocol.rules.testing_mock_spec import MockSpec, PatchAutospec
from pyprotocol.rules.testing_mocker import PreferMocker
from pyprotocol.rules.testing_parametrize import ParametrizeCandidates
from pyprotocol.rules.testing_unittest import UnittestTestCase, XunitSetup
from pyprotocol.rules.testing_weak_assert import WeakAssertion
from pyprotocol.rules.typing_abc import CollectionsAbc
from pyprotocol.rules.typing_alias import TypeAliasStatement
from pyprotocol.rules.typing_any import NoAny
from pyprotocol.rules.typing_builtins import BuiltinGenerics
from pyprotocol.rules.typing_cast import CastWithoutComment
from pyprotocol.rules.typing_final import ConstantWithoutFinal
from pyprotocol.rules.typing_pep695 import Pep695Generics
from pyprotocol.rules.typing_runtime_checkable import UnneededRuntimeCheckable
from pyprotocol.rules.typing_self import SelfReturn
from pyprotocol.rules.typing_typeis import PreferTypeIs
from pyprotocol.rules.typing_union import UnionSyntax

_RULES: Final[list[type[Rule]]] = [
    BareExcept,
    BroadExcept,
    RaiseWithoutFrom,
    BaseExceptionSubclass,
    SwallowedCancellation,
    ExceptExceptionGroup,
    LargeTryBody,
    ErrorWithoutTraceback,
    LogSecret,
    UnrotatedLogFile,
    EagerLogFormatting,
    AsyncTimeSleep,
    AsyncBlockingFileIO,
    AsyncBlockingHttp,
    AsyncBlockingProcess,
    DiscardedTask,
    GatherWithoutReturnExceptions,
    IoWithoutTimeout,
    DocstringSections,
    ResourceWithoutWith,
    AppendLoop,
    LiteralMembership,
    MatchChain,
    StringEnum,
    DataclassSlots,
    ListAsQueue,
    GeneratorArgument,
    OsPathToPathlib,
    UnittestTestCase,
    XunitSetup,
    FixtureTeardown,
    ParametrizeCandidates,
    PatchAutospec,
    MockSpec,
    WeakAssertion,
    AsyncTestMarker,
    PreferMocker,
    SyncPathOperationIO,
    AnnotatedDepends,
    AppRoutes,
    StatusConstants,
    SharedIOModel,
    BackgroundWork,
    EvalExec,
    UnsafeDeserialization,
    YamlUnsafeLoad,
    ShellCommand,
    AssertValidation,
    SqlStringFormatting,
    JinjaAutoescape,
    HardcodedSecret,
    InsecureRandom,
    WeakHash,
    WeakCipher,
    PyCryptoImport,
    PasswordHashNotArgon2,
    UnsafeXmlParser,
    CorsWildcardCredentials,
    HttpWithoutTimeout,
    BuiltinGenerics,
    CollectionsAbc,
    NoAny,
    SelfReturn,
    CastWithoutComment,
    ConstantWithoutFinal,
    UnneededRuntimeCheckable,
    PreferTypeIs,
    UnionSyntax,
    Pep695Generics,
    TypeAliasStatement,
]

ALL_RULES: Final[tuple[type[Rule], ...]] = tuple(
    sorted(_RULES, key=lambda rule: rule.code)
)

__all__ = ["ALL_RULES", "Rule"]
