"""Small-cell suppression on the complaints page, as regulators do when they publish complaint data.

Any figure built from fewer than `MIN_COMPLAINTS` complaints (a month's complaints of a slice, the
complaints a rate is computed over, a backlog count) is not written into the page at all. In a chart the
line shows a gap there and a grey marker along the bottom (the "strip", on a hidden 0..1 axis) carries the
hover text `SUPPRESSED`; a table cell reads "suppressed"; `SUPPRESSED_NOTE` explains the rule at the top
of the page.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from dashboards.portfolio_menu import add_portfolio_menu

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

STRIP_Y = 0.03  # height (in the hidden strip axis, 0..1) of the suppression markers
STRIP_MARKER = {"symbol": "x-thin-open", "size": 10, "color": "#9e9e9e", "line": {"width": 2, "color": "#9e9e9e"}}


def suppressed(base) -> bool:
    """True when a figure is built from fewer than MIN_COMPLAINTS complaints (or from an unknown number)."""
    return base is None or base < MIN_COMPLAINTS


def shown(value, base):
    """`value`, or None when it must be suppressed."""
    return None if suppressed(base) else value


def suppressed_series(rows: dict[tuple, dict], all_months: list[str], key: tuple, column: str, base: str,
                      note: str, notes: dict[str, list[str]], mark_empty: bool = False) -> tuple[list, list]:
    """`column` and its count `base` of the row (month, *key) for every month, each None where there is
    no row or where `base` is too small (`shown`). Each month with a suppressed value gets `note` in
    `notes` (month -> notes, for the strip); with `mark_empty` also a month whose value is empty."""
    ys, counts = [], []
    for m in all_months:
        r = rows.get((m, *key))
        if r is not None and (mark_empty or r[column] is not None) and suppressed(r[base]):
            notes.setdefault(m, []).append(note)
        ys.append(None if r is None else shown(r[column], r[base]))
        counts.append(None if r is None else shown(r[base], r[base]))
    return ys, counts


def table_cell(text: str, hidden: bool) -> str:
    """A table cell holding `text`, or "suppressed" (with the reason as tooltip) when `hidden`."""
    if hidden:
        return f'<td title="{html.escape(SUPPRESSED)}" style="color:#757575">suppressed</td>'
    return f"<td>{html.escape(text)}</td>"


def _strip_axis(fig: go.Figure, axis: str) -> None:
    """A hidden y axis (0..1) over the plot, for the row of suppression markers along the bottom."""
    fig.update_layout(
        {f"yaxis{axis[1:]}": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True}}
    )


def _strip_trace(all_months: list[str], notes: dict[str, list[str]], axis: str, showlegend: bool = True,
                 always: bool = False):
    """Grey × at every month with a suppressed figure; its hover names what was suppressed. None when
    nothing was, unless `always` (then a strip without markers, so that a chart's monthly and rolling
    views hold the same traces). Carries every month (None where nothing is suppressed) to keep the
    category order."""
    if not always and not any(notes.get(m) for m in all_months):
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


def strip_traces(all_months: list[str], notes: dict[str, list[str]], axis: str,
                 always: bool = False) -> list[go.Scatter]:
    """The suppression strip as a list: one trace when anything was suppressed (or `always`), else none."""
    strip = _strip_trace(all_months, notes, axis, always=always)
    return [] if strip is None else [strip]


def finish(fig: go.Figure, axis: str, menu: list[tuple[str, int]] | None) -> go.Figure:
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
