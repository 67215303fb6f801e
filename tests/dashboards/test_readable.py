"""Readable charts (issue 16, item 6): the bucket palette, every bucket in every legend, the one roll-rate
matrix with its portfolio dropdown, small cells carrying their count, and the definitions page every footer
links. Pages from the hand-made marts (`hand_marts`, tests/dashboards/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports

from .plotly_figures import figures

LABELS = ["Current", "1–29 DPD", "30–59 DPD", "60–89 DPD", "90–119 DPD", "120–149 DPD", "150–179 DPD", "180+ DPD",
          "Charged off", "Closed"]
OPEN_LABELS, DELINQUENT_LABELS = LABELS[:8], LABELS[1:8]
PORTFOLIO_LABELS = ["All portfolios", "cards", "loans"]


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    build_reports(con, str(out))
    con.close()
    return out


def _page_figures(reports: Path, name: str) -> dict[str, dict]:
    return figures((reports / name).read_text("utf-8"))


def _luminance(hex_color: str) -> float:
    """WCAG relative luminance of '#rrggbb'."""
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


# ---- palette --------------------------------------------------------------------------------------------

def test_bucket_palette_is_ordered_by_severity_and_distinct():
    from assets.domain import BUCKET_NAMES
    from dashboards.buckets import BUCKET_COLOR, BUCKET_DASH, BUCKET_SYMBOL

    colors = [BUCKET_COLOR[b] for b in BUCKET_NAMES]
    assert len(set(colors)) == 10
    # ColorBrewer YlOrRd (9 classes) without its palest class, light to dark, then two greys
    assert colors == ["#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026",
                      "#252525", "#bdbdbd"]
    open_lum = [_luminance(c) for c in colors[:8]]
    assert open_lum == sorted(open_lum, reverse=True) and len(set(open_lum)) == 8  # darker with every bucket
    charged_off, closed = colors[8], colors[9]
    for grey in (charged_off, closed):
        assert grey[1:3] == grey[3:5] == grey[5:7]  # neutral, no hue of the scale
    assert _luminance(charged_off) < _luminance(colors[7]) < _luminance(closed)
    # lines of buckets never rely on hue alone: every bucket has its own marker
    assert len({BUCKET_SYMBOL[b] for b in BUCKET_NAMES}) == 10
    assert len({(BUCKET_DASH[b], BUCKET_SYMBOL[b]) for b in BUCKET_NAMES}) == 10


def test_series_palette_is_okabe_ito_with_dashes_and_markers():
    from dashboards.figures import SERIES_COLORS, SERIES_DASHES, SERIES_SYMBOLS

    assert SERIES_COLORS == ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#999999")
    assert len(set(SERIES_SYMBOLS)) == len(SERIES_COLORS) == len(SERIES_DASHES)


def test_lines_differ_by_dash_and_marker(reports):
    dq = _page_figures(reports, "delinquency.html")["dq-balance-rates"]
    shown = [t for t in dq["data"] if t["visible"] is True]
    assert [(t["name"], t["line"]["color"], t["line"]["dash"], t["marker"]["symbol"]) for t in shown] == [
        ("30+ DPD", "#0072B2", "solid", ["circle"] * 3),  # one marker per point (open at a small cell)
        ("60+ DPD", "#E69F00", "longdash", ["triangle-down"] * 3),
        ("90+ DPD", "#D55E00", "dash", ["square"] * 3),
    ]
    flows = [t for t in _page_figures(reports, "roll_rates.html")["roll-flow-rates"]["data"] if t["visible"] is True]
    assert len({(t["line"]["dash"], t["marker"]["symbol"][0].removesuffix("-open")) for t in flows}) == 8


# ---- every bucket in every legend -----------------------------------------------------------------------

def _names_by_portfolio(fig: dict, per_portfolio: int) -> list[list[str]]:
    names = [t["name"] for t in fig["data"]]
    assert len(names) == per_portfolio * len(PORTFOLIO_LABELS)
    return [names[i:i + per_portfolio] for i in range(0, len(names), per_portfolio)]


def test_aging_legends_list_every_bucket(reports):
    figs = _page_figures(reports, "aging.html")
    for div_id in ("aging-balance", "aging-accounts"):
        assert _names_by_portfolio(figs[div_id], 10) == [LABELS] * 3, div_id
    assert _names_by_portfolio(figs["aging-delinquent-balance"], 7) == [DELINQUENT_LABELS] * 3
    # a bucket without rows is drawn as zero, so its legend entry is there: 180+ DPD of 'all'
    balance = figs["aging-balance"]["data"]
    assert balance[7]["name"] == "180+ DPD" and balance[7]["y"] == [0, 0, 0]
    assert balance[7]["marker"]["color"] == "#800026"


def test_cure_rate_legends_list_every_delinquent_bucket(reports):
    figs = _page_figures(reports, "cure_rates.html")
    assert len(figs) == 4
    for div_id, fig in figs.items():
        assert _names_by_portfolio(fig, 7) == [[f"from {b}" for b in DELINQUENT_LABELS]] * 3, div_id


def test_roll_rate_figures_list_every_bucket(reports):
    figs = _page_figures(reports, "roll_rates.html")
    for trace in figs["roll-matrix"]["data"]:
        assert trace["x"] == LABELS and trace["y"] == OPEN_LABELS
    assert _names_by_portfolio(figs["roll-flow-rates"], 8) == [[
        "Current → 1–29 DPD", "1–29 DPD → 30–59 DPD", "30–59 DPD → 60–89 DPD", "60–89 DPD → 90–119 DPD",
        "90–119 DPD → 120–149 DPD", "120–149 DPD → 150–179 DPD", "150–179 DPD → 180+ DPD",
        "180+ DPD → Charged off"]] * 3


def test_complaints_by_bucket_legend_lists_every_open_bucket(reports):
    fig = _page_figures(reports, "complaints.html")["cmp-by-bucket"]
    names = [t["name"] for t in fig["data"]]
    # the open buckets at the previous month end (the mart's only buckets), then the suppression markers
    assert names == OPEN_LABELS + ["Suppressed (fewer than 5 complaints)"]
    assert fig["data"][7]["y"] == [None, None]  # 180+ DPD: no complaint, legend entry still there


# ---- the roll-rate page: one matrix, a portfolio dropdown ---------------------------------------------

def test_one_roll_rate_matrix_with_a_portfolio_dropdown(reports, hand_marts):
    figs = _page_figures(reports, "roll_rates.html")
    assert [d for d in figs if d.startswith("roll-matrix")] == ["roll-matrix"]
    matrix = figs["roll-matrix"]
    # one heatmap per portfolio and roll month (2026-09, 2026-10), portfolio after portfolio
    names = [t["name"] for t in matrix["data"]]
    assert names == [f"{p} {m}" for p in PORTFOLIO_LABELS for m in ("2026-09-30", "2026-10-31")]
    assert [t["visible"] for t in matrix["data"]] == [False, True, False, False, False, False]
    buttons = matrix["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in buttons] == [f"Portfolio: {p}" for p in PORTFOLIO_LABELS]
    for k, button in enumerate(buttons):
        assert button["method"] == "update"
        trace_update, layout_update = button["args"]
        # the portfolio's latest month shown, nothing else
        assert trace_update["visible"] == [j == 2 * k + 1 for j in range(6)]
        assert f"— {PORTFOLIO_LABELS[k]}" in layout_update["title.text"]
        # its own month slider: step i shows the portfolio's month i
        slider = layout_update["sliders"][0]
        assert slider["active"] == 1
        for i, step in enumerate(slider["steps"]):
            assert step["args"][0]["visible"] == [j == 2 * k + i for j in range(6)]
    assert matrix["layout"]["sliders"][0] == buttons[0]["args"][1]["sliders"][0]


# ---- small cells ---------------------------------------------------------------------------------------

def test_small_cell_rule():
    from dashboards.small_cells import MIN_ACCOUNTS, point_labels, point_symbols, rate_text, small

    assert MIN_ACCOUNTS == 30
    assert (small(29), small(30), small(None), small(0)) == (True, False, False, True)
    assert rate_text(1.0, 2) == "100.0%*<br>n=2"
    assert rate_text(0.4321, 37) == "43.2%"
    assert rate_text(None, 2) == ""
    assert point_labels([2, 30, None]) == ["n=2", None, None]
    assert point_symbols("square", [2, 30, None]) == ["square-open", "square", "square"]


def _cell(trace: dict, row: str, col: str):
    return trace["text"][trace["y"].index(row)][trace["x"].index(col)]


def test_small_roll_rate_cells_carry_their_count(reports):
    traces = {t["name"]: t for t in _page_figures(reports, "roll_rates.html")["roll-matrix"]["data"]}
    latest = traces["All portfolios 2026-10-31"]
    # 'all' (scale 3): 30–59 DPD held 15 accounts, all rolled to 60–89: 100% of 15 -> small
    assert _cell(latest, "30–59 DPD", "60–89 DPD") == "100.0%*<br>n=15"
    assert _cell(latest, "90–119 DPD", "Charged off") == "100.0%*<br>n=6"
    # 1–29 DPD held 6*3 + 4*3 = 30 accounts: exactly the threshold, not small
    assert _cell(latest, "1–29 DPD", "30–59 DPD") == "40.0%"
    assert _cell(latest, "Current", "Current") == "95.0%"  # 300 accounts
    assert _cell(latest, "Current", "30–59 DPD") == ""  # no account moved that way
    # cards (scale 2): 1–29 DPD held 12 + 8 = 20 accounts
    assert _cell(traces["cards 2026-09-30"], "1–29 DPD", "Current") == "60.0%*<br>n=20"
    flows = [t for t in _page_figures(reports, "roll_rates.html")["roll-flow-rates"]["data"] if t["visible"] is True]
    by_name = {t["name"]: t for t in flows}
    assert by_name["30–59 DPD → 60–89 DPD"]["text"] == ["n=15", "n=15"]
    assert by_name["30–59 DPD → 60–89 DPD"]["marker"]["symbol"] == ["triangle-up-open", "triangle-up-open"]
    assert "text" not in by_name["1–29 DPD → 30–59 DPD"]  # n = 30: no mark


def test_small_cure_rate_points_carry_their_count(reports):
    fig = _page_figures(reports, "cure_rates.html")["cure-cure-rate"]
    shown = {t["name"]: t for t in fig["data"] if t["visible"] is True}
    small = shown["from 30–59 DPD"]  # 'all': 5*3 = 15 accounts
    assert small["y"] == [0.0, 0.0] and small["text"] == ["n=15", "n=15"]
    assert small["mode"] == "lines+markers+text"
    assert small["marker"]["symbol"] == ["diamond-open", "diamond-open"]
    large = shown["from 1–29 DPD"]  # 10*3 = 30 accounts
    assert "text" not in large and large["marker"]["symbol"] == ["square", "square"]
    # loans (scale 1): 10 accounts in 1–29 DPD
    loans = [t for t in fig["data"] if t["name"] == "from 1–29 DPD"][2]
    assert loans["text"] == ["n=10", "n=10"]


# ---- the definitions page ------------------------------------------------------------------------------

def test_every_footer_links_the_definitions_page(reports):
    assert (reports / "definitions.html").is_file()
    definitions = (reports / "definitions.html").read_text("utf-8")
    anchors = set(re.findall(r'id="([^"]+)"', definitions))
    pages = sorted(reports.glob("*.html"))
    assert [p.name for p in pages] == ["aging.html", "charge_offs.html", "complaints.html", "cure_rates.html",
                                       "definitions.html", "delinquency.html", "index.html", "roll_forward.html", "roll_rates.html",
                                       "vintages.html"]
    for path in pages:
        page = path.read_text("utf-8")
        footer = page[page.index("<footer>"):page.index("</footer>")]
        assert 'href="definitions.html"' in footer, path.name
        assert "docs/" not in footer, path.name
        assert re.search(r'<a href="definitions.html"( class="current")?>Definitions</a>',
                         page[:page.index("</nav>")]), path.name  # in the nav bar
        for anchor in re.findall(r'href="definitions\.html#([^"]+)"', page):
            assert anchor in anchors, (path.name, anchor)
    # the charts' explanations link their entry
    assert 'href="definitions.html#roll-rates"' in (reports / "roll_rates.html").read_text("utf-8")
    assert 'href="definitions.html#cure-rates"' in (reports / "cure_rates.html").read_text("utf-8")


def test_definitions_page_content_works_offline(reports):
    page = (reports / "definitions.html").read_text("utf-8")
    body = page[page.index("<main>"):page.index("</main>")]
    for anchor in ("buckets", "aging", "roll-rates", "flow-rates", "cure-rates", "delinquency-rates", "charge-offs",
                   "vintages", "complaints", "small-cells", "colours"):
        assert f'<section id="{anchor}">' in body, anchor
    # every bucket with its colour, in order
    rows = re.findall(r"background:(#[0-9a-f]{6})\"></span></td><td>([^<]+)</td>", body)
    assert rows == list(zip(["#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#bd0026", "#800026",
                             "#252525", "#bdbdbd"], LABELS))
    assert "fewer than <strong>30 accounts</strong>" in body
    # links only to pages of the same folder (always built) or anchors of this page
    assert sorted(set(re.findall(r'href="([^"]+)"', body))) == [
        "#buckets", "aging.html", "cure_rates.html", "delinquency.html", "roll_rates.html"]
    assert "Plotly.newPlot" not in page
