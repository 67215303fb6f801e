"""The aggregate marts on a hand-built account-month table: every figure below was computed by hand.

Book (portfolio p1: A revolving, B revolving; p2: C installment, D revolving), month ends Jan–Mar 2026:
    A  Jan open current 100.00 | Feb open 1–29 (dpd 10) 199.99 | Mar open current 149.99
    B  Jan open 1–29 (dpd 20) 50.01 | Feb open 30–59 (dpd 48) 60.01 | Mar charged_off 0.00
    C  Jan open current 300.00 | Feb open current 300.00 | Mar closed 0.00
    D  (opens Feb) Feb open current 80.00 | Mar open 1–29 (dpd 5) 90.00
Ledger: A purchase 100.00 (Jan), purchase 99.99 (Feb), payment 50.00 (Mar); B purchase 50.01 (Jan),
fee 10.00 (Feb), charge_off 60.01 + recovery 5.00 (Mar); C disbursement 300.00 (Jan), payment 300.00 (Mar);
D purchase 80.00 (Feb), interest 10.00 (Mar).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.marts.aging import build_aging
from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.charge_offs import build_charge_offs
from assets.marts.cure_rates import build_cure_rates
from assets.marts.delinquency_rates import build_delinquency_rates
from assets.marts.roll_forward import build_roll_forward
from assets.marts.roll_rates import build_roll_rates

JAN, FEB, MAR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31)
BUCKET = {0: "current", 5: "dpd_1_29", 10: "dpd_1_29", 20: "dpd_1_29", 35: "dpd_30_59", 40: "dpd_30_59", 48: "dpd_30_59"}


def row(aid, month, portfolio, status, balance, dpd=None, past_due="0.00", product="revolving", currency="USD"):
    bucket = status if status != "open" else BUCKET[dpd]
    return (aid, month, portfolio, currency, product, status, D(balance), D(past_due), dpd, bucket)


@pytest.fixture
def book(make):
    rows = [
        row("A", JAN, "p1", "open", "100.00", 0), row("A", FEB, "p1", "open", "199.99", 10, "25.00"),
        row("A", MAR, "p1", "open", "149.99", 0),
        row("B", JAN, "p1", "open", "50.01", 20, "15.00"), row("B", FEB, "p1", "open", "60.01", 48, "35.00"),
        row("B", MAR, "p1", "charged_off", "0.00"),
        row("C", JAN, "p2", "open", "300.00", 0, product="installment"),
        row("C", FEB, "p2", "open", "300.00", 0, product="installment"),
        row("C", MAR, "p2", "closed", "0.00", product="installment"),
        row("D", FEB, "p2", "open", "80.00", 0), row("D", MAR, "p2", "open", "90.00", 5, "20.00"),
    ]
    ledger = [
        ("A", date(2026, 1, 10), "purchase", "100.00"), ("A", date(2026, 2, 5), "purchase", "99.99"),
        ("A", date(2026, 3, 3), "payment", "50.00"),
        ("B", date(2026, 1, 12), "purchase", "50.01"), ("B", date(2026, 2, 15), "fee", "10.00"),
        ("B", date(2026, 3, 31), "charge_off", "60.01"), ("B", date(2026, 3, 31), "recovery", "5.00"),
        ("C", date(2026, 1, 2), "disbursement", "300.00"), ("C", date(2026, 3, 20), "payment", "300.00"),
        ("D", date(2026, 2, 9), "purchase", "80.00"), ("D", date(2026, 3, 9), "interest", "10.00"),
    ]
    con = make(rows, [JAN, FEB, MAR], ledger)
    build_ledger_flows(con)
    return con


def test_roll_rates(book):
    assert build_roll_rates(book) == 14  # Feb: p1 2, p2 1, all 3; Mar: p1 2, p2 2, all 4
    got = {r[:4]: r[4:] for r in book.execute("SELECT * EXCLUDE (currency) FROM marts.roll_rates").fetchall()}
    assert got[(FEB, "all", "current", "dpd_1_29")] == (1, D("100.00"), 0.5, 0.25)
    assert got[(FEB, "all", "current", "current")] == (1, D("300.00"), 0.5, 0.75)
    assert got[(FEB, "p1", "dpd_1_29", "dpd_30_59")] == (1, D("50.01"), 1.0, 1.0)
    assert got[(MAR, "all", "current", "closed")] == (1, D("300.00"), 0.5, pytest.approx(300 / 380))
    assert got[(MAR, "all", "current", "dpd_1_29")] == (1, D("80.00"), 0.5, pytest.approx(80 / 380))
    assert got[(MAR, "all", "dpd_1_29", "current")] == (1, D("199.99"), 1.0, 1.0)
    assert got[(MAR, "p1", "dpd_30_59", "charged_off")] == (1, D("60.01"), 1.0, 1.0)
    assert not any(k[0] == JAN for k in got)  # the first month has no m-1


def test_cure_rates_short_window(book):
    build_cure_rates(book)
    got = {r[:3]: r[3:] for r in book.execute("SELECT * EXCLUDE (currency) FROM marts.cure_rates").fetchall()}
    # Feb: B was 1-29 in Jan and 30-59 in Feb: not cured. Mar: A cured from 1-29; B charged off (not a cure).
    assert got[(FEB, "all", "dpd_1_29")] == (1, D("50.01"), 0, 0.0, 0.0, None, None)
    assert got[(MAR, "all", "dpd_1_29")] == (1, D("199.99"), 1, 1.0, 1.0, None, None)
    assert got[(MAR, "all", "dpd_30_59")] == (1, D("60.01"), 0, 0.0, 0.0, None, None)
    assert set(got) == {(FEB, "all", "dpd_1_29"), (FEB, "p1", "dpd_1_29"), (MAR, "all", "dpd_1_29"),
                        (MAR, "p1", "dpd_1_29"), (MAR, "all", "dpd_30_59"), (MAR, "p1", "dpd_30_59")}


def test_cure_within_3m_and_redefault_6m(make):
    months = [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31),
              date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30)]
    dpd = {  # month index -> dpd for E (cures in Feb, 35 DPD again in May) and F (stays 1-29 then cures in Apr)
        "E": [40, 0, 0, 0, 35, 0, 0, 0, 0],
        "F": [20, 5, 0, 0, 0, 0, 0, 0, 0],
    }
    rows = [row(a, months[i], "p", "open", "100.00", d, "10.00" if d else "0.00")
            for a, series in dpd.items() for i, d in enumerate(series)]
    con = make(rows, months)
    build_cure_rates(con)
    got = {r[:3]: r[3:] for r in con.execute("SELECT * EXCLUDE (currency) FROM marts.cure_rates WHERE portfolio = 'all'").fetchall()}
    # Feb: E from 30-59 cured (rate 1); within 3m (Feb/Mar/Apr observed) 1; redefault: May at 35 DPD within Mar..Aug -> 1
    assert got[(months[1], "all", "dpd_30_59")] == (1, D("100.00"), 1, 1.0, 1.0, 1.0, 1.0)
    # Feb: F from 1-29 not cured (5 DPD); within 3m: at 0 in Mar -> 1; redefault: no cures -> NULL
    assert got[(months[1], "all", "dpd_1_29")] == (1, D("100.00"), 0, 0.0, 0.0, 1.0, None)
    # Mar: F from 1-29 cured; never 30+ after; m+6 = Sep observed -> redefault 0
    assert got[(months[2], "all", "dpd_1_29")] == (1, D("100.00"), 1, 1.0, 1.0, 1.0, 0.0)
    # Jun: E from 30-59 (May) cured; m+2 = Aug observed -> 1; m+6 = Dec not observed -> NULL
    assert got[(months[5], "all", "dpd_30_59")] == (1, D("100.00"), 1, 1.0, 1.0, 1.0, None)


def test_delinquency_rates(book):
    build_delinquency_rates(book)
    got = {r[:2]: r[2:] for r in book.execute("SELECT * EXCLUDE (currency) FROM marts.delinquency_rates").fetchall()}
    # Feb, all: open A 199.99 (10), B 60.01 (48), C 300.00, D 80.00 -> 640.00; 30+ = B only
    assert got[(FEB, "all")] == (4, D("640.00"), 0.25, pytest.approx(60.01 / 640), 0.0, 0.0, 0.0, 0.0)
    assert got[(MAR, "p2")] == (1, D("90.00"), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert (MAR, "p1") in got and got[(MAR, "p1")][:2] == (1, D("149.99"))


def test_aging(book):
    build_aging(book)
    got = {r[:3]: r[3:] for r in book.execute("SELECT * EXCLUDE (currency) FROM marts.aging").fetchall()}
    assert got[(MAR, "all", "current")] == (1, D("149.99"), D("0.00"))
    assert got[(MAR, "all", "dpd_1_29")] == (1, D("90.00"), D("20.00"))
    assert got[(MAR, "all", "charged_off")] == (1, D("0.00"), D("0.00"))
    assert got[(FEB, "all", "current")] == (2, D("380.00"), D("0.00"))
    assert got[(JAN, "p1", "dpd_1_29")] == (1, D("50.01"), D("15.00"))
    assert len(got) == 19  # Jan 2+1+2, Feb 2+1+3, Mar 2+2+4


def test_roll_forward_closes_to_the_cent(book):
    build_roll_forward(book)
    got = {r[:2]: r[2:] for r in book.execute("SELECT * EXCLUDE (currency) FROM marts.roll_forward").fetchall()}
    assert got[(JAN, "all")] == (None, D("450.01"), D("0.00"), D("0.00"), D("450.01"), None)
    assert got[(FEB, "all")] == (D("450.01"), D("189.99"), D("0.00"), D("0.00"), D("640.00"), D("0.00"))
    assert got[(MAR, "all")] == (D("640.00"), D("10.00"), D("350.00"), D("60.01"), D("239.99"), D("0.00"))
    assert got[(MAR, "p1")] == (D("260.00"), D("0.00"), D("50.00"), D("60.01"), D("149.99"), D("0.00"))


def test_charge_offs_and_annualised_nco(book):
    build_charge_offs(book)
    got = {r[:2]: r[2:] for r in book.execute("SELECT * EXCLUDE (currency) FROM marts.charge_offs").fetchall()}
    assert got[(JAN, "all")] == (D("0.00"), D("0.00"), D("0.00"), None, None)
    assert got[(FEB, "all")] == (D("0.00"), D("0.00"), D("0.00"), D("545.01"), 0.0)  # (450.01 + 640.00) / 2 = 545.005
    # Mar: (640.00 + 239.99) / 2 = 439.995 -> 440.00 (half away from zero); 55.01 * 12 / 440 = 1.50027...
    assert got[(MAR, "all")] == (D("60.01"), D("5.00"), D("55.01"), D("440.00"), pytest.approx(55.01 * 12 / 440))
    assert got[(FEB, "p1")][3] == D("205.01")  # (150.01 + 260.00) / 2 = 205.005 -> 205.01


# ---- two currencies: never added ------------------------------------------------------------------------------

@pytest.fixture
def two_currency_book(make):
    """The book above with portfolio p2 (accounts C and D) in CAD: every 'all' row exists once per currency and
    holds only that currency's accounts."""
    rows = [
        row("A", JAN, "p1", "open", "100.00", 0), row("A", FEB, "p1", "open", "199.99", 10, "25.00"),
        row("B", JAN, "p1", "open", "50.01", 20, "15.00"), row("B", FEB, "p1", "open", "60.01", 48, "35.00"),
        row("C", JAN, "p2", "open", "300.00", 0, currency="CAD"),
        row("C", FEB, "p2", "open", "300.00", 0, currency="CAD"),
        row("D", FEB, "p2", "open", "80.00", 0, currency="CAD"),
    ]
    ledger = [
        ("A", date(2026, 1, 10), "purchase", "100.00"), ("A", date(2026, 2, 5), "purchase", "99.99"),
        ("B", date(2026, 1, 12), "purchase", "50.01"), ("B", date(2026, 2, 15), "fee", "10.00"),
        ("C", date(2026, 1, 2), "disbursement", "300.00"), ("D", date(2026, 2, 9), "purchase", "80.00"),
    ]
    con = make(rows, [JAN, FEB], ledger)
    build_ledger_flows(con)
    for build in (build_aging, build_roll_rates, build_cure_rates, build_delinquency_rates, build_charge_offs,
                  build_roll_forward):
        build(con)
    return con


def test_no_aggregate_adds_two_currencies(two_currency_book):
    q = two_currency_book.execute
    # the 'all' rows per currency: USD = A + B, CAD = C + D
    assert q("SELECT currency, open_accounts, open_balance FROM marts.delinquency_rates "
             "WHERE month_end = ? AND portfolio = 'all' ORDER BY currency", [FEB]).fetchall() == [
        ("CAD", 2, D("380.00")), ("USD", 2, D("260.00"))]
    assert q("SELECT currency, opening_balance, debits, closing_balance, difference FROM marts.roll_forward "
             "WHERE month_end = ? AND portfolio = 'all' ORDER BY currency", [FEB]).fetchall() == [
        ("CAD", D("300.00"), D("80.00"), D("380.00"), D("0.00")),
        ("USD", D("150.01"), D("109.99"), D("260.00"), D("0.00"))]
    assert q("SELECT currency, sum(balance) FROM marts.aging WHERE month_end = ? AND portfolio = 'all' "
             "GROUP BY ALL ORDER BY currency", [FEB]).fetchall() == [("CAD", D("380.00")), ("USD", D("260.00"))]
    # each portfolio keeps its own currency; no row of any money mart mixes them
    for table in ("aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs", "roll_forward"):
        assert q(f"SELECT DISTINCT portfolio, currency FROM marts.{table} ORDER BY ALL").fetchall() == (
            [("all", "CAD"), ("all", "USD"), ("p1", "USD"), ("p2", "CAD")]
            if table not in ("cure_rates",) else [("all", "USD"), ("p1", "USD")]), table
    # the 'all' rows are exactly the sums of the portfolio rows of their currency
    assert q("""SELECT a.currency, a.bucket FROM marts.aging a
                JOIN (SELECT month_end, currency, bucket, sum(accounts) n, sum(balance) b FROM marts.aging
                      WHERE portfolio <> 'all' GROUP BY ALL) p USING (month_end, currency, bucket)
                WHERE a.portfolio = 'all' AND (a.accounts <> p.n OR a.balance <> p.b)""").fetchall() == []
