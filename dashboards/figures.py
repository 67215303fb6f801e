"""Figure styling shared by every chart (title with definition and as-of date, month axis, series
colours) and the figure as an HTML <div> with a fixed id, alone or as a page section.

Plotly writes layout keys in the order they were first set, so the order of the styling calls is part
of the output: `style_over_months` fixes it for the charts over month ends.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio
import polars as pl

from dashboards.chart_data import data_links
from dashboards.dimensions import is_all, months, over_months, portfolio_label, portfolios, rows_by
from dashboards.html_page import section
from dashboards.small_cells import point_labels, point_symbols

# Series that are not buckets (portfolios, issue groups, 30+/60+/90+): the Okabe–Ito colour-blind-safe
# qualitative palette (Okabe & Ito, "Color Universal Design", 2008; Wong, Nature Methods 8:441, 2011) without
# its black (kept for 'all', ALL_COLOR) and with grey as the eighth colour. Lines also differ by dash and
# marker (SERIES_DASHES, SERIES_SYMBOLS, same index), so no series relies on hue alone.
SERIES_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999")
SERIES_DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")
SERIES_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "triangle-down", "pentagon", "hexagon", "star")

CONFIG = {"displaylogo": False, "responsive": True}

ALL_COLOR = "#263238"  # the whole book ('all'), beside the portfolios' series colours


def title_text(title: str, definition: str, as_of: str) -> str:
    """Chart title: what it is, then the definition and as-of date on a second, smaller line."""
    return f"{title}<br><sup>{definition}, as of {as_of}</sup>"


def style(fig: go.Figure, title: str, definition: str, as_of: str, height: int = 480) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        title={"text": title_text(title, definition, as_of), "x": 0.01, "xanchor": "left", "yref": "container",
               "y": 1, "yanchor": "top", "pad": {"t": 14}},
        height=height,
        margin={"l": 70, "r": 30, "t": 110, "b": 60},
        legend={"orientation": "v", "x": 1.01, "y": 1.0},
        font={"size": 12},
    )
    return fig


def month_axis(fig: go.Figure, n_months: int) -> None:
    """x axis of month ends as evenly spaced categories labelled with the month-end date, at most about
    a dozen labels. Every trace carries all months in order, so the category order is the data order
    (no `categoryorder`: together with hidden traces it stops plotly.js from drawing)."""
    fig.update_xaxes(title_text="Month end", type="category", dtick=max(1, -(-n_months // 12)))


def style_over_months(fig: go.Figure, all_months: list[str], title: str, definition: str, as_of: str, *,
                      layout: dict, yaxes: dict | None = None, height: int = 480) -> go.Figure:
    """Style a chart over month ends: title (`style`), then the chart's own `layout`, the month axis and
    its y axis (`yaxes`, as `update_yaxes` arguments), in that order."""
    style(fig, title, definition, as_of, height=height)
    fig.update_layout(layout)
    month_axis(fig, len(all_months))
    if yaxes is not None:
        fig.update_yaxes(**yaxes)
    return fig


def portfolio_color(i: int, portfolio: str) -> str:
    """Line colour of the i-th portfolio in a one-line-per-portfolio chart; 'all' is dark."""
    return ALL_COLOR if is_all(portfolio) else SERIES_COLORS[i % len(SERIES_COLORS)]


def series_dash(i: int, portfolio: str) -> str:
    """Line dash of the i-th portfolio beside its colour (`portfolio_color`); 'all' is solid."""
    return "solid" if is_all(portfolio) else SERIES_DASHES[i % len(SERIES_DASHES)]


def series_symbol(i: int, portfolio: str) -> str:
    """Marker of the i-th portfolio beside its colour (`portfolio_color`); 'all' is a circle."""
    return "circle" if is_all(portfolio) else SERIES_SYMBOLS[i % len(SERIES_SYMBOLS)]


def month_line(all_months: list[str], ys: list, label: str, color: str, hovertemplate: str, *,
               customdata: list | None = None, width: int | None = None, dash: str | None = None,
               symbol: str | None = None, outline: str | None = None, counts: list | None = None) -> go.Scatter:
    """One series over the month ends, drawn as a line with markers (None values are gaps). `symbol`
    (and `outline`, the marker's edge colour) style the markers; with `counts` (the accounts each point's
    rate is computed over) a small cell is drawn hollow with its count written beside it
    (`dashboards.small_cells`)."""
    line = {"color": color}
    if width is not None:
        line["width"] = width
    if dash is not None:
        line["dash"] = dash
    marker = {}
    if symbol is not None or counts is not None:
        marker["symbol"] = (symbol or "circle") if counts is None else point_symbols(symbol or "circle", counts)
        marker["size"] = 8
    if outline is not None:
        marker["line"] = {"color": outline, "width": 1}
    labels = None if counts is None else [t if y is not None else None for t, y in zip(point_labels(counts), ys)]
    if labels is not None and any(labels):
        return go.Scatter(x=all_months, y=ys, customdata=customdata, mode="lines+markers+text", name=label,
                          line=line, marker=marker, text=labels, textposition="top center",
                          textfont={"size": 10, "color": "#616161"}, hovertemplate=hovertemplate)
    return go.Scatter(x=all_months, y=ys, customdata=customdata, mode="lines+markers", name=label, line=line,
                      marker=marker or None, hovertemplate=hovertemplate)


def portfolio_lines(df: pl.DataFrame, column: str, hover: str, title: str, definition: str, as_of: str, *,
                    yaxes: dict, customdata_column: str | None = None, emphasise_all: bool = False,
                    height: int = 480) -> go.Figure:
    """One line per portfolio (and 'all') of `column` over the month ends of `df` (one row per month end
    and portfolio). `hover` follows the label ("cards-us: <hover>"); `customdata_column` feeds
    `%{customdata}`; with `emphasise_all` the 'all' line is drawn thicker."""
    all_months = months(df)
    rows = rows_by(df, "month_end", "portfolio")
    fig = go.Figure()
    for i, portfolio in enumerate(portfolios(df)):
        label = portfolio_label(portfolio)
        fig.add_trace(month_line(
            all_months, over_months(rows, all_months, (portfolio,), column), label, portfolio_color(i, portfolio),
            f"{label}: {hover}<extra></extra>",
            customdata=None if customdata_column is None else over_months(rows, all_months, (portfolio,),
                                                                          customdata_column),
            width=(3 if is_all(portfolio) else 2) if emphasise_all else None,
            dash=series_dash(i, portfolio), symbol=series_symbol(i, portfolio),
        ))
    return style_over_months(fig, all_months, title, definition, as_of, layout={"hovermode": "x unified"},
                             yaxes=yaxes, height=height)


def figure_html(fig: go.Figure, div_id: str) -> str:
    """The figure as a <div> with a fixed id and no plotly.js (the page loads plotly.min.js once), and the
    link to the CSV of the rows it draws (`dashboards.chart_data`)."""
    div = pio.to_html(
        fig,
        config=CONFIG,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id=div_id,
        validate=True,
    )
    return f'<div class="chart">{div}</div>\n' + data_links(div_id)


def figure_section(heading: str, text: str, fig: go.Figure, div_id: str) -> str:
    """A page section (heading, explanation) holding one figure."""
    return section(heading, text, figure_html(fig, div_id))
