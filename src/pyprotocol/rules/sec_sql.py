"""PP606: SQL built by string formatting and passed to ``execute``/``text``."""

from __future__ import annotations

import ast
import re
from typing import ClassVar, Final

from pyprotocol.model import Severity
from pyprotocol.rules.base import Examples, Rule
from pyprotocol.rules.sec_helpers import argument, assignments_to, scope_body

#: Methods of DB-API cursors/connections, SQLAlchemy and Django that run SQL text.
_METHODS: Final = frozenset(
    {"execute", "executemany", "executescript", "exec_driver_sql", "raw"}
)
#: Functions that take SQL text as their first argument.
_FUNCTIONS: Final = frozenset(
    {
        "sqlalchemy.text",
        "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
        "pandas.read_sql",
        "pandas.read_sql_query",
        "django.db.models.expressions.RawSQL",
        "django.db.models.RawSQL",
    }
)
_SQL_KEYWORDS: Final = ("sql", "query", "statement", "operation", "sql_script")
_SQL: Final = re.compile(
    r"""^\s*\(?\s*(?:
        select\s.+?\sfrom\s
      | insert\s+(?:or\s+\w+\s+)?into\s
      | update\s+\S+\s+set\s
      | delete\s+from\s
      | replace\s+into\s
      | merge\s+into\s
      | (?:create|drop)\s+(?:temporary\s+|temp\s+|unique\s+)?
        (?:table|index|view|database|schema|trigger)\s
      | alter\s+table\s
      | truncate\s
      | with\s+(?:recursive\s+)?\w+(?:\s*\([^)]*\))?\s+as\s*\(
      | grant\s | revoke\s | pragma\s
    )""",
    re.IGNORECASE | re.DOTALL | re.VERBOSE,
)
#: ``%`` conversions that only format numbers (nothing to inject).
_PERCENT: Final = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])"
)
_NUMERIC: Final = frozenset("diouxXeEfFgG%")
_SAFE_CALLS: Final = frozenset({"builtins.int", "builtins.float", "builtins.len"})
_HOLE: Final = "x"


class SqlStringFormatting(Rule):
    """Flags SQL text built with f-strings, ``+``, ``%`` or ``.format``."""

    code = "PP606"
    statement_local = True
    replaces = ("S608",)
    name = "sql-string-formatting"
    summary = "Pass values to SQL as query parameters, never by building the string."
    why = (
        "A value spliced into SQL text with an f-string, `+`, `%` or `.format` "
        "becomes SQL: a quote in it ends the literal and the rest runs as a "
        "statement. Parameters (`cursor.execute('... WHERE id = %s', (uid,))`, "
        "`text('... :uid')` with bound values) keep data and code apart. The rule "
        "looks at the SQL given to `execute`/`executemany`/`executescript`/"
        "`exec_driver_sql`/`raw`, SQLAlchemy `text()`, `pandas.read_sql` and "
        "Django `RawSQL`, directly or through a variable assigned in the same "
        "function, and only when the text reads as SQL (`SELECT ... FROM`, `INSERT "
        "INTO`, `UPDATE ... SET`, `DELETE FROM`, DDL...). Spliced values that cannot "
        "inject are allowed: CONSTANT_CASE names, `int(...)`/`len(...)`, numeric `%d` "
        "conversions and placeholder lists such as `', '.join('?' * len(ids))`."
    )
    sections = ("pr:input-validation", "pr:never-do-this")
    severity = Severity.ERROR
    applies_to = "code"
    examples: ClassVar[Examples] = Examples(
        bad=(
            "cur.execute(f'SELECT * FROM users WHERE name = {name}')\n",
            "cur.execute('SELECT * FROM users WHERE id = ' + user_id)\n",
            "cur.execute(\"DELETE FROM t WHERE name = '%s'\" % name)\n",
            "cur.execute('UPDATE t SET a = {} WHERE id = 1'.format(value))\n",
            "import sqlalchemy as sa\nq = sa.text(f'select id from t where x = {x}')\n",
            "def find(cur, name: str) -> None:\n"
            "    query = f'SELECT id FROM users WHERE name = {name}'\n"
            "    cur.execute(query)\n",
            "def find(cur, name: str) -> None:\n"
            "    sql = 'SELECT id FROM users WHERE 1 = 1'\n"
            "    sql += f\" AND name = '{name}'\"\n"
            "    cur.execute(sql)\n",
        ),
        good=(
            "def dump(cur, table: str) -> None:\n"
            "    q = f'SELECT * FROM {table}'\n"
            "    print(q)\n"
            "    q = 'SELECT name FROM sqlite_master'\n"
            "    cur.execute(q)\n",
            "cur.execute('SELECT * FROM users WHERE name = %s', (name,))\n",
            "cur.execute(f'SELECT * FROM {TABLE} WHERE id = ?', (uid,))\n",
            'cur.execute(f\'SELECT * FROM t WHERE id IN ({", ".join("?" * len(ids))})\''
            ", ids)\n",
            "cur.execute('SELECT * FROM t LIMIT %d' % limit)\n",
            "cur.execute(f'SELECT * FROM t LIMIT {int(limit)}')\n",
            "engine.execute(f'Running {job} now')\n",
            "executor.execute(f'{command} --verbose')\n",
            "log.info(f'SELECT * FROM users WHERE name = {name}')\n",
        ),
    )

    def visit_Call(self, node: ast.Call) -> None:
        """Flag SQL-running calls given formatted SQL text."""
        func = node.func
        is_sql_call = (
            isinstance(func, ast.Attribute) and func.attr in _METHODS
        ) or self.ctx.qualname(func) in _FUNCTIONS
        if not is_sql_call:
            return
        sql = argument(node, 0, *_SQL_KEYWORDS)
        if sql is None:
            return
        if self._dangerous(sql):
            self.report(sql, self._message("is built"))
            return
        if isinstance(sql, ast.Name) and self._dangerous_variable(sql, node.lineno):
            self.report(sql, self._message(f"`{sql.id}` is built"))

    @staticmethod
    def _message(what: str) -> str:
        return (
            f"SQL {what} by formatting values into the text, open to SQL injection: "
            "pass the values as query parameters"
        )

    def _dangerous(self, expr: ast.expr) -> bool:
        text, unsafe = self._template(expr)
        return unsafe and text is not None and bool(_SQL.match(text))

    def _dangerous_variable(self, name: ast.Name, line: int) -> bool:
        body = scope_body(self.ctx.parents, self.ctx.tree)
        statements = list(assignments_to(name.id, body, line))
        plain = [
            i for i, s in enumerate(statements) if not isinstance(s, ast.AugAssign)
        ]
        if not plain:
            return False
        # The last plain assignment, and the `+=` that extend it.
        statements = statements[plain[-1] :]
        texts: list[str] = []
        unsafe = False
        for statement in statements:
            if statement.value is None:
                continue
            text, spliced = self._template(statement.value)
            unsafe = unsafe or spliced
            if text is not None and not isinstance(statement, ast.AugAssign):
                texts.append(text)
        return unsafe and any(_SQL.match(text) for text in texts)

    def _template(self, expr: ast.expr) -> tuple[str | None, bool]:
        """The constant text (holes as ``x``) and whether an unsafe value is spliced."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value, False
        if isinstance(expr, ast.JoinedStr):
            return self._fstring(expr)
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, left_unsafe = self._template(expr.left)
            right, right_unsafe = self._template(expr.right)
            unsafe = left_unsafe or right_unsafe
            if left is None and right is None:
                return None, False
            if left is None:
                unsafe = unsafe or not self._safe_value(expr.left)
            if right is None:
                unsafe = unsafe or not self._safe_value(expr.right)
            return (left or _HOLE) + (right or _HOLE), unsafe
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Mod):
            return self._percent(expr)
        if (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Attribute)
            and expr.func.attr == "format"
            and isinstance(expr.func.value, ast.Constant)
            and isinstance(expr.func.value.value, str)
        ):
            values = [*expr.args, *(k.value for k in expr.keywords)]
            unsafe = not all(self._safe_value(v) for v in values)
            return re.sub(r"\{[^{}]*\}", _HOLE, expr.func.value.value), unsafe
        return None, False

    def _fstring(self, expr: ast.JoinedStr) -> tuple[str, bool]:
        parts: list[str] = []
        unsafe = False
        for value in expr.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            elif isinstance(value, ast.FormattedValue):
                parts.append(_HOLE)
                numeric = _numeric_spec(value.format_spec)
                unsafe = unsafe or not (numeric or self._safe_value(value.value))
        return "".join(parts), unsafe

    def _percent(self, expr: ast.BinOp) -> tuple[str | None, bool]:
        left = expr.left
        if not (isinstance(left, ast.Constant) and isinstance(left.value, str)):
            return None, False
        conversions = {m.group(1) for m in _PERCENT.finditer(left.value)}
        right = expr.right
        values = right.elts if isinstance(right, ast.Tuple) else [right]
        unsafe = not conversions <= _NUMERIC and not all(
            self._safe_value(v) for v in values
        )
        return _PERCENT.sub(_HOLE, left.value), unsafe

    def _safe_value(self, value: ast.expr) -> bool:
        """A spliced value that cannot carry SQL: constants and placeholder lists."""
        if isinstance(value, ast.Constant):
            return True
        if isinstance(value, ast.Name | ast.Attribute):
            last = value.id if isinstance(value, ast.Name) else value.attr
            return last.isupper()
        if not isinstance(value, ast.Call):
            return False
        if self.ctx.qualname(value.func) in _SAFE_CALLS:
            return True
        func = value.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr == "join"
            and isinstance(func.value, ast.Constant)
            and len(value.args) == 1
            and _placeholders(value.args[0])
        )


def _numeric_spec(spec: ast.expr | None) -> bool:
    if not isinstance(spec, ast.JoinedStr) or len(spec.values) != 1:
        return False
    only = spec.values[0]
    return (
        isinstance(only, ast.Constant)
        and isinstance(only.value, str)
        and only.value[-1:] in tuple("dfeEgGxXob%")
    )


def _placeholders(arg: ast.expr) -> bool:
    """``'?' * n``, ``['%s'] * n`` or ``('?' for _ in xs)``: only constants repeated."""
    if isinstance(arg, ast.BinOp) and isinstance(arg.op, ast.Mult):
        return any(
            isinstance(side, ast.Constant)
            or (
                isinstance(side, ast.List | ast.Tuple)
                and all(isinstance(e, ast.Constant) for e in side.elts)
            )
            for side in (arg.left, arg.right)
        )
    if isinstance(arg, ast.GeneratorExp | ast.ListComp):
        return isinstance(arg.elt, ast.Constant)
    return False
