"""Reading the marts: only the tables the pages being built declare (`Context.readable`), in a fixed order.

Tables are named in full ("marts.aging"). A page may declare only aggregated marts tables, never
`marts.account_month` or anything per account (`dashboards.page.check_table`), so nothing read here holds
account-level rows; every query orders its rows explicitly, so that the same tables give the same pages.
"""

from __future__ import annotations

import duckdb
import polars as pl

from dashboards.dimensions import BOOK_SQL
from dashboards.html_page import notice
from dashboards.page import Context, check_table


def mart_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    check_table(table)
    schema, name = table.split(".", 1)
    rows = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        params=[schema, name],
    ).fetchall()
    return bool(rows[0][0])


def read_mart(ctx: Context, table: str, columns: str, order_by: str) -> pl.DataFrame | None:
    """`SELECT columns FROM table ORDER BY order_by` as Polars; None when the table does not exist.
    Only a table of `ctx.readable` is read.

    `month_end` should be selected as ISO text (`strftime(month_end, '%Y-%m-%d')`) and money cast to
    DOUBLE for charting; the order must be total so that the output is deterministic. In a mart with a
    `currency` column, `portfolio` is the book key "cards-ca · CAD" (`dimensions.book_key`): a page never
    puts two currencies under one key; `currency` itself stays selectable.
    """
    if table not in ctx.readable:
        raise ValueError(f"dashboards read only the aggregated marts the pages declare {sorted(ctx.readable)}, "
                         f"not {table!r}")
    if not mart_exists(ctx.con, table):
        return None
    source = table
    if "currency" in column_names(ctx.con, table):
        source = f"(SELECT * REPLACE ({BOOK_SQL} AS portfolio) FROM {table})"
    return ctx.con.sql(f"SELECT {columns} FROM {source} ORDER BY {order_by}").pl()


def column_names(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of a marts table, in order."""
    check_table(table)
    schema, name = table.split(".", 1)
    return [r[0] for r in con.sql(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", params=[schema, name]).fetchall()]


def latest_month(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    if not mart_exists(con, table):
        return None
    return con.sql(f"SELECT strftime(max(month_end), '%Y-%m-%d') FROM {table}").fetchall()[0][0]


def missing_notice(table: str, df: pl.DataFrame | None) -> str | None:
    """HTML notice when a mart is missing or empty, else None."""
    if df is None:
        return notice(f"No data: the table {table} does not exist in this warehouse.")
    if df.height == 0:
        return notice(f"No data: the table {table} is empty.")
    return None
