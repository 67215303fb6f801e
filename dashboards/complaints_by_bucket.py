"""The complaints page's section drawn from marts.complaints_by_bucket: complaints per 1,000 accounts by
the bucket the account was in at the previous month end (one chart, the whole book), monthly and over the
3 months ending at each month (`rolling`, the switch of `dashboards.rolling_view`)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import (BUCKET_DASH, BUCKET_OUTLINE, BUCKET_SYMBOL, OPEN_BUCKETS, bucket_color, bucket_label,
                                bucket_sort_key, buckets_shown)
from dashboards.dimensions import months, rows_by
from dashboards.figures import figure_html, month_line, style_over_months
from dashboards.page import Context
from dashboards.reading import missing_notice, read_mart
from dashboards.rolling_view import IN_WINDOW, per_1000, view_title, window_months, with_view_switch
from dashboards.suppression import SUPPRESSED, finish, strip_traces, suppressed, suppressed_series

TABLE = "marts.complaints_by_bucket"
BUCKET_DEFINITION = (
    "complaints received in the month / accounts open in the bucket at the previous month end × 1,000"
)
BUCKET_DEFINITION_3M = (
    "complaints received in the 3 months / accounts open in the bucket at the 3 previous month ends × 1,000"
)
ROLLING_SCHEMA = {"month_end": pl.Utf8, "bucket": pl.Utf8, "complaints": pl.Int64, "accounts": pl.Int64,
                  "complaints_per_1000": pl.Float64}


def read(ctx: Context) -> pl.DataFrame | None:
    return read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, bucket, complaints::BIGINT AS complaints, "
        "accounts::BIGINT AS accounts, complaints_per_1000",
        "month_end, bucket",
    )


def rolling(buckets: pl.DataFrame) -> pl.DataFrame:
    """Per bucket, the 3 months ending at each month end: complaints summed, accounts summed over the 3
    previous month ends (account-months), complaints per 1,000 of them. The mart holds a bucket's accounts
    only in a month with a complaint from it, so a window needs a row of the bucket in each of its 3 months;
    otherwise it has no row (no point: not a suppression)."""
    rows = rows_by(buckets, "month_end", "bucket")
    out = []
    for m in months(buckets):
        window = window_months(m)
        for bucket in sorted(set(buckets["bucket"].to_list()), key=bucket_sort_key):
            own = [rows.get((w, bucket)) for w in window]
            if any(r is None for r in own):
                continue
            complaints = sum(r["complaints"] for r in own)
            accounts = sum(r["accounts"] for r in own)
            out.append({"month_end": m, "bucket": bucket, "complaints": complaints, "accounts": accounts,
                        "complaints_per_1000": per_1000(complaints, accounts)})
    return pl.DataFrame(out, schema=ROLLING_SCHEMA)


def chart(buckets: pl.DataFrame | None) -> str:
    """The chart as HTML (monthly and rolling 3-month views, with the switch), or the missing/empty-table
    notice. Its as-of date is this table's latest month."""
    empty = missing_notice(TABLE, buckets)
    if empty:
        return empty
    fig = with_view_switch(_figure(buckets, buckets, False), _figure(rolling(buckets), buckets, True))
    return figure_html(fig, "cmp-by-bucket")


def _figure(data: pl.DataFrame, shape: pl.DataFrame, rolling_view: bool) -> go.Figure:
    """The chart of `data`'s figures over the months and buckets of `shape`."""
    all_months = months(shape)
    rows = rows_by(data, "month_end", "bucket")
    within = IN_WINDOW if rolling_view else ""
    notes: dict[str, list[str]] = {}
    traces = []
    # every open bucket in the legend (complaints are counted by the open bucket at the previous month end),
    # also one without rows
    for bucket in buckets_shown(OPEN_BUCKETS, set(shape["bucket"].to_list())):
        label = bucket_label(bucket)
        ys, _ = suppressed_series(rows, all_months, (bucket,), "complaints_per_1000", "complaints",
                                  f"{label}: {SUPPRESSED}", notes, mark_empty=True)
        custom = []
        for m in all_months:
            r = rows.get((m, bucket))
            hidden = r is None or suppressed(r["complaints"])
            custom.append([None, None] if hidden else [r["complaints"], r["accounts"]])
        traces.append(month_line(
            all_months, ys, label, bucket_color(bucket),
            f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata[0]:,}} complaints{within}, %{{customdata[1]:,}} "
            "account-months)<extra></extra>" if rolling_view else
            f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata[0]:,}} complaints, %{{customdata[1]:,}} accounts)"
            "<extra></extra>",
            customdata=custom, dash=BUCKET_DASH.get(bucket), symbol=BUCKET_SYMBOL.get(bucket, "circle"),
            outline=BUCKET_OUTLINE,
        ))
    fig = go.Figure()
    for trace in traces + strip_traces(all_months, notes, "y2", always=True):
        fig.add_trace(trace)
    title = "Complaints per 1,000 accounts by delinquency bucket (previous month end)"
    style_over_months(fig, all_months, view_title(title, rolling_view),
                      BUCKET_DEFINITION_3M if rolling_view else BUCKET_DEFINITION, max(all_months),
                      layout={"hovermode": "x unified"},
                      yaxes={"title": {"text": "Complaints per 1,000 accounts"}, "rangemode": "tozero"})
    return finish(fig, "y2", None)
