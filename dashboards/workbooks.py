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
import os
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from assets.pipe import receive, send
from dashboards.exports import select_sql
from dashboards.files import WORKBOOK_DIR, write_bytes
from dashboards.page import RECORD_TABLES, Context
from dashboards.reading import mart_exists
from dashboards.workbook_writer import Sheet, render

MONTH_TABLES = ("marts.delinquency_rates", "marts.aging")  # their month ends are the reporting months
# From this many cells in all a build's workbooks, a worker process writes some of them while the pages are
# drawn (`Workbooks`); below it, starting the worker would cost more than it saves.
WORKER_FROM_CELLS = 100_000
_ROOT = str(Path(__file__).resolve().parents[1])


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


def month_sheets(ctx: Context, month_end: str, tables: list[str]) -> list[Sheet]:
    """`tables`' rows of `month_end`, one sheet each, as the workbook shows them (`select_sql`)."""
    sheets = []
    for table in tables:
        result = ctx.con.execute(select_sql(ctx.con, table, "month_end = ?::DATE"), [month_end])
        sheets.append((table, [d[0] for d in result.description], [str(d[1]).upper() for d in result.description],
                       result.fetchall()))
    return sheets


class Workbooks:
    """The workbooks of every reporting month, written while the pages are drawn.

    Made before the pages: it reads every month's rows from the warehouse at once (the warehouse is read
    only here, in the run's thread) and, when they hold at least `WORKER_FROM_CELLS` cells, starts the
    worker (`python -m dashboards.workbook_writer`) and a thread that hands it the months one at a time,
    earliest first. `finish()`, after the pages, writes the months the worker has not taken in this process,
    latest first, until the two meet; then it writes every file, earliest month first, and returns their
    paths. A worker that dies leaves its months to this process; an error in a workbook is raised here
    either way. `close()` stops the worker; the caller calls it also when drawing the pages failed."""

    def __init__(self, ctx: Context, out: Path):
        self.out, self.tables = out, workbook_tables(ctx)
        self.months = reporting_months(ctx)
        self.pending = deque((m, month_sheets(ctx, m, self.tables)) for m in self.months)
        self.done: dict[str, bytes] = {}
        self.failure: str | None = None
        self.proc = self.thread = None
        cells = sum(len(names) * len(rows) for _, sheets in self.pending for _, names, _, rows in sheets)
        if cells >= WORKER_FROM_CELLS and len(self.pending) > 1:
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
            self.proc = subprocess.Popen([sys.executable, "-m", "dashboards.workbook_writer"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, env=env, cwd=_ROOT)
            self.thread = threading.Thread(target=self._feed, name="workbook-writer", daemon=True)
            self.thread.start()

    def _feed(self) -> None:
        while True:
            try:
                month_end, sheets = self.pending.popleft()
            except IndexError:
                return
            try:
                send(self.proc.stdin, (month_end, self.tables, sheets))
                ok, value = receive(self.proc.stdout)
            except (OSError, ValueError, EOFError):  # the worker died or was stopped: this process writes the month
                self.pending.appendleft((month_end, sheets))
                return
            if not ok:
                self.failure = f"{month_end[:7]}: {value}"
                return
            self.done[month_end] = value

    def finish(self) -> list[Path]:
        while self.failure is None:
            try:
                month_end, sheets = self.pending.pop()
            except IndexError:
                break
            self.done[month_end] = render(month_end, self.tables, sheets)
        if self.thread is not None:
            self.thread.join()
        while self.failure is None and self.pending:  # left by a worker that died
            month_end, sheets = self.pending.pop()
            self.done[month_end] = render(month_end, self.tables, sheets)
        self.close()
        if self.failure is not None:
            raise RuntimeError(f"the workbook of {self.failure}")
        written = []
        for month_end in self.months:
            path = self.out / workbook_name(month_end)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(path, self.done[month_end])
            written.append(path)
        return written

    def close(self) -> None:
        """Stop the worker: after `finish` it has nothing left and exits when its input closes; on an error
        before `finish` it is killed mid-workbook."""
        if self.proc is None:
            return
        self.pending.clear()
        if self.thread is not None and self.thread.is_alive():
            self.proc.kill()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if self.thread is not None:
            self.thread.join()
        self.proc.wait()
        self.proc = None
