"""roll_rates.html: monthly transition matrix (heatmap with a month slider) and flow rates k → k+1."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import BUCKET_COLOR, BUCKET_ORDER, BUCKETS, OPEN_BUCKETS, bucket_label
from dashboards.changes import RATE, Headline
from dashboards.dimensions import months, portfolio_label, portfolios, previous_month_end, rows_by
from dashboards.figures import figure_section, month_line, style, title_text
from dashboards.formatting import slug
from dashboards.page import Context, Page
from dashboards.portfolio_menu import portfolio_menu_figure
from dashboards.reading import missing_notice, read_mart

TABLE = "marts.roll_rates"

# The delinquent chain: each open bucket to the next one; 180+ DPD flows on to charge-off.
CHAIN = tuple(zip(OPEN_BUCKETS, OPEN_BUCKETS[1:] + ("charged_off",)))

MATRIX_DEFINITION = (
    "cell = accounts moving from the row bucket (previous month end) to the column bucket / "
    "accounts in the row bucket; hover for counts, balances and balance rates"
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
    out = [
        figure_section(
            f"Transition matrix — {portfolio_label(portfolio)}",
            "Each row is a bucket at the previous month end; each column is where those accounts are at "
            "this month end. The cell shows the share of the row's accounts (rows sum to 100%). Move the "
            "slider to pick the month; it starts at the latest month.",
            _matrix(df.filter(pl.col("portfolio") == portfolio), portfolio, as_of),
            f"roll-matrix-{i}-{slug(portfolio)}",
        )
        for i, portfolio in enumerate(portfolios(df))
    ]
    out.insert(
        1,
        figure_section(
            "Flow rates",
            "The balance-weighted roll rate of each bucket into the next worse one (the classic flow-rate "
            "chain); 180+ DPD flows on to charge-off. A gap means the from-bucket was empty (or had no "
            "balance) at the previous month end.",
            _flows(df, as_of),
            "roll-flow-rates",
        ),
    )
    return "".join(out)


def _matrix(df: pl.DataFrame, portfolio: str, as_of: str) -> go.Figure:
    """A portfolio's transition matrix as one heatmap per month, a slider picks the month (it starts at the latest)."""
    all_months = months(df)
    extra = {b for b in df["from_bucket"].to_list() + df["to_bucket"].to_list() if b not in BUCKET_ORDER}
    rows = list(OPEN_BUCKETS) + sorted(b for b in extra if b in set(df["from_bucket"].to_list()))
    cols = [code for code, _ in BUCKETS] + sorted(extra)
    cells = rows_by(df, "month_end", "from_bucket", "to_bucket")
    fig = go.Figure()
    titles = []
    for m in all_months:
        z, custom = [], []
        for f in rows:
            z_row, c_row = [], []
            for t in cols:
                cell = cells.get((m, f, t))
                z_row.append(None if cell is None else cell["account_rate"])
                c_row.append(
                    [None, None, None] if cell is None else [cell["accounts"], cell["balance"], cell["balance_rate"]]
                )
            z.append(z_row)
            custom.append(c_row)
        fig.add_trace(
            go.Heatmap(
                x=[bucket_label(t) for t in cols],
                y=[bucket_label(f) for f in rows],
                z=z,
                customdata=custom,
                zmin=0,
                zmax=1,
                colorscale="Blues",
                colorbar={"title": {"text": "Account rate"}, "tickformat": ".0%"},
                texttemplate="%{z:.1%}",
                hoverongaps=False,
                hovertemplate=(
                    f"{m}<br>From %{{y}} to %{{x}}<br>Account rate: %{{z:.2%}}<br>Accounts: %{{customdata[0]:,}}"
                    "<br>Balance (previous month end): %{customdata[1]:,.2f}<br>Balance rate: %{customdata[2]:.2%}"
                    "<extra></extra>"
                ),
                name=m,
                visible=m == all_months[-1],
            )
        )
        titles.append(
            title_text(
                f"Roll rates {previous_month_end(m)} → {m} — {portfolio_label(portfolio)}",
                MATRIX_DEFINITION,
                as_of,
            )
        )
    style(fig, "", MATRIX_DEFINITION, as_of, height=560)
    fig.update_layout(
        title_text=titles[-1],
        margin={"l": 110, "r": 30, "t": 110, "b": 110},
        sliders=[
            {
                "active": len(all_months) - 1,
                "currentvalue": {"prefix": "Month end: "},
                "pad": {"t": 50},
                "steps": [
                    {
                        "label": m[:7],
                        "method": "update",
                        "args": [{"visible": [j == i for j in range(len(all_months))]}, {"title.text": titles[i]}],
                    }
                    for i, m in enumerate(all_months)
                ],
            }
        ],
    )
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
            out.append(month_line(all_months, ys, label, BUCKET_COLOR[k1], f"{label}: %{{y:.2%}}<extra></extra>"))
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
    tables=(TABLE,),
    render=render,
    headline=HEADLINE,
)
