"""The complaints page's section drawn from marts.complaints_by_bucket: complaints per 1,000 accounts by
the bucket the account was in at the previous month end (one chart, the whole book)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import (BUCKET_DASH, BUCKET_OUTLINE, BUCKET_SYMBOL, OPEN_BUCKETS, bucket_color, bucket_label,
                                buckets_shown)
from dashboards.dimensions import months, rows_by
from dashboards.figures import figure_html, month_line, style_over_months
from dashboards.page import Context
from dashboards.reading import missing_notice, read_mart
from dashboards.suppression import SUPPRESSED, finish, strip_traces, suppressed, suppressed_series

TABLE = "marts.complaints_by_bucket"
BUCKET_DEFINITION = (
    "complaints received in the month / accounts open in the bucket at the previous month end × 1,000"
)


def read(ctx: Context) -> pl.DataFrame | None:
    return read_mart(
        ctx,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, bucket, complaints::BIGINT AS complaints, "
        "accounts::BIGINT AS accounts, complaints_per_1000",
        "month_end, bucket",
    )


def chart(buckets: pl.DataFrame | None) -> str:
    """The chart as HTML, or the missing/empty-table notice. Its as-of date is this table's latest month."""
    empty = missing_notice(TABLE, buckets)
    if empty:
        return empty
    all_months = months(buckets)
    rows = rows_by(buckets, "month_end", "bucket")
    notes: dict[str, list[str]] = {}
    traces = []
    # every open bucket in the legend (complaints are counted by the open bucket at the previous month end),
    # also one without rows
    for bucket in buckets_shown(OPEN_BUCKETS, set(buckets["bucket"].to_list())):
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
            f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata[0]:,}} complaints, %{{customdata[1]:,}} accounts)"
            "<extra></extra>",
            customdata=custom, dash=BUCKET_DASH.get(bucket), symbol=BUCKET_SYMBOL.get(bucket, "circle"),
            outline=BUCKET_OUTLINE,
        ))
    fig = go.Figure()
    for trace in traces + strip_traces(all_months, notes, "y2"):
        fig.add_trace(trace)
    style_over_months(fig, all_months, "Complaints per 1,000 accounts by delinquency bucket (previous month end)",
                      BUCKET_DEFINITION, max(all_months), layout={"hovermode": "x unified"},
                      yaxes={"title": {"text": "Complaints per 1,000 accounts"}, "rangemode": "tozero"})
    return figure_html(finish(fig, "y2", None), "cmp-by-bucket")
