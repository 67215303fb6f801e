"""Dashboards: self-contained HTML pages built from the aggregated marts tables.

`build_reports(con, reports_dir)` writes index.html, one page per entry of `dashboards.build.PAGES`
and plotly.min.js (once, referenced relatively by every page) and returns the paths written;
`page_for_table()` maps each table a page draws ("marts.aging") to that page.

They are loaded on first use (PEP 562), so that the workbook writer (`python -m
dashboards.workbook_writer`), which needs none of them, starts without Plotly and the pages.
"""

__all__ = ["PAGES", "build_reports", "page_for_table"]


def __getattr__(name: str):
    if name in __all__:
        from dashboards import build

        return getattr(build, name)
    raise AttributeError(f"module 'dashboards' has no attribute {name!r}")
