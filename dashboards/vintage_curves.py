"""vintages.html (built only when marts.vintage_curves exists): static-pool vintage curves — one line per vintage
(the month the accounts were opened) over months on book, so that this year's loans can be read against last
year's at the same age.

One chart holds every measure and every book with two dropdowns, composed as in `dashboards.segment_menu`:
there is one trace per (measure, vintage); "Measure:" restyles `visible` (the lines of one measure) and sets
the y axis's format, "Book:" restyles every line's data (`y`, `customdata`, `hovertemplate`, `showlegend`) to
that book's figures, so either can be used in any order. Vintages are coloured on one sequential scale, the
oldest lightest and the newest darkest, and the legend groups them by the year opened.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
from plotly.colors import sample_colorscale

from dashboards.dimensions import currency_of, portfolio_label, portfolios
from dashboards.figures import figure_section, style, title_text
from dashboards.page import Context, Page
from dashboards.portfolio_menu import book_buttons, dropdown
from dashboards.reading import missing_notice, read_mart

TABLE = "marts.vintage_curves"
CHART = "vintage-curves"
COLORSCALE = "YlGnBu"  # sequential, colour-blind safe (ColorBrewer); oldest vintage at LIGHTEST, newest at 1
LIGHTEST = 0.3
DEFINITION = "the measure on the y axis by months on book (0 = the month opened)"
LEFT_OUT = ("Accounts opened before the first reporting month are left out: their first months on book were "
            "never observed, so their curves would start part-way.")


def _measures(currency: str | None) -> tuple[tuple[str, str, str, str, str], ...]:
    """(column, label, definition, y tickformat, hover after the value) of each measure; money names `currency`."""
    cur = currency or ""
    ever = tuple(
        (f"ever_{n}_rate", f"Ever {n}+ DPD rate",
         f"share of the vintage's accounts at {n}+ days past due or charged off at any month end so far", ".1%",
         f"%{{y:.2%}} (%{{customdata[1]:,}} of %{{customdata[2]:,}} accounts ever {n}+ DPD)")
        for n in (30, 60, 90))
    return (*ever,
            ("cum_net_loss_rate", "Cumulative net loss rate",
             "charge-offs less recoveries posted so far / origination exposure", ".2%",
             f"%{{y:.2%}} (net loss %{{customdata[1]:,.2f}} {cur} of exposure %{{customdata[2]:,.2f}} {cur})"),
            ("open_balance", "Open balance", "balance of the vintage's accounts still open at the month end", ",",
             f"%{{y:,.2f}} {cur} (%{{customdata[1]:,}} of %{{customdata[2]:,}} accounts open)"))


# the customdata behind each measure's hover: (numerator, denominator) next to the month end
_CUSTOM = {"ever_30_rate": ("ever_30_accounts", "accounts"), "ever_60_rate": ("ever_60_accounts", "accounts"),
           "ever_90_rate": ("ever_90_accounts", "accounts"),
           "cum_net_loss_rate": ("cum_net_loss", "origination_exposure"),
           "open_balance": ("open_accounts", "accounts")}


def render(ctx: Context) -> str:
    df = read_mart(
        ctx, TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, vintage, months_on_book, accounts, "
        "origination_exposure::DOUBLE AS origination_exposure, ever_30_accounts, ever_60_accounts, "
        "ever_90_accounts, ever_30_rate, ever_60_rate, ever_90_rate, cum_net_loss::DOUBLE AS cum_net_loss, "
        "cum_net_loss_rate, open_accounts, open_balance::DOUBLE AS open_balance",
        "portfolio, vintage, months_on_book")
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    return figure_section(
        "Vintage curves",
        "Each line is one vintage: the accounts opened in that month, followed as a fixed pool month by "
        "month (months on book 0 = the opening month). Pick the measure and the book (portfolio and "
        "currency) with the two dropdowns; the legend groups the vintages by the year opened, older "
        "vintages lighter. " + " ".join(f"<strong>{label}</strong>: {definition}." for _, label, definition, _, _
                                         in _measures(None)) + " A closed month's points never change; each later month adds one "
        'more point to every curve. <a href="definitions.html#vintages">Definition</a>.',
        vintage_figure(df, max(df["month_end"].to_list())), CHART)


def vintage_color(i: int, n: int) -> str:
    """Colour of the i-th of n vintages (oldest first) on the sequential scale: oldest lightest."""
    return sample_colorscale(COLORSCALE, [LIGHTEST + (1 - LIGHTEST) * (i / (n - 1) if n > 1 else 1)])[0]


def vintage_figure(df: pl.DataFrame, as_of: str) -> go.Figure:
    """One line per (measure, vintage) over months on book, with the "Measure:" and "Book:" dropdowns."""
    books = portfolios(df)
    vintages = sorted(set(df["vintage"].to_list()))
    ages = list(range(max(df["months_on_book"].to_list()) + 1))
    rows = {(r["portfolio"], r["vintage"], r["months_on_book"]): r for r in df.iter_rows(named=True)}
    present = {(b, v) for b, v, _ in rows}
    measures = _measures(None)
    slots = [(m[0], v) for m in measures for v in vintages]

    def data(book: str, column: str, vintage: str) -> dict:
        got = [rows.get((book, vintage, a)) for a in ages]
        num, den = _CUSTOM[column]
        hover = next(m[4] for m in _measures(currency_of(book)) if m[0] == column)
        return {"y": [None if r is None else r[column] for r in got],
                "customdata": [[None, None, None] if r is None else [r["month_end"], r[num], r[den]] for r in got],
                "hovertemplate": f"{vintage}, month %{{x}} (%{{customdata[0]}}): {hover}<extra></extra>",
                "showlegend": (book, vintage) in present}

    fig = go.Figure()
    for column, *_ in measures:
        for i, vintage in enumerate(vintages):
            d = data(books[0], column, vintage)
            color = vintage_color(i, len(vintages))
            fig.add_trace(go.Scatter(
                x=ages, y=d["y"], customdata=d["customdata"], hovertemplate=d["hovertemplate"], mode="lines",
                name=vintage, legendgroup=vintage[:4], legendgrouptitle={"text": vintage[:4]},
                showlegend=d["showlegend"], visible=column == measures[0][0], line={"color": color, "width": 2}))

    def titled(book: str) -> str:
        return title_text(f"Vintage curves — {portfolio_label(book)}", DEFINITION, as_of)

    style(fig, "", "", as_of, height=560)
    fig.update_layout(title_text=titled(books[0]), hovermode="closest",
                      legend={"title": {"text": "Vintage"}, "groupclick": "toggleitem"})
    fig.update_xaxes(title_text="Months on book", type="linear", dtick=max(1, -(-len(ages) // 12)),
                     rangemode="tozero")
    fig.update_yaxes(title_text=measures[0][1], tickformat=measures[0][3], type="linear", rangemode="tozero")
    # the measure menu sets which lines are visible and the y axis, the book menu the lines' data and the
    # title: the two act on different attributes, so either can be used in any order
    menus = [dropdown([
        {"label": f"Measure: {label}", "method": "update",
         "args": [{"visible": [c == column for c, _ in slots]},
                  {"yaxis.title.text": label, "yaxis.tickformat": fmt}]}
        for column, label, _, fmt, _ in measures], x=0.62, y=1.13)]
    if len(books) > 1:
        menus.append(dropdown(book_buttons(books, slots, data, titled, xaxis_type="linear"), x=1.0, y=1.13))
    fig.update_layout(updatemenus=menus)
    return fig


PAGE = Page(
    slug="vintages",
    title="Vintage curves",
    summary="Static-pool vintage curves: ever 30+/60+/90+ DPD, cumulative net loss and open balance by months on "
    "book, one line per month of opening.",
    intro="Are the loans made this year doing worse than last year's at the same age? Each vintage is the pool "
    "of accounts opened in one month, followed month by month from its opening. " + LEFT_OUT,
    tables=(TABLE,),
    render=render,
    optional=True,
)
