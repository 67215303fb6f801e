"""Reading the marts: only the tables the pages declare (`dashboards.build.MART_TABLES`), in a fixed order.

Tables are named in full ("marts.aging"). A page may declare only aggregated marts tables, never
`marts.account_month` or anything per account (`dashboards.page.check_table`), so nothing read here holds
account-level rows; every query orders its rows explicitly, so that the same tables give the same pages.
"""

from __future__ import annotations

import duckdb
import polars as pl

from dashboards.html_page import notice


def mart_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    _check_table(table)
    schema, name = table.split(".", 1)
    rows = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        params=[schema, name],
    ).fetchall()
    return bool(rows[0][0])


def read_mart(con: duckdb.DuckDBPyConnection, table: str, columns: str, order_by: str) -> pl.DataFrame | None:
    """`SELECT columns FROM table ORDER BY order_by` as Polars; None when the table does not exist.

    `month_end` should be selected as ISO text (`strftime(month_end, '%Y-%m-%d')`) and money cast to
    DOUBLE for charting; the order must be total so that the output is deterministic.
    """
    if not mart_exists(con, table):
        return None
    return con.sql(f"SELECT {columns} FROM {table} ORDER BY {order_by}").pl()


def latest_month(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    if not mart_exists(con, table):
        return None
    return con.sql(f"SELECT strftime(max(month_end), '%Y-%m-%d') FROM {table}").fetchall()[0][0]


def _check_table(table: str) -> None:
    from dashboards.build import MART_TABLES  # here, not at the top: build imports the pages, which import this

    if table not in MART_TABLES:
        raise ValueError(f"dashboards read only the aggregated marts {sorted(MART_TABLES)}, not {table!r}")


def missing_notice(table: str, df: pl.DataFrame | None) -> str | None:
    """HTML notice when a mart is missing or empty, else None."""
    if df is None:
        return notice(f"No data: the table {table} does not exist in this warehouse.")
    if df.height == 0:
        return notice(f"No data: the table {table} is empty.")
    return None
