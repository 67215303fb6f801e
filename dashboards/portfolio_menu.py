"""One figure for all portfolios: traces laid out portfolio after portfolio, a dropdown shows one."""

from __future__ import annotations

from typing import Callable, Iterable

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

from dashboards.dimensions import portfolio_label
from dashboards.figures import style_over_months


def add_portfolio_traces(fig: go.Figure, portfolios: list[str],
                         traces_for: Callable[[str], Iterable[BaseTraceType]]) -> list[tuple[str, int]]:
    """Add the traces of each portfolio in turn (`traces_for(portfolio)`, any number, also none); return
    the groups [(portfolio, trace count)] for `add_portfolio_menu`."""
    groups = []
    for portfolio in portfolios:
        n = 0
        for trace in traces_for(portfolio):
            fig.add_trace(trace)
            n += 1
        groups.append((portfolio, n))
    return groups


def add_portfolio_menu(fig: go.Figure, groups: list[tuple[str, int]]) -> None:
    """Traces are laid out portfolio after portfolio (`groups` = [(portfolio, trace count)]); show the
    first portfolio and add a dropdown that switches between them (nothing to switch with only one)."""
    total = sum(n for _, n in groups)
    visible_for: list[list[bool]] = []
    start = 0
    for _, n in groups:
        visible_for.append([start <= i < start + n for i in range(total)])
        start += n
    for trace, visible in zip(fig.data, visible_for[0] if visible_for else []):
        trace.visible = visible
    if len(groups) < 2:
        return
    fig.update_layout(
        updatemenus=[
            {
                "type": "dropdown",
                "direction": "down",
                "active": 0,
                "x": 1.0,
                "xanchor": "right",
                "y": 1.16,
                "yanchor": "bottom",
                "showactive": True,
                "buttons": [
                    {"label": f"Portfolio: {portfolio_label(p)}", "method": "restyle", "args": [{"visible": v}]}
                    for (p, _), v in zip(groups, visible_for)
                ],
            }
        ],
    )


def portfolio_menu_figure(portfolios: list[str], traces_for: Callable[[str], Iterable[BaseTraceType]],
                          all_months: list[str], title: str, definition: str, as_of: str, *, layout: dict,
                          yaxes: dict) -> go.Figure:
    """A chart over month ends holding every portfolio's traces (`traces_for`), styled
    (`figures.style_over_months`), with the dropdown that shows one portfolio at a time."""
    fig = go.Figure()
    groups = add_portfolio_traces(fig, portfolios, traces_for)
    style_over_months(fig, all_months, title, definition, as_of, layout=layout, yaxes=yaxes)
    add_portfolio_menu(fig, groups)
    return fig
