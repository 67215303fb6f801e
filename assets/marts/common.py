"""Shared pieces of the marts: the 'all' portfolio, the segments of the by-segment tables, month arithmetic and the
money type of the outputs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from assets.domain import SEGMENTS
from assets.partitions import in_months, write_months


# Every money mart has one row set per portfolio and currency, and one for the whole book per currency,
# portfolio = 'all': amounts in different currencies are never added (docs/spec/outputs.md).
def by_portfolio(keys: str) -> str:
    """GROUP BY clause producing per-portfolio rows and 'all' rows, each per currency, for the other `keys`."""
    return f"GROUP BY GROUPING SETS ((portfolio, currency, {keys}), (currency, {keys}))"


PORTFOLIO = "coalesce(portfolio, 'all') AS portfolio, currency"

# The marts also reported per segment (marts.<mart>_by_segment: the mart's own SQL, `segmented`).
SEGMENTED_MARTS = ("marts.aging", "marts.roll_rates", "marts.cure_rates", "marts.delinquency_rates",
                   "marts.charge_offs")

# The by-segment tables (marts.<mart>_by_segment): the same SQL as the mart, its account rows joined with
# their segment values (intermediate.account_segments) and grouped once more by each of the five segments,
# one GROUPING SETS over a single scan. `segment` names the attribute a row is grouped by, `segment_value`
# its value; the key becomes month_end × portfolio × currency × segment × segment_value × the mart's keys.
SEGMENT_TABLE = "intermediate.account_segments"


def account_rows(segmented: bool) -> str:
    """FROM item of the account-months: marts.account_month, segmented with each row's five segment values
    at its month end as columns by_<segment> (by_product_type, …)."""
    if not segmented:
        return "marts.account_month"
    return (f"(SELECT am.*, {', '.join(f'seg.{s} AS by_{s}' for s in SEGMENTS)} FROM marts.account_month am "
            f"JOIN {SEGMENT_TABLE} seg USING (account_key, month_end))")


def segment_values(segmented: bool, alias: str = "") -> str:
    """Select list ', by_product_type, …' carrying the segment columns through a CTE ('' unsegmented)."""
    prefix = f"{alias}." if alias else ""
    return "".join(f", {prefix}by_{s}" for s in SEGMENTS) if segmented else ""


def grouped(keys: str, segmented: bool = False) -> str:
    """GROUP BY clause producing per-portfolio rows and 'all' rows, each per currency, for the other `keys`;
    segmented: the same for each of the five segment columns in turn (ten grouping sets)."""
    if not segmented:
        return by_portfolio(keys)
    sets = ", ".join(f"(portfolio, currency, by_{s}, {keys}), (currency, by_{s}, {keys})" for s in SEGMENTS)
    return f"GROUP BY GROUPING SETS ({sets})"


def portfolio_columns(segmented: bool = False) -> str:
    """Select list of the grouped row's portfolio ('all' for the whole book), currency and, segmented,
    segment and segment_value (of a row grouped by `grouped(…, True)`)."""
    if not segmented:
        return PORTFOLIO
    which = " ".join(f"WHEN grouping(by_{s}) = 0 THEN '{s}'" for s in SEGMENTS)
    return (f"{PORTFOLIO}, CASE {which} END AS segment, "
            f"coalesce({', '.join(f'by_{s}' for s in SEGMENTS)}) AS segment_value")


def keys_of(segmented: bool, *keys: str) -> tuple[str, ...]:
    """A table's key columns after month_end, portfolio, currency: segment, segment_value first when segmented."""
    return (("segment", "segment_value") if segmented else ()) + keys


def row_order(keys: Sequence[str]) -> str:
    """ORDER BY list of a table's rows: month_end, portfolio, currency, then its other `keys`."""
    return ", ".join(("month_end", "portfolio", "currency", *keys))


def prev_month_end(expr: str) -> str:
    return f"(date_trunc('month', {expr}) - INTERVAL 1 DAY)::DATE"


def next_month_end(expr: str, n: int = 1) -> str:
    return f"last_day(date_trunc('month', {expr}) + INTERVAL {n} MONTH)::DATE"


# Money in the output tables (docs/spec/outputs.md). It holds |x| < 10^16, i.e. |cents| < 10^18.
MONEY = "DECIMAL(18,2)"
MONEY_LIMIT = 10**16
MONEY_LIMIT_CENTS = 100 * MONEY_LIMIT

# Which ledger entries make up a money column of an aggregate row at month end m: those posted up to
# m (a balance at m), in m only (a flow of m), or up to m−1 (a balance at m−1, as roll and cure rates).
TO_DATE, IN_MONTH, TO_PREVIOUS = "to_date", "in_month", "to_previous"


def ledger_files(con: duckdb.DuckDBPyConnection, file_months: Sequence[date]) -> str:
    """The ledger files of these file months, comma separated, in month order."""
    files = [r[0] for r in con.execute(
        "SELECT source_file FROM raw.files WHERE entity = 'ledger' AND list_contains(?, file_month) "
        "ORDER BY file_month", [list(file_months)]).fetchall()]
    return ", ".join(files) or "no recorded file"


def create_money_table(con: duckdb.DuckDBPyConnection, table: str, select: str, money: dict[str, str],
                       keys: Sequence[str] = (), order: str = "month_end, portfolio, currency", months=None) -> int:
    """Create `table` (one row per month_end × portfolio × currency × `keys`) from `select`, whose `money` columns
    are exact sums (DECIMAL(38,2)); they are stored as MONEY, the output contract's type.

    A figure that MONEY cannot hold stops the build with a ValueError naming the table, the column,
    the portfolio, the currency, the month (and `keys`), the exact figure and the ledger files its entries came from;
    `money` maps each column to which entries make it up (TO_DATE, IN_MONTH, TO_PREVIOUS). One
    max(abs(…)) per column over the aggregate rows proves the common case; only when it fails are
    the offending rows looked for. Every row carries its `currency` (a key of the table).

    `months` (first, last month end): only the rows of those months are written, in place of the
    table's rows of those months (`write_months`); `select` need only be right for them."""
    scratch = "_money_" + table.replace(".", "_")
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {scratch} AS SELECT * FROM ({select}) WHERE {in_months(months)}")
        largest = con.execute(
            f"SELECT {', '.join(f'coalesce(max(abs({c})) >= {MONEY_LIMIT}, false)' for c in money)} "
            f"FROM {scratch}").fetchone()
        if any(largest):
            _refuse_money(con, table, scratch, [c for c, bad in zip(money, largest) if bad], money, keys)
        write_months(con, table, f"""SELECT * REPLACE ({', '.join(f'CAST({c} AS {MONEY}) AS {c}' for c in money)})
            FROM {scratch}""", months, order)
    finally:
        con.execute(f"DROP TABLE IF EXISTS {scratch}")
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _refuse_money(con: duckdb.DuckDBPyConnection, table: str, scratch: str, columns: list[str],
                  money: dict[str, str], keys: Sequence[str]) -> None:
    """Raise the ValueError of create_money_table for the first offending figure: earliest month, a
    portfolio before 'all', then the currency and the column order."""
    shown = "".join(f", {k}::VARCHAR" for k in keys)
    found = con.execute(" UNION ALL ".join(
        f"SELECT month_end, portfolio, currency, {n} AS col, {c}::VARCHAR AS figure, [NULL{shown}] AS key_values "
        f"FROM {scratch} WHERE abs({c}) >= {MONEY_LIMIT}" for n, c in enumerate(columns))
        + " ORDER BY month_end, portfolio = 'all', portfolio, currency, col, key_values LIMIT 1").fetchone()
    month_end, portfolio, currency, col, figure, key_values = found
    column = columns[col]
    start, end = {TO_DATE: (None, month_end),
                  IN_MONTH: (month_end.replace(day=1), month_end),
                  TO_PREVIOUS: (None, month_end.replace(day=1))}[money[column]]
    months = [r[0] for r in con.execute(
        f"""SELECT DISTINCT e.file_month FROM staging.ledger_entries e JOIN staging.accounts a USING (account_key)
            WHERE (a.portfolio = ? OR ? = 'all') AND a.currency = ?
              AND e.posted_on {'<=' if money[column] != TO_PREVIOUS else '<'} ?
              AND (? IS NULL OR e.posted_on >= ?)""",
        [portfolio, portfolio, currency, end, start, start]).fetchall()]
    where = "".join(f", {k} {v}" for k, v in zip(keys, key_values[1:]))
    raise ValueError(
        f"{table}: portfolio {portfolio} ({currency}), month ending {month_end}{where}: {column} {figure} does not fit "
        f"{MONEY}, the output contract's money type (|x| < 10^16); the portfolio's entries come from "
        f"{ledger_files(con, sorted(months))}")
