"""aging.html: balances and account counts by days-past-due bucket over time, per portfolio."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import BUCKET_NAMES, DELINQUENT_BUCKETS, OPEN_BUCKETS, bucket_color, bucket_label, buckets_shown
from dashboards.changes import MONEY, Headline
from dashboards.dimensions import currency_of, months, over_months, portfolios, rows_by
from dashboards.figures import figure_section
from dashboards.page import Context, Page
from dashboards.portfolio_menu import portfolio_menu_figure
from dashboards.reading import missing_notice, read_mart
from dashboards.segment_menu import SEGMENT_NOTE, read_by_segment, segment_figure, segment_section
from dashboards.small_cells import SMALL_CELL_NOTE

TABLE = "marts.aging"
SEGMENT_TABLE = "marts.aging_by_segment"
SHARE_DEFINITION = "balance of open accounts at 1+ DPD / balance of open accounts"


def render(ctx: Context) -> str:
    df = read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, portfolio, bucket, "
        "accounts::BIGINT AS accounts, balance::DOUBLE AS balance",
        "month_end, portfolio, bucket",
    )
    empty = missing_notice(TABLE, df)
    if empty:
        return empty
    as_of = max(months(df))
    # every bucket in every legend, also one without rows (drawn as zero); the 1+ DPD chart lists the
    # seven delinquent buckets
    present = set(df["bucket"].to_list())
    buckets = buckets_shown(BUCKET_NAMES, present)
    delinquent = buckets_shown(DELINQUENT_BUCKETS, ())
    charts = [
        (
            "Balance by bucket",
            "Sum of month-end balances of the accounts in each bucket. Charged-off and closed accounts "
            "appear in the month they reach that state (their balance is then 0.00 or close to it). "
            "Click a legend entry to hide a bucket (<a href=\"definitions.html#buckets\">buckets</a>).",
            _stacked(df, buckets, "balance", "Balance by delinquency bucket",
                     "sum of month-end balance per bucket", as_of, money=True),
            "aging-balance",
        ),
        (
            "Delinquent balance by bucket (1+ DPD)",
            "The same balances without the current bucket, so the delinquent buckets are readable.",
            _stacked(df, delinquent, "balance", "Delinquent balance by bucket (1+ DPD)",
                     "sum of month-end balance of open accounts at 1+ days past due", as_of, money=True),
            "aging-delinquent-balance",
        ),
        (
            "Accounts by bucket",
            "Number of accounts in each bucket at the month end; charged-off and closed accounts are "
            "counted in the month they reach that state.",
            _stacked(df, buckets, "accounts", "Accounts by delinquency bucket",
                     "number of accounts per bucket at month end", as_of, money=False),
            "aging-accounts",
        ),
    ]
    sections = [figure_section(heading, text, fig, div_id) for heading, text, fig, div_id in charts]
    return "".join(sections) + _by_segment(ctx)


def _by_segment(ctx: Context) -> str:
    """The delinquent (1+ DPD) balance share per segment value, from marts.aging_by_segment."""
    df = read_by_segment(ctx, SEGMENT_TABLE, "bucket, accounts::BIGINT AS accounts, balance::DOUBLE AS balance",
                         "bucket")
    return segment_section(
        SEGMENT_TABLE, df,
        "The share of the open balance that is delinquent (1+ days past due) in each segment: which products, "
        "regions, vintages, hardship flags or limit bands carry the arrears. " + SEGMENT_NOTE + SMALL_CELL_NOTE
        + " Here n is the segment's open accounts. "
        '<a href="definitions.html#aging">Definition</a>.',
        lambda d: segment_figure(
            delinquent_shares(d), "delinquent_share", "Delinquent balance share (1+ DPD) by segment",
            SHARE_DEFINITION, max(months(d)), count="open_accounts",
            customdata=("delinquent_balance", "open_balance", "open_accounts"),
            hover=lambda cur: (f"%{{y:.2%}} (1+ DPD balance %{{customdata[0]:,.2f}} {cur} of open balance "
                               f"%{{customdata[1]:,.2f}} {cur}; open accounts %{{customdata[2]:,}})"),
            yaxes={"title_text": "Share of open balance", "tickformat": ".1%", "rangemode": "tozero"}),
        "aging-by-segment",
    )


def delinquent_shares(df: pl.DataFrame) -> pl.DataFrame:
    """One row per month end, book, segment and value: open accounts, open balance, the balance at 1+ DPD
    and its share of the open balance (None on an open balance of 0)."""
    open_rows = df.filter(pl.col("bucket").is_in(list(OPEN_BUCKETS)))
    delinquent = pl.col("bucket").is_in(list(DELINQUENT_BUCKETS))
    out = open_rows.group_by("month_end", "portfolio", "segment", "segment_value").agg(
        pl.col("accounts").sum().alias("open_accounts"),
        pl.col("balance").sum().alias("open_balance"),
        pl.col("balance").filter(delinquent).sum().alias("delinquent_balance"),
    )
    share = pl.when(pl.col("open_balance") != 0).then(pl.col("delinquent_balance") / pl.col("open_balance"))
    return out.with_columns(share.alias("delinquent_share")).sort("month_end", "portfolio", "segment", "segment_value")


def _stacked(df: pl.DataFrame, buckets: list[str], value: str, title: str, definition: str, as_of: str,
             money: bool) -> go.Figure:
    """Stacked bars of `value` by bucket over the months, one portfolio at a time (dropdown)."""
    all_months = months(df)
    rows = rows_by(df, "month_end", "portfolio", "bucket")
    fmt = ",.2f" if money else ","

    def traces(portfolio: str) -> list[go.Bar]:
        unit = f" {currency_of(portfolio)}" if money and currency_of(portfolio) else ""
        return [
            go.Bar(
                x=all_months,
                y=over_months(rows, all_months, (portfolio, bucket), value, missing=0),
                name=bucket_label(bucket),
                legendgroup=bucket,
                marker_color=bucket_color(bucket),
                hovertemplate=f"{bucket_label(bucket)}: %{{y:{fmt}}}{unit}<extra></extra>",
            )
            for bucket in buckets
        ]

    return portfolio_menu_figure(portfolios(df), traces, all_months, title, definition, as_of,
                                 layout={"barmode": "stack", "hovermode": "x unified",
                                         "legend": {"traceorder": "normal"}},
                                 yaxes={"title_text": "Balance" if money else "Accounts", "tickformat": ","})


# The sentence at the top: the month's change of the delinquent (1+ DPD) balance of the whole book.
HEADLINE = Headline(TABLE, "delinquent balance (1+ DPD)", MONEY, "bucket, balance::DOUBLE AS balance",
                    "month_end, portfolio, bucket",
                    lambda rows: sum(r["balance"] for r in rows if r["bucket"] in DELINQUENT_BUCKETS))


PAGE = Page(
    slug="aging",
    title="Delinquency aging",
    summary="Balances and account counts by days-past-due bucket, month by month, per portfolio.",
    intro="How the book is spread over the delinquency buckets at each month end: current (0 days past "
    "due), then 1–29, 30–59, 60–89, 90–119, 120–149, 150–179 and 180+ days past due for open accounts, "
    "and the accounts that were charged off or closed in the month. Days past due count from the oldest "
    "unpaid due (FIFO), ignoring shortfalls up to the configured tolerance. Use the dropdown on each "
    "chart to switch portfolio.",
    tables=(TABLE, SEGMENT_TABLE),
    render=render,
    headline=HEADLINE,
    absent_ok=(SEGMENT_TABLE,),
)
