"""The HTML around the figures: the page shell (navigation, title, as-of date, footer), sections, notices."""

from __future__ import annotations

import html

from dashboards.files import PLOTLY_JS
from dashboards.page import Context

DEFINITIONS_FILE = "definitions.html"  # the definitions page (dashboards.definitions), linked from every footer

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
p.change{max-width:900px;line-height:1.45;font-weight:600}
.chart{background:#fff;border:1px solid #e0e0e0;border-radius:4px;margin:8px 0 16px;padding:4px}
.notice{background:#fff8e1;border:1px solid #ffe082;padding:10px 14px;border-radius:4px;max-width:900px}
table.headline{border-collapse:collapse;background:#fff;margin:8px 0}
table.headline th,table.headline td{border:1px solid #ddd;padding:6px 12px;text-align:right}
table.headline th:first-child,table.headline td:first-child{text-align:left}
table.headline thead th{background:#eceff1}
table.definitions th,table.definitions td{text-align:left}
table.changes th,table.changes td{padding:5px 8px;white-space:nowrap}
table.changes thead th{text-align:center}
ul.pages li{margin:6px 0}
p.csv{font-size:13px;margin:-8px 0 16px}
p.csv code{color:#555;font-size:12px}
footer{color:#777;font-size:12px;padding:0 24px 24px}
"""


def page_html(ctx: Context, current: str, title: str, intro: str, body: str, headline: str = "") -> str:
    """A complete HTML page: navigation, title, as-of date, intro, the latest month's change in words
    (`headline`, HTML, left out when empty), body. plotly.js is loaded from the
    `plotly.min.js` file next to the page (written once per reports folder), so the page works offline."""
    nav = [("index", "Overview", "index.html")] + [(p.slug, p.title, p.filename) for p in ctx.pages]
    current_attr = ' class="current"'
    links = "".join(
        f'<a href="{href}"{current_attr if key == current else ""}>{html.escape(text)}</a>'
        for key, text, href in nav
    )
    as_of = html.escape(ctx.as_of) if ctx.as_of else "no data"
    change = f'<p class="change" id="latest-change">{headline}</p>\n' if headline else ""
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
{change}{body}
</main>
<footer>Built from the aggregated marts tables of the arrears warehouse; no account-level data.
Definitions: <a href="{DEFINITIONS_FILE}">what every figure means</a>.</footer>
</body>
</html>
"""


def section(heading: str, text: str, content: str) -> str:
    return f"<section>\n<h2>{html.escape(heading)}</h2>\n<p class=\"note\">{text}</p>\n{content}\n</section>\n"


def notice(text: str) -> str:
    return f'<p class="notice">{html.escape(text)}</p>'
