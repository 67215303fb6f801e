"""The Excel workbook of one month, from its sheets' rows (dashboards/workbooks.py fetches them), and the
process that writes workbooks beside the pages.

`render(month_end, tables, sheets)` is the whole workbook: XlsxWriter and the standard library only, no
warehouse, so it runs as well in the run's process as in a worker. `python -m dashboards.workbook_writer`
is that worker: it reads (month_end, tables, sheets) requests from its stdin and answers each with
(True, the workbook's bytes) or (False, the error), length-prefixed pickles (assets/pipe.py), until its
stdin closes. Writing a workbook is XlsxWriter's per-cell Python work, so while the run's process draws
the pages on one core, the worker writes workbooks on the other. The bytes do not depend on which process
wrote them.
"""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

from assets.pipe import receive, send

ABOUT = "About"
MONEY, COUNT, RATE, NUMBER, DATE = "#,##0.00", "#,##0", "0.00%", "#,##0.00", "yyyy-mm-dd"
MAX_WIDTH = 40

# A sheet: (table, column names, SQL types upper-cased, rows as tuples), the rows of the month in order.
Sheet = tuple[str, list[str], list[str], list[tuple]]


def render(month_end: str, tables: list[str], sheets: list[Sheet]) -> bytes:
    """The .xlsx of `month_end`: the About sheet naming `tables`, then one sheet per entry of `sheets`."""
    buf = io.BytesIO()
    day = date.fromisoformat(month_end)
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"title": f"arrears portfolio figures, {month_end[:7]}", "author": "arrears",
                         "created": datetime(day.year, day.month, day.day)})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    formats = {kind: book.add_format({"num_format": kind}) for kind in (MONEY, COUNT, RATE, NUMBER, DATE)}
    _about(book.add_worksheet(ABOUT), month_end, tables, bold, wrap)
    for table, names, types, rows in sheets:
        sheet = book.add_worksheet(table.split(".", 1)[1][:31])
        kinds = [_kind(n, t) for n, t in zip(names, types)]
        columns = list(zip(*rows)) or [()] * len(names)
        writers = [_writer(sheet, column, formats.get(kind)) for column, kind in zip(columns, kinds)]
        sheet.write_row(0, 0, names, bold)
        for r, row in enumerate(rows, start=1):  # row by row: the shared strings are numbered in this order
            for c, value in enumerate(row):
                if value is not None:
                    writers[c](r, c, value)
        for c, name in enumerate(names):
            width = max(len(name), _column_width(columns[c], kinds[c]))
            sheet.set_column(c, c, min(width + 2, MAX_WIDTH))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(names) - 1)
    book.close()
    return buf.getvalue()


def serve(requests, replies) -> None:
    """The worker's loop: answer each (month_end, tables, sheets) request with (True, bytes) or (False,
    error text) until its input closes."""
    while True:
        try:
            month_end, tables, sheets = receive(requests)
        except EOFError:
            return
        try:
            reply = (True, render(month_end, tables, sheets))
        except Exception as e:  # noqa: BLE001 - reported to the run, which raises it
            reply = (False, f"{type(e).__name__}: {e}")
        send(replies, reply)


def _about(sheet, month_end: str, tables: list[str], bold, wrap) -> None:
    lines = [
        ("arrears portfolio figures", f"month ending {month_end}"),
        ("As of", month_end),
        ("What", ("Every aggregated marts table the dashboards read, with its rows of this month end, one sheet "
                  "per table (named after it). The figures are aggregates per month end, portfolio and bucket or "
                  "issue group: no account-level data, no account ids.")),
        ("Rows", (f"Each sheet holds SELECT * FROM marts.<sheet> WHERE month_end = '{month_end}' ORDER BY ALL, "
                  "the columns by their warehouse names; complaint figures built from fewer than 5 complaints "
                  "are empty, as on the complaints page.")),
        ("Formats", ("money #,##0.00 (exact to the cent as stored); counts #,##0; rates (columns ending in rate) "
                     "0.00 % (the cell holds the full stored value); other numbers #,##0.00; dates as dates.")),
        ("Sheets", ", ".join(t.split(".", 1)[1] for t in tables) or "none (no marts table)"),
        ("Definitions", "docs/dashboards.md and docs/spec/metrics.md of the arrears repository."),
    ]
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 100)
    for r, (key, text) in enumerate(lines):
        sheet.write_string(r, 0, key, bold)
        sheet.write_string(r, 1, text, wrap)


def _kind(name: str, sql_type: str) -> str | None:
    if sql_type == "DATE":
        return DATE
    if sql_type.startswith("DECIMAL"):
        return MONEY
    if sql_type in ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER"):
        return COUNT
    if sql_type in ("DOUBLE", "FLOAT", "REAL"):
        return RATE if name.endswith(("rate", "rate_annualized")) else NUMBER
    return None


def _writer(sheet, column: tuple, fmt):
    """How the cells of one column are written, chosen once from the Python type of its values (a warehouse
    column holds one type): a datetime or date as an Excel date, a bool as a boolean, a number (int, float,
    Decimal) as a number, anything else as text. NULL cells are left empty by the caller."""
    value = next((v for v in column if v is not None), None)
    if isinstance(value, datetime):
        return lambda r, c, v: sheet.write_datetime(r, c, v, fmt)
    if isinstance(value, date):
        return lambda r, c, v: sheet.write_datetime(r, c, datetime(v.year, v.month, v.day), fmt)
    if isinstance(value, bool):
        return sheet.write_boolean
    if isinstance(value, (int, float, Decimal)):
        return lambda r, c, v: sheet.write_number(r, c, float(v), fmt)
    return lambda r, c, v: sheet.write_string(r, c, str(v))


def _column_width(column: tuple, kind: str | None) -> int:
    """The widest cell of a column as shown (`_width`). A number's shown width grows with its magnitude and
    a minus sign, so only the column's largest and smallest values need formatting."""
    values = [v for v in column if v is not None]
    if not values:
        return 0
    if kind in (MONEY, NUMBER, COUNT):
        return max(_width(max(values), kind), _width(min(values), kind))
    return max(_width(v, kind) for v in values)


def _width(value, kind: str | None) -> int:
    if value is None:
        return 0
    if kind == DATE:
        return 10
    if kind in (MONEY, NUMBER):
        return len(f"{float(value):,.2f}")
    if kind == COUNT:
        return len(f"{int(value):,}")
    if kind == RATE:
        return 8
    return len(str(value))


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
