"""The complaints page's sections drawn from marts.complaint_metrics (per month end, portfolio and issue
group): the latest-month table, complaints per 1,000 open accounts by issue group, conduct complaints per
1,000 delinquent accounts, timely response and closure, the open backlog. Every figure goes through the
small-cell rule of `dashboards.suppression`.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from assets.staging.issue_groups import OTHER, current_issues
from dashboards.chart_data import data_links
from dashboards.dimensions import months, portfolio_label, portfolio_sort_key, portfolios, rows_by
from dashboards.figures import ALL_COLOR, SERIES_COLORS, month_line, style_over_months
from dashboards.formatting import fmt_int, fmt_per_mille, fmt_rate
from dashboards.html_page import notice
from dashboards.page import Context
from dashboards.portfolio_menu import add_portfolio_traces
from dashboards.reading import read_mart
from dashboards.suppression import SUPPRESSED, finish, strip_traces, suppressed, suppressed_series, table_cell

TABLE = "marts.complaint_metrics"

ALL_ISSUES = "all"
# Issue groups in the order of the CFPB debt-collection taxonomy (the crosswalk, as metrics.md), then 'other'.
ISSUE_ORDER = (ALL_ISSUES, *current_issues(), OTHER)
ISSUE_LABEL = {ALL_ISSUES: "All issues", OTHER: "Other issues"}
# A fixed colour per issue group, the same in every portfolio; 'all' is the thick dark line.
ISSUE_COLOR = {ALL_ISSUES: ALL_COLOR} | {g: SERIES_COLORS[i] for i, g in enumerate(ISSUE_ORDER[1:])}

PER_1000_DEFINITION = "complaints received in the month / open accounts at month end × 1,000"
CONDUCT_DEFINITION = "conduct complaints / delinquent (open, 1+ DPD) accounts at month end × 1,000"
TIMELY_DEFINITION = "answered within 15 days; closed within 60 days (of receipt); target 100 %"
BACKLOG_DEFINITION = "complaints received by the month end and not closed by then"
TIMELINESS = (  # (rate column, the complaints it is computed over, label, colour)
    ("timely_response_rate", "timely_response_denominator", "Answered within 15 days", "#1f77b4"),
    ("closed_within_60d_rate", "closed_within_60d_denominator", "Closed within 60 days", "#2ca02c"),
)


def issue_label(group: str) -> str:
    return ISSUE_LABEL.get(group, group)


def issue_sort_key(group: str) -> tuple[int, str]:
    """'all', the taxonomy's issues in order, then any other group and 'other' (by name)."""
    return (ISSUE_ORDER.index(group) if group in ISSUE_ORDER[:-1] else len(ISSUE_ORDER), group)


def read(ctx: Context) -> pl.DataFrame | None:
    return read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, issue_group, complaints::BIGINT AS complaints, "
        "complaints_per_1000, timely_response_rate, closed_within_60d_rate, open_backlog::BIGINT AS open_backlog, "
        "conduct_complaints::BIGINT AS conduct_complaints, conduct_per_1000_delinquent, "
        "backlog_unknown::BIGINT AS backlog_unknown, "
        "timely_response_denominator::BIGINT AS timely_response_denominator, "
        "closed_within_60d_denominator::BIGINT AS closed_within_60d_denominator",
        "month_end, portfolio, issue_group",
    )


def latest_table(everything: pl.DataFrame, dq30: dict, as_of: str) -> str:
    rows = {r["portfolio"]: r for r in everything.iter_rows(named=True) if r["month_end"] == as_of}
    body = []
    for p in sorted(rows, key=portfolio_sort_key):
        r = rows[p]
        cells = [
            f"<td>{html.escape(portfolio_label(p))}</td>",
            table_cell(fmt_int(r["complaints"]), suppressed(r["complaints"])),
            table_cell(fmt_per_mille(r["complaints_per_1000"]), suppressed(r["complaints"])),
            table_cell(fmt_per_mille(r["conduct_per_1000_delinquent"]), suppressed(r["conduct_complaints"])),
            table_cell(fmt_rate(dq30.get((as_of, p))), False),
            table_cell(fmt_rate(r["timely_response_rate"]), suppressed(r["timely_response_denominator"])),
            table_cell(fmt_rate(r["closed_within_60d_rate"]), suppressed(r["closed_within_60d_denominator"])),
            table_cell(fmt_int(r["open_backlog"]), suppressed(r["open_backlog"])),
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = (
        "<tr><th>Portfolio</th><th>Complaints</th><th>Per 1,000 open accounts</th>"
        "<th>Conduct per 1,000 delinquent</th><th>30+ DPD account rate</th><th>Timely response</th>"
        "<th>Closed within 60 days</th><th>Open backlog</th></tr>"
    )
    if not body:
        return notice(f"No complaints in the month ending {as_of}.")
    return (
        f'<table class="headline" id="cmp-latest">\n<thead>{head}</thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>\n" + data_links("cmp-latest")
    )


def per_1000_by_issue(df: pl.DataFrame, as_of: str) -> go.Figure:
    """Complaints per 1,000 open accounts, one line per issue group, one portfolio at a time (dropdown)."""
    all_months = months(df)
    rows = rows_by(df, "month_end", "portfolio", "issue_group")
    groups_of = {}
    for (_, p, g) in rows:
        groups_of.setdefault(p, set()).add(g)

    def traces(portfolio: str) -> list[go.Scatter]:
        notes: dict[str, list[str]] = {}
        out = []
        for group in sorted(groups_of[portfolio], key=issue_sort_key):
            label = issue_label(group)
            ys, counts = suppressed_series(rows, all_months, (portfolio, group), "complaints_per_1000", "complaints",
                                           f"{label}: {SUPPRESSED}", notes)
            out.append(month_line(
                all_months, ys, label, ISSUE_COLOR.get(group, "#607d8b"),
                f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata:,}} complaints)<extra></extra>",
                customdata=counts, width=3 if group == ALL_ISSUES else 2,
            ))
        return out + strip_traces(all_months, notes, "y2")

    fig = go.Figure()
    menu = add_portfolio_traces(fig, portfolios(df), traces)
    style_over_months(fig, all_months, "Complaints per 1,000 open accounts by issue group", PER_1000_DEFINITION,
                      as_of, layout={"hovermode": "x unified", "legend": {"font": {"size": 11}}},
                      yaxes={"title": {"text": "Complaints per 1,000 open accounts"}, "rangemode": "tozero"},
                      height=540)
    return finish(fig, "y2", menu)


def conduct(everything: pl.DataFrame, dq30: dict, as_of: str) -> go.Figure:
    """Conduct complaints per 1,000 delinquent accounts (bars) and the 30+ DPD account rate (line, right
    axis), one portfolio at a time (dropdown)."""
    all_months = months(everything)
    rows = rows_by(everything, "month_end", "portfolio")

    def traces(portfolio: str) -> list[go.Bar | go.Scatter]:
        notes: dict[str, list[str]] = {}
        ys, counts = suppressed_series(rows, all_months, (portfolio,), "conduct_per_1000_delinquent",
                                       "conduct_complaints", f"Conduct complaints per 1,000 delinquent: {SUPPRESSED}",
                                       notes)
        bars = go.Bar(
            x=all_months,
            y=ys,
            customdata=counts,
            name="Conduct complaints per 1,000 delinquent accounts",
            marker_color="#c62828",
            hovertemplate="Conduct complaints per 1,000 delinquent: %{y:,.2f} (%{customdata:,} complaints)"
            "<extra></extra>",
        )
        rate = go.Scatter(
            x=all_months,
            y=[dq30.get((m, portfolio)) for m in all_months],
            yaxis="y2",
            mode="lines+markers",
            name="30+ DPD account rate (right axis)",
            line={"color": "#f9a825", "width": 3},
            hovertemplate="30+ DPD account rate: %{y:.2%}<extra></extra>",
        )
        return [bars, rate] + strip_traces(all_months, notes, "y3")

    fig = go.Figure()
    menu = add_portfolio_traces(fig, portfolios(everything), traces)
    style_over_months(
        fig, all_months, "Conduct complaints per 1,000 delinquent accounts and the 30+ DPD account rate",
        CONDUCT_DEFINITION + "; 30+ DPD account rate = open accounts at 30+ DPD / open accounts", as_of,
        layout={
            "hovermode": "x unified",
            "yaxis": {"title": {"text": "Conduct complaints per 1,000 delinquent"}, "rangemode": "tozero"},
            "yaxis2": {"title": {"text": "30+ DPD account rate"}, "overlaying": "y", "side": "right",
                       "tickformat": ".1%", "rangemode": "tozero", "showgrid": False},
            "legend": {"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
            "margin": {"r": 80, "b": 110},
        },
    )
    return finish(fig, "y3", menu)


def timeliness(everything: pl.DataFrame, as_of: str) -> go.Figure:
    """Timely-response and 60-day closure rates against a 100 % target line, one portfolio at a time."""
    all_months = months(everything)
    rows = rows_by(everything, "month_end", "portfolio")

    def traces(portfolio: str) -> list[go.Scatter]:
        notes: dict[str, list[str]] = {}
        out = []
        for column, base, label, color in TIMELINESS:
            ys, counts = suppressed_series(rows, all_months, (portfolio,), column, base, f"{label}: {SUPPRESSED}",
                                           notes)
            out.append(month_line(all_months, ys, label, color,
                                  f"{label}: %{{y:.1%}} (of %{{customdata:,}} complaints)<extra></extra>",
                                  customdata=counts))
        return out + strip_traces(all_months, notes, "y2")

    fig = go.Figure()
    menu = add_portfolio_traces(fig, portfolios(everything), traces)
    style_over_months(fig, all_months, "Timely response and closure within 60 days against the 100 % target",
                      TIMELY_DEFINITION, as_of, layout={"hovermode": "x unified"},
                      yaxes={"title": {"text": "Share of complaints"}, "tickformat": ".0%", "range": [0, 1.08]})
    fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=1.0, y1=1.0,
                  line={"color": "#455a64", "dash": "dash", "width": 1.5})
    fig.add_annotation(text="Target 100 %", xref="paper", x=0, xanchor="left", yref="y", y=1.0, yanchor="bottom",
                       showarrow=False, font={"color": "#455a64"})
    return finish(fig, "y2", menu)


def backlog(everything: pl.DataFrame, as_of: str) -> go.Figure:
    """Open complaints at month end and, where there are any, those closed at an unknown date, one
    portfolio at a time (dropdown). A count is itself the base of its suppression."""
    all_months = months(everything)
    rows = rows_by(everything, "month_end", "portfolio")

    def traces(portfolio: str) -> list[go.Scatter]:
        series = [("open_backlog", "Open at month end", "#263238", "solid")]
        if any((rows.get((m, portfolio)) or {}).get("backlog_unknown") for m in all_months):
            series.append(("backlog_unknown", "Closed at an unknown date (open or closed then)", "#8d6e63", "dash"))
        notes: dict[str, list[str]] = {}
        out = []
        for column, label, color, dash in series:
            ys, _ = suppressed_series(rows, all_months, (portfolio,), column, column, f"{label}: {SUPPRESSED}", notes,
                                      mark_empty=True)
            out.append(month_line(all_months, ys, label, color, f"{label}: %{{y:,}}<extra></extra>", dash=dash))
        return out + strip_traces(all_months, notes, "y2")

    fig = go.Figure()
    menu = add_portfolio_traces(fig, portfolios(everything), traces)
    style_over_months(fig, all_months, "Open complaints at month end", BACKLOG_DEFINITION, as_of,
                      layout={"hovermode": "x unified"},
                      yaxes={"title": {"text": "Complaints"}, "rangemode": "tozero"})
    return finish(fig, "y2", menu)
