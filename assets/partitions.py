"""Reporting months as Dagster partitions, and how a month's figures depend on other months.

The partitions are the reporting months: one per month from the earliest to the latest ledger file of
the landing folder (metrics.md: reporting months run from the earliest to the latest ledger file month).
They are found from the file names alone (one `os.listdir` of `<landing>/ledger/` when the definitions
load); the files themselves are read, and a gap refused, by the raw and staging steps.

Month dependencies are declared per table in assets/registry.py (`Table.months`) as offsets in
months, `(first, last)` relative to the month built: `(-1, 0)` reads m−1 and m, `(-1, 6)` reads m−1 …
m+6. `mapping()` turns them into Dagster partition mappings; an unpartitioned table that reads a
partitioned one reads all its months.

A per-month builder given a range of months replaces only those months' rows (`write_months`); the two
tables the monthly marts are built from (marts.account_month, intermediate.ledger_flows) first check
that no month outside the range changed while a figure the run keeps reads it (`refuse_changes_outside`).
"""

from __future__ import annotations

import calendar
import os
import warnings
from datetime import date, timedelta

import dagster as dg
import duckdb

from .raw.contract import FOLDERS

MONTH_FMT = "%Y-%m"
# Time-window partitions end before "now" unless told otherwise; a landing folder may well hold months
# after today (the sample's default last month is in the future of its seed), so the end is lifted by as
# many months as the last ledger month lies ahead (`_months_ahead`) and the partitions stop at that month
# (end_date). A fixed far offset would do the same, but Dagster walks every month up to it at every step.
def _months_ahead(after: date, today: date | None = None) -> int:
    """How many months `after` (the month after the last ledger month) lies beyond today's month, at least 1."""
    today = today or date.today()
    return max(1, (after.year - today.year) * 12 + after.month - today.month + 1)


def landing_months(landing: str) -> list[date]:
    """The first day of every month that has a ledger file in the landing folder, in order (file names
    only: the folder's layout and the files' contents are judged by the raw step)."""
    folder = os.path.join(landing, "ledger")
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    months = set()
    for name in names:
        m = FOLDERS["ledger"].match(name)
        if m:
            months.add(date(int(m["year"]), int(m["month"]), 1))
    return sorted(months)


def month_partitions(landing: str) -> dg.MonthlyPartitionsDefinition:
    """One partition per month from the earliest to the latest ledger file month of `landing` (keys
    `YYYY-MM`). With no ledger file (no landing folder yet, e.g. the UI started before the first sample
    is written) the definitions still load: the partitions are then the current month alone, and a run
    refuses the landing folder as before."""
    months = landing_months(landing)
    first, last = (months[0], months[-1]) if months else (date.today().replace(day=1),) * 2
    after = next_month(last)
    return dg.MonthlyPartitionsDefinition(start_date=first.strftime(MONTH_FMT), end_date=after.strftime(MONTH_FMT),
                                          fmt=MONTH_FMT, end_offset=_months_ahead(after))


def next_month(d: date, n: int = 1) -> date:
    """The first day of the month n months after d's month."""
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def month_key(d: date) -> str:
    return d.strftime(MONTH_FMT)


def key_month(key: str) -> date:
    year, month = key.split("-")
    return date(int(year), int(month), 1)


def mapping(offsets: tuple[int, int] | None) -> dg.PartitionMapping:
    """The partition mapping of reading months m+first … m+last of a partitioned table; None (an
    unpartitioned reader) reads every month."""
    if offsets is None:
        return dg.AllPartitionMapping()
    first, last = offsets
    # The last months have no m+6 yet (and the first no m−1): those months are read as far as they exist.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # the parameter is beta in Dagster 1.13
        return dg.TimeWindowPartitionMapping(start_offset=first, end_offset=last,
                                             allow_nonexistent_upstream_partitions=True)


def window_months(context: dg.AssetExecutionContext) -> tuple[date, date]:
    """The month ends a partitioned asset's run (re)builds: the first and last month end of its
    partition range."""
    window = context.partition_time_window
    return month_end(window.start.date()), window.end.date() - timedelta(days=1)


# ---- replacing a range of months ----------------------------------------------------------------------
# A per-month builder given `months` = (first, last month end) replaces only those months' rows of its
# table, inside the run's transaction; None rebuilds every month.

def in_months(months, column: str = "month_end", before: int = 0, after: int = 0) -> str:
    """SQL condition: `column` is a month end of the range `months` widened by `before` months before its
    first and `after` months after its last (true when `months` is None: every month)."""
    if months is None:
        return "true"
    first, last = months
    return (f"{column} BETWEEN last_day(DATE '{first.isoformat()}' - INTERVAL {before} MONTH) "
            f"AND last_day(DATE '{last.isoformat()}' + INTERVAL {after} MONTH)")


def write_months(con: duckdb.DuckDBPyConnection, table: str, select: str, months, order: str | None) -> None:
    """Write the rows of `select` into `table`: all of them, replacing the table, when `months` is None
    (or the table does not exist yet); otherwise only its rows of the months in `months`, in place of the
    table's rows of those months, and the rows of months that are no longer reporting months are
    removed. In the run's transaction, so a failed run leaves the table as it was."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                         table.split(".")).fetchall()[0][0]
    order_by = f" ORDER BY {order}" if order else ""
    if months is None or not exists:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM ({select}){order_by}")
        return
    con.execute(f"""DELETE FROM {table} WHERE {in_months(months)}
                    OR month_end NOT IN (SELECT month_end FROM staging.reporting_months)""")
    con.execute(f"INSERT INTO {table} SELECT * FROM ({select}) WHERE {in_months(months)}{order_by}")


class MonthsOutsideRun(ValueError):
    """A run over a range of months found rows of a month outside what it rebuilds changed: figures
    of months the run keeps would no longer agree with the table they are built from."""


def month_digests(con: duckdb.DuckDBPyConnection, table: str) -> dict[date, tuple[int, int]]:
    """{month_end: (rows, order-independent hash of the rows)} of a table with a month_end column."""
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {table}").fetchall()]
    return {m: (n, int(h)) for m, n, h in con.execute(
        f"SELECT month_end, count(*), sum(hash(row({', '.join(cols)})))::HUGEINT FROM {table} GROUP BY 1").fetchall()}


def refuse_changes_outside(con: duckdb.DuckDBPyConnection, table: str, new: str, months, reach: tuple[int, int]) -> None:
    """Before `table`'s rows of `months` are replaced by those of `new` (a table of every month):
    raise MonthsOutsideRun when the rows of a month c differ between the two while a month whose
    figures read c is outside the run's range. `reach` = (before, after): month c is read by the
    figures of months c − before … c + after (those that are reporting months)."""
    stored = month_digests(con, table) if con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        table.split(".")).fetchall()[0][0] else {}
    fresh = month_digests(con, new)
    reporting = [r[0] for r in con.execute("SELECT month_end FROM staging.reporting_months ORDER BY 1").fetchall()]
    if not reporting:
        return
    first, last = months
    bad = {}
    for c in sorted(set(stored) | set(fresh)):
        if stored.get(c) == fresh.get(c):
            continue
        # the reporting months whose figures read month c
        readers = [m for m in reporting if -reach[0] <= _months_between(m, c) <= reach[1]]
        outside = [m for m in readers if not first <= m <= last]
        if outside:
            bad[c] = outside
    if bad:
        start = min(m for ms in bad.values() for m in ms)
        raise MonthsOutsideRun(
            f"{table}: the rows of month(s) {', '.join(str(c) for c in bad)} changed, and the figures of "
            f"{', '.join(sorted({str(m) for ms in bad.values() for m in ms}))} read them, but this run rebuilds "
            f"only the month ends {first} … {last}; run again from {min(start, first)} (arrears run works the months "
            f"out from the landing folder; arrears run --rebuild rebuilds every month)")


def _months_between(later: date, earlier: date) -> int:
    """How many months `later`'s month is after `earlier`'s (negative when before)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month
