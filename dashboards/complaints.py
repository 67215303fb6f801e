"""complaints.html (built only when marts.complaint_metrics and marts.complaints_by_bucket exist).

Complaints per 1,000 open accounts by issue group, conduct complaints per 1,000 delinquent accounts beside
the 30+ DPD account rate, complaints per 1,000 accounts by delinquency bucket, timely-response and 60-day
closure rates against their 100 % target, and the open backlog.

Small cells are suppressed, as regulators do when they publish complaint data: any figure built from
fewer than `MIN_COMPLAINTS` complaints (a month's complaints of a slice, the complaints a rate is computed
over, a backlog count) is not plotted. The line shows a gap there, a grey marker along the bottom of the
chart carries the hover text `SUPPRESSED`, and a table cell reads "suppressed". The page says so in a
note at the top.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go
import polars as pl

from assets.staging.issue_groups import OTHER, current_issues
from dashboards import delinquency
from dashboards.buckets import BUCKET_COLOR, bucket_label, bucket_sort_key
from dashboards.dimensions import months, portfolio_label, portfolio_sort_key, portfolios
from dashboards.figures import SERIES_COLORS, figure_html, month_axis, style
from dashboards.formatting import fmt_int, fmt_rate
from dashboards.html_page import notice, section
from dashboards.page import Context, Page
from dashboards.portfolio_menu import add_portfolio_menu
from dashboards.reading import missing_notice, read_mart

TABLE = "complaint_metrics"
BUCKET_TABLE = "complaints_by_bucket"

MIN_COMPLAINTS = 5
SUPPRESSED = f"suppressed: fewer than {MIN_COMPLAINTS} complaints"
SUPPRESSED_NAME = f"Suppressed (fewer than {MIN_COMPLAINTS} complaints)"
SUPPRESSED_NOTE = (
    f"<strong>Small numbers are suppressed.</strong> Any figure built from fewer than {MIN_COMPLAINTS} "
    "complaints — a month's complaints in a portfolio, issue group or bucket, the complaints a rate is "
    "computed over, a backlog count — is not shown, as regulators do when they publish complaint data, so "
    "that no figure can point to an individual complaint. In the charts such a point is a gap in the line "
    "(or a missing bar), marked by a grey × along the bottom whose hover reads "
    f"\u201c{SUPPRESSED}\u201d; in the table the cell reads \u201csuppressed\u201d."
)

ALL_ISSUES = "all"
# Issue groups in the order of the CFPB debt-collection taxonomy (the crosswalk, as metrics.md), then 'other'.
ISSUE_ORDER = (ALL_ISSUES, *current_issues(), OTHER)
ISSUE_LABEL = {ALL_ISSUES: "All issues", OTHER: "Other issues"}
# A fixed colour per issue group, the same in every portfolio; 'all' is the thick dark line.
ISSUE_COLOR = {ALL_ISSUES: "#263238"} | {g: SERIES_COLORS[i] for i, g in enumerate(ISSUE_ORDER[1:])}

PER_1000_DEFINITION = "complaints received in the month / open accounts at month end × 1,000"
CONDUCT_DEFINITION = "conduct complaints / delinquent (open, 1+ DPD) accounts at month end × 1,000"
BUCKET_DEFINITION = (
    "complaints received in the month / accounts open in the bucket at the previous month end × 1,000"
)
TIMELY_DEFINITION = "answered within 15 days; closed within 60 days (of receipt); target 100 %"
BACKLOG_DEFINITION = "complaints received by the month end and not closed by then"

STRIP_Y = 0.03  # height (in the hidden strip axis, 0..1) of the suppression markers
STRIP_MARKER = {"symbol": "x-thin-open", "size": 10, "color": "#9e9e9e", "line": {"width": 2, "color": "#9e9e9e"}}


def issue_label(group: str) -> str:
    return ISSUE_LABEL.get(group, group)


def issue_sort_key(group: str) -> tuple[int, str]:
    """'all', the taxonomy's issues in order, then any other group and 'other' (by name)."""
    return (ISSUE_ORDER.index(group) if group in ISSUE_ORDER[:-1] else len(ISSUE_ORDER), group)


def suppressed(base) -> bool:
    """True when a figure is built from fewer than MIN_COMPLAINTS complaints (or from an unknown number)."""
    return base is None or base < MIN_COMPLAINTS


def shown(value, base):
    """`value`, or None when it must be suppressed."""
    return None if suppressed(base) else value


# ---------------------------------------------------------------------------------------------
# reading


def read_metrics(con) -> pl.DataFrame | None:
    return read_mart(
        con,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, issue_group, complaints::BIGINT AS complaints, "
        "complaints_per_1000, timely_response_rate, closed_within_60d_rate, open_backlog::BIGINT AS open_backlog, "
        "conduct_complaints::BIGINT AS conduct_complaints, conduct_per_1000_delinquent, "
        "backlog_unknown::BIGINT AS backlog_unknown, "
        "timely_response_denominator::BIGINT AS timely_response_denominator, "
        "closed_within_60d_denominator::BIGINT AS closed_within_60d_denominator",
        "month_end, portfolio, issue_group",
    )


def read_buckets(con) -> pl.DataFrame | None:
    return read_mart(
        con,
        BUCKET_TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, bucket, complaints::BIGINT AS complaints, "
        "accounts::BIGINT AS accounts, complaints_per_1000",
        "month_end, bucket",
    )


def _dq30(con) -> dict[tuple[str, str], float]:
    """30+ DPD account rate by (month_end, portfolio) from marts.delinquency_rates (empty when missing)."""
    df = delinquency.read(con)
    if df is None:
        return {}
    return {(r["month_end"], r["portfolio"]): r["dq30_account_rate"] for r in df.iter_rows(named=True)}


# ---------------------------------------------------------------------------------------------
# the page


def render(ctx: Context) -> str:
    df = read_metrics(ctx.con)
    buckets = read_buckets(ctx.con)
    empty = missing_notice(TABLE, df)
    note = f'<p class="notice" id="small-cells">{SUPPRESSED_NOTE}</p>\n'
    if empty:
        return note + empty
    as_of = max(months(df))
    dq30 = _dq30(ctx.con)
    everything = df.filter(pl.col("issue_group") == ALL_ISSUES)
    parts = [
        note,
        section(
            f"Latest month: {as_of}",
            "All issues, per portfolio. Complaints are counted in the month they were received. Rates per "
            "1,000 are per mille, not percentages, and can exceed 1,000: the numerator counts every "
            "complaint (also from charged-off or closed accounts and, under all portfolios, complaints "
            "without an account), the denominator open (or delinquent) accounts only.",
            _latest_table(everything, dq30, as_of),
        ),
        section(
            "Complaints per 1,000 open accounts by issue group",
            "Issue groups follow the CFPB debt-collection taxonomy (pre-2017 wording mapped onto the "
            "current issues; everything else is Other issues). No value outside the reporting months: "
            "there are no account figures there.",
            figure_html(_per_1000_by_issue(df, as_of), "cmp-per-1000-by-issue"),
        ),
        section(
            "Conduct complaints per 1,000 delinquent accounts",
            "Conduct complaints (Communication tactics, Electronic communications, False statements or "
            "representation, Took or threatened to take negative or legal action, Threatened to contact "
            "someone or share information improperly) per 1,000 delinquent accounts — the early warning "
            "that collection conduct has gone wrong — beside the 30+ DPD account rate (right axis) from "
            "the delinquency rates: a rise in conduct complaints without a rise in delinquency points to "
            "how accounts are worked, not to how many there are.",
            figure_html(_conduct(everything, dq30, as_of), "cmp-conduct"),
        ),
        section(
            "Complaints per 1,000 accounts by delinquency bucket",
            "Complaints from accounts that were open in each bucket at the previous month end, per 1,000 "
            "accounts of that bucket. Complaints without an account, from accounts opened in the month or "
            "from accounts charged off or closed at the previous month end are not in this chart. No point: "
            "no complaint from the bucket that month.",
            _bucket_chart(buckets, as_of),
        ),
        section(
            "Timely response and closure within 60 days",
            "Share of the month's complaints answered within 15 calendar days of receipt, and closed within "
            "60 days, against the 100 % target. Complaints still inside their window at the latest month "
            "end are left out until the window has run out (so the latest months rest on fewer "
            "complaints), and so are complaints answered or closed at an unknown date (e.g. imported from "
            "the CFPB database, which publishes no such dates).",
            figure_html(_timeliness(everything, as_of), "cmp-timeliness"),
        ),
        section(
            "Open complaints at month end",
            "Complaints received on or before the month end and not closed by then, whatever month they "
            "were received in. Complaints whose response says closed but whose closing date is unknown are "
            "not counted as open; where there are any, they are shown as a second line (they may have been "
            "open or closed at that month end).",
            figure_html(_backlog(everything, as_of), "cmp-backlog"),
        ),
    ]
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# the table


def _cell(text: str, hidden: bool) -> str:
    if hidden:
        return f'<td title="{html.escape(SUPPRESSED)}" style="color:#757575">suppressed</td>'
    return f"<td>{html.escape(text)}</td>"


def _per_mille(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _latest_table(everything: pl.DataFrame, dq30: dict, as_of: str) -> str:
    rows = {r["portfolio"]: r for r in everything.iter_rows(named=True) if r["month_end"] == as_of}
    body = []
    for p in sorted(rows, key=portfolio_sort_key):
        r = rows[p]
        cells = [
            f"<td>{html.escape(portfolio_label(p))}</td>",
            _cell(fmt_int(r["complaints"]), suppressed(r["complaints"])),
            _cell(_per_mille(r["complaints_per_1000"]), suppressed(r["complaints"])),
            _cell(_per_mille(r["conduct_per_1000_delinquent"]), suppressed(r["conduct_complaints"])),
            _cell(fmt_rate(dq30.get((as_of, p))), False),
            _cell(fmt_rate(r["timely_response_rate"]), suppressed(r["timely_response_denominator"])),
            _cell(fmt_rate(r["closed_within_60d_rate"]), suppressed(r["closed_within_60d_denominator"])),
            _cell(fmt_int(r["open_backlog"]), suppressed(r["open_backlog"])),
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
        + "\n</tbody>\n</table>"
    )


# ---------------------------------------------------------------------------------------------
# figures


def _strip_axis(fig: go.Figure, axis: str) -> None:
    """A hidden y axis (0..1) over the plot, for the row of suppression markers along the bottom."""
    fig.update_layout(
        {f"yaxis{axis[1:]}": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True}}
    )


def _strip_trace(all_months: list[str], notes: dict[str, list[str]], axis: str, showlegend: bool = True):
    """Grey × at every month with a suppressed figure; its hover names what was suppressed. None when
    nothing was. Carries every month (None where nothing is suppressed) to keep the category order."""
    if not any(notes.get(m) for m in all_months):
        return None
    return go.Scatter(
        x=all_months,
        y=[STRIP_Y if notes.get(m) else None for m in all_months],
        hovertext=["<br>".join(notes[m]) if notes.get(m) else None for m in all_months],
        yaxis=axis,
        mode="markers",
        name=SUPPRESSED_NAME,
        marker=STRIP_MARKER,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=showlegend,
        cliponaxis=False,
    )


def _add_strip(fig: go.Figure, all_months: list[str], notes: dict[str, list[str]], axis: str) -> int:
    """Add the suppression strip (if anything was suppressed); returns the number of traces added."""
    strip = _strip_trace(all_months, notes, axis)
    if strip is None:
        return 0
    fig.add_trace(strip)
    return 1


def _finish(fig: go.Figure, axis: str, menu: list[tuple[str, int]] | None) -> go.Figure:
    """The common ending of every complaints chart: strip axis, empty-chart notice, portfolio menu."""
    _strip_axis(fig, axis)
    _nothing_to_plot(fig)
    if menu is not None:
        add_portfolio_menu(fig, menu)
    return fig


def _nothing_to_plot(fig: go.Figure) -> None:
    """Say so in the plot area when no trace has a single value (e.g. complaints imported without any
    account figures, or every figure suppressed), rather than leaving a blank chart."""
    if any(v is not None for t in fig.data if t.name != SUPPRESSED_NAME for v in t.y):
        return
    fig.add_annotation(
        text="Nothing to plot: the figures are empty (no account figures for these months, or nothing to "
        f"measure yet) or {SUPPRESSED}.",
        xref="paper", yref="paper", x=0.5, y=0.55, showarrow=False, font={"color": "#757575", "size": 13},
    )


def _per_1000_by_issue(df: pl.DataFrame, as_of: str) -> go.Figure:
    all_months = months(df)
    rows = {(r["month_end"], r["portfolio"], r["issue_group"]): r for r in df.iter_rows(named=True)}
    groups_of = {}
    for (_, p, g) in rows:
        groups_of.setdefault(p, set()).add(g)
    fig = go.Figure()
    menu = []
    for portfolio in portfolios(df):
        groups = sorted(groups_of[portfolio], key=issue_sort_key)
        notes: dict[str, list[str]] = {}
        n = 0
        for group in groups:
            label = issue_label(group)
            ys, custom = [], []
            for m in all_months:
                r = rows.get((m, portfolio, group))
                if r is not None and r["complaints_per_1000"] is not None and suppressed(r["complaints"]):
                    notes.setdefault(m, []).append(f"{label}: {SUPPRESSED}")
                ys.append(None if r is None else shown(r["complaints_per_1000"], r["complaints"]))
                custom.append(None if r is None else shown(r["complaints"], r["complaints"]))
            is_all = group == ALL_ISSUES
            fig.add_trace(
                go.Scatter(
                    x=all_months,
                    y=ys,
                    customdata=custom,
                    mode="lines+markers",
                    name=label,
                    line={"color": ISSUE_COLOR.get(group, "#607d8b"), "width": 3 if is_all else 2},
                    hovertemplate=f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata:,}} complaints)"
                    "<extra></extra>",
                )
            )
            n += 1
        n += _add_strip(fig, all_months, notes, "y2")
        menu.append((portfolio, n))
    style(fig, "Complaints per 1,000 open accounts by issue group", PER_1000_DEFINITION, as_of, height=540)
    fig.update_layout(hovermode="x unified", legend={"font": {"size": 11}})
    month_axis(fig, len(all_months))
    fig.update_layout(yaxis={"title": {"text": "Complaints per 1,000 open accounts"}, "rangemode": "tozero"})
    return _finish(fig, "y2", menu)


def _conduct(everything: pl.DataFrame, dq30: dict, as_of: str) -> go.Figure:
    all_months = months(everything)
    rows = {(r["month_end"], r["portfolio"]): r for r in everything.iter_rows(named=True)}
    fig = go.Figure()
    menu = []
    for portfolio in portfolios(everything):
        notes: dict[str, list[str]] = {}
        ys, custom = [], []
        for m in all_months:
            r = rows.get((m, portfolio))
            if r is not None and r["conduct_per_1000_delinquent"] is not None and suppressed(r["conduct_complaints"]):
                notes.setdefault(m, []).append(f"Conduct complaints per 1,000 delinquent: {SUPPRESSED}")
            ys.append(None if r is None else shown(r["conduct_per_1000_delinquent"], r["conduct_complaints"]))
            custom.append(None if r is None else shown(r["conduct_complaints"], r["conduct_complaints"]))
        fig.add_trace(
            go.Bar(
                x=all_months,
                y=ys,
                customdata=custom,
                name="Conduct complaints per 1,000 delinquent accounts",
                marker_color="#c62828",
                hovertemplate="Conduct complaints per 1,000 delinquent: %{y:,.2f} (%{customdata:,} complaints)"
                "<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=all_months,
                y=[dq30.get((m, portfolio)) for m in all_months],
                yaxis="y2",
                mode="lines+markers",
                name="30+ DPD account rate (right axis)",
                line={"color": "#f9a825", "width": 3},
                hovertemplate="30+ DPD account rate: %{y:.2%}<extra></extra>",
            )
        )
        n = 2
        n += _add_strip(fig, all_months, notes, "y3")
        menu.append((portfolio, n))
    style(fig, "Conduct complaints per 1,000 delinquent accounts and the 30+ DPD account rate",
            CONDUCT_DEFINITION + "; 30+ DPD account rate = open accounts at 30+ DPD / open accounts", as_of)
    fig.update_layout(
        hovermode="x unified",
        yaxis={"title": {"text": "Conduct complaints per 1,000 delinquent"}, "rangemode": "tozero"},
        yaxis2={"title": {"text": "30+ DPD account rate"}, "overlaying": "y", "side": "right",
                "tickformat": ".1%", "rangemode": "tozero", "showgrid": False},
        legend={"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
        margin={"r": 80, "b": 110},
    )
    month_axis(fig, len(all_months))
    return _finish(fig, "y3", menu)


def _bucket_chart(buckets: pl.DataFrame | None, as_of: str) -> str:
    empty = missing_notice(BUCKET_TABLE, buckets)
    if empty:
        return empty
    all_months = months(buckets)
    rows = {(r["month_end"], r["bucket"]): r for r in buckets.iter_rows(named=True)}
    fig = go.Figure()
    notes: dict[str, list[str]] = {}
    for bucket in sorted(set(buckets["bucket"].to_list()), key=bucket_sort_key):
        label = bucket_label(bucket)
        ys, custom = [], []
        for m in all_months:
            r = rows.get((m, bucket))
            if r is not None and suppressed(r["complaints"]):
                notes.setdefault(m, []).append(f"{label}: {SUPPRESSED}")
            ys.append(None if r is None else shown(r["complaints_per_1000"], r["complaints"]))
            hidden = r is None or suppressed(r["complaints"])
            custom.append([None, None] if hidden else [r["complaints"], r["accounts"]])
        fig.add_trace(
            go.Scatter(
                x=all_months,
                y=ys,
                customdata=custom,
                mode="lines+markers",
                name=label,
                line={"color": BUCKET_COLOR.get(bucket, "#607d8b")},
                hovertemplate=f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata[0]:,}} complaints, "
                "%{customdata[1]:,} accounts)<extra></extra>",
            )
        )
    _add_strip(fig, all_months, notes, "y2")
    style(fig, "Complaints per 1,000 accounts by delinquency bucket (previous month end)", BUCKET_DEFINITION,
            max(all_months))
    fig.update_layout(hovermode="x unified")
    month_axis(fig, len(all_months))
    fig.update_layout(yaxis={"title": {"text": "Complaints per 1,000 accounts"}, "rangemode": "tozero"})
    return figure_html(_finish(fig, "y2", None), "cmp-by-bucket")


def _timeliness(everything: pl.DataFrame, as_of: str) -> go.Figure:
    all_months = months(everything)
    rows = {(r["month_end"], r["portfolio"]): r for r in everything.iter_rows(named=True)}
    series = (
        ("timely_response_rate", "timely_response_denominator", "Answered within 15 days", "#1f77b4"),
        ("closed_within_60d_rate", "closed_within_60d_denominator", "Closed within 60 days", "#2ca02c"),
    )
    fig = go.Figure()
    menu = []
    for portfolio in portfolios(everything):
        notes: dict[str, list[str]] = {}
        for column, base, label, color in series:
            ys, custom = [], []
            for m in all_months:
                r = rows.get((m, portfolio))
                if r is not None and r[column] is not None and suppressed(r[base]):
                    notes.setdefault(m, []).append(f"{label}: {SUPPRESSED}")
                ys.append(None if r is None else shown(r[column], r[base]))
                custom.append(None if r is None else shown(r[base], r[base]))
            fig.add_trace(
                go.Scatter(
                    x=all_months,
                    y=ys,
                    customdata=custom,
                    mode="lines+markers",
                    name=label,
                    line={"color": color},
                    hovertemplate=f"{label}: %{{y:.1%}} (of %{{customdata:,}} complaints)<extra></extra>",
                )
            )
        n = len(series)
        n += _add_strip(fig, all_months, notes, "y2")
        menu.append((portfolio, n))
    style(fig, "Timely response and closure within 60 days against the 100 % target", TIMELY_DEFINITION, as_of)
    fig.update_layout(hovermode="x unified")
    month_axis(fig, len(all_months))
    fig.update_layout(yaxis={"title": {"text": "Share of complaints"}, "tickformat": ".0%", "range": [0, 1.08]})
    fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=1.0, y1=1.0,
                  line={"color": "#455a64", "dash": "dash", "width": 1.5})
    fig.add_annotation(text="Target 100 %", xref="paper", x=0, xanchor="left", yref="y", y=1.0, yanchor="bottom",
                       showarrow=False, font={"color": "#455a64"})
    return _finish(fig, "y2", menu)


def _backlog(everything: pl.DataFrame, as_of: str) -> go.Figure:
    all_months = months(everything)
    rows = {(r["month_end"], r["portfolio"]): r for r in everything.iter_rows(named=True)}
    fig = go.Figure()
    menu = []
    for portfolio in portfolios(everything):
        series = [("open_backlog", "Open at month end", "#263238", "solid")]
        if any((rows.get((m, portfolio)) or {}).get("backlog_unknown") for m in all_months):
            series.append(("backlog_unknown", "Closed at an unknown date (open or closed then)", "#8d6e63", "dash"))
        notes: dict[str, list[str]] = {}
        for column, label, color, dash in series:
            ys = []
            for m in all_months:
                r = rows.get((m, portfolio))
                if r is not None and suppressed(r[column]):
                    notes.setdefault(m, []).append(f"{label}: {SUPPRESSED}")
                ys.append(None if r is None else shown(r[column], r[column]))
            fig.add_trace(
                go.Scatter(
                    x=all_months,
                    y=ys,
                    mode="lines+markers",
                    name=label,
                    line={"color": color, "dash": dash},
                    hovertemplate=f"{label}: %{{y:,}}<extra></extra>",
                )
            )
        n = len(series)
        n += _add_strip(fig, all_months, notes, "y2")
        menu.append((portfolio, n))
    style(fig, "Open complaints at month end", BACKLOG_DEFINITION, as_of)
    fig.update_layout(hovermode="x unified")
    month_axis(fig, len(all_months))
    fig.update_layout(yaxis={"title": {"text": "Complaints"}, "rangemode": "tozero"})
    return _finish(fig, "y2", menu)


PAGE = Page(
    slug="complaints",
    title="Complaints",
    summary="Complaints per 1,000 accounts by issue and delinquency bucket, conduct complaints beside "
    "delinquency, timely response and closure against target, open backlog; small numbers suppressed.",
    intro="Complaints counted by the month they were received, per portfolio ('all' also holds complaints "
    "without an account) and CFPB debt-collection issue group. Rates per 1,000 use the open (or "
    "delinquent) accounts at the month end; timely response = answered within 15 calendar days of "
    "receipt; closure = closed within 60 days. Figures built from fewer than 5 complaints are suppressed.",
    tables=(TABLE, BUCKET_TABLE),
    render=render,
    optional=True,
)
