"""The vintages page (vintages.html) from a hand-made marts.vintage_curves beside the hand-made marts of
conftest.py: one line per vintage and measure, the "Measure:" and "Book:" dropdowns, the currency of every
money figure in the hover, the CSV link, and the sentence on the left-out older accounts.

The hand table (conftest.py VINTAGE_CURVES): USD book p1 with vintages 2026-08 (ages 0–2) and 2026-09 (ages 0–1),
its 'all' (the same rows), and a CAD book p2 holding only vintage 2026-09 (ages 0–1) and its 'all'.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dashboards.vintage_curves import LEFT_OUT, vintage_color

from .plotly_figures import figures


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    hand_marts.build_reports(out)  # with marts.vintage_curves (conftest.py VINTAGE_CURVES)
    return out


@pytest.fixture(scope="module")
def page(reports) -> str:
    return (reports / "vintages.html").read_text("utf-8")


@pytest.fixture(scope="module")
def fig(page) -> dict:
    return figures(page)["vintage-curves"]


def test_the_page_is_built_and_linked(reports, page):
    index = (reports / "index.html").read_text("utf-8")
    assert 'href="vintages.html"' in index
    assert page.count(LEFT_OUT) == 1  # the older accounts are left out, in words (in the intro)
    assert 'href="definitions.html#vintages"' in page
    assert 'id="vintages"' in (reports / "definitions.html").read_text("utf-8")


def test_one_line_per_vintage_and_measure(fig):
    data = fig["data"]
    # 5 measures × 2 vintages (every vintage of any book); the first measure's lines are shown
    assert len(data) == 10
    assert [t["name"] for t in data] == ["2026-08", "2026-09"] * 5
    assert [t.get("visible", True) for t in data] == [True, True] + [False] * 8
    # the first book is 'All portfolios (CAD)' (books: all per currency, then portfolios): only 2026-09 there
    assert [t["showlegend"] for t in data[:2]] == [False, True]
    assert data[1]["x"] == [0, 1, 2] and data[1]["y"] == [0.0, 0.4, None]  # 2 of 5 ever 30+ at age 1
    assert data[0]["line"]["color"] == vintage_color(0, 2) != data[1]["line"]["color"] == vintage_color(1, 2)
    assert data[0]["legendgroup"] == "2026" and data[0]["legendgrouptitle"]["text"] == "2026"


def test_measure_and_book_dropdowns(fig):
    measure, book = fig["layout"]["updatemenus"]
    labels = [b["label"] for b in measure["buttons"]]
    assert labels == ["Measure: Ever 30+ DPD rate", "Measure: Ever 60+ DPD rate", "Measure: Ever 90+ DPD rate",
                      "Measure: Cumulative net loss rate", "Measure: Open balance"]
    assert measure["buttons"][4]["args"][0]["visible"] == [False] * 8 + [True, True]
    assert [b["label"] for b in book["buttons"]] == [
        "Book: All portfolios (CAD)", "Book: All portfolios (USD)", "Book: p1 (USD)", "Book: p2 (CAD)"]
    usd = book["buttons"][2]["args"][0]
    # p1 (USD): the open balance lines (traces 8, 9) of 2026-08 (ages 0–2) and 2026-09 (ages 0–1)
    assert usd["y"][8] == [3000.0, 2900.0, 2500.0] and usd["y"][9] == [800.0, 750.0, None]
    # cumulative net loss rate of 2026-08 at age 2: (400 − 40) / 4000 = 0.09
    assert usd["y"][6][2] == pytest.approx(0.09)
    assert usd["showlegend"][:2] == [True, True]


def test_money_names_its_currency_in_the_hover(fig):
    data = fig["data"]
    cad_open_balance = data[9]["hovertemplate"]  # the first book is CAD
    assert "CAD" in cad_open_balance and "USD" not in cad_open_balance
    assert "CAD" in data[7]["hovertemplate"]  # net loss and exposure amounts
    usd = fig["layout"]["updatemenus"][1]["buttons"][2]["args"][0]["hovertemplate"]
    assert "USD" in usd[9] and "CAD" not in usd[9] and "USD" in usd[7]
    assert data[9]["customdata"][0] == ["2026-09-30", 5, 5]  # month end, open accounts, accounts


def test_csv_beside_the_chart(reports, page, hand_marts):
    assert 'href="data/vintage-curves.vintage_curves.csv" download' in page
    with open(reports / "data" / "vintage-curves.vintage_curves.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * len(hand_marts.VINTAGE_CURVES)
    assert {r["currency"] for r in rows} == {"USD", "CAD"}
