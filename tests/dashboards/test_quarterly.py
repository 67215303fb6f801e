"""The quarterly page (quarterly.html) from a hand-made marts.quarterly_rates beside the hand-made marts of
conftest.py: one table per book, latest quarter first, money with its currency, rates as percentages, the CSV
link under every table and the chart; the chart's points are the mart's rates; no table, no page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports, quarterly
from dashboards.chart_data import data_links, export_for

DDL = """CREATE TABLE marts.quarterly_rates (month_end DATE, portfolio VARCHAR, currency VARCHAR, quarter VARCHAR,
    open_accounts BIGINT, open_balance DECIMAL(18,2), dq30_account_rate DOUBLE, dq30_balance_rate DOUBLE,
    dq90_account_rate DOUBLE, dq90_balance_rate DOUBLE, gross_charge_off DECIMAL(18,2), recoveries DECIMAL(18,2),
    net_charge_off DECIMAL(18,2), average_balance DECIMAL(18,2), nco_rate_annualized DOUBLE)"""
# Two quarters of the USD book (all = cards, one portfolio), one of a CAD book that ran off (no open account
# at the quarter end: no rates). NCO rates: 1,234.56 × 4 / 98,765.43 = 0.05 (to 2 places: 5.00%);
# 2,000.00 × 4 / 100,000.00 = 0.08; CAD 50.00 × 4 / 1,000.00 = 0.2.
ROWS = [
    ("2026-06-30", "all", "USD", "2026Q2", 100, "99000.00", 0.04, 0.0512, 0.01, 0.0123, "1300.00", "65.44", "1234.56",
     "98765.43", 1234.56 * 4 / 98765.43),
    ("2026-09-30", "all", "USD", "2026Q3", 101, "101000.00", 0.05, 0.0634, 0.02, 0.0234, "2100.00", "100.00",
     "2000.00", "100000.00", 0.08),
    ("2026-06-30", "cards", "USD", "2026Q2", 100, "99000.00", 0.04, 0.0512, 0.01, 0.0123, "1300.00", "65.44",
     "1234.56", "98765.43", 1234.56 * 4 / 98765.43),
    ("2026-09-30", "cards", "USD", "2026Q3", 101, "101000.00", 0.05, 0.0634, 0.02, 0.0234, "2100.00", "100.00",
     "2000.00", "100000.00", 0.08),
    ("2026-06-30", "all", "CAD", "2026Q2", 0, "0.00", None, None, None, None, "50.00", "0.00", "50.00", "1000.00", 0.2),
    ("2026-06-30", "cards-ca", "CAD", "2026Q2", 0, "0.00", None, None, None, None, "50.00", "0.00", "50.00", "1000.00",
     0.2),
]


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    hand_marts.build_reports(out, make_quarterly_rates)
    return out


def make_quarterly_rates(con) -> None:
    """marts.quarterly_rates holding ROWS."""
    con.execute(DDL)
    con.executemany(f"INSERT INTO marts.quarterly_rates VALUES ({', '.join('?' * 15)})", ROWS)


@pytest.fixture(scope="module")
def page(reports) -> str:
    return (reports / "quarterly.html").read_text("utf-8")


def _table(page: str, div_id: str) -> list[list[str]]:
    body = re.search(rf'<table class="headline" id="{div_id}">(.*?)</table>', page, re.DOTALL).group(1)
    return [re.findall(r"<t[dh]>(.*?)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_one_table_per_book_latest_quarter_first(page):
    ids = re.findall(r'<table class="headline" id="([^"]+)"', page)
    # books in the pages' order: 'all' first (by currency), then the portfolios
    assert ids == ["qtr-table-0-all-cad", "qtr-table-1-all-usd", "qtr-table-2-cards-usd", "qtr-table-3-cards-ca-cad"]
    assert "<h3>All portfolios (USD)</h3>" in page and "<h3>cards-ca (CAD)</h3>" in page
    usd = _table(page, "qtr-table-1-all-usd")
    assert usd[0] == ["Quarter", "Open accounts", "Open balance", "30+ DPD (balance)", "30+ DPD (accounts)",
                      "90+ DPD (balance)", "90+ DPD (accounts)", "Gross charge-off", "Recoveries", "Net charge-off",
                      "Average balance", "NCO rate (annualised)"]
    assert usd[1] == ["2026Q3", "101", "101,000.00 USD", "6.34%", "5.00%", "2.34%", "2.00%", "2,100.00 USD",
                      "100.00 USD", "2,000.00 USD", "100,000.00 USD", "8.00%"]
    assert usd[2][0] == "2026Q2" and usd[2][-1] == "5.00%" and usd[2][9] == "1,234.56 USD"
    # the ran-off CAD book: no open account at the quarter end, so no rates; its charge-off in CAD
    assert _table(page, "qtr-table-0-all-cad")[1] == ["2026Q2", "0", "0.00 CAD", "—", "—", "—", "—", "50.00 CAD",
                                                     "0.00 CAD", "50.00 CAD", "1,000.00 CAD", "20.00%"]


def test_every_table_and_the_chart_link_the_csv(reports, page):
    for div_id in re.findall(r'<table class="headline" id="([^"]+)"', page) + ["qtr-rates"]:
        assert export_for(div_id).chart in ("qtr-table", "qtr-rates")
        assert data_links(div_id) in page
    csv = (reports / "data" / "qtr-table.quarterly_rates.csv").read_text("utf-8").splitlines()
    assert len(csv) == 1 + len(ROWS) and csv[0].startswith("month_end,portfolio,currency,quarter,")
    assert (reports / "data" / "qtr-rates.quarterly_rates.csv").is_file()


def test_the_chart_draws_the_mart_rates(page):
    match = re.search(r'Plotly\.newPlot\(\s*"qtr-rates",\s*', page)
    data, _ = json.JSONDecoder().raw_decode(page, match.end())
    # 4 books × 3 lines; the first book (All portfolios, CAD) shown, the others behind the dropdown
    assert len(data) == 12
    usd = {t["name"]: t for t in data[3:6]}
    assert usd["30+ DPD balance rate (quarter end)"]["x"] == ["2026Q2", "2026Q3"]
    assert usd["30+ DPD balance rate (quarter end)"]["y"] == [0.0512, 0.0634]
    assert usd["90+ DPD balance rate (quarter end)"]["y"] == [0.0123, 0.0234]
    assert usd["Net charge-off rate (annualised)"]["y"] == [1234.56 * 4 / 98765.43, 0.08]
    assert [t.get("visible") for t in data[:6]] == [True] * 3 + [False] * 3
    # the CAD book has no 2026Q3 row: a gap, not a zero
    assert data[0]["y"] == [None, None] and data[2]["y"] == [0.2, None]


def test_the_page_says_what_differs_from_the_fed(page):
    assert "Not seasonally adjusted" in page
    assert 'href="definitions.html#quarterly"' in page
    assert quarterly.PAGE.optional and quarterly.PAGE.tables == ("marts.quarterly_rates",)


def test_no_table_no_page(hand_marts, tmp_path):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    written = {Path(p).name for p in build_reports(con, str(tmp_path))}
    assert "quarterly.html" not in written
    assert "quarterly.html" not in (tmp_path / "index.html").read_text("utf-8")
