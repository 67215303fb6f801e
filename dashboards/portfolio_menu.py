"""One figure for all portfolios (books): traces laid out portfolio after portfolio and a dropdown that shows
one (`portfolio_menu_figure`), or one set of traces whose data a "Book" dropdown swaps (`book_buttons`); and
the dropdown every chart's menus are drawn as (`dropdown`)."""

from __future__ import annotations

from typing import Callable, Iterable

import plotly.graph_objects as go
from plotly.basedatatypes import BaseTraceType

from dashboards.dimensions import portfolio_label
from dashboards.figures import style_over_months


def dropdown(buttons: list[dict], x: float, y: float = 1.16) -> dict:
    """A dropdown above the plot, its right edge at `x` and its bottom at `y` (paper coordinates), opening on
    its first option."""
    return {"type": "dropdown", "direction": "down", "active": 0, "x": x, "xanchor": "right", "y": y,
            "yanchor": "bottom", "showactive": True, "buttons": buttons}


def book_buttons(books: list[str], slots: list[tuple], data: Callable[..., dict], titled: Callable[[str], str],
                 xaxis_type: str) -> list[dict]:
    """The options of a "Book" dropdown over a figure with one trace per slot (`slots`, each a tuple of the
    arguments that follow the book in `data(book, *slot)`, which gives the trace's attributes): each option
    restyles every trace with that book's data and sets the title (`titled(book)`). Restyling data makes
    plotly.js forget the axis types it was given (plot_api clearAxisTypes) unless the same call sets them:
    a month axis would turn into a date axis with the category dtick of 1 (one tick per millisecond) and
    the browser would hang; so each option sets the x axis to `xaxis_type` and the y axis to linear."""
    buttons = []
    for book in books:
        attrs = [data(book, *slot) for slot in slots]
        buttons.append({"label": f"Book: {portfolio_label(book)}", "method": "update",
                        "args": [{key: [a[key] for a in attrs] for key in attrs[0]},
                                 {"title.text": titled(book), "xaxis.type": xaxis_type, "yaxis.type": "linear"}]})
    return buttons


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
    fig.update_layout(updatemenus=[dropdown(
        [{"label": f"Portfolio: {portfolio_label(p)}", "method": "restyle", "args": [{"visible": v}]}
         for (p, _), v in zip(groups, visible_for)], x=1.0)])


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
