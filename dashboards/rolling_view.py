"""The rolling 3-month view of the complaints page: which month ends a window holds, how a window's figures
are added up from the monthly mart rows, and the "Monthly / Rolling 3 months" switch on a chart.

A month's complaint cells are often below the small-cell threshold (`dashboards.suppression`) in a small
book; the same figures over the 3 months ending at each month rest on about three times as many
complaints, so fewer are suppressed. Every figure here is added up from the aggregated complaint marts'
monthly rows (counts and their denominators, never account-level rows), and the suppression rule is then
applied to the 3-month sums. Definitions: docs/complaints.md (Rolling 3-month view).
"""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl

from dashboards.dimensions import previous_month_end
from dashboards.suppression import SUPPRESSED_NAME

WINDOW = 3  # months in a window: the month itself and the two before it
ROLLING_LABEL = "Rolling 3 months"
MONTHLY_LABEL = "Monthly"
PER_1000_DIGITS = 2  # a window's per-1,000 figure is rounded to the precision the page shows (0.01)
RATE_DIGITS = 4  # a window's share, to 0.01 %
IN_WINDOW = " in 3 months"  # after a count in a hover text of the rolling view


def view_title(title: str, rolling_view: bool) -> str:
    """A chart's title, naming the rolling view when it is one."""
    return f"{title} — {ROLLING_LABEL.lower()}" if rolling_view else title


def window_months(month_end: str) -> list[str]:
    """The month ends of the window ending at `month_end`, oldest first."""
    out = [month_end]
    while len(out) < WINDOW:
        out.append(previous_month_end(out[-1]))
    return out[::-1]


def per_1000(count: int | None, accounts: int | None) -> float | None:
    """`count` per 1,000 `accounts` (account-months over a window), rounded; None without accounts."""
    if count is None or not accounts:
        return None
    return round(count / accounts * 1000, PER_1000_DIGITS)


def share(numerator: int, denominator: int) -> float | None:
    """numerator / denominator rounded, None when the denominator is 0."""
    return round(numerator / denominator, RATE_DIGITS) if denominator else None


def count_behind(rate: float | None, denominator: int | None) -> int:
    """The number of complaints a monthly rate counts (rate × the complaints it is computed over): the
    marts' rates are exact fractions of their denominators, so rounding gives back the whole number."""
    if rate is None or not denominator:
        return 0
    return round(rate * denominator)


def _is_primary(trace) -> bool:
    return trace.yaxis in (None, "y") and trace.name != SUPPRESSED_NAME


def mostly_suppressed(fig: go.Figure) -> bool:
    """True when, in the series shown when the page opens (the first portfolio; on the left-hand y axis:
    the complaint figures, not the 30+ DPD rate beside them), suppressed points outnumber shown ones."""
    shown = suppressed = 0
    for trace in fig.data:
        if trace.visible is False:
            continue
        if trace.name == SUPPRESSED_NAME:
            suppressed += sum(len(h.split("<br>")) for h in (trace.hovertext or ()) if h)
        elif _is_primary(trace):
            shown += sum(v is not None for v in trace.y)
    return suppressed > shown


def _view(fig: go.Figure) -> list[dict]:
    """The `update` arguments that put `fig`'s data and title on the chart (trace visibility untouched,
    so the portfolio dropdown keeps working)."""
    def tolist(values):
        return None if values is None else list(values)

    data = {
        "y": [tolist(t.y) for t in fig.data],
        "customdata": [tolist(t.customdata) for t in fig.data],
        "hovertext": [tolist(getattr(t, "hovertext", None)) for t in fig.data],
        "hovertemplate": [t.hovertemplate for t in fig.data],
        "showlegend": [t.name != SUPPRESSED_NAME or any(v is not None for v in t.y) for t in fig.data],
    }
    # restyling data makes plotly.js forget the axis types (plot_api clearAxisTypes) unless the same call
    # sets them: the month axis would become a date axis with the category dtick, and the browser hang
    layout = {"title.text": fig.layout.title.text,
              "annotations": [a.to_plotly_json() for a in fig.layout.annotations],
              "xaxis.type": "category", "yaxis.type": "linear"}
    return [data, layout]


def monthly_or_switched(draw: Callable[[pl.DataFrame, bool, bool], go.Figure], monthly: pl.DataFrame,
                        rolled: pl.DataFrame | None) -> go.Figure:
    """`draw(data, rolling_view, always_strip)` from the monthly rows alone, or, given the rolling rows
    (`rolled`), both views in one chart with the switch (`with_view_switch`); with the switch both views keep
    their suppression strip, so that the two charts have the same traces."""
    if rolled is None:
        return draw(monthly, False, False)
    return with_view_switch(draw(monthly, False, True), draw(rolled, True, True))


def with_view_switch(monthly: go.Figure, rolling: go.Figure) -> go.Figure:
    """One chart with a "Monthly / Rolling 3 months" switch. `monthly` and `rolling` are the same chart
    (same traces, in the same order, strip included) drawn from the monthly and the 3-month figures.
    The rolling view is shown when the page opens if the monthly one is mostly suppressed
    (`mostly_suppressed`), else the monthly one."""
    names = [t.name for t in monthly.data]
    if names != [t.name for t in rolling.data]:
        raise ValueError(f"the monthly and rolling charts differ: {names} / {[t.name for t in rolling.data]}")
    rolling_first = mostly_suppressed(monthly)
    fig = rolling if rolling_first else monthly
    views = (_view(monthly), _view(rolling))
    for trace, show in zip(fig.data, views[int(rolling_first)][0]["showlegend"]):
        trace.showlegend = show
    fig.update_layout(updatemenus=list(fig.layout.updatemenus) + [{
        "type": "buttons",
        "direction": "right",
        "active": int(rolling_first),
        "showactive": True,
        "x": 0.0,  # left, under the title: the portfolio dropdown is on the right and may drop down over it
        "xanchor": "left",
        "y": 1.02,
        "yanchor": "bottom",
        "pad": {"t": 0, "b": 0},
        "buttons": [{"label": MONTHLY_LABEL, "method": "update", "args": views[0]},
                    {"label": ROLLING_LABEL, "method": "update", "args": views[1]}],
    }])
    return fig
