"""The "By segment" charts of the aging, roll-rate, cure-rate, delinquency and charge-off pages, drawn from the
hand-made by-segment marts (`hand_segment_marts` of conftest.py: four books in two currencies, five segments;
the values below are worked out by hand from its formulas, N = C + 10·b + i accounts).

Each chart has a "Segment:" dropdown (restyles `visible`) and a "Book:" dropdown (restyles every line's data
and `showlegend`); `_shown` applies both as plotly.js would and returns the lines a reader sees.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports
from dashboards.build import PAGES

from . import browser as h
from .plotly_figures import figures

SEGMENT_OPTIONS = ["Segment: Product type", "Segment: Region", "Segment: Vintage year", "Segment: Hardship flag",
                   "Segment: Limit / principal band"]
# 'all' first (one per currency, by currency), then the portfolios alphabetically
BOOK_OPTIONS = ["Book: All portfolios (CAD)", "Book: All portfolios (USD)", "Book: cards (USD)",
                "Book: cards-ca (CAD)"]
ALL_CAD, ALL_USD, CARDS_USD, CARDS_CA = range(4)
PRODUCT, REGION, VINTAGE, HARDSHIP, BAND = range(5)
MONTHS = ["2026-08-31", "2026-09-30", "2026-10-31"]
# (page, div id of its segment chart, by-segment table)
CHARTS = (
    ("aging.html", "aging-by-segment", "marts.aging_by_segment"),
    ("roll_rates.html", "roll-by-segment", "marts.roll_rates_by_segment"),
    ("cure_rates.html", "cure-by-segment", "marts.cure_rates_by_segment"),
    ("delinquency.html", "dq-by-segment", "marts.delinquency_rates_by_segment"),
    ("charge_offs.html", "co-nco-by-segment", "marts.charge_offs_by_segment"),
    ("charge_offs.html", "co-gross-by-segment", "marts.charge_offs_by_segment"),
)


def _build(out: Path, hand_marts, hand_segment_marts=None, drop: tuple[str, ...] = ()) -> Path:
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    if hand_segment_marts is not None:
        hand_segment_marts.make(con)
    for table in drop:
        con.execute(f"DROP TABLE {table}")
    build_reports(con, str(out))
    con.close()
    return out


@pytest.fixture(scope="module")
def reports(hand_marts, hand_segment_marts, tmp_path_factory) -> Path:
    return _build(tmp_path_factory.mktemp("reports"), hand_marts, hand_segment_marts)


def _figure(reports: Path, page: str, div_id: str) -> dict:
    return figures((reports / page).read_text("utf-8"))[div_id]


def _menus(fig: dict) -> tuple[list[dict], list[dict]]:
    segment, book = fig["layout"]["updatemenus"]
    return segment["buttons"], book["buttons"]


def _shown(fig: dict, segment: int, book: int) -> dict[str, dict]:
    """The lines drawn (visible, in the legend) after choosing option `segment` and option `book`, by name,
    with the attributes the two buttons restyle applied (each attribute list holds one value per trace)."""
    segments, books = _menus(fig)
    traces = [dict(t) for t in fig["data"]]
    for button in (segments[segment], books[book]):
        for key, values in button["args"][0].items():
            for trace, value in zip(traces, values):
                trace[key] = value
    return {t["name"]: t for t in traces if t["visible"] is True and t["showlegend"] is True}


def _y(line: dict) -> list:
    return line["y"]


@pytest.mark.parametrize("page, div_id, table", CHARTS)
def test_one_option_per_segment_and_per_book(reports, page, div_id, table):
    fig = _figure(reports, page, div_id)
    segments, books = _menus(fig)
    assert [b["label"] for b in segments] == SEGMENT_OPTIONS
    assert [b["label"] for b in books] == BOOK_OPTIONS
    # it opens on the first segment of the first book: its title names the book, the legend the segment
    assert "— All portfolios (CAD)" in fig["layout"]["title"]["text"]
    assert fig["layout"]["legend"]["title"]["text"] == "Product type"
    assert [b["args"][1] for b in segments][HARDSHIP] == {"legend.title.text": "Hardship flag"}
    assert "— cards (USD)" in books[CARDS_USD]["args"][1]["title.text"]
    # a data restyle must keep the month axis a category axis (plotly.js would retype it and hang)
    assert all(b["args"][1]["xaxis.type"] == "category" for b in books)


@pytest.mark.parametrize("page, div_id, table", CHARTS)
def test_each_option_shows_exactly_the_segment_s_values_in_the_book(reports, page, div_id, table):
    fig = _figure(reports, page, div_id)
    expected = {  # in reading order: numbers by value (limit bands, years), then text alphabetically
        PRODUCT: ["installment", "revolving"],
        REGION: ["(none)", "North"],
        VINTAGE: ["2023", "2024"],
        HARDSHIP: ["bankrupt", "none"],
        BAND: ["1,000–4,999.99", "5,000–9,999.99", "10,000–24,999.99"],
    }
    for book in range(4):
        for segment, values in expected.items():
            # '25,000+' is in the CAD books only: listed there, and nowhere in the USD books' legends
            want = values + ["25,000+"] if segment == BAND and book in (ALL_CAD, CARDS_CA) else values
            assert list(_shown(fig, segment, book)) == want, (book, segment)


def test_aging_delinquent_share_exact(reports):
    fig = _figure(reports, "aging.html", "aging-by-segment")
    revolving = _shown(fig, PRODUCT, ALL_USD)["revolving"]
    # all (USD), revolving, 2026-10-31: N = 100 + 0 + 2 = 102: open balance 102,000.00 + 500.00 + 250.25,
    # 1+ DPD 750.25; open accounts 102 + 2 + 1 = 105 (the closed account is not open)
    assert _y(revolving)[2] == 750.25 / 102750.25
    assert revolving["customdata"][2] == [750.25, 102750.25, 105]
    # cards (USD), installment (k = 1), 2026-08-31: N = 60 + 10 = 70; 1+ DPD 600.00 + 250.25
    installment = _shown(fig, PRODUCT, CARDS_USD)["installment"]
    assert _y(installment)[0] == 850.25 / (70000 + 850.25)
    assert "CAD" in _shown(fig, PRODUCT, ALL_CAD)["revolving"]["hovertemplate"]
    assert "USD" in revolving["hovertemplate"] and "CAD" not in revolving["hovertemplate"]


def test_delinquency_dq30_exact_and_small_cells(reports):
    fig = _figure(reports, "delinquency.html", "dq-by-segment")
    # cards (USD) = book 1, installment k = 1: 0.01·2 + 0.001·i + 0.0001
    assert _y(_shown(fig, PRODUCT, CARDS_USD)["installment"]) == [0.0201, 0.0211, 0.0221]
    # all (USD), bankrupt (C = 2): N = 2, 3, 4 open accounts: every point a small cell with its count
    bankrupt = _shown(fig, HARDSHIP, ALL_USD)["bankrupt"]
    assert bankrupt["text"] == ["n=2", "n=3", "n=4"]
    assert bankrupt["marker.symbol"] == ["circle-open"] * 3  # the first value's marker, hollow
    assert [c[0] for c in bankrupt["customdata"]] == [2, 3, 4]
    # cards-ca (CAD), bankrupt: N = 2 + 30 + i = 32..34, not small; 'none' (N = 180..182) neither
    assert _shown(fig, HARDSHIP, CARDS_CA)["bankrupt"]["text"] == [None, None, None]
    assert _shown(fig, HARDSHIP, CARDS_CA)["bankrupt"]["marker.symbol"] == ["circle"] * 3
    # the money in the hover names the book's currency
    assert "open balance %{customdata[1]:,.2f} CAD" in _shown(fig, HARDSHIP, CARDS_CA)["none"]["hovertemplate"]


def test_roll_entry_rate_exact(reports):
    fig = _figure(reports, "roll_rates.html", "roll-by-segment")
    north = _shown(fig, REGION, ALL_CAD)["North"]
    # all (CAD) = book 2, North (C = 120, k = 0): N = 141, 142; rolled k + 1 + i = 2, 3 (the mart starts in
    # 2026-09, the later month of the first pair, and so does the chart)
    assert fig["data"][0]["x"] == MONTHS[1:]
    assert _y(north) == [2 / 143, 3 / 145]
    assert north["customdata"] == [[2, 143], [3, 145]]
    assert north["text"] == [None, None]  # 143 and 145 current accounts: not small


def test_cure_rate_exact_and_small_cell(reports):
    fig = _figure(reports, "cure_rates.html", "cure-by-segment")
    # cards-ca (CAD) = book 3, bankrupt (C = 2, k = 1), 2026-10-31: N = 34; cured 2 + 2 + 1 of 34 + 5
    # (the mart starts in 2026-09, the later month of the first pair)
    assert _y(_shown(fig, HARDSHIP, CARDS_CA)["bankrupt"]) == [4 / 38, 5 / 39]
    # all (USD), bankrupt: N = 3, 4 -> 4 of 8, 5 of 9 accounts: small cells, the count beside the point
    small = _shown(fig, HARDSHIP, ALL_USD)["bankrupt"]
    assert _y(small) == [4 / 8, 5 / 9]
    assert small["text"] == ["n=8", "n=9"]
    assert small["marker.symbol"] == ["circle-open", "circle-open"]


def test_charge_offs_exact(reports):
    nco = _figure(reports, "charge_offs.html", "co-nco-by-segment")
    gross = _figure(reports, "charge_offs.html", "co-gross-by-segment")
    # cards (USD) = book 1, vintage 2023 (C = 80, k = 1): N = 91, 92; gross 200 + 10 + i; net gross − 10;
    # NCO = round(net · 12 / (1,000 · N), 6); NULL in the first month
    assert _y(_shown(nco, VINTAGE, CARDS_USD)["2023"]) == [None, round(201 * 12 / 91000, 6), round(202 * 12 / 92000, 6)]
    assert _y(_shown(nco, VINTAGE, CARDS_USD)["2023"])[2] == 0.026348
    assert _y(_shown(gross, VINTAGE, CARDS_USD)["2023"]) == [210.0, 211.0, 212.0]
    assert "%{y:,.2f} USD" in _shown(gross, VINTAGE, CARDS_USD)["2023"]["hovertemplate"]
    # the NCO mart has no account count: no point is marked
    assert _shown(nco, HARDSHIP, ALL_USD)["bankrupt"]["text"] == [None, None, None]


def test_pages_claim_their_segment_tables():
    by_slug = {p.slug: p for p in PAGES}
    for slug, table in (("aging", "marts.aging_by_segment"), ("roll_rates", "marts.roll_rates_by_segment"),
                        ("cure_rates", "marts.cure_rates_by_segment"),
                        ("delinquency", "marts.delinquency_rates_by_segment"),
                        ("charge_offs", "marts.charge_offs_by_segment")):
        converted = table.replace("_by_segment", "_converted")  # older warehouses may lack both
        assert table in by_slug[slug].tables and by_slug[slug].absent_ok == (table, converted), slug


def test_absent_ok_must_be_an_own_table():
    from dashboards.page import Page

    with pytest.raises(ValueError, match="absent_ok"):
        Page(slug="x", title="x", summary="x", intro="x", tables=("marts.aging",), render=lambda ctx: "",
             absent_ok=("marts.aging_by_segment",))


def test_pages_without_the_segment_tables_say_so(hand_marts, tmp_path):
    out = _build(tmp_path / "old", hand_marts)  # a warehouse built before the by-segment marts
    for page, div_id, table in CHARTS:
        html = (out / page).read_text("utf-8")
        assert f"No segment figures: the table {table} does not exist in this warehouse" in html, page
        assert div_id not in figures(html), page
        assert figures(html), page  # the page's other charts are drawn
    # the charge-offs page (optional: built only when marts.charge_offs exists) is built without its segments
    assert (out / "charge_offs.html").exists()


def test_empty_segment_table_and_missing_base_mart(hand_marts, hand_segment_marts, tmp_path):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    hand_segment_marts.make(con)
    con.execute("DELETE FROM marts.aging_by_segment")
    con.execute("DROP TABLE marts.charge_offs")
    build_reports(con, str(tmp_path))
    assert "No data: the table marts.aging_by_segment is empty." in (tmp_path / "aging.html").read_text("utf-8")
    # the optional page still needs its own mart: its segment table alone does not build it
    assert not (tmp_path / "charge_offs.html").exists()


def test_segment_value_order():
    from dashboards.segment_menu import UNKNOWN_VALUE, value_sort_key

    values = ["25,000+", "North", UNKNOWN_VALUE, "10,000–24,999.99", "0–999.99", "(none)", "5,000–9,999.99",
              "2023"]
    assert sorted(values, key=value_sort_key) == [
        "0–999.99", "2023", "5,000–9,999.99", "10,000–24,999.99", "25,000+", "(none)", "North", UNKNOWN_VALUE]


@pytest.mark.skipif(not h.CHROMIUM.exists(), reason=f"{h.CHROMIUM} is not installed (make browser)")
def test_dropdowns_switch_the_drawn_legend(reports, tmp_path):
    """In headless Chromium: the two dropdowns, clicked in either order, draw exactly the chosen segment's
    values of the chosen book in the legend."""
    with h.Browser(tmp_path / "chromium") as b:
        b.open((reports / "delinquency.html").as_uri())
        plot = b.js("__t.plots().findIndex((gd) => gd.id === 'dq-by-segment')")
        assert plot >= 0

        def legend() -> list[str]:
            return b.js(f"[...__t.plots()[{plot}].querySelectorAll('.legendtext')].map((t) => t.textContent)")

        assert legend() == ["installment", "revolving"]  # Product type, All portfolios (CAD)
        h._click_menu_option(b, plot, 0, BAND, "dropdown")
        assert legend() == ["1,000–4,999.99", "5,000–9,999.99", "10,000–24,999.99", "25,000+"]
        h._click_menu_option(b, plot, 1, ALL_USD, "dropdown")
        assert legend() == ["1,000–4,999.99", "5,000–9,999.99", "10,000–24,999.99"]
        h._click_menu_option(b, plot, 0, HARDSHIP, "dropdown")  # the book stays All portfolios (USD)
        assert legend() == ["bankrupt", "none"]
        drawn = b.js("[...document.querySelectorAll('.textpoint text')].map((t) => t.textContent)")
        assert {"n=2", "n=3", "n=4"} <= set(drawn)  # the small cells' counts, drawn
        assert "All portfolios (USD)" in b.js(f"__t.plots()[{plot}].querySelector('.gtitle').textContent")
        assert b.errors == []
