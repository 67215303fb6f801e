"""Month-over-month (dashboards.changes): the overview's headline table and each page's sentence on a
hand-made book of five months, every value worked out by hand."""

from __future__ import annotations

import duckdb
import pytest

from dashboards import build_reports, delinquency_rates
from dashboards.changes import (
    COUNT,
    MONEY,
    PER_MILLE,
    RATE,
    average_value,
    change_sentence,
    fmt_change,
)
from dashboards.page import Context

MONTHS = ("2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-31")
# 'all' over five months; cards only from 2026-08 (no 3-month average), a zero open balance and a NULL rate
DQ = [  # month_end, portfolio, open_accounts, open_balance, dq30_balance_rate, dq90_balance_rate
    (MONTHS[0], "all", 100, 1000.00, 0.05, 0.02),
    (MONTHS[1], "all", 110, 1200.00, 0.06, 0.02),
    (MONTHS[2], "all", 120, 900.00, 0.07, 0.02),
    (MONTHS[3], "all", 130, 1500.00, 0.061, 0.02),
    (MONTHS[4], "all", 150, 1350.00, 0.0694, 0.018),
    (MONTHS[2], "cards", 50, 500.00, 0.04, 0.01),
    (MONTHS[3], "cards", 60, 0.00, None, 0.01),
    (MONTHS[4], "cards", 45, 10.00, 0.05, 0.01),
]
NCO = [(MONTHS[0], "all", None), (MONTHS[1], "all", 0.10), (MONTHS[2], "all", 0.12), (MONTHS[3], "all", 0.11),
       (MONTHS[4], "all", 0.09), (MONTHS[4], "cards", 0.05)]


@pytest.fixture(scope="module")
def book(hand_marts, tmp_path_factory):
    con = duckdb.connect(":memory:")
    con.execute(hand_marts.MARTS_DDL)
    con.executemany("INSERT INTO marts.delinquency_rates (month_end, portfolio, open_accounts, open_balance, "
                    "dq30_balance_rate, dq90_balance_rate) VALUES (?, ?, ?, ?, ?, ?)", DQ)
    con.executemany("INSERT INTO marts.charge_offs (month_end, portfolio, nco_rate_annualized) VALUES (?, ?, ?)", NCO)
    out = tmp_path_factory.mktemp("reports")
    build_reports(con, str(out))
    yield con, out
    con.close()


def test_headline_table_changes_on_the_hand_book(book):
    _, out = book
    index = (out / "index.html").read_text("utf-8")
    # 'all' at 2026-10-31, against 2026-09-30 and against the mean of 2026-09, -08 and -07:
    # open accounts 150: +20 on 130 (+15.38%); mean (130 + 120 + 110) / 3 = 120: +30 (+25.00%)
    # open balance 1,350.00: −150.00 on 1,500.00 (−10.00%); mean (1500 + 900 + 1200) / 3 = 1,200: +150.00 (+12.50%)
    # 30+ DPD 6.94%: +0.84 pp on 6.10%; mean (6.1 + 7 + 6) / 3 = 6.3667%: +0.57 pp
    # 90+ DPD 1.80%: −0.20 pp on 2.00% and on the mean 2.00%
    # NCO 9.00%: −2.00 pp on 11.00%; mean (11 + 12 + 10) / 3 = 11.00%: −2.00 pp
    assert ("<tr><td>All portfolios</td>"
            "<td>150</td><td>+20 (+15.38%)</td><td>+30 (+25.00%)</td>"
            "<td>1,350.00</td><td>-150.00 (-10.00%)</td><td>+150.00 (+12.50%)</td></tr>") in index
    assert ("<tr><td>All portfolios</td>"
            "<td>6.94%</td><td>+0.84 pp</td><td>+0.57 pp</td>"
            "<td>1.80%</td><td>-0.20 pp</td><td>-0.20 pp</td>"
            "<td>9.00%</td><td>-2.00 pp</td><td>-2.00 pp</td></tr>") in index
    # cards: only two months before (no 3-month average); a zero base has no percentage; a NULL rate the
    # month before and no charge-off row the month before give "—"
    assert ("<tr><td>cards</td>"
            "<td>45</td><td>-15 (-25.00%)</td><td>—</td>"
            "<td>10.00</td><td>+10.00</td><td>—</td></tr>") in index
    assert ("<tr><td>cards</td>"
            "<td>5.00%</td><td>—</td><td>—</td>"
            "<td>1.00%</td><td>+0.00 pp</td><td>—</td>"
            "<td>5.00%</td><td>—</td><td>—</td></tr>") in index
    assert "<th>Value</th><th>vs prev. month</th><th>vs 3-mo. avg</th>" in index


def test_page_sentence_on_the_hand_book(book):
    _, out = book
    page = (out / "delinquency.html").read_text("utf-8")
    assert ('<p class="change" id="latest-change">In the month ending 2026-10-31 the 30+ DPD balance rate of all '
            "portfolios rose from 6.10% to 6.94% (+0.84 pp). Against the average of the three months before "
            "(6.37%) the change is +0.57 pp.</p>") in page
    nco = (out / "charge_offs.html").read_text("utf-8")
    assert ("In the month ending 2026-10-31 the annualized net charge-off rate of all portfolios fell from 11.00% "
            "to 9.00% (-2.00 pp). Against the average of the three months before (11.00%) the change is "
            "-2.00 pp.") in nco


def test_the_three_months_are_those_before_the_latest():
    values = {"2026-06-30": 1.0, "2026-07-31": 2.0, "2026-08-31": 3.0, "2026-09-30": 7.0, "2026-10-31": 100.0}
    assert average_value(values, "2026-10-31") == 4.0  # (7 + 3 + 2) / 3: m−1 … m−3, not m itself
    assert average_value(values, "2026-09-30") == 2.0
    assert average_value(values, "2026-08-31") is None  # only two months before
    assert average_value({**values, "2026-08-31": None}, "2026-10-31") is None  # a NULL among them


def test_change_formats():
    assert fmt_change(COUNT, 12, 10) == "+2 (+20.00%)"
    assert fmt_change(MONEY, 990.00, 1000.00) == "-10.00 (-1.00%)"
    assert fmt_change(RATE, 0.0694, 0.061) == "+0.84 pp"
    assert fmt_change(RATE, 0.05, 0.05) == "+0.00 pp"
    assert fmt_change(PER_MILLE, 36.19, 35.19) == "+1.00 (+2.84%)"
    assert fmt_change(MONEY, 5.00, 0.00) == "+5.00"
    assert fmt_change(COUNT, 3, None) == "—" and fmt_change(RATE, None, 0.1) == "—"


def test_change_sentences():
    month = "2026-10-31"
    assert change_sentence("open balance", MONEY, "cards", {"2026-09-30": 200.0, month: 150.0}, month) == (
        "In the month ending 2026-10-31 the open balance of cards fell from 200.00 to 150.00 (-50.00, -25.00%).")
    assert change_sentence("number of open accounts", COUNT, "all portfolios", {"2026-09-30": 7, month: 7}, month) == (
        "In the month ending 2026-10-31 the number of open accounts of all portfolios was unchanged at 7.")
    assert change_sentence("number of open accounts", COUNT, "all portfolios", {month: 7}, month) == (
        "In the month ending 2026-10-31 the number of open accounts of all portfolios was 7; there is no previous month to "
        "compare it with.")
    suppressed = "suppressed: fewer than 5 complaints"
    assert change_sentence("complaints per 1,000 open accounts", PER_MILLE, "all portfolios",
                           {"2026-09-30": None, month: 12.5}, month, suppressed) == (
        "In the month ending 2026-10-31 the complaints per 1,000 open accounts of all portfolios was 12.50; the "
        "previous month's figure is suppressed: fewer than 5 complaints.")
    assert change_sentence("complaints per 1,000 open accounts", PER_MILLE, "all portfolios",
                           {"2026-09-30": 3.2, month: None}, month, suppressed) == (
        "In the month ending 2026-10-31 the complaints per 1,000 open accounts of all portfolios is suppressed: "
        "fewer than 5 complaints.")


def test_one_sentence_per_currency_where_the_mart_has_one(hand_marts):
    con = duckdb.connect(":memory:")
    con.execute(hand_marts.MARTS_DDL)
    con.execute("ALTER TABLE marts.delinquency_rates ADD COLUMN currency VARCHAR")
    con.executemany("INSERT INTO marts.delinquency_rates (month_end, portfolio, currency, dq30_balance_rate) "
                    "VALUES (?, ?, ?, ?)", [("2026-09-30", "all", "USD", 0.05), ("2026-10-31", "all", "USD", 0.06),
                                            ("2026-09-30", "all", "CAD", 0.03), ("2026-10-31", "all", "CAD", 0.02)])
    ctx = Context(con=con, as_of="2026-10-31", pages=(delinquency_rates.PAGE,))
    assert delinquency_rates.HEADLINE.sentences(ctx) == [
        ("In the month ending 2026-10-31 the 30+ DPD balance rate of all portfolios (CAD) fell from 3.00% to 2.00% "
         "(-1.00 pp)."),
        ("In the month ending 2026-10-31 the 30+ DPD balance rate of all portfolios (USD) rose from 5.00% to 6.00% "
         "(+1.00 pp)."),
    ]
