"""The complaints page's sections drawn from marts.complaint_metrics (per month end, portfolio and issue
group): the latest-month table, complaints per 1,000 open accounts by issue group, conduct complaints per
1,000 delinquent accounts, timely response and closure, the open backlog. Every figure goes through the
small-cell rule of `dashboards.suppression`. The same figures over the 3 months ending at each month
(`rolling`, added up from the mart's monthly rows) make the rolling view of the charts and the 3-month
table (`dashboards.rolling_view`); the backlog, a count at a date, has no 3-month figure.
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
from dashboards.rolling_view import (IN_WINDOW, count_behind, monthly_or_switched, per_1000, share, view_title,
                                     window_months)
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
PER_1000_DEFINITION_3M = ("complaints received in the 3 months to the month end / open accounts at those 3 month ends "
                          "(account-months) × 1,000")
CONDUCT_DEFINITION_3M = "conduct complaints in the 3 months / delinquent accounts at those 3 month ends × 1,000"
TIMELY_DEFINITION_3M = "of the complaints received in the 3 months: " + TIMELY_DEFINITION
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
        "closed_within_60d_denominator::BIGINT AS closed_within_60d_denominator, "
        "open_accounts::BIGINT AS open_accounts, delinquent_accounts::BIGINT AS delinquent_accounts",
        "month_end, portfolio, issue_group",
    )


ROLLING_SCHEMA = {
    "month_end": pl.Utf8, "portfolio": pl.Utf8, "issue_group": pl.Utf8, "complaints": pl.Int64,
    "open_accounts": pl.Int64, "complaints_per_1000": pl.Float64, "conduct_complaints": pl.Int64,
    "delinquent_accounts": pl.Int64, "conduct_per_1000_delinquent": pl.Float64,
    "timely_response_rate": pl.Float64, "timely_response_denominator": pl.Int64,
    "closed_within_60d_rate": pl.Float64, "closed_within_60d_denominator": pl.Int64,
}


def rolling(df: pl.DataFrame) -> pl.DataFrame:
    """The figures over the 3 months ending at each month end, per portfolio and issue group, added up from
    the monthly rows of `read`: complaints summed; per 1,000 of the open accounts of the 3 month ends
    (account-months, so the figure is a monthly rate, comparable with the monthly view); conduct
    complaints per 1,000 of the delinquent account-months; timeliness and closure as the timely (closed)
    complaints of the 3 months over the complaints those rates are computed over. A window needs the
    portfolio's account figures at each of its 3 month ends (its all-issues row, which exists only in a
    month with a complaint of the portfolio, inside the reporting months); without them it has no row.
    A row only where the window holds a complaint of the slice, as in the mart."""
    rows = rows_by(df, "month_end", "portfolio", "issue_group")
    slices = sorted({(p, g) for (_, p, g) in rows})
    out = []
    for m in months(df):
        window = window_months(m)
        for p, g in slices:
            base = [rows.get((w, p, ALL_ISSUES)) for w in window]
            if any(b is None or b["open_accounts"] is None for b in base):
                continue
            own = [r for r in (rows.get((w, p, g)) for w in window) if r is not None]
            complaints = sum(r["complaints"] for r in own)
            if complaints == 0:
                continue
            accounts = sum(b["open_accounts"] for b in base)
            row = {"month_end": m, "portfolio": p, "issue_group": g, "complaints": complaints,
                   "open_accounts": accounts, "complaints_per_1000": per_1000(complaints, accounts),
                   "conduct_complaints": None, "delinquent_accounts": None, "conduct_per_1000_delinquent": None}
            if g == ALL_ISSUES:
                conduct = sum(r["conduct_complaints"] or 0 for r in own)
                delinquent = None if any(b["delinquent_accounts"] is None for b in base) else \
                    sum(b["delinquent_accounts"] for b in base)
                row |= {"conduct_complaints": conduct, "delinquent_accounts": delinquent,
                        "conduct_per_1000_delinquent": per_1000(conduct, delinquent)}
            for rate, base_column, _, _ in TIMELINESS:
                denominator = sum(r[base_column] or 0 for r in own)
                numerator = sum(count_behind(r[rate], r[base_column]) for r in own)
                row |= {rate: share(numerator, denominator), base_column: denominator}
            out.append(row)
    return pl.DataFrame(out, schema=ROLLING_SCHEMA)


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


def rolling_table(rolled: pl.DataFrame, as_of: str) -> str:
    """The 3 months to `as_of`, per portfolio (all issues, rows of `rolling`): complaints, per 1,000 open
    account-months, conduct per 1,000 delinquent account-months, timely response, closed within 60 days."""
    rows = {r["portfolio"]: r for r in rolled.iter_rows(named=True)
            if r["month_end"] == as_of and r["issue_group"] == ALL_ISSUES}
    if not rows:
        return notice(f"No 3-month figures for the 3 months to {as_of}: a month of the window has no complaint "
                      "(so no account figure) in the complaint marts.")
    body = []
    for p in sorted(rows, key=portfolio_sort_key):
        r = rows[p]
        cells = [
            f"<td>{html.escape(portfolio_label(p))}</td>",
            table_cell(fmt_int(r["complaints"]), suppressed(r["complaints"])),
            table_cell(fmt_per_mille(r["complaints_per_1000"]), suppressed(r["complaints"])),
            table_cell(fmt_per_mille(r["conduct_per_1000_delinquent"]), suppressed(r["conduct_complaints"])),
            table_cell(fmt_rate(r["timely_response_rate"]), suppressed(r["timely_response_denominator"])),
            table_cell(fmt_rate(r["closed_within_60d_rate"]), suppressed(r["closed_within_60d_denominator"])),
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    head = (
        "<tr><th>Portfolio</th><th>Complaints (3 months)</th><th>Per 1,000 open accounts a month</th>"
        "<th>Conduct per 1,000 delinquent a month</th><th>Timely response</th><th>Closed within 60 days</th></tr>"
    )
    return (
        f'<table class="headline" id="cmp-rolling">\n<thead>{head}</thead>\n<tbody>\n'
        + "\n".join(body)
        + "\n</tbody>\n</table>\n" + data_links("cmp-rolling")
    )


def per_1000_by_issue(df: pl.DataFrame, as_of: str, rolled: pl.DataFrame | None = None) -> go.Figure:
    """Complaints per 1,000 open accounts, one line per issue group, one portfolio at a time (dropdown);
    with `rolled` (`rolling(df)`) also the rolling 3-month view and the switch between the two."""
    return monthly_or_switched(lambda data, rv, strip: _per_1000_by_issue(data, df, as_of, rv, strip), df, rolled)


def _per_1000_by_issue(data: pl.DataFrame, shape: pl.DataFrame, as_of: str, rolling_view: bool,
                       always_strip: bool) -> go.Figure:
    """The chart of `data`'s figures, laid out (months, portfolios, issue groups) as `shape`."""
    all_months = months(shape)
    rows = rows_by(data, "month_end", "portfolio", "issue_group")
    groups_of = {}
    for (_, p, g) in rows_by(shape, "month_end", "portfolio", "issue_group"):
        groups_of.setdefault(p, set()).add(g)
    within = IN_WINDOW if rolling_view else ""

    def traces(portfolio: str) -> list[go.Scatter]:
        notes: dict[str, list[str]] = {}
        out = []
        for group in sorted(groups_of[portfolio], key=issue_sort_key):
            label = issue_label(group)
            ys, counts = suppressed_series(rows, all_months, (portfolio, group), "complaints_per_1000", "complaints",
                                           f"{label}: {SUPPRESSED}", notes)
            out.append(month_line(
                all_months, ys, label, ISSUE_COLOR.get(group, "#607d8b"),
                f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata:,}} complaints{within})<extra></extra>",
                customdata=counts, width=3 if group == ALL_ISSUES else 2,
            ))
        return out + strip_traces(all_months, notes, "y2", always=always_strip)

    fig = go.Figure()
    menu = add_portfolio_traces(fig, portfolios(shape), traces)
    style_over_months(fig, all_months, view_title("Complaints per 1,000 open accounts by issue group", rolling_view),
                      PER_1000_DEFINITION_3M if rolling_view else PER_1000_DEFINITION,
                      as_of, layout={"hovermode": "x unified", "legend": {"font": {"size": 11}}},
                      yaxes={"title": {"text": "Complaints per 1,000 open accounts"}, "rangemode": "tozero"},
                      height=540)
    return finish(fig, "y2", menu)


def conduct(everything: pl.DataFrame, dq30: dict, as_of: str, rolled: pl.DataFrame | None = None) -> go.Figure:
    """Conduct complaints per 1,000 delinquent accounts (bars) and the 30+ DPD account rate (line, right
    axis), one portfolio at a time (dropdown); with `rolled` (the all-issues rows of `rolling`) also the
    rolling 3-month view of the bars (the 30+ DPD rate, a month-end level, stays as it is)."""
    return monthly_or_switched(lambda data, rv, strip: _conduct(data, everything, dq30, as_of, rv, strip),
                               everything, rolled)


def _conduct(data: pl.DataFrame, shape: pl.DataFrame, dq30: dict, as_of: str, rolling_view: bool,
             always_strip: bool) -> go.Figure:
    all_months = months(shape)
    rows = rows_by(data, "month_end", "portfolio")
    within = IN_WINDOW if rolling_view else ""

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
            hovertemplate="Conduct complaints per 1,000 delinquent: %{y:,.2f} (%{customdata:,} complaints"
            + within + ")<extra></extra>",
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
        return [bars, rate] + strip_traces(all_months, notes, "y3", always=always_strip)

    fig = go.Figure()
    menu = add_portfolio_traces(fig, portfolios(shape), traces)
    style_over_months(
        fig, all_months,
        view_title("Conduct complaints per 1,000 delinquent accounts and the 30+ DPD account rate", rolling_view),
        (CONDUCT_DEFINITION_3M if rolling_view else CONDUCT_DEFINITION)
        + "; 30+ DPD account rate = open accounts at 30+ DPD / open accounts", as_of,
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


def timeliness(everything: pl.DataFrame, as_of: str, rolled: pl.DataFrame | None = None) -> go.Figure:
    """Timely-response and 60-day closure rates against a 100 % target line, one portfolio at a time; with
    `rolled` (the all-issues rows of `rolling`) also the rolling 3-month view."""
    return monthly_or_switched(lambda data, rv, strip: _timeliness(data, everything, as_of, rv, strip),
                               everything, rolled)


def _timeliness(data: pl.DataFrame, shape: pl.DataFrame, as_of: str, rolling_view: bool,
                always_strip: bool) -> go.Figure:
    all_months = months(shape)
    rows = rows_by(data, "month_end", "portfolio")
    within = IN_WINDOW if rolling_view else ""

    def traces(portfolio: str) -> list[go.Scatter]:
        notes: dict[str, list[str]] = {}
        out = []
        for column, base, label, color in TIMELINESS:
            ys, counts = suppressed_series(rows, all_months, (portfolio,), column, base, f"{label}: {SUPPRESSED}",
                                           notes)
            out.append(month_line(all_months, ys, label, color,
                                  f"{label}: %{{y:.1%}} (of %{{customdata:,}} complaints{within})<extra></extra>",
                                  customdata=counts))
        return out + strip_traces(all_months, notes, "y2", always=always_strip)

    fig = go.Figure()
    menu = add_portfolio_traces(fig, portfolios(shape), traces)
    style_over_months(fig, all_months,
                      view_title("Timely response and closure within 60 days against the 100 % target", rolling_view),
                      TIMELY_DEFINITION_3M if rolling_view else TIMELY_DEFINITION, as_of,
                      layout={"hovermode": "x unified"},
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
