"""quarterly.html (built only when marts.quarterly_rates exists): the quarterly view, laid out as the Federal
Reserve's charge-off and delinquency rates are, per book (portfolio × currency).

A chart of the quarter-end 30+ and 90+ DPD balance rates and the annualised net charge-off rate, one book at a
time (dropdown), then one table per book, latest quarter first, money with its currency and rates as
percentages. The figures are native per currency only (no converted quarterly figures are built).
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from dashboards.chart_data import data_links
from dashboards.dimensions import currency_of, portfolio_label, portfolios
from dashboards.figures import SERIES_COLORS, SERIES_DASHES, SERIES_SYMBOLS, figure_html, style
from dashboards.formatting import fmt_int, fmt_money, fmt_rate, slug
from dashboards.html_page import section
from dashboards.page import Context, Page
from dashboards.portfolio_menu import add_portfolio_menu, add_portfolio_traces
from dashboards.reading import missing_notice, read_mart

TABLE = "marts.quarterly_rates"
NCO_DEFINITION = "the quarter's net charge-off × 4 / mean open balance of its three month ends"
# The lines of the chart: (column, label); colours, dashes and markers by index (figures.SERIES_*).
LINES = (
    ("dq30_balance_rate", "30+ DPD balance rate (quarter end)"),
    ("dq90_balance_rate", "90+ DPD balance rate (quarter end)"),
    ("nco_rate_annualized", "Net charge-off rate (annualised)"),
)
# The table's columns: (column, heading, kind)
COLUMNS = (
    ("quarter", "Quarter", "text"),
    ("open_accounts", "Open accounts", "count"),
    ("open_balance", "Open balance", "money"),
    ("dq30_balance_rate", "30+ DPD (balance)", "rate"),
    ("dq30_account_rate", "30+ DPD (accounts)", "rate"),
    ("dq90_balance_rate", "90+ DPD (balance)", "rate"),
    ("dq90_account_rate", "90+ DPD (accounts)", "rate"),
    ("gross_charge_off", "Gross charge-off", "money"),
    ("recoveries", "Recoveries", "money"),
    ("net_charge_off", "Net charge-off", "money"),
    ("average_balance", "Average balance", "money"),
    ("nco_rate_annualized", "NCO rate (annualised)", "rate"),
)
CHART_ID = "qtr-rates"
TABLE_ID = "qtr-table"  # one table per book: qtr-table-<n>-<book>
NOT_ADJUSTED = ("Not seasonally adjusted (the Federal Reserve's published series are), and this book only: read "
                "a quarter against the same quarter of an earlier year rather than against the one before.")


def read(ctx: Context) -> pl.DataFrame | None:
    """The mart's rows, money as DECIMAL (exact to the cent), `portfolio` the book key."""
    return read_mart(ctx, TABLE, "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, "
                     + ", ".join(c for c, _, _ in COLUMNS), "portfolio, month_end")


def _cell(value, kind: str, currency: str | None) -> str:
    if kind == "money":
        return fmt_money(value, currency)
    if kind == "rate":
        return fmt_rate(value)
    if kind == "count":
        return fmt_int(value)
    return html.escape(str(value))


def book_table(df: pl.DataFrame, book: str, index: int) -> str:
    """The quarters of one book, latest first, every amount followed by the book's currency."""
    currency = currency_of(book)
    rows = sorted((r for r in df.iter_rows(named=True) if r["portfolio"] == book), key=lambda r: r["month_end"],
                  reverse=True)
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in COLUMNS)
    body = "\n".join("<tr>" + "".join(f"<td>{_cell(r[c], k, currency)}</td>" for c, _, k in COLUMNS) + "</tr>"
                     for r in rows)
    div_id = f"{TABLE_ID}-{index}-{slug(book)}"
    return (f'<h3>{html.escape(portfolio_label(book))}</h3>\n<table class="headline" id="{div_id}">\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n" + data_links(div_id))


def rates_figure(df: pl.DataFrame, as_of: str) -> go.Figure:
    """The two quarter-end delinquency rates and the annualised NCO rate over the quarters, one book at a time."""
    quarters = sorted(set(df["quarter"].to_list()))
    by_key = {(r["portfolio"], r["quarter"]): r for r in df.iter_rows(named=True)}

    def traces(book: str) -> list[go.Scatter]:
        label = portfolio_label(book)
        out = []
        for i, (column, name) in enumerate(LINES):
            ys = [by_key[(book, q)][column] if (book, q) in by_key else None for q in quarters]
            out.append(go.Scatter(x=quarters, y=ys, mode="lines+markers", name=name,
                                  line={"color": SERIES_COLORS[i], "dash": SERIES_DASHES[i]},
                                  marker={"symbol": SERIES_SYMBOLS[i], "size": 8},
                                  hovertemplate=f"{label}, %{{x}}: %{{y:.2%}}<extra>{html.escape(name)}</extra>"))
        return out

    fig = go.Figure()
    groups = add_portfolio_traces(fig, portfolios(df), traces)
    style(fig, "Quarterly delinquency and net charge-off rates",
          "30+/90+ DPD at the quarter end; NCO = net charge-off × 4 / average balance", as_of)
    fig.update_layout(hovermode="x unified")
    fig.update_xaxes(title_text="Quarter", type="category")
    fig.update_yaxes(title_text="Rate", tickformat=".1%")
    add_portfolio_menu(fig, groups)
    return fig


def render(ctx: Context) -> str:
    df = read(ctx)
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    as_of = max(df["month_end"].to_list())
    tables = "".join(book_table(df, book, i) for i, book in enumerate(portfolios(df)))
    return (
        section(
            "Quarterly rates",
            "At each quarter end: the 30+ and 90+ days-past-due balance rates (the full balances of the open "
            "accounts that far past due over the open balance). Over the quarter: the net charge-off "
            f"annualised, {NCO_DEFINITION}. {NOT_ADJUSTED} "
            '<a href="definitions.html#quarterly">Definition</a>.',
            figure_html(rates_figure(df, as_of), CHART_ID),
        )
        + section(
            "Quarters per book",
            "Latest quarter first. A book is one portfolio in one currency (All portfolios: the whole book of "
            "that currency); amounts in different currencies are never added and no converted figures are built "
            "for this view. Only whole quarters (all three months reported) are listed: a partial first or last "
            "quarter has no row.",
            tables,
        )
    )


PAGE = Page(
    slug="quarterly",
    title="Quarterly view",
    summary="Quarter-end 30+ and 90+ DPD rates and the annualised quarterly net charge-off rate, per book, "
    "laid out as the Federal Reserve's series.",
    intro="The Federal Reserve publishes delinquency and charge-off rates per quarter: delinquencies as a share "
    "of balances at the quarter end, net charge-offs of the quarter annualised (× 4) over the quarter's average "
    "balance. This page gives the same two figures for this book, per portfolio and currency, for every whole "
    "quarter. " + NOT_ADJUSTED,
    tables=(TABLE,),
    render=render,
    optional=True,
)
