"""forecast.html (built only when the five forecast marts exist): the roll-rate loss forecast, per book
(portfolio × currency) and averaging window / weighting.

Four parts, each with its CSV:
1. the lifetime charge-off probability of each open bucket (marts.lifetime_loss_rates, latest month end), a
   horizon-limited bucket hatched and labelled, with the sentence saying what that means;
2. the reserve per book (marts.roll_rate_reserve, latest month end): one table per book, a row per window and
   weighting, money with its currency;
3. the 12-month projection of the open balances by bucket and of the monthly charge-offs (marts.loss_projection,
   latest month end), no new business;
4. the backtest (marts.loss_backtest): projected against actual charge-offs by month, one horizon at a time (1
   month ahead shown, the others in the legend), with the error.

The charts carry two dropdowns acting on different trace attributes, so either can be used in any order:
"Window:" restyles `visible` (the traces of one window and weighting; every chart holds a set of traces per
choice), "Book:" restyles every trace's data (x, y, text, customdata, hover) to that book's figures. The choice
shown first is 12 months balance-weighted, else the longest window the tables hold (balance-weighted first).
Money is never added across currencies: every figure is one book's, and its hover names the currency.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import BUCKET_COLOR, BUCKET_LABEL, OPEN_BUCKETS
from dashboards.chart_data import data_links
from dashboards.dimensions import currency_of, portfolio_label, portfolio_sort_key
from dashboards.figures import ALL_COLOR, SERIES_COLORS, SERIES_DASHES, figure_html, style, title_text
from dashboards.formatting import fmt_int, fmt_money, fmt_rate, slug
from dashboards.html_page import notice, section
from dashboards.page import Context, Page
from dashboards.reading import missing_notice, read_mart

AVERAGES = "marts.roll_rate_averages"
LIFETIME = "marts.lifetime_loss_rates"
RESERVE = "marts.roll_rate_reserve"
PROJECTION = "marts.loss_projection"
BACKTEST = "marts.loss_backtest"
TABLES = (AVERAGES, LIFETIME, RESERVE, PROJECTION, BACKTEST)

DEFAULT_CHOICE = (12, "balance")  # 12 months, balance-weighted
WEIGHTING_LABEL = {"balance": "balance-weighted", "accounts": "account-weighted"}
HORIZON_MONTHS = 60  # the finite horizon of a bucket from which absorption is not certain
DEFAULT_AHEAD = 1  # the backtest's horizon shown first
HATCH = "/"
MARGIN_TOP = 150  # the title, then the two dropdowns above the plot

NO_NEW_BUSINESS = ("no new business: the projection runs the book as it stands at the month end through the "
                   "averaged matrix")
HORIZON_LIMITED = (
    "A hatched bar is horizon-limited: in the averaged matrix some accounts of that bucket (or of a bucket it rolls "
    f"into) never leave the open buckets, so there is no lifetime figure; the bar is the probability of charge-off "
    f"within {HORIZON_MONTHS} months, the rest being still open then. A bucket where no account was observed in the "
    "window is taken to stay where it is (no evidence of movement): charge-off 0, horizon-limited.")
METHOD = (
    "A roll-rate method: the monthly transition matrices of the window are pooled into one averaged matrix "
    "(weighted by accounts or by balance), the open buckets are run through it to absorption (charge-off or "
    "closure), and the reserve is the open balance × the lifetime charge-off probability × (1 − the recovery "
    "rate of the last 12 months). It is not a CECL or IFRS 9 model: no forward-looking economic adjustment, no "
    "lifetime of undrawn limits, no new business, and averaged flow rates understate losses when new "
    "delinquency surges. ")

Choice = tuple[int, str]  # (window_months, weighting)


# ---- choices and books -------------------------------------------------------------------------------------

def choice_label(choice: Choice) -> str:
    window, weighting = choice
    return f"{window} months, {WEIGHTING_LABEL.get(weighting, weighting)}"


def choices_of(df: pl.DataFrame) -> list[Choice]:
    """Every (window, weighting) of a table: the longest window first, balance-weighted before account-weighted."""
    found = {(int(w), str(g)) for w, g in zip(df["window_months"].to_list(), df["weighting"].to_list())}
    return sorted(found, key=lambda c: (-c[0], c[1] != "balance", c[1]))


def default_choice(choices: list[Choice]) -> Choice | None:
    """12 months balance-weighted when it exists, else the longest window (balance-weighted first)."""
    if DEFAULT_CHOICE in choices:
        return DEFAULT_CHOICE
    return choices[0] if choices else None


def books_of(*frames: pl.DataFrame) -> list[str]:
    return sorted({b for df in frames for b in df["portfolio"].to_list()}, key=portfolio_sort_key)


def _latest(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(pl.col("month_end") == df["month_end"].max())


def _grouped(df: pl.DataFrame) -> Callable[[str, Choice], list[dict]]:
    """rows_of(book, choice): the rows of `df` of one book, window and weighting (grouped once)."""
    groups: dict[tuple, list[dict]] = {}
    for r in df.iter_rows(named=True):
        groups.setdefault((r["portfolio"], r["window_months"], r["weighting"]), []).append(r)
    return lambda book, choice: groups.get((book, *choice), [])


def _money(value) -> float | None:
    return None if value is None else float(value)


# ---- one chart for every book and choice, two dropdowns ----------------------------------------------------

def menu_figure(books: list[str], choices: list[Choice], default: Choice,
                build: Callable[[str, Choice], list], restyled: tuple[str, ...],
                title: Callable[[str], str]) -> go.Figure:
    """A figure holding `build(book, choice)` (the same number and kinds of traces for every book and choice)
    for every choice, built with the first book's figures; the traces of `default` visible (as `build` set
    them: True or "legendonly"), the others hidden. "Window:" restyles `visible`; "Book:" restyles the
    `restyled` attributes of every trace to the book's figures and retitles the chart."""
    fig = go.Figure()
    owner: list[int] = []
    shown: list = []
    for i, choice in enumerate(choices):
        for trace in build(books[0], choice):
            shown.append(trace.visible if trace.visible is not None else True)
            trace.visible = shown[-1] if choice == default else False
            owner.append(i)
            fig.add_trace(trace)

    def per_trace(book: str) -> dict:
        traces = [t for choice in choices for t in build(book, choice)]
        return {attr: [_attr(t, attr) for t in traces] for attr in restyled}

    menus = [{
        "type": "dropdown", "direction": "down", "x": 0.0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
        "showactive": True, "active": choices.index(default),
        "buttons": [{"label": f"Window: {choice_label(c)}", "method": "restyle",
                     "args": [{"visible": [v if o == i else False for o, v in zip(owner, shown)]}]}
                    for i, c in enumerate(choices)],
    }] if len(choices) > 1 else []  # nothing to switch with one window
    if len(books) > 1:
        menus.append({
            "type": "dropdown", "direction": "down", "x": 1.0, "xanchor": "right", "y": 1.02, "yanchor": "bottom",
            "showactive": True, "active": 0,
            "buttons": [{"label": f"Book: {portfolio_label(b)}", "method": "update",
                         "args": [per_trace(b), {"title.text": title(b)}]} for b in books],
        })
    fig.update_layout(updatemenus=menus)
    return fig


def _attr(trace, attr: str):
    value = trace
    for part in attr.split("."):
        value = value[part]
    return list(value) if isinstance(value, tuple) else value


# ---- 1. lifetime charge-off probability per bucket ---------------------------------------------------------

def lifetime_figure(df: pl.DataFrame, books: list[str], choices: list[Choice], default: Choice,
                    as_of: str) -> go.Figure:
    rows_of = _grouped(df)
    labels = [BUCKET_LABEL[b] for b in OPEN_BUCKETS]

    def build(book: str, choice: Choice) -> list[go.Bar]:
        rows = {r["bucket"]: r for r in rows_of(book, choice)}
        cur = currency_of(book) or ""
        got = [rows.get(b) for b in OPEN_BUCKETS]
        limited = [bool(r and r["horizon_limited"]) for r in got]
        return [go.Bar(
            x=labels, y=[r["charge_off_probability"] if r else None for r in got],
            name=f"Charge-off probability ({choice_label(choice)})",
            marker={"color": [BUCKET_COLOR[b] for b in OPEN_BUCKETS], "line": {"color": "#424242", "width": 1},
                    "pattern": {"shape": [HATCH if x else "" for x in limited]}},
            text=[f"{HORIZON_MONTHS}-month horizon" if x else "" for x in limited], textposition="outside",
            customdata=[[r["closed_probability"], r["open_probability"], _money(r["balance"]),
                         _money(r["expected_loss"]), r["recovery_rate"],
                         f"within {r['horizon_months']} months" if r["horizon_limited"] else "lifetime"]
                        if r else [None] * 6 for r in got],
            hovertemplate=(f"%{{x}}: %{{y:.2%}} charged off (%{{customdata[5]}}), %{{customdata[0]:.2%}} closed, "
                           f"%{{customdata[1]:.2%}} still open<br>balance %{{customdata[2]:,.2f}} {cur}, recovery "
                           f"rate %{{customdata[4]:.2%}}, expected loss %{{customdata[3]:,.2f}} {cur}<extra></extra>"),
        )]

    def title(book: str) -> str:
        return title_text(f"Lifetime charge-off probability by bucket — {portfolio_label(book)}",
                          "share of the bucket's balance the averaged matrix takes to charge-off", as_of)

    fig = menu_figure(books, choices, default, build, ("y", "text", "customdata", "hovertemplate",
                                                         "marker.pattern.shape"), title)
    style(fig, "", "", as_of)
    fig.update_layout(title_text=title(books[0]), showlegend=False, margin={"t": MARGIN_TOP})
    fig.update_xaxes(title_text="Bucket at the month end", type="category")
    fig.update_yaxes(title_text="Charge-off probability", tickformat=".0%", rangemode="tozero")
    return fig


# ---- 2. the reserve per book -------------------------------------------------------------------------------

RESERVE_COLUMNS = (  # (column, heading, kind)
    ("open_balance", "Open balance", "money"),
    ("expected_charge_off", "Expected charge-off", "money"),
    ("recovery_rate", "Recovery rate", "rate"),
    ("reserve", "Reserve", "money"),
    ("reserve_rate", "Reserve rate", "rate"),
    ("horizon_limited_buckets", "Horizon-limited buckets", "count"),
)


def reserve_table(df: pl.DataFrame, book: str, index: int, choices: list[Choice], default: Choice) -> str:
    """The reserve of one book at the latest month end, a row per window and weighting (the default first)."""
    cur = currency_of(book)
    cells = {"money": lambda v: fmt_money(v, cur), "rate": fmt_rate, "count": fmt_int}
    ordered = [default] + [c for c in choices if c != default]
    body = []
    rows_of = _grouped(df)
    for choice in ordered:
        for r in rows_of(book, choice):
            mark = " (shown in the charts)" if choice == default else ""
            body.append(f"<tr><td>{html.escape(choice_label(choice) + mark)}</td>"
                        + "".join(f"<td>{cells[k](r[c])}</td>" for c, _, k in RESERVE_COLUMNS) + "</tr>")
    div_id = f"fc-reserve-{index}-{slug(book)}"
    head = "<th>Window</th>" + "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in RESERVE_COLUMNS)
    return (f"<h3>{html.escape(portfolio_label(book))}</h3>\n<table class=\"headline\" id=\"{div_id}\">\n"
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n"
            + data_links(div_id))


# ---- 3. the 12-month projection ----------------------------------------------------------------------------

def projection_figure(df: pl.DataFrame, books: list[str], choices: list[Choice], default: Choice,
                      as_of: str) -> go.Figure:
    rows_of = _grouped(df)
    # every trace carries the same projected month ends (one latest month end: m+1 … m+12), a gap where a book
    # or window has none; the Book dropdown restyles the figures, never the x axis
    x = sorted(set(df["projected_month_end"].to_list()))
    ahead_of = dict(zip(df["projected_month_end"].to_list(), df["months_ahead"].to_list()))
    ahead = [ahead_of[m] for m in x]

    def build(book: str, choice: Choice) -> list:
        at = {r["projected_month_end"]: r for r in rows_of(book, choice)}
        cur = currency_of(book) or ""

        def ys(column: str) -> list:
            return [_money(at[m][column]) if m in at else None for m in x]

        traces = [go.Bar(x=x, y=ys(f"{b}_balance"), name=BUCKET_LABEL[b],
                         marker={"color": BUCKET_COLOR[b], "line": {"color": "#424242", "width": 0.5}},
                         customdata=ahead,
                         hovertemplate=f"{BUCKET_LABEL[b]}: %{{y:,.2f}} {cur} (%{{customdata}} months ahead)"
                                       "<extra></extra>")
                  for b in OPEN_BUCKETS]
        for column, label, color, dash in (("charge_off", "Projected charge-off (month)", ALL_COLOR, "solid"),
                                           ("cumulative_charge_off", "Projected charge-off (cumulative)",
                                            SERIES_COLORS[1], SERIES_DASHES[1])):
            traces.append(go.Scatter(x=x, y=ys(column), name=label, yaxis="y2",
                                     mode="lines+markers", line={"color": color, "dash": dash}, customdata=ahead,
                                     hovertemplate=f"{label}: %{{y:,.2f}} {cur} (%{{customdata}} months ahead)"
                                                   "<extra></extra>"))
        return traces

    def title(book: str) -> str:
        return title_text(f"Projected open balance by bucket and charge-offs — {portfolio_label(book)}",
                          NO_NEW_BUSINESS, as_of)

    fig = menu_figure(books, choices, default, build, ("y", "hovertemplate"), title)
    style(fig, "", "", as_of, height=540)
    fig.update_layout(title_text=title(books[0]), barmode="stack", hovermode="x unified",
                      margin={"t": MARGIN_TOP, "r": 220},
                      yaxis2={"title": {"text": "Charge-off"}, "overlaying": "y", "side": "right",
                              "tickformat": ",.2~f", "rangemode": "tozero", "showgrid": False},
                      legend={"x": 1.12})
    fig.update_layout(yaxis={"title": {"text": "Open balance"}, "tickformat": ","})
    # month ends as categories, ticks left to plotly (a dtick on them makes plotly.js hang when a dropdown
    # restyles the traces' data)
    fig.update_xaxes(title_text="Projected month end", type="category")
    return fig


# ---- 4. the backtest ---------------------------------------------------------------------------------------

def backtest_figure(df: pl.DataFrame, books: list[str], choices: list[Choice], default: Choice,
                    as_of: str) -> go.Figure:
    rows_of = _grouped(df)
    horizons = sorted({int(h) for h in df["months_ahead"].to_list()})
    # every trace carries every month of the table (a gap where a book, window or horizon has none): the month
    # axis's categories stay in date order and the Book dropdown restyles the figures, never the x axis
    months = sorted(set(df["month_end"].to_list()))
    first = DEFAULT_AHEAD if DEFAULT_AHEAD in horizons else horizons[0]

    def build(book: str, choice: Choice) -> list:
        rows = rows_of(book, choice)
        cur = currency_of(book) or ""
        actual = {r["month_end"]: _money(r["actual_charge_off"]) for r in rows}
        traces = [go.Bar(x=months, y=[actual.get(m) for m in months], name="Actual charge-off",
                         marker={"color": "#bdbdbd", "line": {"color": "#424242", "width": 0.5}},
                         hovertemplate=f"Actual: %{{y:,.2f}} {cur}<extra></extra>")]
        for i, h in enumerate(horizons):
            by_month = {r["month_end"]: r for r in rows if r["months_ahead"] == h}
            at = [by_month.get(m) for m in months]
            custom = [[_money(r["actual_charge_off"]), _money(r["error"]), r["error_rate"], r["forecast_month_end"]]
                      if r else None for r in at]
            visible = True if h == first else "legendonly"
            color = SERIES_COLORS[i % len(SERIES_COLORS)]
            label = f"{h} month{'s' if h > 1 else ''} ahead"
            traces.append(go.Scatter(
                x=months, y=[_money(r["projected_charge_off"]) if r else None for r in at], name=f"Projected, {label}",
                legendgroup=f"h{h}", mode="lines+markers", visible=visible, line={"color": color},
                customdata=custom,
                hovertemplate=(f"Projected {label} (from %{{customdata[3]}}): %{{y:,.2f}} {cur}; actual "
                               f"%{{customdata[0]:,.2f}} {cur}; error %{{customdata[1]:,.2f}} {cur} "
                               "(%{customdata[2]:.1%} of actual)<extra></extra>")))
            traces.append(go.Scatter(
                x=months, y=[_money(r["error"]) if r else None for r in at], name=f"Error, {label}", legendgroup=f"h{h}",
                showlegend=False, mode="lines+markers", visible=visible,
                line={"color": color, "dash": "dot", "width": 1}, marker={"symbol": "x", "size": 6},
                customdata=custom,
                hovertemplate=f"Error {label}: %{{y:,.2f}} {cur} (projected − actual)<extra></extra>"))
        return traces

    def title(book: str) -> str:
        return title_text(f"Backtest: projected and actual charge-offs — {portfolio_label(book)}",
                          "projected at the forecast month end; error = projected − actual (dotted)", as_of)

    fig = menu_figure(books, choices, default, build, ("y", "customdata", "hovertemplate"), title)
    style(fig, "", "", as_of, height=520)
    fig.update_layout(title_text=title(books[0]), barmode="overlay", hovermode="x unified",
                      margin={"t": MARGIN_TOP})
    fig.update_xaxes(title_text="Month end of the actual charge-offs", type="category")  # no dtick: see above
    fig.update_yaxes(title_text="Charge-off", tickformat=",.2~f")
    return fig


# ---- the page ----------------------------------------------------------------------------------------------

def read(ctx: Context) -> dict[str, pl.DataFrame | None]:
    """The four drawn tables, `month_end` (and the other dates) as ISO text, money as DECIMAL, `portfolio` the
    book key."""
    keys = ("strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, CAST(window_months AS INTEGER) AS "
            "window_months, CAST(weighting AS VARCHAR) AS weighting")
    order = "month_end, portfolio, window_months, weighting"
    balances = ", ".join(f"{b}_balance" for b in OPEN_BUCKETS)
    return {
        LIFETIME: read_mart(ctx, LIFETIME, f"{keys}, CAST(bucket AS VARCHAR) AS bucket, balance, "
                            "charge_off_probability, closed_probability, open_probability, horizon_months, "
                            "horizon_limited, recovery_rate, expected_loss", f"{order}, bucket"),
        RESERVE: read_mart(ctx, RESERVE, f"{keys}, open_balance, expected_charge_off, recovery_rate, reserve, "
                           "reserve_rate, horizon_limited_buckets", order),
        PROJECTION: read_mart(ctx, PROJECTION, f"{keys}, CAST(months_ahead AS INTEGER) AS months_ahead, "
                              f"strftime(projected_month_end, '%Y-%m-%d') AS projected_month_end, {balances}, "
                              "open_balance, charge_off, closed, cumulative_charge_off", f"{order}, months_ahead"),
        BACKTEST: read_mart(ctx, BACKTEST, f"{keys}, CAST(months_ahead AS INTEGER) AS months_ahead, "
                            "strftime(forecast_month_end, '%Y-%m-%d') AS forecast_month_end, projected_charge_off, "
                            "actual_charge_off, error, error_rate", f"{order}, months_ahead"),
    }


def render(ctx: Context) -> str:
    frames = read(ctx)
    for table, df in frames.items():
        # an empty backtest is only a backtest not yet possible (no projection made before the latest month)
        empty = missing_notice(table, df) if table != BACKTEST or df is None else None
        if empty:
            return empty
    life, reserve = _latest(frames[LIFETIME]), _latest(frames[RESERVE])
    projection, backtest = _latest(frames[PROJECTION]), frames[BACKTEST]
    as_of = max(df["month_end"].max() for df in frames.values() if df.height)
    choices = choices_of(pl.concat([f.select("window_months", "weighting") for f in (life, reserve, projection)]))
    default = default_choice(choices)
    books = books_of(life, reserve, projection)
    shown = (f"The charts show {choice_label(default)} first ({choice_label(DEFAULT_CHOICE)} when the tables hold "
             "it, else the longest window); pick another window and weighting, and the book (portfolio and "
             "currency), with the two dropdowns.")
    parts = [
        section("Lifetime charge-off probability by bucket",
                f"Month ending {html.escape(life['month_end'][0])}: of a bucket's balance, the share the averaged "
                "matrix takes to charge-off (the hover adds closure, still open, the balance, recovery rate and "
                f"expected loss). {HORIZON_LIMITED} {shown} The averaged matrices the figures are computed from "
                "are in the second CSV file. "
                '<a href="definitions.html#forecast">Definition</a>.',
                figure_html(lifetime_figure(life, books, choices, default, as_of), "fc-lifetime")),
        section("Reserve per book",
                f"Month ending {html.escape(reserve['month_end'][0])}, each book in its own currency: expected "
                "charge-off = Σ bucket balance × charge-off probability; reserve = the same × (1 − recovery rate); "
                "reserve rate = reserve / open balance. One row per averaging window and weighting.",
                "".join(reserve_table(reserve, b, i, choices, default) for i, b in enumerate(books))),
        section("12-month projection",
                f"From the month ending {html.escape(projection['month_end'][0])}: the open balance by bucket "
                f"(bars) and the balance projected to be charged off each month and cumulated (lines, right axis). "
                f"{NO_NEW_BUSINESS[0].upper() + NO_NEW_BUSINESS[1:]}: no account opens, draws or pays beyond what "
                "the matrix's roll rates carry, so the open balance only runs off.",
                figure_html(projection_figure(projection, books, choices, default, as_of), "fc-projection")),
    ]
    if backtest.height:
        parts.append(section(
            "Backtest: projected and actual charge-offs",
            "For each month, the charge-off projected some months before (at the forecast month end, from the "
            "book as it stood then) against the gross charge-off actually posted; the dotted line is the error "
            f"(projected − actual). {DEFAULT_AHEAD} month ahead is shown; click another horizon in the legend. "
            "Projected and actual differ even for a perfect matrix: interest and fees accrue between the "
            "projection and the write-off, recoveries and partial payments reduce balances first, and accounts "
            "roll on other paths than the average.",
            figure_html(backtest_figure(backtest, books, choices, default, as_of), "fc-backtest")))
    else:
        parts.append(section("Backtest: projected and actual charge-offs", "",
                             notice(f"No data yet: {BACKTEST} is empty (a month is compared once a projection "
                                    "made before it exists).")))
    parts.append(section("Method and limits", METHOD + '<a href="definitions.html#forecast">Definitions</a>.', ""))
    return "".join(parts)


PAGE = Page(
    slug="forecast",
    title="Loss forecast",
    summary="Roll-rate loss forecast: lifetime charge-off probability per bucket, the reserve per book, a 12-month "
    "run-off projection and its backtest.",
    intro="What will this book lose? The averaged monthly roll rates of the last months are run forward: the "
    "probability that each bucket's balance is charged off, the reserve that implies, the open balance projected "
    "12 months ahead with no new business, and how such projections compared with the charge-offs that followed. "
    "A roll-rate method, not a CECL or IFRS 9 model; each book (portfolio and currency) on its own, never added "
    "across currencies.",
    tables=TABLES,
    render=render,
    optional=True,
)
