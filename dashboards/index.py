"""index.html: a link to every page built and the headline figures of the latest month (open accounts,
open balance, 30+ DPD balance rate per portfolio, from marts.delinquency_rates)."""

from __future__ import annotations

import html
from datetime import datetime, timezone

from dashboards import delinquency_rates
from dashboards.chart_data import data_links
from dashboards.dimensions import months, portfolio_label, portfolio_sort_key
from dashboards.figures import figure_html
from dashboards.formatting import fmt_int, fmt_money, fmt_rate
from dashboards.html_page import page_html
from dashboards.page import Context
from dashboards.reading import missing_notice, read_mart
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


def _headline(ctx: Context) -> str:
    df = delinquency_rates.read(ctx)
    empty = missing_notice(delinquency_rates.TABLE, df)
    if empty:
        return "<h2>Headline figures</h2>\n" + empty
    latest = max(months(df))
    rows = {r["portfolio"]: r for r in df.iter_rows(named=True) if r["month_end"] == latest}
    body = "\n".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(portfolio_label(p)),
            fmt_int(rows[p]["open_accounts"]),
            fmt_money(rows[p]["open_balance"]),
            fmt_rate(rows[p]["dq30_balance_rate"]),
        )
        for p in sorted(rows, key=portfolio_sort_key)
    )
    table = (
        '<table class="headline">\n<thead><tr><th>Portfolio</th><th>Open accounts</th><th>Open balance</th>'
        f"<th>30+ DPD balance rate</th></tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"
    )
    chart = figure_html(delinquency_rates.dq30_by_portfolio(df, latest, height=380), "index-dq30-by-portfolio")
    return (
        f"<h2>Headline figures, month ending {html.escape(latest)}</h2>\n"
        '<p class="note">Open accounts and open balance at the month end (charged-off and closed accounts '
        "excluded); 30+ DPD balance rate = full balance of the open accounts at 30 or more days past due / "
        "open balance.</p>\n"
        f"{table}\n{data_links('index-headline')}{chart}\n"
    )
