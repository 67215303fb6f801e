"""SQL text built from values: the one place that quotes a literal or an identifier; and whether a
table exists.

Every SQL literal the project builds from data (a file name, an enum value, a month) goes through
`sql_literal`, so a value holding a quote can never end a string early.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date


def sql_literal(value: str) -> str:
    """A SQL string literal: `it's` -> `'it''s'`."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    """A parenthesised list of string literals, for `IN`: `('a', 'b')`."""
    return "(" + ", ".join(sql_literal(v) for v in values) + ")"


def sql_date(value: date | str) -> str:
    """A DATE literal: `DATE '2026-10-31'`."""
    return f"DATE {sql_literal(str(value))}"


def sql_ident(name: str) -> str:
    """A quoted identifier, for a column name as a file spells it (double quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def table_exists(con, qualified: str) -> bool:
    """Whether the table or view `schema.name` exists in the warehouse `con` is connected to."""
    schema, name = qualified.split(".", 1)
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                       [schema, name]).fetchall()[0][0] > 0
