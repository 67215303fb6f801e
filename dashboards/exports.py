"""The data behind every chart and table as CSV files in the reports folder (`data/`), linked from the chart.

One rule for every file: a chart's CSV holds, for each source `dashboards.chart_data` names for it (a marts
table and the condition that picks the rows the chart draws),

    SELECT * FROM <table> [WHERE <condition>] ORDER BY ALL

every column of the table by its warehouse name, in the table's column order, so that an auditor can
match a row of the file to a row of the mart. Values are written as stored: dates ISO (2026-10-31), DECIMAL
money exactly as stored (1234.50), DOUBLE rates as the shortest decimal that reads back as the stored
double, NULL as an empty field. The complaint marts are the one exception to "as stored": a figure the
complaints page suppresses (built from fewer than `MIN_COMPLAINTS` complaints, `SUPPRESSED_COLUMNS`) is
an empty field, so the small-cell rule holds for the files as for the page.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb

from dashboards.chart_data import CB, CM, EXPORTS
from dashboards.files import DATA_DIR, write_bytes
from dashboards.reading import mart_exists
from dashboards.suppression import MIN_COMPLAINTS

# Complaint figures the page suppresses below MIN_COMPLAINTS: column -> the count it rests on.
SUPPRESSED_COLUMNS: dict[str, dict[str, str]] = {
    CM: {
        "complaints": "complaints", "complaints_per_1000": "complaints", "median_days_to_close": "complaints",
        "repeat_rate": "complaints", "dates_unknown": "complaints",
        "timely_response_rate": "timely_response_denominator",
        "timely_response_denominator": "timely_response_denominator",
        "closed_within_60d_rate": "closed_within_60d_denominator",
        "closed_within_60d_denominator": "closed_within_60d_denominator",
        "open_backlog": "open_backlog", "backlog_unknown": "backlog_unknown",
        "conduct_complaints": "conduct_complaints", "conduct_per_1000_delinquent": "conduct_complaints",
    },
    CB: {"complaints": "complaints", "complaints_per_1000": "complaints"},
}


def select_sql(con: duckdb.DuckDBPyConnection, table: str, where: str | None) -> str:
    """`SELECT` of every column of `table` in its order (complaint figures below MIN_COMPLAINTS NULL),
    `where`, `ORDER BY ALL`. Refuses a table with an `account_id` column."""
    schema, name = table.split(".", 1)
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position", [schema, name]).fetchall()]
    if "account_id" in columns:  # a per-account table is never exported, whatever its name
        raise ValueError(f"{table} has an account_id column; exports hold aggregated marts only")
    masks = SUPPRESSED_COLUMNS.get(table, {})
    select = ", ".join(
        f't."{c}"' if c not in masks else f'CASE WHEN t."{masks[c]}" >= {MIN_COMPLAINTS} THEN t."{c}" END AS "{c}"'
        for c in columns
    )
    return f"SELECT {select} FROM {table} AS t" + (f" WHERE {where}" if where else "") + " ORDER BY ALL"


def csv_text(con: duckdb.DuckDBPyConnection, sql: str) -> str:
    """The rows of `sql` as CSV: a header of the column names, values as stored (see the module)."""
    result = con.execute(sql)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([d[0] for d in result.description])
    writer.writerows([_text(v) for v in row] for row in result.fetchall())
    return buf.getvalue()


def write_exports(con: duckdb.DuckDBPyConnection, out: Path, pages_html: list[str],
                  readable: frozenset[str]) -> list[Path]:
    """Write the CSV of every chart and table the pages link to; return their paths (sorted). A source
    table that does not exist, or that the pages built do not read (the charge-offs of the overview's rates
    table without the charge-offs page), gives an empty file, so that no link is broken."""
    linked = set(re.findall(rf'href="({DATA_DIR}/[^"]+\.csv)"', "".join(pages_html)))
    written = []
    for export in EXPORTS:
        for source, rel in export.files():
            if rel not in linked:
                continue
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            text = (csv_text(con, select_sql(con, source.table, source.where))
                    if source.table in readable and mart_exists(con, source.table) else "")
            write_bytes(path, text.encode("utf-8"))
            written.append(path)
    return sorted(set(written))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

