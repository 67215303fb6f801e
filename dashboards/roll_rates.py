"""roll_rates.html: the monthly transition matrix (one heatmap chart for every portfolio, a portfolio dropdown and a
month slider) and flow rates k → k+1."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import (BUCKET_DASH, BUCKET_ORDER, BUCKET_OUTLINE, BUCKET_SYMBOL, BUCKETS, OPEN_BUCKETS,
                                bucket_color, bucket_label)
from dashboards.changes import RATE, Headline
from dashboards.dimensions import currency_of, months, portfolio_label, portfolios, previous_month_end, rows_by
from dashboards.figures import figure_section, month_line, style, title_text
from dashboards.page import Context, Page
from dashboards.portfolio_menu import portfolio_menu_figure
from dashboards.reading import missing_notice, read_mart
from dashboards.segment_menu import SEGMENT_NOTE, read_by_segment, segment_figure, segment_section
from dashboards.small_cells import SMALL_CELL_NOTE, rate_text

TABLE = "marts.roll_rates"
SEGMENT_TABLE = "marts.roll_rates_by_segment"

# The delinquent chain: each open bucket to the next one; 180+ DPD flows on to charge-off.
CHAIN = tuple(zip(OPEN_BUCKETS, OPEN_BUCKETS[1:] + ("charged_off",)))

MATRIX_DEFINITION = (
    "cell = accounts moving from the row bucket (previous month end) to the column bucket / "
    "accounts in the row bucket (n); hover for counts, balances and balance rates"
)
FLOW_DEFINITION = (
    "balance at the previous month end of accounts rolling from bucket k to k+1 / balance of bucket k "
    "at the previous month end"
)


def render(ctx: Context) -> str:
    df = read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, from_bucket, to_bucket, "
        "accounts::BIGINT AS accounts, balance::DOUBLE AS balance, account_rate, balance_rate",
        "month_end, portfolio, from_bucket, to_bucket",
    )
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    as_of = max(months(df))
    return figure_section(
        "Transition matrix",
        "Each row is a bucket at the previous month end; each column is where those accounts are at "
        "this month end. The cell shows the share of the row's accounts (rows sum to 100%). Pick the "
        "portfolio with the dropdown and the month with the slider (it starts at the latest month; a new "
        f"portfolio opens on its latest month). {SMALL_CELL_NOTE} "
        '<a href="definitions.html#roll-rates">Definition</a>.',
        _matrix(df, as_of),
        "roll-matrix",
    ) + figure_section(
        "Flow rates",
        "The balance-weighted roll rate of each bucket into the next worse one (the classic flow-rate "
        "chain); 180+ DPD flows on to charge-off. A gap means the from-bucket was empty (or had no "
        f"balance) at the previous month end. {SMALL_CELL_NOTE} "
        '<a href="definitions.html#flow-rates">Definition</a>.',
        _flows(df, as_of),
        "roll-flow-rates",
    ) + _by_segment(ctx)


def _by_segment(ctx: Context) -> str:
    """The Current → 1–29 DPD account rate per segment value, from marts.roll_rates_by_segment."""
    df = read_by_segment(ctx, SEGMENT_TABLE, "from_bucket, to_bucket, accounts::BIGINT AS accounts",
                         "from_bucket, to_bucket")
    entry = f"{bucket_label(CHAIN[0][0])} → {bucket_label(CHAIN[0][1])}"
    return segment_section(
        SEGMENT_TABLE, df,
        f"The roll rate into delinquency ({entry}, by accounts) of each segment value: the first link of "
        "the flow-rate chain, where a worse segment shows first. The segment is the account's at the "
        "previous month end; 0 when the segment had current accounts and none rolled, a gap when it had "
        "none. " + SEGMENT_NOTE + SMALL_CELL_NOTE + " Here n is the segment's current accounts at the "
        'previous month end. <a href="definitions.html#roll-rates">Definition</a>.',
        lambda d: segment_figure(
            entry_rates(d), "entry_rate", f"Roll rate {entry} by segment",
            f"accounts moving {entry} / accounts current at the previous month end", max(months(d)),
            count="current_accounts", customdata=("rolled_accounts", "current_accounts"),
            hover=lambda cur: "%{y:.2%} (%{customdata[0]:,} of %{customdata[1]:,} current accounts)",
            yaxes={"title_text": "Account rate", "tickformat": ".1%", "rangemode": "tozero"}),
        "roll-by-segment",
    )


def entry_rates(df: pl.DataFrame) -> pl.DataFrame:
    """One row per month end, book, segment and value whose current bucket had accounts at the previous
    month end: those accounts, the ones that rolled to 1–29 DPD and their share (as `_entry_rate`)."""
    start, to = CHAIN[0]
    current = df.filter(pl.col("from_bucket") == start)
    out = current.group_by("month_end", "portfolio", "segment", "segment_value").agg(
        pl.col("accounts").sum().alias("current_accounts"),
        pl.col("accounts").filter(pl.col("to_bucket") == to).sum().alias("rolled_accounts"),
    )
    rate = pl.when(pl.col("current_accounts") != 0).then(pl.col("rolled_accounts") / pl.col("current_accounts"))
    return out.with_columns(rate.alias("entry_rate")).sort("month_end", "portfolio", "segment", "segment_value")


def _from_accounts(df: pl.DataFrame) -> dict[tuple[str, str, str], int]:
    """N(from) by (month_end, portfolio, from_bucket): the accounts of the from-bucket, the denominator of
    every account rate of its row (a row's cells hold every account that left the bucket)."""
    totals: dict[tuple[str, str, str], int] = {}
    for r in df.iter_rows(named=True):
        key = (r["month_end"], r["portfolio"], r["from_bucket"])
        totals[key] = totals.get(key, 0) + r["accounts"]
    return totals


def _matrix(df: pl.DataFrame, as_of: str) -> go.Figure:
    """One transition-matrix chart for every portfolio and month: one heatmap trace per (portfolio, month),
    portfolio after portfolio. The slider picks the month of the portfolio shown; the dropdown picks the
    portfolio (its button swaps in that portfolio's slider and opens on its latest month)."""
    all_months = months(df)
    all_portfolios = portfolios(df)
    extra = {b for b in df["from_bucket"].to_list() + df["to_bucket"].to_list() if b not in BUCKET_ORDER}
    rows = list(OPEN_BUCKETS) + sorted(b for b in extra if b in set(df["from_bucket"].to_list()))
    cols = [code for code, _ in BUCKETS] + sorted(extra)
    cells = rows_by(df, "month_end", "portfolio", "from_bucket", "to_bucket")
    n_from = _from_accounts(df)
    n_months = len(all_months)
    total = len(all_portfolios) * n_months
    fig = go.Figure()
    titles: dict[tuple[int, int], str] = {}
    for p, portfolio in enumerate(all_portfolios):
        for i, m in enumerate(all_months):
            z, custom, text = [], [], []
            for f in rows:
                z_row, c_row, t_row = [], [], []
                n = n_from.get((m, portfolio, f))
                for t in cols:
                    cell = cells.get((m, portfolio, f, t))
                    z_row.append(None if cell is None else cell["account_rate"])
                    c_row.append([None, None, None, None] if cell is None
                                 else [cell["accounts"], cell["balance"], cell["balance_rate"], n])
                    t_row.append("" if cell is None else rate_text(cell["account_rate"], n))
                z.append(z_row)
                custom.append(c_row)
                text.append(t_row)
            fig.add_trace(
                go.Heatmap(
                    x=[bucket_label(t) for t in cols],
                    y=[bucket_label(f) for f in rows],
                    z=z,
                    customdata=custom,
                    text=text,
                    zmin=0,
                    zmax=1,
                    colorscale="Blues",
                    colorbar={"title": {"text": "Account rate"}, "tickformat": ".0%"},
                    texttemplate="%{text}",
                    hoverongaps=False,
                    hovertemplate=(
                        f"{portfolio_label(portfolio)}, {m}<br>From %{{y}} to %{{x}}<br>Account rate: %{{z:.2%}}"
                        "<br>Accounts: %{customdata[0]:,} of %{customdata[3]:,}"
                        f"<br>Balance (previous month end): %{{customdata[1]:,.2f}} {currency_of(portfolio) or ''}"
                        "<br>Balance rate: %{customdata[2]:.2%}"
                        "<extra></extra>"
                    ),
                    name=f"{portfolio_label(portfolio)} {m}",
                    visible=p == 0 and i == n_months - 1,
                )
            )
            titles[(p, i)] = title_text(
                f"Roll rates {previous_month_end(m)} → {m} — {portfolio_label(portfolio)}", MATRIX_DEFINITION, as_of)

    def visible(p: int, i: int) -> list[bool]:
        return [j == p * n_months + i for j in range(total)]

    def slider(p: int) -> dict:
        return {
            "active": n_months - 1,
            "currentvalue": {"prefix": "Month end: "},
            "pad": {"t": 50},
            "steps": [
                {"label": m[:7], "method": "update",
                 "args": [{"visible": visible(p, i)}, {"title.text": titles[(p, i)]}]}
                for i, m in enumerate(all_months)
            ],
        }

    style(fig, "", MATRIX_DEFINITION, as_of, height=600)
    fig.update_layout(
        title_text=titles[(0, n_months - 1)],
        margin={"l": 110, "r": 30, "t": 170, "b": 110},
        sliders=[slider(0)],
    )
    if len(all_portfolios) > 1:
        fig.update_layout(updatemenus=[{
            "type": "dropdown",
            "direction": "down",
            "active": 0,
            "x": 1.0,
            "xanchor": "right",
            "y": 1.19,  # above the bucket labels and axis title on top of the plot
            "yanchor": "bottom",
            "showactive": True,
            "buttons": [
                {"label": f"Portfolio: {portfolio_label(portfolio)}", "method": "update",
                 "args": [{"visible": visible(p, n_months - 1)},
                          {"title.text": titles[(p, n_months - 1)], "sliders": [slider(p)]}]}
                for p, portfolio in enumerate(all_portfolios)
            ],
        }])
    fig.update_xaxes(title_text="Bucket at month end", side="top", title_standoff=4)
    fig.update_yaxes(title_text="Bucket at previous month end", autorange="reversed")
    return fig


def _flows(df: pl.DataFrame, as_of: str) -> go.Figure:
    """The balance roll rate of each bucket k into k+1 (`CHAIN`), one portfolio at a time (dropdown)."""
    all_months = months(df)
    rows = rows_by(df, "month_end", "portfolio", "from_bucket", "to_bucket")
    cells = {key: r["balance_rate"] for key, r in rows.items()}
    # A from-bucket with rows in the month had accounts; a missing k → k+1 cell is then a flow of 0.
    from_rate = {}
    for r in df.iter_rows(named=True):
        key = (r["month_end"], r["portfolio"], r["from_bucket"])
        from_rate[key] = from_rate.get(key) or r["balance_rate"] is not None

    n_from = _from_accounts(df)

    def traces(portfolio: str) -> list[go.Scatter]:
        out = []
        for k, k1 in CHAIN:
            ys = []
            for m in all_months:
                if not from_rate.get((m, portfolio, k)):
                    ys.append(None)
                else:
                    ys.append(cells.get((m, portfolio, k, k1)) or 0.0)
            label = f"{bucket_label(k)} → {bucket_label(k1)}"
            counts = [n_from.get((m, portfolio, k)) for m in all_months]
            out.append(month_line(all_months, ys, label, bucket_color(k1),
                                  f"{label}: %{{y:.2%}} (from-bucket accounts %{{customdata:,}})<extra></extra>",
                                  customdata=counts, dash=BUCKET_DASH[k1], symbol=BUCKET_SYMBOL[k1],
                                  outline=BUCKET_OUTLINE, counts=counts))
        return out

    return portfolio_menu_figure(portfolios(df), traces, all_months, "Flow rates (balance roll rate k → k+1)",
                                 FLOW_DEFINITION, as_of, layout={"hovermode": "x unified"},
                                 yaxes={"title_text": "Balance rate", "tickformat": ".0%", "rangemode": "tozero"})


def _entry_rate(rows: list[dict]) -> float | None:
    """The Current → 1–29 DPD account rate of one month's rows: 0 when Current had accounts but none moved
    that way, None when Current had none."""
    if not any(r["from_bucket"] == CHAIN[0][0] for r in rows):
        return None
    return next((r["account_rate"] for r in rows if (r["from_bucket"], r["to_bucket"]) == CHAIN[0]), 0.0)


# The sentence at the top: the month's roll rate into delinquency of the whole book.
HEADLINE = Headline(TABLE, "roll rate from Current to 1–29 DPD (accounts)", RATE,
                    "from_bucket, to_bucket, account_rate", "month_end, portfolio, from_bucket, to_bucket",
                    _entry_rate)


PAGE = Page(
    slug="roll_rates",
    title="Roll rates",
    summary="Monthly transition matrix between buckets (any month, any portfolio) and the flow-rate chain.",
    intro="A roll rate follows the accounts that were open in a bucket at one month end to the bucket they "
    "are in at the next month end (any of the ten states, including charged off and closed). The "
    "account rate is the share of the from-bucket's accounts; the balance rate weights them by their "
    "balance at the previous month end. Empty cells had no account moving that way.",
    tables=(TABLE, SEGMENT_TABLE),
    render=render,
    headline=HEADLINE,
    absent_ok=(SEGMENT_TABLE,),
)
