"""delinquency.html, drawn from marts.delinquency_rates: 30+/60+/90+ DPD balance and account rates over
time, per portfolio. The module is named after its table; the page keeps the slug `delinquency`, so its
file name and the links to it stay as they are."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.changes import RATE, Headline
from dashboards.dimensions import currency_of, months, over_months, portfolios, rows_by
from dashboards.figures import SERIES_COLORS, SERIES_DASHES, SERIES_SYMBOLS, figure_section, month_line, portfolio_lines
from dashboards.page import Context, Page
from dashboards.portfolio_menu import portfolio_menu_figure
from dashboards.reading import missing_notice, read_mart
from dashboards.segment_menu import SEGMENT_NOTE, read_by_segment, segment_figure, segment_section
from dashboards.small_cells import SMALL_CELL_NOTE

TABLE = "marts.delinquency_rates"
SEGMENT_TABLE = "marts.delinquency_rates_by_segment"
# (level, label, index into the series palette: colour, dash and marker of figures.SERIES_*)
LEVELS = (("dq30", "30+ DPD", 0), ("dq60", "60+ DPD", 4), ("dq90", "90+ DPD", 1))
DQ30_DEFINITION = "30+ DPD balance / open balance"


def read(ctx: Context) -> pl.DataFrame | None:
    return read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, open_accounts::BIGINT AS open_accounts, "
        "open_balance::DOUBLE AS open_balance, dq30_account_rate, dq30_balance_rate, dq60_account_rate, "
        "dq60_balance_rate, dq90_account_rate, dq90_balance_rate",
        "month_end, portfolio",
    )


def dq30_account_rates(ctx: Context) -> dict[tuple[str, str], float]:
    """30+ DPD account rate by (month_end, portfolio) from marts.delinquency_rates (empty when missing)."""
    df = read(ctx)
    if df is None:
        return {}
    return {key: r["dq30_account_rate"] for key, r in rows_by(df, "month_end", "portfolio").items()}


def render(ctx: Context) -> str:
    df = read(ctx)
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    as_of = max(months(df))
    parts = [
        figure_section(
            "Balance rates",
            "Full balance of the open accounts at 30+, 60+ and 90+ days past due, as a share of the open "
            "balance (the whole balance counts, not only the past-due amount). " + SMALL_CELL_NOTE
            + ' <a href="definitions.html#delinquency-rates">Definition</a>.',
            _levels(df, "balance", "Delinquency rates by balance", "balance of open accounts at N+ DPD / open balance",
                    as_of),
            "dq-balance-rates",
        ),
        figure_section(
            "Account rates",
            "Open accounts at 30+, 60+ and 90+ days past due, as a share of all open accounts. " + SMALL_CELL_NOTE,
            _levels(df, "account", "Delinquency rates by accounts", "open accounts at N+ DPD / open accounts", as_of),
            "dq-account-rates",
        ),
        figure_section(
            "30+ DPD balance rate by portfolio",
            "The headline delinquency rate of each portfolio side by side.",
            dq30_by_portfolio(df, as_of),
            "dq-dq30-by-portfolio",
        ),
        _by_segment(ctx),
    ]
    return "".join(parts)


def _by_segment(ctx: Context) -> str:
    """The 30+ DPD balance rate per segment value, from marts.delinquency_rates_by_segment."""
    df = read_by_segment(ctx, SEGMENT_TABLE, "open_accounts::BIGINT AS open_accounts, "
                         "open_balance::DOUBLE AS open_balance, dq30_balance_rate")
    return segment_section(
        SEGMENT_TABLE, df,
        "The headline delinquency rate (30+ DPD balance / open balance) of each segment value side by side. "
        + SEGMENT_NOTE + SMALL_CELL_NOTE + ' <a href="definitions.html#delinquency-rates">Definition</a>.',
        lambda d: segment_figure(
            d, "dq30_balance_rate", "30+ DPD balance rate by segment", DQ30_DEFINITION, max(months(d)),
            count="open_accounts", customdata=("open_accounts", "open_balance"),
            hover=lambda cur: (f"%{{y:.2%}} (open accounts %{{customdata[0]:,}}, open balance "
                               f"%{{customdata[1]:,.2f}} {cur})"),
            yaxes={"title_text": "Rate", "tickformat": ".1%", "rangemode": "tozero"}),
        "dq-by-segment",
    )


def _levels(df: pl.DataFrame, kind: str, title: str, definition: str, as_of: str) -> go.Figure:
    """The 30+/60+/90+ `kind` ('balance' or 'account') rates, one portfolio at a time (dropdown)."""
    all_months = months(df)
    rows = rows_by(df, "month_end", "portfolio")

    def traces(portfolio: str) -> list[go.Scatter]:
        custom = [
            [rows[(m, portfolio)]["open_accounts"], rows[(m, portfolio)]["open_balance"]]
            if (m, portfolio) in rows
            else [None, None]
            for m in all_months
        ]
        counts = over_months(rows, all_months, (portfolio,), "open_accounts")
        return [
            month_line(all_months, over_months(rows, all_months, (portfolio,), f"{level}_{kind}_rate"), label,
                       SERIES_COLORS[k], f"{label}: %{{y:.2%}} (open accounts %{{customdata[0]:,}}, "
                       f"open balance %{{customdata[1]:,.2f}} {currency_of(portfolio) or ''})<extra></extra>",
                       customdata=custom, dash=SERIES_DASHES[k], symbol=SERIES_SYMBOLS[k], counts=counts)
            for level, label, k in LEVELS
        ]

    return portfolio_menu_figure(portfolios(df), traces, all_months, title, definition, as_of,
                                 layout={"hovermode": "x unified"},
                                 yaxes={"title_text": "Rate", "tickformat": ".1%", "rangemode": "tozero"})


def dq30_by_portfolio(df: pl.DataFrame, as_of: str, height: int = 480) -> go.Figure:
    """One line per portfolio (and 'all') of the 30+ DPD balance rate; also shown on the index."""
    return portfolio_lines(df, "dq30_balance_rate", "%{y:.2%}", "30+ DPD balance rate by portfolio",
                           DQ30_DEFINITION, as_of, yaxes={"title_text": "Rate", "tickformat": ".1%", "rangemode": "tozero"},
                           emphasise_all=True, height=height)


# The sentence at the top: the month's 30+ DPD balance rate of the whole book.
HEADLINE = Headline(TABLE, "30+ DPD balance rate", RATE, "dq30_balance_rate", "month_end, portfolio",
                    lambda rows: rows[0]["dq30_balance_rate"])


PAGE = Page(
    slug="delinquency",
    title="Delinquency rates",
    summary="30+, 60+ and 90+ days-past-due rates by balance and by accounts, per portfolio.",
    intro="Delinquency rates over the open accounts at each month end: the accounts (and their full "
    "balances) at 30, 60 or 90 or more days past due, divided by all open accounts (and the open "
    "balance). Charged-off and closed accounts are not in the denominator.",
    tables=(TABLE, SEGMENT_TABLE),
    render=render,
    headline=HEADLINE,
    absent_ok=(SEGMENT_TABLE,),
)
