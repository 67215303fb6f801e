"""index.html: a link to every page built and the headline figures of the latest month per portfolio (open
accounts, open balance, 30+ and 90+ DPD balance rates from marts.delinquency_rates, the annualized NCO rate
from marts.charge_offs), each with its change against the previous month and the 3-month average."""

from __future__ import annotations

import html
from datetime import datetime, timezone

from dashboards import charge_offs, delinquency_rates
from dashboards.changes import COUNT, MONEY, RATE, change_cells
from dashboards.chart_data import data_links
from dashboards.dimensions import currency_of, months, portfolio_label, portfolio_sort_key
from dashboards.figures import figure_html
from dashboards.html_page import page_html
from dashboards.page import Context
from dashboards.reading import mart_exists, missing_notice, read_mart
from dashboards.workbooks import downloads_html

CLOSES = "published.closes"

INDEX_INTRO = (
    "Portfolio reports of the arrears warehouse: how the book ages into delinquency, how accounts roll "
    "between buckets from one month end to the next, how many cure, the headline delinquency rates and, "
    "where the warehouse holds complaints, complaints per 1,000 accounts by issue and delinquency bucket "
    "(figures built from fewer than 5 complaints suppressed). "
    "Every figure is an aggregate of the marts tables (per month end and portfolio; 'all' is the whole "
    "book); no page holds account-level data. The pages open offline from this folder."
)


def index_html(ctx: Context) -> str:
    """The whole index page; `ctx.pages` are the pages being built."""
    links = "\n".join(
        f'<li><a href="{p.filename}">{html.escape(p.title)}</a> — {html.escape(p.summary)}</li>' for p in ctx.pages
    )
    body = _restated(ctx) + f'<h2>Pages</h2>\n<ul class="pages">\n{links}\n</ul>\n' + _headline(ctx) + downloads_html(ctx)
    return page_html(ctx, "index", "Portfolio reports", INDEX_INTRO, body)


def restated_months(ctx: Context) -> list[str]:
    """One line per restated month, from its latest close version: "2026-10 restated (v2, 2026-12-04, by
    alice: note)"; a month the drawing run restates is shown with the version its close will record."""
    df = read_mart(ctx, CLOSES, "strftime(month_end, '%Y-%m') AS month, version, "
                   "strftime(closed_at, '%Y-%m-%d') AS day, closed_by, note", "month_end, version")
    latest = {r["month"]: r for r in (df.iter_rows(named=True) if df is not None else ())}
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    for month, by, note in ctx.restating:
        version = latest[month]["version"] + 1 if month in latest else 1
        latest[month] = {"month": month, "version": version, "day": today, "closed_by": by, "note": note}
    return [f"{m} restated (v{r['version']}, {r['day']}, by {r['closed_by']}" + (f": {r['note']})" if r["note"] else ")")
            for m, r in sorted(latest.items()) if r["version"] > 1]


def _restated(ctx: Context) -> str:
    lines = restated_months(ctx)
    if not lines:
        return ""
    return ('<p class="notice restated">' + "<br>\n".join(html.escape(line) for line in lines) + "</p>\n"
            '<p class="note">These months were changed after their close; every version of a close stays in the '
            "warehouse (published.closes and the published tables).</p>\n")


# The headline figures: (mart, column, label, kind); the charge-off figure only where its page is built.
HEADLINE_FIGURES = (
    (delinquency_rates.TABLE, "open_accounts", "Open accounts", COUNT),
    (delinquency_rates.TABLE, "open_balance", "Open balance", MONEY),
    (delinquency_rates.TABLE, "dq30_balance_rate", "30+ DPD balance rate", RATE),
    (delinquency_rates.TABLE, "dq90_balance_rate", "90+ DPD balance rate", RATE),
    (charge_offs.TABLE, "nco_rate_annualized", "Annualized NCO rate", RATE),
)


def _changes_table(div_id: str, figures: list[tuple], values: dict, shown: list[str], latest: str) -> str:
    """One row per portfolio: each figure's value at `latest`, its change against m−1 and the 3-month average."""
    body = "\n".join(
        f"<tr><td>{html.escape(portfolio_label(p))}</td>" + "".join(
            f"<td>{html.escape(cell)}</td>"
            for table, column, _, kind in figures
            for cell in change_cells(kind, values[(table, column)].get(p, {}), latest, currency_of(p))) + "</tr>"
        for p in shown
    )
    head = ('<tr><th rowspan="2">Portfolio</th>'
            + "".join(f'<th colspan="3">{html.escape(label)}</th>' for _, _, label, _ in figures) + "</tr>\n<tr>"
            + "<th>Value</th><th>vs prev. month</th><th>vs 3-mo. avg</th>" * len(figures) + "</tr>")
    return (f'<table class="headline changes" id="{div_id}">\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n'
            "</table>\n" + data_links(div_id))


def _headline(ctx: Context) -> str:
    df = delinquency_rates.read(ctx)
    empty = missing_notice(delinquency_rates.TABLE, df)
    if empty:
        return "<h2>Headline figures</h2>\n" + empty
    latest = max(months(df))
    frames = {delinquency_rates.TABLE: df}
    if charge_offs.TABLE in ctx.readable and mart_exists(ctx.con, charge_offs.TABLE):
        frames[charge_offs.TABLE] = read_mart(ctx, charge_offs.TABLE, "strftime(month_end, '%Y-%m-%d') AS month_end, "
                                              "portfolio, nco_rate_annualized", "month_end, portfolio")
    figures = [f for f in HEADLINE_FIGURES if f[0] in frames]
    # each figure by portfolio and month end (a month without a row is absent)
    values = {(table, column): {} for table, column, _, _ in figures}
    for table, column, _, _ in figures:
        for r in frames[table].iter_rows(named=True):
            values[(table, column)].setdefault(r["portfolio"], {})[r["month_end"]] = r[column]
    shown = sorted({r["portfolio"] for r in df.iter_rows(named=True) if r["month_end"] == latest},
                   key=portfolio_sort_key)
    # two tables, so that each fits the page: the book's size, then the rates
    table = "\n".join(_changes_table(div_id, [f for f in figures if (f[3] == RATE) == rates], values, shown, latest)
                      for div_id, rates in (("headline", False), ("headline-rates", True)))
    chart = figure_html(delinquency_rates.dq30_by_portfolio(df, latest, height=380), "index-dq30-by-portfolio")
    return (
        f"<h2>Headline figures, month ending {html.escape(latest)}</h2>\n"
        '<p class="note">Open accounts and open balance at the month end (charged-off and closed accounts '
        "excluded); 30+ (90+) DPD balance rate = full balance of the open accounts at 30 (90) or more days "
        "past due / open balance; annualized NCO rate = net charge-off × 12 / average open balance of the "
        "previous and this month end. Beside each figure its change against the previous month end and "
        "against the average of the three month ends before this one (m−1, m−2, m−3): counts and amounts "
        "as the difference and in %, rates in percentage points (pp); — where there is no such month.</p>\n"
        f"{table}\n{chart}\n"
    )
