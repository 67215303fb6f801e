"""One Excel workbook per reporting month in the reports folder (`workbooks/arrears-YYYY-MM.xlsx`), written
with XlsxWriter: what finance takes away.

A workbook holds, for its month end, the rows of every aggregated mart the pages being built read
(`Context.readable` without the records such as published.closes; never marts.account_month or anything
per account, see `dashboards.page.check_table`): a first sheet "About" (what the workbook holds, the month,
that the figures are aggregates), then one sheet per mart named after it, in name order. Each sheet holds
`SELECT … FROM <mart> WHERE month_end = <month> ORDER BY ALL` with the same columns, order and small-cell
rule as the CSV files (`dashboards.exports.select_sql`), a bold frozen header row of the warehouse's column
names and an autofilter. Formats by column: DATE a real Excel date (yyyy-mm-dd); DECIMAL (money)
`#,##0.00`; integers (counts) `#,##0`; a DOUBLE whose name ends in `rate` or `rate_annualized` `0.00%`
(the cell holds the stored double, the format only shows it as a percentage); any other DOUBLE (per
1,000, days) `#,##0.00`; text as text; NULL an empty cell.

Reporting months are the month ends of marts.delinquency_rates and marts.aging (the complaint marts may
reach back before the ledger; their rows of a reporting month are in that month's workbook). The files
are deterministic: the workbook's creation time is the month end itself, so the same tables give
byte-identical files.
"""

from __future__ import annotations

import html
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from dashboards.exports import select_sql
from dashboards.files import WORKBOOK_DIR, write_bytes
from dashboards.page import RECORD_TABLES, Context
from dashboards.reading import mart_exists

MONTH_TABLES = ("marts.delinquency_rates", "marts.aging")  # their month ends are the reporting months
ABOUT = "About"
MONEY, COUNT, RATE, NUMBER, DATE = "#,##0.00", "#,##0", "0.00%", "#,##0.00", "yyyy-mm-dd"
MAX_WIDTH = 40


def workbook_name(month_end: str) -> str:
    """workbooks/arrears-YYYY-MM.xlsx, relative to the reports folder."""
    return f"{WORKBOOK_DIR}/arrears-{month_end[:7]}.xlsx"


def reporting_months(ctx: Context) -> list[str]:
    """The month ends (ISO) of `MONTH_TABLES` that the pages being built read, earliest first."""
    tables = [t for t in MONTH_TABLES if t in ctx.readable and mart_exists(ctx.con, t)]
    if not tables:
        return []
    union = " UNION ".join(f"SELECT DISTINCT month_end FROM {t}" for t in tables)
    return [r[0] for r in ctx.con.execute(
        f"SELECT strftime(month_end, '%Y-%m-%d') FROM ({union}) WHERE month_end IS NOT NULL ORDER BY 1").fetchall()]


def workbook_tables(ctx: Context) -> list[str]:
    """The marts a workbook holds: those the pages being built read that exist, in name order."""
    return sorted(t for t in ctx.readable - RECORD_TABLES if mart_exists(ctx.con, t))


def downloads_html(ctx: Context) -> str:
    """The index's "Downloads" section: a link to each month's workbook, latest first."""
    items = "\n".join(f'<li><a href="{workbook_name(m)}" download>{html.escape(m[:7])} (Excel)</a></li>'
                      for m in reversed(reporting_months(ctx)))
    if not items:
        return ""
    return ("<h2>Downloads</h2>\n"
            '<p class="note">One Excel workbook per month: every aggregated marts table the pages read, that '
            "month's rows, one sheet per table (the same rows and rules as the CSV files under each chart; "
            "no account-level data). Each chart's own data is its \u201cData (CSV)\u201d link.</p>\n"
            f'<ul class="pages">\n{items}\n</ul>\n')


def write_workbooks(ctx: Context, out: Path) -> list[Path]:
    """Write the workbook of every reporting month; return their paths."""
    tables = workbook_tables(ctx)
    written = []
    for month_end in reporting_months(ctx):
        path = out / workbook_name(month_end)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(path, workbook_bytes(ctx, month_end, tables))
        written.append(path)
    return written


def workbook_bytes(ctx: Context, month_end: str, tables: list[str]) -> bytes:
    """The .xlsx of `month_end` holding `tables`' rows of that month."""
    buf = io.BytesIO()
    day = date.fromisoformat(month_end)
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.set_properties({"title": f"arrears portfolio figures, {month_end[:7]}", "author": "arrears",
                         "created": datetime(day.year, day.month, day.day)})
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    formats = {kind: book.add_format({"num_format": kind}) for kind in (MONEY, COUNT, RATE, NUMBER, DATE)}
    _about(book.add_worksheet(ABOUT), month_end, tables, bold, wrap)
    for table in tables:
        result = ctx.con.execute(select_sql(ctx.con, table, "month_end = ?::DATE"), [month_end])
        names = [d[0] for d in result.description]
        types = [str(d[1]).upper() for d in result.description]
        rows = result.fetchall()
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
