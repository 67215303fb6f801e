"""The complaints page's section drawn from marts.complaints_by_bucket: complaints per 1,000 accounts by
the bucket the account was in at the previous month end (one chart, the whole book)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from dashboards.buckets import BUCKET_COLOR, bucket_label, bucket_sort_key
from dashboards.dimensions import months
from dashboards.figures import figure_html, month_axis, style
from dashboards.reading import missing_notice, read_mart
from dashboards.suppression import SUPPRESSED, add_strip, finish, shown, suppressed

TABLE = "complaints_by_bucket"
BUCKET_DEFINITION = (
    "complaints received in the month / accounts open in the bucket at the previous month end × 1,000"
)


def read(con) -> pl.DataFrame | None:
    return read_mart(
        con,
        TABLE,
        "strftime(month_end, '%Y-%m-%d') AS month_end, bucket, complaints::BIGINT AS complaints, "
        "accounts::BIGINT AS accounts, complaints_per_1000",
        "month_end, bucket",
    )


def chart(buckets: pl.DataFrame | None, as_of: str) -> str:
    empty = missing_notice(TABLE, buckets)
    if empty:
        return empty
    all_months = months(buckets)
    rows = {(r["month_end"], r["bucket"]): r for r in buckets.iter_rows(named=True)}
    fig = go.Figure()
    notes: dict[str, list[str]] = {}
    for bucket in sorted(set(buckets["bucket"].to_list()), key=bucket_sort_key):
        label = bucket_label(bucket)
        ys, custom = [], []
        for m in all_months:
            r = rows.get((m, bucket))
            if r is not None and suppressed(r["complaints"]):
                notes.setdefault(m, []).append(f"{label}: {SUPPRESSED}")
            ys.append(None if r is None else shown(r["complaints_per_1000"], r["complaints"]))
            hidden = r is None or suppressed(r["complaints"])
            custom.append([None, None] if hidden else [r["complaints"], r["accounts"]])
        fig.add_trace(
            go.Scatter(
                x=all_months,
                y=ys,
                customdata=custom,
                mode="lines+markers",
                name=label,
                line={"color": BUCKET_COLOR.get(bucket, "#607d8b")},
                hovertemplate=f"{label}: %{{y:,.2f}} per 1,000 (%{{customdata[0]:,}} complaints, "
                "%{customdata[1]:,} accounts)<extra></extra>",
            )
        )
    add_strip(fig, all_months, notes, "y2")
    style(fig, "Complaints per 1,000 accounts by delinquency bucket (previous month end)", BUCKET_DEFINITION,
            max(all_months))
    fig.update_layout(hovermode="x unified")
    month_axis(fig, len(all_months))
    fig.update_layout(yaxis={"title": {"text": "Complaints per 1,000 accounts"}, "rangemode": "tozero"})
    return figure_html(finish(fig, "y2", None), "cmp-by-bucket")
