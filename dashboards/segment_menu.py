"""One chart of a page's headline figure split by segment value over the months, for every segment and every
book, with two dropdowns: "Segment:" and "Book:".

The by-segment marts (`marts.<mart>_by_segment`) repeat their mart's rows for each segment value:
month_end × portfolio × currency × segment × segment_value × the mart's keys, where `segment` is one of
`SEGMENTS` (product type, region, vintage year, hardship flag, limit band) and `segment_value` its text
value ('revolving', '(none)', '2024', 'bankrupt', '1,000–4,999.99'). `read_mart` gives their `portfolio`
as the book key ("cards-ca · CAD"), so a chart never mixes currencies.

The chart holds one line per (segment, segment value), the values being those the segment has in any book,
and the two dropdowns act on different trace attributes, so that either can be used in any order and the
chart always shows the chosen segment of the chosen book (without a trace for every combination):
- "Segment:" restyles `visible`: the lines of one segment (and names the segment in the legend title);
- "Book:" restyles every line's data (`y`, `customdata`, `text`, `marker.symbol`, `hovertemplate`) to that
  book's figures, and `showlegend`, so that the legend lists exactly the values present in the book (a value
  the book lacks has no point and no legend entry); it also names the book in the title.
A rate over fewer than 30 accounts carries its count (`dashboards.small_cells`: hollow point, "n=2"); every
money figure in the hover names the book's currency.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl

from dashboards.dimensions import currency_of, months, portfolio_label, portfolios
from dashboards.figures import (SERIES_COLORS, SERIES_DASHES, SERIES_SYMBOLS, figure_section, style_over_months,
                                title_text)
from dashboards.html_page import notice, section
from dashboards.page import Context
from dashboards.portfolio_menu import book_buttons, dropdown
from dashboards.reading import missing_notice, read_mart
from dashboards.small_cells import point_labels, point_symbols

# The segments of the by-segment marts, in the warehouse's order (assets/intermediate/account_segments.py
# SEGMENTS), with their labels on the page. A segment code not listed here goes last, labelled by its code.
SEGMENTS = (
    ("product_type", "Product type"),
    ("region", "Region"),
    ("vintage_year", "Vintage year"),
    ("hardship_flag", "Hardship flag"),
    ("limit_band", "Limit / principal band"),  # credit limit (revolving), original principal (installment)
)
SEGMENT_LABEL = dict(SEGMENTS)
SEGMENT_ORDER = {code: i for i, (code, _) in enumerate(SEGMENTS)}
UNKNOWN_VALUE = "(unknown)"  # a NULL segment_value (e.g. a limit band of a negative or missing amount)
HEADING = "By segment"
SEGMENT_NOTE = (
    "Pick the segment (product type, region, vintage year = year opened, hardship flag as of each month "
    "end, credit-limit band of revolving accounts or original-principal band of installment ones) and the "
    "book (portfolio and currency) with the two dropdowns; the legend lists every value the segment has in "
    "that book. "
)


def segment_label(code: str) -> str:
    return SEGMENT_LABEL.get(code, code)


def segment_sort_key(code: str) -> tuple[int, str]:
    return SEGMENT_ORDER.get(code, len(SEGMENT_ORDER)), code


def value_sort_key(value: str) -> tuple:
    """Segment values in reading order: those starting with a number (vintage years, limit bands such as
    '1,000–4,999.99' and '25,000+') by that number, then the others alphabetically, '(unknown)' last."""
    number = re.match(r"\d[\d,]*(\.\d+)?", value)
    if number:
        return 0, float(number.group(0).replace(",", "")), value
    return (2 if value == UNKNOWN_VALUE else 1), 0.0, value


def read_by_segment(ctx: Context, table: str, columns: str, keys: str = "") -> pl.DataFrame | None:
    """`month_end` (ISO text), `portfolio` (book key), `segment`, `segment_value` and `columns` of a
    by-segment mart in a total order (`keys`: the mart's own keys after the segment value); None when the
    table does not exist (a warehouse built before the by-segment marts)."""
    return read_mart(
        ctx, table,
        f"strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, segment, "
        f"coalesce(segment_value, '{UNKNOWN_VALUE}') AS segment_value, {columns}",
        "month_end, portfolio, segment, segment_value" + (f", {keys}" if keys else ""),
    )


def segment_section(table: str, df: pl.DataFrame | None, text: str, figure: Callable[[pl.DataFrame], go.Figure],
                    div_id: str, heading: str = HEADING) -> str:
    """The page's "By segment" section: the chart `figure(df)`, or a notice when the by-segment mart is
    missing (older warehouses) or empty, so that the page is still built."""
    if df is None:
        return section(heading, text, notice(
            f"No segment figures: the table {table} does not exist in this warehouse (a warehouse built "
            "before the by-segment marts; `arrears run --rebuild` builds them)."))
    empty = missing_notice(table, df)
    if empty:
        return section(heading, text, empty)
    return figure_section(heading, text, figure(df), div_id)


def value_style(k: int) -> tuple[str, str, str]:
    """Colour, dash and marker of the k-th value of a segment (the series palette; past its eight colours
    the dash moves on, so that two lines of one chart never share all three)."""
    n = len(SERIES_COLORS)
    return SERIES_COLORS[k % n], SERIES_DASHES[(k + k // n) % n], SERIES_SYMBOLS[(k + 2 * (k // n)) % n]


def segment_figure(df: pl.DataFrame, column: str, title: str, definition: str, as_of: str, *,
                   hover: Callable[[str | None], str], yaxes: dict, count: str | None = None,
                   customdata: tuple[str, ...] = ()) -> go.Figure:
    """One line per segment value of `column` over the month ends of `df` (one row per month_end, book,
    segment and segment value), with the "Segment:" and "Book:" dropdowns (see the module docstring).

    `count`: the column of the accounts each rate is computed over, for the small-cell mark (None for
    amounts and rates without an account count). `customdata`: columns fed to `%{customdata[i]}` in
    `hover(currency)`, the hover text after the value's label (money figures name `currency`)."""
    all_months = months(df)
    books = portfolios(df)
    rows = {(r["month_end"], r["portfolio"], r["segment"], r["segment_value"]): r for r in df.iter_rows(named=True)}
    segments = sorted(set(df["segment"].to_list()), key=segment_sort_key)
    present = {(b, s, v) for _, b, s, v in rows}
    slots = [(s, v) for s in segments
             for v in sorted({v for _, _, s2, v in rows if s2 == s}, key=value_sort_key)]
    symbol_of: dict[tuple[str, str], str] = {}  # each line's marker, set as the lines are added below

    def data(book: str, segment: str, value: str) -> dict:
        """The attributes of the line (segment, value) when `book` is shown."""
        got = [rows.get((m, book, segment, value)) for m in all_months]
        ys = [None if r is None else r[column] for r in got]
        counts = [None if r is None or count is None else r[count] for r in got]
        labels = [t if y is not None else None for t, y in zip(point_labels(counts), ys)]
        return {
            "y": ys,
            "customdata": [[None if r is None else r[c] for c in customdata] for r in got],
            "text": labels,
            "marker.symbol": point_symbols(symbol_of[(segment, value)], counts),
            "hovertemplate": f"{value}: {hover(currency_of(book))}<extra></extra>",
            "showlegend": (book, segment, value) in present,
        }

    fig = go.Figure()
    k_in_segment: dict[str, int] = {}
    for segment, value in slots:
        k = k_in_segment[segment] = k_in_segment.get(segment, -1) + 1
        color, dash, symbol = value_style(k)
        symbol_of[(segment, value)] = symbol
        d = data(books[0], segment, value)
        fig.add_trace(go.Scatter(
            x=all_months, y=d["y"], customdata=d["customdata"], text=d["text"], mode="lines+markers+text",
            name=value, legendgroup=f"{segment}:{value}", showlegend=d["showlegend"],
            visible=segment == segments[0],
            line={"color": color, "dash": dash},
            marker={"symbol": d["marker.symbol"], "size": 8, "line": {"color": color, "width": 1}},
            textposition="top center", textfont={"size": 10, "color": "#616161"},
            hovertemplate=d["hovertemplate"],
        ))

    def titled(book: str) -> str:
        return title_text(f"{title} — {portfolio_label(book)}", definition, as_of)

    style_over_months(fig, all_months, "", definition, as_of,
                      layout={"hovermode": "x unified", "title_text": titled(books[0]),
                              "legend": {"title": {"text": segment_label(segments[0])}}},
                      yaxes=yaxes)
    menus = []
    if len(segments) > 1:
        menus.append(dropdown([
            {"label": f"Segment: {segment_label(s)}", "method": "update",
             "args": [{"visible": [s2 == s for s2, _ in slots]}, {"legend.title.text": segment_label(s)}]}
            for s in segments], x=0.8))
    if len(books) > 1:
        menus.append(dropdown(book_buttons(books, slots, data, titled, xaxis_type="category"), x=1.0))
    if menus:
        fig.update_layout(updatemenus=menus)
    return fig
