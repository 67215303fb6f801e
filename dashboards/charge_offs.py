"""charge_offs.html (built only when marts.charge_offs exists): annualized NCO rate and the amounts."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.changes import RATE, Headline
from dashboards.dimensions import currency_of, months, over_months, portfolios, rows_by
from dashboards.figures import figure_section, month_line, portfolio_lines
from dashboards.page import Context, Page
from dashboards.portfolio_menu import portfolio_menu_figure
from dashboards.reading import missing_notice, read_mart
from dashboards.segment_menu import SEGMENT_NOTE, read_by_segment, segment_figure, segment_section

TABLE = "marts.charge_offs"
SEGMENT_TABLE = "marts.charge_offs_by_segment"
NCO_DEFINITION = "net charge-off × 12 / average open balance of m−1 and m"
AMOUNTS = (  # (column, label, bar or line, colour)
    ("gross_charge_off", "Gross charge-off", "bar", "#c62828"),
    ("recoveries", "Recoveries", "bar", "#2e7d32"),
    ("net_charge_off", "Net charge-off", "line", "#263238"),
)


def render(ctx: Context) -> str:
    df = read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, gross_charge_off::DOUBLE AS gross_charge_off, "
        "recoveries::DOUBLE AS recoveries, net_charge_off::DOUBLE AS net_charge_off, "
        "average_balance::DOUBLE AS average_balance, nco_rate_annualized",
        "month_end, portfolio",
    )
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    as_of = max(months(df))
    return figure_section(
        "Annualized net charge-off rate",
        "Net charge-offs of the month (gross charge-offs less recoveries, by posting month) times 12, over "
        "the average of the open balances at the previous and current month end. Blank in the first "
        "reporting month; can be negative when recoveries exceed charge-offs.",
        _nco(df, as_of),
        "co-nco-rate",
    ) + figure_section(
        "Charge-off amounts",
        "Gross charge-offs and recoveries posted in the month, and the net.",
        _amounts(df, as_of),
        "co-amounts",
    ) + _by_segment(ctx)


def _by_segment(ctx: Context) -> str:
    """The annualized NCO rate and the gross charge-off per segment value, from marts.charge_offs_by_segment."""
    df = read_by_segment(ctx, SEGMENT_TABLE, "gross_charge_off::DOUBLE AS gross_charge_off, "
                         "recoveries::DOUBLE AS recoveries, net_charge_off::DOUBLE AS net_charge_off, "
                         "average_balance::DOUBLE AS average_balance, nco_rate_annualized")
    nco = segment_section(
        SEGMENT_TABLE, df,
        "The annualized NCO rate of each segment value (its net charge-off × 12 over its average open "
        "balance of m−1 and m; the segment is the account's at the month end of the posting). "
        + SEGMENT_NOTE + "The mart holds no account count, so no point carries a small-cell mark: read a "
        "segment with a small average balance with care. "
        '<a href="definitions.html#charge-offs">Definition</a>.',
        lambda d: segment_figure(
            d, "nco_rate_annualized", "Annualized net charge-off rate by segment", NCO_DEFINITION,
            max(months(d)), customdata=("net_charge_off", "average_balance"),
            hover=lambda cur: (f"%{{y:.2%}} (net charge-off %{{customdata[0]:,.2f}} {cur}, average balance "
                               f"%{{customdata[1]:,.2f}} {cur})"),
            yaxes={"title_text": "NCO rate (annualized)", "tickformat": ".1%"}),
        "co-nco-by-segment",
        heading="NCO rate by segment",
    )
    if df is None or df.height == 0:
        return nco  # one notice is enough
    return nco + segment_section(
        SEGMENT_TABLE, df,
        "Gross charge-offs posted in the month per segment value (recoveries and the net in the hover). "
        + SEGMENT_NOTE,
        lambda d: segment_figure(
            d, "gross_charge_off", "Gross charge-off by segment", "amounts posted in the month", max(months(d)),
            customdata=("recoveries", "net_charge_off"),
            hover=lambda cur: (f"%{{y:,.2f}} {cur} (recoveries %{{customdata[0]:,.2f}} {cur}, net "
                               f"%{{customdata[1]:,.2f}} {cur})"),
            yaxes={"title_text": "Amount", "tickformat": ","}),
        "co-gross-by-segment",
        heading="Gross charge-off by segment",
    )


def _nco(df: pl.DataFrame, as_of: str) -> go.Figure:
    """One line per portfolio (and 'all') of the annualized NCO rate."""
    return portfolio_lines(df, "nco_rate_annualized", "%{y:.2%} (average balance %{customdata:,.2f})",
                           "Annualized net charge-off rate by portfolio", NCO_DEFINITION, as_of,
                           yaxes={"title_text": "NCO rate (annualized)", "tickformat": ".1%"},
                           customdata_column="average_balance")


def _amounts(df: pl.DataFrame, as_of: str) -> go.Figure:
    """Gross charge-off and recoveries as bars, the net as a line, one portfolio at a time (dropdown)."""
    all_months = months(df)
    rows = rows_by(df, "month_end", "portfolio")

    def traces(portfolio: str) -> list[go.Bar | go.Scatter]:
        out = []
        for column, label, kind, color in AMOUNTS:
            ys = over_months(rows, all_months, (portfolio,), column)
            hover = f"{label}: %{{y:,.2f}} {currency_of(portfolio) or ''}<extra></extra>"
            if kind == "bar":
                out.append(go.Bar(x=all_months, y=ys, name=label, marker_color=color, hovertemplate=hover))
            else:
                out.append(month_line(all_months, ys, label, color, hover))
        return out

    return portfolio_menu_figure(portfolios(df), traces, all_months, "Charge-offs and recoveries",
                                 "amounts posted in the month; net = gross − recoveries", as_of,
                                 layout={"barmode": "group", "hovermode": "x unified"},
                                 yaxes={"title_text": "Amount", "tickformat": ","})


# The sentence at the top: the month's annualized NCO rate of the whole book.
HEADLINE = Headline(TABLE, "annualized net charge-off rate", RATE, "nco_rate_annualized", "month_end, portfolio",
                    lambda rows: rows[0]["nco_rate_annualized"])


PAGE = Page(
    slug="charge_offs",
    title="Charge-offs",
    summary="Gross and net charge-offs, recoveries and the annualized net charge-off (NCO) rate.",
    intro="Charge-offs follow the FFIEC policy (revolving accounts at 180 days past due, installment at "
    "120). Amounts count in the month they are posted. The annualized NCO rate is the month's net "
    "charge-off × 12 over the average of the previous and current month-end open balances.",
    tables=(TABLE, SEGMENT_TABLE),
    render=render,
    headline=HEADLINE,
    optional=True,
    absent_ok=(SEGMENT_TABLE,),
)
