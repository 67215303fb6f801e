"""Shared pieces of the dashboards: bucket labels, reading the marts, figure layout and page HTML.

Pages read only the aggregated `marts.*` tables listed in `MART_TABLES` (never `marts.account_month`
or anything per account), and everything they write is deterministic: data sorted explicitly, fixed
div ids, no timestamps.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

import duckdb
import plotly.graph_objects as go
import plotly.io as pio
import polars as pl
from plotly.offline import get_plotlyjs

PLOTLY_JS = "plotly.min.js"

# The only tables a dashboard may read: month-level aggregates, no per-account rows.
MART_TABLES = frozenset(
    {
        "aging",
        "roll_rates",
        "cure_rates",
        "delinquency_rates",
        "charge_offs",
        "complaint_metrics",
        "complaints_by_bucket",
    }
)

# Bucket codes in display order with their labels (DPD ranges; "M1/M2" cycle labels are not used).
BUCKETS: tuple[tuple[str, str], ...] = (
    ("current", "Current"),
    ("dpd_1_29", "1–29 DPD"),
    ("dpd_30_59", "30–59 DPD"),
    ("dpd_60_89", "60–89 DPD"),
    ("dpd_90_119", "90–119 DPD"),
    ("dpd_120_149", "120–149 DPD"),
    ("dpd_150_179", "150–179 DPD"),
    ("dpd_180_plus", "180+ DPD"),
    ("charged_off", "Charged off"),
    ("closed", "Closed"),
)
BUCKET_LABEL = dict(BUCKETS)
BUCKET_ORDER = {code: i for i, (code, _) in enumerate(BUCKETS)}
OPEN_BUCKETS = tuple(code for code, _ in BUCKETS[:8])
DELINQUENT_BUCKETS = OPEN_BUCKETS[1:]
BUCKET_COLOR = {
    "current": "#2e7d32",
    "dpd_1_29": "#c0ca33",
    "dpd_30_59": "#fdd835",
    "dpd_60_89": "#ffb300",
    "dpd_90_119": "#fb8c00",
    "dpd_120_149": "#f4511e",
    "dpd_150_179": "#d32f2f",
    "dpd_180_plus": "#8e0000",
    "charged_off": "#424242",
    "closed": "#9e9e9e",
}
SERIES_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")

ALL = "all"

CONFIG = {"displaylogo": False, "responsive": True}


# ---------------------------------------------------------------------------------------------
# labels and ordering


def bucket_label(code: str) -> str:
    return BUCKET_LABEL.get(code, code)


def bucket_sort_key(code: str) -> tuple[int, str]:
    return (BUCKET_ORDER.get(code, len(BUCKETS)), code)


def portfolio_sort_key(portfolio: str) -> tuple[bool, str]:
    """'all' first, then the portfolios alphabetically."""
    return (portfolio != ALL, portfolio)


def portfolio_label(portfolio: str) -> str:
    return "All portfolios" if portfolio == ALL else portfolio


def portfolios(df: pl.DataFrame) -> list[str]:
    return sorted(set(df["portfolio"].to_list()), key=portfolio_sort_key)


def months(df: pl.DataFrame) -> list[str]:
    return sorted(set(df["month_end"].to_list()))


def previous_month_end(month_end: str) -> str:
    d = date.fromisoformat(month_end)
    return (d.replace(day=1) - timedelta(days=1)).isoformat()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def fmt_int(value) -> str:
    return "—" if value is None else f"{int(value):,}"


def fmt_money(value) -> str:
    return "—" if value is None else f"{value:,.2f}"


def fmt_rate(value) -> str:
    return "—" if value is None else f"{value:.2%}"


# ---------------------------------------------------------------------------------------------
# reading the marts


def mart_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    _check_table(table)
    rows = con.sql(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' AND table_name = ?",
        params=[table],
    ).fetchall()
    return bool(rows[0][0])


def read_mart(con: duckdb.DuckDBPyConnection, table: str, columns: str, order_by: str) -> pl.DataFrame | None:
    """`SELECT columns FROM marts.table ORDER BY order_by` as Polars; None when the table does not exist.

    `month_end` should be selected as ISO text (`strftime(month_end, '%Y-%m-%d')`) and money cast to
    DOUBLE for charting; the order must be total so that the output is deterministic.
    """
    if not mart_exists(con, table):
        return None
    return con.sql(f"SELECT {columns} FROM marts.{table} ORDER BY {order_by}").pl()


def latest_month(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    if not mart_exists(con, table):
        return None
    return con.sql(f"SELECT strftime(max(month_end), '%Y-%m-%d') FROM marts.{table}").fetchall()[0][0]


def _check_table(table: str) -> None:
    if table not in MART_TABLES:
        raise ValueError(f"dashboards read only the aggregated marts {sorted(MART_TABLES)}, not {table!r}")


def missing_notice(table: str, df: pl.DataFrame | None) -> str | None:
    """HTML notice when a mart is missing or empty, else None."""
    if df is None:
        return notice(f"No data: the table marts.{table} does not exist in this warehouse.")
    if df.height == 0:
        return notice(f"No data: the table marts.{table} is empty.")
    return None


# ---------------------------------------------------------------------------------------------
# pages


@dataclass(frozen=True)
class Context:
    con: duckdb.DuckDBPyConnection
    as_of: str | None  # latest month_end over the marts the pages read (ISO), None when all are empty
    pages: tuple["Page", ...]  # the pages being built, for the navigation bar


@dataclass(frozen=True)
class Page:
    """One dashboard page: `render(ctx)` returns the HTML body (sections, figures, notices)."""

    slug: str
    title: str
    summary: str  # one sentence, shown on the index
    intro: str  # a short explanation (HTML) under the page title
    tables: tuple[str, ...]  # marts tables it reads
    render: Callable[[Context], str]
    optional: bool = False  # built only when all of `tables` exist

    @property
    def filename(self) -> str:
        return f"{self.slug}.html"


CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#263238;color:#fff;padding:10px 24px}
header nav a{color:#cfd8dc;margin-right:18px;text-decoration:none;font-size:14px}
header nav a.current{color:#fff;font-weight:600;border-bottom:2px solid #fff}
main{padding:8px 24px 32px;max-width:1400px}
h1{font-size:24px;margin:16px 0 4px}
h2{font-size:18px;margin:28px 0 4px}
p.asof{color:#555;margin:0 0 8px}
p.intro,p.note{max-width:900px;line-height:1.45}
.chart{background:#fff;border:1px solid #e0e0e0;border-radius:4px;margin:8px 0 16px;padding:4px}
.notice{background:#fff8e1;border:1px solid #ffe082;padding:10px 14px;border-radius:4px;max-width:900px}
table.headline{border-collapse:collapse;background:#fff;margin:8px 0}
table.headline th,table.headline td{border:1px solid #ddd;padding:6px 12px;text-align:right}
table.headline th:first-child,table.headline td:first-child{text-align:left}
table.headline thead th{background:#eceff1}
ul.pages li{margin:6px 0}
footer{color:#777;font-size:12px;padding:0 24px 24px}
"""


def page_html(ctx: Context, current: str, title: str, intro: str, body: str) -> str:
    """A complete HTML page: navigation, title, as-of date, intro, body. plotly.js is loaded from the
    `plotly.min.js` file next to the page (written once per reports folder), so the page works offline."""
    nav = [("index", "Overview", "index.html")] + [(p.slug, p.title, p.filename) for p in ctx.pages]
    current_attr = ' class="current"'
    links = "".join(
        f'<a href="{href}"{current_attr if key == current else ""}>{html.escape(text)}</a>'
        for key, text, href in nav
    )
    as_of = html.escape(ctx.as_of) if ctx.as_of else "no data"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} — as of {as_of}</title>
<style>{CSS}</style>
<script>window.PlotlyConfig = {{MathJaxConfig: 'local'}};</script>
<script charset="utf-8" src="{PLOTLY_JS}"></script>
</head>
<body>
<header><nav>{links}</nav></header>
<main>
<h1>{html.escape(title)}</h1>
<p class="asof">As of {as_of} (latest month end in the warehouse)</p>
<p class="intro">{intro}</p>
{body}
</main>
<footer>Built from the aggregated marts tables of the arrears warehouse; no account-level data.
Definitions: docs/dashboards.md.</footer>
</body>
</html>
"""


def section(heading: str, text: str, content: str) -> str:
    return f"<section>\n<h2>{html.escape(heading)}</h2>\n<p class=\"note\">{text}</p>\n{content}\n</section>\n"


def notice(text: str) -> str:
    return f'<p class="notice">{html.escape(text)}</p>'


# ---------------------------------------------------------------------------------------------
# figures


def title_text(title: str, definition: str, as_of: str) -> str:
    """Chart title: what it is, then the definition and as-of date on a second, smaller line."""
    return f"{title}<br><sup>{definition}, as of {as_of}</sup>"


def style(fig: go.Figure, title: str, definition: str, as_of: str, height: int = 480) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        title={"text": title_text(title, definition, as_of), "x": 0.01, "xanchor": "left", "yref": "container",
               "y": 1, "yanchor": "top", "pad": {"t": 14}},
        height=height,
        margin={"l": 70, "r": 30, "t": 110, "b": 60},
        legend={"orientation": "v", "x": 1.01, "y": 1.0},
        font={"size": 12},
    )
    return fig


def month_axis(fig: go.Figure, n_months: int) -> None:
    """x axis of month ends as evenly spaced categories labelled with the month-end date, at most about
    a dozen labels. Every trace carries all months in order, so the category order is the data order
    (no `categoryorder`: together with hidden traces it stops plotly.js from drawing)."""
    fig.update_xaxes(title_text="Month end", type="category", dtick=max(1, -(-n_months // 12)))


def add_portfolio_menu(fig: go.Figure, groups: list[tuple[str, int]]) -> None:
    """Traces are laid out portfolio after portfolio (`groups` = [(portfolio, trace count)]); show the
    first portfolio and add a dropdown that switches between them (nothing to switch with only one)."""
    total = sum(n for _, n in groups)
    visible_for: list[list[bool]] = []
    start = 0
    for _, n in groups:
        visible_for.append([start <= i < start + n for i in range(total)])
        start += n
    for trace, visible in zip(fig.data, visible_for[0] if visible_for else []):
        trace.visible = visible
    if len(groups) < 2:
        return
    fig.update_layout(
        updatemenus=[
            {
                "type": "dropdown",
                "direction": "down",
                "active": 0,
                "x": 1.0,
                "xanchor": "right",
                "y": 1.16,
                "yanchor": "bottom",
                "showactive": True,
                "buttons": [
                    {"label": f"Portfolio: {portfolio_label(p)}", "method": "restyle", "args": [{"visible": v}]}
                    for (p, _), v in zip(groups, visible_for)
                ],
            }
        ],
    )


def figure_html(fig: go.Figure, div_id: str) -> str:
    """The figure as a <div> with a fixed id and no plotly.js (the page loads plotly.min.js once)."""
    div = pio.to_html(
        fig,
        config=CONFIG,
        include_plotlyjs=False,
        include_mathjax=False,
        full_html=False,
        div_id=div_id,
        validate=True,
    )
    return f'<div class="chart">{div}</div>'


# ---------------------------------------------------------------------------------------------
# files


def write_text(path: Path, text: str) -> None:
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)


def write_plotly_js(reports_dir: Path) -> Path:
    path = reports_dir / PLOTLY_JS
    write_text(path, get_plotlyjs())
    return path
