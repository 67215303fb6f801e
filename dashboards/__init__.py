"""Dashboards: self-contained HTML pages built from the aggregated marts tables.

`build_reports(con, reports_dir)` writes index.html, one page per entry of `dashboards.build.PAGES`
and plotly.min.js (once, referenced relatively by every page) and returns the paths written;
`page_for_table()` maps each table a page draws ("marts.aging") to that page.
"""

from dashboards.build import PAGES, build_reports, page_for_table

__all__ = ["PAGES", "build_reports", "page_for_table"]
