"""The by-segment marts on a hand-made landing folder (accounts files Jan–Apr 2026): every figure below was
worked out by hand.

    A  cards-us USD revolving, opened 2025-06-10 (vintage 2025), credit_limit 999.99, region NY;
       hardship_flag none (Jan file) → bankrupt (Feb file) → none (Mar, Apr files): A → B → A.
       purchase 100.00 (Jan 10), due 20.00 due Jan 20; payment 20.00 (Feb 10).
       Jan open dpd 11 (1–29) 100.00 past due 20.00 | Feb, Mar, Apr open current 80.00
    B  cards-us USD revolving, opened 2026-01-05, credit_limit 1000.00 (→ 10000.00 in the Mar file), no region.
       purchase 500.00 (Jan 6). Jan–Apr open current 500.00
    C  loans-us USD installment, opened 2026-01-02, original_principal 25000.00, region CA;
       hardship_flag none, fraud from the Apr file. disbursement 25000.00 (Jan 2), due 1000.00 due Jan 15;
       charge_off 25000.00 (Mar 20); recovery 100.00 (Apr 10).
       Jan open dpd 16 (1–29) 25000.00 past due 1000.00 | Feb open dpd 44 (30–59) | Mar charged_off 0.00 | no Apr row
    D  cards-ca CAD revolving, opened 2026-01-03, credit_limit 5000.00, region ON. purchase 300.00 (Jan 5).
       Jan–Apr open current 300.00
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.intermediate.account_segments import build_account_segments
from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.account_month import build_account_month
from assets.marts.aging import build_aging, build_aging_by_segment
from assets.marts.charge_offs import build_charge_offs, build_charge_offs_by_segment
from assets.marts.cure_rates import build_cure_rates, build_cure_rates_by_segment
from assets.marts.delinquency_rates import build_delinquency_rates, build_delinquency_rates_by_segment
from assets.marts.roll_rates import build_roll_rates, build_roll_rates_by_segment
from checks.marts.invariants import SEGMENT_INVARIANTS

JAN, FEB, MAR, APR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)
MONTHS = ("2026-01", "2026-02", "2026-03", "2026-04")
BUILDS = ((build_aging, build_aging_by_segment), (build_delinquency_rates, build_delinquency_rates_by_segment),
          (build_roll_rates, build_roll_rates_by_segment), (build_cure_rates, build_cure_rates_by_segment),
          (build_charge_offs, build_charge_offs_by_segment))


def accounts(landing, month: str) -> list[list]:
    a_flag = "bankrupt" if month == "2026-02" else None
    b_limit = "10000.00" if month >= "2026-03" else "1000.00"
    c_flag = "fraud" if month == "2026-04" else "none"
    return [
        landing.account("A", opened="2025-06-10", credit_limit="999.99", hardship_flag=a_flag),
        landing.account("B", opened="2026-01-05", credit_limit=b_limit, region=""),
        landing.account("C", product="installment", opened="2026-01-02", portfolio="loans-us",
                        original_principal="25000.00", region="CA", hardship_flag=c_flag),
        landing.account("D", opened="2026-01-03", portfolio="cards-ca", currency="CAD", credit_limit="5000.00",
                        region="ON"),
    ]


LEDGER = {
    "2026-01": [("E1", "A", "2026-01-10", "purchase", "100.00"), ("E2", "A", "2026-01-10", "due", "20.00", "2026-01-20"),
                ("E3", "B", "2026-01-06", "purchase", "500.00"), ("E4", "C", "2026-01-02", "disbursement", "25000.00"),
                ("E5", "C", "2026-01-02", "due", "1000.00", "2026-01-15"), ("E6", "D", "2026-01-05", "purchase", "300.00")],
    "2026-02": [("E7", "A", "2026-02-10", "payment", "20.00")],
    "2026-03": [("E8", "C", "2026-03-20", "charge_off", "25000.00")],
    "2026-04": [("E9", "C", "2026-04-10", "recovery", "100.00")],
}


@pytest.fixture
def book(landing):
    for month in MONTHS:
        landing.write_csv("accounts", month, landing.ACC_COLS, accounts(landing, month))
        landing.write_csv("ledger", month, landing.LED_COLS, [landing.entry(*e) for e in LEDGER[month]])
    con = landing.ingest()
    assert landing.rejected(con) == {}
    build_account_month(con)
    build_ledger_flows(con)
    build_account_segments(con)
    for base, by_segment in BUILDS:
        base(con)
        by_segment(con)
    return con


def rows(con, table: str, segment: str) -> dict:
    cur = con.execute(f"SELECT * EXCLUDE (segment) FROM marts.{table} WHERE segment = ?", [segment])
    return {r[:4] + r[4:][:len(KEYS[table])]: r[4 + len(KEYS[table]):] for r in cur.fetchall()}


KEYS = {"aging_by_segment": ("bucket",), "delinquency_rates_by_segment": (),
        "roll_rates_by_segment": ("from_bucket", "to_bucket"), "cure_rates_by_segment": ("from_bucket",),
        "charge_offs_by_segment": ()}


def test_account_segments_as_of_each_month_end(book):
    got = {(a, m): r for a, m, *r in book.execute("""
        SELECT k.account_id, s.month_end, s.product_type, s.region, s.vintage_year, s.hardship_flag, s.limit_band
        FROM intermediate.account_segments s JOIN staging.accounts k USING (account_key)""").fetchall()}
    assert got[("A", JAN)] == ["revolving", "NY", "2025", "none", "0–999.99"]
    assert got[("A", FEB)][3] == "bankrupt"  # the Feb file's version
    assert got[("A", MAR)][3] == "none" and got[("A", APR)][3] == "none"  # back to the first record: A → B → A
    assert got[("B", JAN)] == ["revolving", "(none)", "2026", "none", "1,000–4,999.99"]  # 1,000.00: the band's lower bound
    assert got[("B", FEB)][4] == "1,000–4,999.99" and got[("B", MAR)][4] == "10,000–24,999.99"
    assert got[("C", JAN)] == ["installment", "CA", "2026", "none", "25,000+"]
    assert got[("C", APR)][3] == "fraud"  # no account-month in Apr (charged off in Mar): the recovery's month
    assert got[("D", JAN)] == ["revolving", "ON", "2026", "none", "5,000–9,999.99"]
    assert len(got) == 4 + 4 + 4 + 3 + 1


def test_aging_by_segment(book):
    hardship = rows(book, "aging_by_segment", "hardship_flag")
    # Feb: A (bankrupt in the Feb file) apart from B; Mar: A back to none, with B
    assert hardship[(FEB, "cards-us", "USD", "bankrupt", "current")] == (1, D("80.00"), D("0.00"))
    assert hardship[(FEB, "cards-us", "USD", "none", "current")] == (1, D("500.00"), D("0.00"))
    assert hardship[(MAR, "cards-us", "USD", "none", "current")] == (2, D("580.00"), D("0.00"))
    assert (MAR, "cards-us", "USD", "bankrupt", "current") not in hardship
    band = rows(book, "aging_by_segment", "limit_band")
    assert band[(JAN, "all", "USD", "0–999.99", "dpd_1_29")] == (1, D("100.00"), D("20.00"))
    assert band[(JAN, "all", "USD", "1,000–4,999.99", "current")] == (1, D("500.00"), D("0.00"))
    assert band[(JAN, "all", "USD", "25,000+", "dpd_1_29")] == (1, D("25000.00"), D("1000.00"))
    assert band[(MAR, "all", "USD", "10,000–24,999.99", "current")] == (1, D("500.00"), D("0.00"))
    assert band[(JAN, "all", "CAD", "5,000–9,999.99", "current")] == (1, D("300.00"), D("0.00"))
    region = rows(book, "aging_by_segment", "region")
    assert region[(JAN, "cards-us", "USD", "(none)", "current")] == (1, D("500.00"), D("0.00"))
    vintage = rows(book, "aging_by_segment", "vintage_year")
    assert vintage[(JAN, "all", "USD", "2025", "dpd_1_29")] == (1, D("100.00"), D("20.00"))
    assert vintage[(JAN, "all", "USD", "2026", "dpd_1_29")] == (1, D("25000.00"), D("1000.00"))
    product = rows(book, "aging_by_segment", "product_type")
    # two currencies never added: the USD 'all' row holds B only, D is in the CAD 'all' row
    assert product[(JAN, "all", "USD", "revolving", "current")] == (1, D("500.00"), D("0.00"))
    assert product[(JAN, "all", "CAD", "revolving", "current")] == (1, D("300.00"), D("0.00"))
    assert product[(MAR, "all", "USD", "installment", "charged_off")] == (1, D("0.00"), D("0.00"))
    assert book.execute("SELECT count(DISTINCT currency) FROM marts.aging_by_segment WHERE portfolio = 'all'"
                        ).fetchall() == [(2,)]


def test_delinquency_rates_by_segment(book):
    band = rows(book, "delinquency_rates_by_segment", "limit_band")
    # Feb: C at 44 DPD is the 30+ of the USD book; alone in its band
    assert band[(FEB, "all", "USD", "25,000+")] == (1, D("25000.00"), 1.0, 1.0, 0.0, 0.0, 0.0, 0.0)
    assert band[(FEB, "all", "USD", "0–999.99")] == (1, D("80.00"), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    hardship = rows(book, "delinquency_rates_by_segment", "hardship_flag")
    assert hardship[(FEB, "all", "USD", "none")] == (2, D("25500.00"), 0.5, pytest.approx(25000 / 25500),
                                                      0.0, 0.0, 0.0, 0.0)
    assert hardship[(FEB, "all", "USD", "bankrupt")][:2] == (1, D("80.00"))


def test_roll_rates_by_segment_at_the_from_month(book):
    hardship = rows(book, "roll_rates_by_segment", "hardship_flag")
    # Mar's matrix is the cohort of Feb: A by its Feb version (bankrupt), though it is none again in Mar
    assert hardship[(MAR, "cards-us", "USD", "bankrupt", "current", "current")] == (1, D("80.00"), 1.0, 1.0)
    assert hardship[(MAR, "cards-us", "USD", "none", "current", "current")] == (1, D("500.00"), 1.0, 1.0)
    assert hardship[(FEB, "cards-us", "USD", "none", "dpd_1_29", "current")] == (1, D("100.00"), 1.0, 1.0)
    assert hardship[(APR, "cards-us", "USD", "none", "current", "current")] == (2, D("580.00"), 1.0, 1.0)
    band = rows(book, "roll_rates_by_segment", "limit_band")
    # B by its Feb limit (1,000.00) in Mar's matrix, by its Mar limit (10,000.00) in Apr's
    assert band[(MAR, "all", "USD", "1,000–4,999.99", "current", "current")] == (1, D("500.00"), 1.0, 1.0)
    assert band[(APR, "all", "USD", "10,000–24,999.99", "current", "current")] == (1, D("500.00"), 1.0, 1.0)
    assert band[(MAR, "loans-us", "USD", "25,000+", "dpd_30_59", "charged_off")] == (1, D("25000.00"), 1.0, 1.0)


def test_cure_rates_by_segment(book):
    product = rows(book, "cure_rates_by_segment", "product_type")
    # Feb: A cured from 1–29, C rolled on; m+2 = Apr observed, m+6 not
    assert product[(FEB, "all", "USD", "revolving", "dpd_1_29")] == (1, D("100.00"), 1, 1.0, 1.0, 1.0, None)
    assert product[(FEB, "all", "USD", "installment", "dpd_1_29")] == (1, D("25000.00"), 0, 0.0, 0.0, 0.0, None)
    hardship = rows(book, "cure_rates_by_segment", "hardship_flag")
    assert hardship[(FEB, "all", "USD", "none", "dpd_1_29")] == (2, D("25100.00"), 1, 0.5, pytest.approx(100 / 25100),
                                                                 0.5, None)
    assert hardship[(MAR, "all", "USD", "none", "dpd_30_59")] == (1, D("25000.00"), 0, 0.0, 0.0, None, None)


def test_charge_offs_by_segment(book):
    hardship = rows(book, "charge_offs_by_segment", "hardship_flag")
    # Mar: C charged off; average of Feb's open 25000.00 and Mar's 0.00; nco = 25000 × 12 / 12500
    assert hardship[(MAR, "loans-us", "USD", "none")] == (D("25000.00"), D("0.00"), D("25000.00"), D("12500.00"), 24.0)
    # Apr: the recovery by C's segment at Apr (fraud in the Apr file); C's Mar row (not open) by Mar's
    assert hardship[(APR, "loans-us", "USD", "fraud")] == (D("0.00"), D("100.00"), D("-100.00"), D("0.00"), None)
    assert hardship[(APR, "loans-us", "USD", "none")] == (D("0.00"), D("0.00"), D("0.00"), D("0.00"), None)
    # the first month: m−1 unobserved
    assert hardship[(JAN, "all", "CAD", "none")] == (D("0.00"), D("0.00"), D("0.00"), None, None)
    # Feb, cards-us: A's Jan open balance (none in Jan) and Feb's (bankrupt in Feb) fall in two values
    assert hardship[(FEB, "cards-us", "USD", "none")][3] == D("550.00")  # (100.00 + 500.00 + 500.00) / 2
    assert hardship[(FEB, "cards-us", "USD", "bankrupt")][3] == D("40.00")  # (0.00 + 80.00) / 2


BUMPED = {"marts.aging_by_segment": "accounts", "marts.delinquency_rates_by_segment": "open_accounts",
          "marts.roll_rates_by_segment": "accounts", "marts.cure_rates_by_segment": "cured_accounts",
          "marts.charge_offs_by_segment": "recoveries"}


@pytest.mark.parametrize("invariant", SEGMENT_INVARIANTS[1:], ids=lambda i: i.table)
def test_segments_sum_to_the_portfolio(book, invariant):
    assert invariant.evaluate(book) == (0, [])
    # one figure of one segment value changed: that segment no longer adds up to the portfolio's row
    column = BUMPED[invariant.table]
    book.execute(f"""UPDATE {invariant.table} SET {column} = {column} + 1
                     WHERE (month_end, portfolio, currency, segment, segment_value) =
                           (SELECT (month_end, portfolio, currency, segment, segment_value) FROM {invariant.table}
                            WHERE month_end = DATE '2026-03-31' AND segment = 'region' ORDER BY ALL LIMIT 1)""")
    count, sample = invariant.evaluate(book)
    assert count == 1 and sample[0]["segment"] == "region"


def test_base_marts_unchanged_by_the_segments(book):
    aging = book.execute("SELECT * FROM marts.aging WHERE month_end = ? ORDER BY ALL", [FEB]).fetchall()
    assert aging == [(FEB, "all", "CAD", "current", 1, D("300.00"), D("0.00")),
                     (FEB, "all", "USD", "current", 2, D("580.00"), D("0.00")),
                     (FEB, "all", "USD", "dpd_30_59", 1, D("25000.00"), D("1000.00")),
                     (FEB, "cards-ca", "CAD", "current", 1, D("300.00"), D("0.00")),
                     (FEB, "cards-us", "USD", "current", 2, D("580.00"), D("0.00")),
                     (FEB, "loans-us", "USD", "dpd_30_59", 1, D("25000.00"), D("1000.00"))]


def test_every_account_month_has_its_segments(book):
    invariant = SEGMENT_INVARIANTS[0]
    assert invariant.table == "intermediate.account_segments" and invariant.evaluate(book) == (0, [])
    book.execute("DELETE FROM intermediate.account_segments WHERE month_end = DATE '2026-02-28' AND account_key = "
                 "(SELECT account_key FROM staging.accounts WHERE account_id = 'B')")
    assert invariant.evaluate(book) == (1, [{"account_id": "B", "month_end": "2026-02-28"}])
