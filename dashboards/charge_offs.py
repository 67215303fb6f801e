"""charge_offs.html (built only when marts.charge_offs exists): annualized NCO rate and the amounts."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.dimensions import ALL, months, portfolio_label, portfolios
from dashboards.figures import SERIES_COLORS, figure_html, month_axis, style
from dashboards.html_page import section
from dashboards.page import Context, Page
from dashboards.portfolio_menu import add_portfolio_menu
from dashboards.reading import missing_notice, read_mart

TABLE = "charge_offs"
NCO_DEFINITION = "net charge-off × 12 / average open balance of m−1 and m"


def render(ctx: Context) -> str:
    df = read_mart(
        ctx.con,
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
    return section(
        "Annualized net charge-off rate",
        "Net charge-offs of the month (gross charge-offs less recoveries, by posting month) times 12, over "
        "the average of the open balances at the previous and current month end. Blank in the first "
        "reporting month; can be negative when recoveries exceed charge-offs.",
        figure_html(_nco(df, as_of), "co-nco-rate"),
    ) + section(
        "Charge-off amounts",
        "Gross charge-offs and recoveries posted in the month, and the net.",
        figure_html(_amounts(df, as_of), "co-amounts"),
    )


def _nco(df: pl.DataFrame, as_of: str) -> go.Figure:
    all_months = months(df)
    rows = {(r["month_end"], r["portfolio"]): r for r in df.iter_rows(named=True)}
    fig = go.Figure()
    for i, portfolio in enumerate(portfolios(df)):
        label = portfolio_label(portfolio)
        fig.add_trace(
            go.Scatter(
                x=all_months,
                y=[rows[(m, portfolio)]["nco_rate_annualized"] if (m, portfolio) in rows else None for m in all_months],
                customdata=[rows[(m, portfolio)]["average_balance"] if (m, portfolio) in rows else None
                            for m in all_months],
                mode="lines+markers",
                name=label,
                line={"color": "#263238" if portfolio == ALL else SERIES_COLORS[i % len(SERIES_COLORS)]},
                hovertemplate=f"{label}: %{{y:.2%}} (average balance %{{customdata:,.2f}})<extra></extra>",
            )
        )
    style(fig, "Annualized net charge-off rate by portfolio", NCO_DEFINITION, as_of)
    fig.update_layout(hovermode="x unified")
    month_axis(fig, len(all_months))
    fig.update_yaxes(title_text="NCO rate (annualized)", tickformat=".1%")
    return fig


def _amounts(df: pl.DataFrame, as_of: str) -> go.Figure:
    all_months = months(df)
    rows = {(r["month_end"], r["portfolio"]): r for r in df.iter_rows(named=True)}
    series = (
        ("gross_charge_off", "Gross charge-off", "bar", "#c62828"),
        ("recoveries", "Recoveries", "bar", "#2e7d32"),
        ("net_charge_off", "Net charge-off", "line", "#263238"),
    )
    fig = go.Figure()
    groups = []
    for portfolio in portfolios(df):
        for column, label, kind, color in series:
            ys = [rows[(m, portfolio)][column] if (m, portfolio) in rows else None for m in all_months]
            hover = f"{label}: %{{y:,.2f}}<extra></extra>"
            if kind == "bar":
                fig.add_trace(go.Bar(x=all_months, y=ys, name=label, marker_color=color, hovertemplate=hover))
            else:
                fig.add_trace(go.Scatter(x=all_months, y=ys, name=label, mode="lines+markers",
                                         line={"color": color}, hovertemplate=hover))
        groups.append((portfolio, len(series)))
    style(fig, "Charge-offs and recoveries", "amounts posted in the month; net = gross − recoveries", as_of)
    fig.update_layout(barmode="group", hovermode="x unified")
    month_axis(fig, len(all_months))
    fig.update_yaxes(title_text="Amount", tickformat=",")
    add_portfolio_menu(fig, groups)
    return fig


PAGE = Page(
    slug="charge_offs",
    title="Charge-offs",
    summary="Gross and net charge-offs, recoveries and the annualized net charge-off (NCO) rate.",
    intro="Charge-offs follow the FFIEC policy (revolving accounts at 180 days past due, installment at "
    "120). Amounts count in the month they are posted. The annualized NCO rate is the month's net "
    "charge-off × 12 over the average of the previous and current month-end open balances.",
    tables=(TABLE,),
    render=render,
    optional=True,
)
