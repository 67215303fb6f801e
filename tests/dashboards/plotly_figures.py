"""The Plotly figures of a built page, read back from its HTML for the tests of tests/dashboards:
`figures(page)` = {div id: {'data': [...], 'layout': {...}}}, parsed from the page's Plotly.newPlot calls."""

from __future__ import annotations

import json
import re

_NEW_PLOT = re.compile(r'Plotly\.newPlot\(\s*"([^"]+)",\s*')
_COMMA = re.compile(r",\s*")


def figures(page: str) -> dict[str, dict]:
    """The figures of a page by div id: {'data': [...], 'layout': {...}} parsed from Plotly.newPlot calls."""
    decoder = json.JSONDecoder()
    found = {}
    for match in _NEW_PLOT.finditer(page):
        data, end = decoder.raw_decode(page, match.end())
        layout, _ = decoder.raw_decode(page, _COMMA.match(page, end).end())
        found[match.group(1)] = {"data": data, "layout": layout}
    return found
