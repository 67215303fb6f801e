"""cure_rates.html: cure rates by from-bucket over time, cured within 3 months, re-default within 6 months."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import (BUCKET_DASH, BUCKET_OUTLINE, BUCKET_SYMBOL, DELINQUENT_BUCKETS, bucket_color,
                                bucket_label, buckets_shown)
from dashboards.changes import RATE, Headline
from dashboards.dimensions import months, portfolios, rows_by
from dashboards.figures import figure_section, month_line
from dashboards.formatting import slug
from dashboards.page import Context, Page
from dashboards.portfolio_menu import portfolio_menu_figure
from dashboards.reading import missing_notice, read_mart
from dashboards.segment_menu import SEGMENT_NOTE, read_by_segment, segment_figure, segment_section
from dashboards.small_cells import SMALL_CELL_NOTE

TABLE = "marts.cure_rates"
SEGMENT_TABLE = "marts.cure_rates_by_segment"

# (column, chart title, definition, explanation under the heading)
METRICS = (
    (
        "cure_rate",
        "Cure rate by bucket",
        "open accounts at 0 DPD this month end / accounts in the bucket at the previous month end",
        "Share of the accounts delinquent in a bucket at the previous month end that are current (open, "
        "0 days past due) now. Charge-offs, closures and payoffs are not cures.",
    ),
    (
        "balance_cure_rate",
        "Balance cure rate by bucket",
        "previous-month-end balance of the cured accounts / previous-month-end balance of the bucket",
        "The cure rate weighted by the accounts' balances at the previous month end.",
    ),
    (
        "cured_within_3m_rate",
        "Cured within 3 months by bucket",
        "accounts in the bucket at m−1 at 0 DPD at any of m, m+1, m+2 / accounts in the bucket at m−1",
        "A slower cure measure; blank for the latest two months, which cannot be judged yet.",
    ),
    (
        "redefault_6m_rate",
        "Re-default within 6 months by bucket",
        "of the accounts cured at m, share at 30+ DPD at any month end m+1 … m+6",
        "How many cures do not stick; blank until the six following months have been observed.",
    ),
)
# The accounts each rate is computed over (its denominator), for the small-cell mark; the re-default rate
# is over the accounts cured at m, the others over the from-bucket's accounts.
DENOMINATOR = {"redefault_6m_rate": "cured_accounts"}
NOTE = f' {SMALL_CELL_NOTE} <a href="definitions.html#cure-rates">Definition</a>.'


def render(ctx: Context) -> str:
    df = read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, from_bucket, accounts::BIGINT AS accounts, "
        "cured_accounts::BIGINT AS cured_accounts, cure_rate, balance_cure_rate, cured_within_3m_rate, "
        "redefault_6m_rate",
        "month_end, portfolio, from_bucket",
    )
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    as_of = max(months(df))
    return "".join(
        figure_section(title, text + NOTE, _lines(df, column, title, definition, as_of), f"cure-{slug(column)}")
        for column, title, definition, text in METRICS
    ) + _by_segment(ctx)


def _by_segment(ctx: Context) -> str:
    """The cure rate over every delinquent from-bucket per segment value, from marts.cure_rates_by_segment."""
    df = read_by_segment(ctx, SEGMENT_TABLE, "from_bucket, accounts::BIGINT AS accounts, "
                         "cured_accounts::BIGINT AS cured_accounts", "from_bucket")
    return segment_section(
        SEGMENT_TABLE, df,
        "The cure rate of each segment value over all its delinquent accounts (cured accounts / accounts "
        "1+ days past due at the previous month end, every from-bucket together; the segment is the "
        "account's at the previous month end). " + SEGMENT_NOTE + SMALL_CELL_NOTE
        + ' Here n is the delinquent accounts at the previous month end. '
        '<a href="definitions.html#cure-rates">Definition</a>.',
        lambda d: segment_figure(
            cure_totals(d), "cure_rate", "Cure rate by segment (all delinquent buckets)",
            "open accounts at 0 DPD this month end / accounts 1+ DPD at the previous month end", max(months(d)),
            count="accounts", customdata=("cured_accounts", "accounts"),
            hover=lambda cur: "%{y:.2%} (cured %{customdata[0]:,} of %{customdata[1]:,} accounts)",
            yaxes={"title_text": "Rate", "tickformat": ".0%", "rangemode": "tozero"}),
        "cure-by-segment",
    )


def cure_totals(df: pl.DataFrame) -> pl.DataFrame:
    """One row per month end, book, segment and value over every from-bucket: accounts, cured accounts and
    the cure rate (None without accounts), as the page's headline figure (`_cure_rate`)."""
    out = df.group_by("month_end", "portfolio", "segment", "segment_value").agg(
        pl.col("accounts").sum(), pl.col("cured_accounts").sum())
    rate = pl.when(pl.col("accounts") != 0).then(pl.col("cured_accounts") / pl.col("accounts"))
    return out.with_columns(rate.alias("cure_rate")).sort("month_end", "portfolio", "segment", "segment_value")


def _lines(df: pl.DataFrame, column: str, title: str, definition: str, as_of: str) -> go.Figure:
    """One line per from-bucket of the rate `column`, one portfolio at a time (dropdown)."""
    all_months = months(df)
    # every delinquent bucket in the legend (the only from-buckets a cure rate has), also one without rows
    buckets = buckets_shown(DELINQUENT_BUCKETS, set(df["from_bucket"].to_list()))
    rows = rows_by(df, "month_end", "portfolio", "from_bucket")
    denominator = DENOMINATOR.get(column, "accounts")

    def traces(portfolio: str) -> list[go.Scatter]:
        out = []
        for bucket in buckets:
            ys, custom, counts = [], [], []
            for m in all_months:
                row = rows.get((m, portfolio, bucket))
                ys.append(None if row is None else row[column])
                custom.append([None, None] if row is None else [row["accounts"], row["cured_accounts"]])
                counts.append(None if row is None else row[denominator])
            label = bucket_label(bucket)
            out.append(month_line(
                all_months, ys, f"from {label}", bucket_color(bucket),
                f"from {label}: %{{y:.2%}} (accounts %{{customdata[0]:,}}, cured %{{customdata[1]:,}})<extra></extra>",
                customdata=custom, dash=BUCKET_DASH.get(bucket), symbol=BUCKET_SYMBOL.get(bucket, "circle"),
                outline=BUCKET_OUTLINE, counts=counts,
            ))
        return out

    return portfolio_menu_figure(portfolios(df), traces, all_months, title, definition, as_of,
                                 layout={"hovermode": "x unified"},
                                 yaxes={"title_text": "Rate", "tickformat": ".0%", "rangemode": "tozero"})


def _cure_rate(rows: list[dict]) -> float | None:
    """Accounts cured / accounts in the delinquent buckets at the previous month end, over every from-bucket."""
    accounts = sum(r["accounts"] for r in rows)
    return sum(r["cured_accounts"] for r in rows) / accounts if accounts else None


# The sentence at the top: the month's cure rate over every delinquent bucket of the whole book.
HEADLINE = Headline(TABLE, "cure rate (all delinquent buckets)", RATE,
                    "from_bucket, accounts::BIGINT AS accounts, cured_accounts::BIGINT AS cured_accounts",
                    "month_end, portfolio, from_bucket", _cure_rate)


PAGE = Page(
    slug="cure_rates",
    title="Cure rates",
    summary="How many delinquent accounts become current again, how fast, and how many fall back.",
    intro="Cure rates follow the accounts that were open and delinquent (1+ days past due) in a bucket at "
    "the previous month end. An account is cured when it is open and at 0 days past due; charge-offs, "
    "closures and payoffs are not cures. The month shown is the later month of each pair.",
    tables=(TABLE, SEGMENT_TABLE),
    render=render,
    headline=HEADLINE,
    absent_ok=(SEGMENT_TABLE,),
)
