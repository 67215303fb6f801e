"""The page registry (`PAGES`, `page_for_table`, `MART_TABLES`) and `build_reports`.

Adding a page = a module with a `PAGE = Page(...)` (dashboards.page) and one line in `PAGES` below.
Optional pages (`optional=True`) are built only when all their tables exist (but those of `absent_ok`), e.g.
the complaints page:

    Page(slug="complaints", tables=("marts.complaint_metrics", "marts.complaints_by_bucket"), optional=True, ...)
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from dashboards import (aging, charge_offs, complaints, cure_rates, definitions, delinquency_rates, loss_forecast,
                        quarterly, roll_forward, roll_rates, vintage_curves)
from dashboards.exports import write_exports
from dashboards.files import write_plotly_js, write_text
from dashboards.html_page import page_html
from dashboards.index import index_html
from dashboards.page import Context, Page
from dashboards.reading import latest_month, mart_exists
from dashboards.workbooks import Workbooks

PAGES: tuple[Page, ...] = (
    aging.PAGE,
    roll_rates.PAGE,
    cure_rates.PAGE,
    delinquency_rates.PAGE,
    charge_offs.PAGE,
    roll_forward.PAGE,
    vintage_curves.PAGE,
    quarterly.PAGE,
    loss_forecast.PAGE,  # optional: built once the five forecast marts exist
    complaints.PAGE,
    definitions.PAGE,  # no table: what every figure means, linked from every footer
)

# Every table a page may read (aggregated marts only, see page.check_table); a build reads those of the
# pages it builds (`Context.readable`).
MART_TABLES = frozenset(t for p in PAGES for t in p.tables + p.also_reads)


def page_for_table() -> dict[str, Page]:
    """Each table a page draws as its own (`Page.tables`, full names) -> that page."""
    pages: dict[str, Page] = {}
    for page in PAGES:
        for table in page.tables:
            if table in pages:
                raise ValueError(f"{table} is declared by the pages {pages[table].slug!r} and {page.slug!r}")
            pages[table] = page
    return pages


def build_reports(con: duckdb.DuckDBPyConnection, reports_dir: str,
                  restating: tuple[tuple[str, str, str], ...] = ()) -> list[str]:
    """Write index.html, every available page, plotly.min.js, the CSV of every chart and table
    (`data/`, dashboards.exports) and one Excel workbook per reporting month (`workbooks/`,
    dashboards.workbooks) into `reports_dir`; return their paths.

    Reads only the aggregated marts tables and published.closes (the index marks restated months;
    `restating` are the months the drawing run restates: (YYYY-MM, approved by, note)). The output is
    deterministic: the same tables give byte-identical files (pages, CSV files and workbooks alike).
    """
    out = Path(reports_dir)
    out.mkdir(parents=True, exist_ok=True)
    pages = tuple(p for p in PAGES if not p.optional or all(mart_exists(con, t) for t in p.required))
    ctx = Context(con=con, as_of=_as_of(con, pages), pages=pages, restating=tuple(restating))

    workbooks = Workbooks(ctx, out)  # started first: a worker writes some of them while the pages are drawn
    try:
        written = [write_plotly_js(out)]
        index = out / "index.html"
        texts = [index_html(ctx)]
        write_text(index, texts[0])
        written.append(index)
        for page in pages:
            path = out / page.filename
            headline = page.headline(ctx) if page.headline else ""
            texts.append(page_html(ctx, page.slug, page.title, page.intro, page.render(ctx), headline))
            write_text(path, texts[-1])
            written.append(path)
        written += write_exports(con, out, texts, ctx.readable)
        written += workbooks.finish()
    finally:
        workbooks.close()
    return [str(p) for p in written]


def _as_of(con: duckdb.DuckDBPyConnection, pages: tuple[Page, ...]) -> str | None:
    latest = [latest_month(con, t) for t in sorted({t for p in pages for t in p.tables})]
    latest = [m for m in latest if m]
    return max(latest) if latest else None
