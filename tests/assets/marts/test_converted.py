"""The converted marts (assets/marts/converted.py) on a hand-made book in three currencies, every figure
worked out by hand below.

Book (month ends Jan, Feb 2026):
    p1 (USD): A Jan open current 100.00 | Feb open dpd 10 (1–29) 199.99, past due 25.00
              B Jan open dpd 20 (1–29) 50.01, past due 15.00 | Feb open dpd 48 (30–59) 60.01, past due 35.00
    p2 (CAD): C Jan open current 300.00 | Feb open current 300.00
              D (opens Feb) Feb open current 80.00
    p3 (EUR): E (opens Feb) Feb open current 40.00
Ledger: A purchase 100.00 (Jan), 99.99 (Feb); B purchase 50.01 (Jan), fee 10.00 (Feb); C disbursement 300.00
(Jan); D purchase 80.00 (Feb); E purchase 40.00 (Feb).
fx files, reporting currency USD: Jan CAD 0.7312; Feb CAD 0.725148. No EUR rate: EUR is never converted.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.aging import build_aging
from assets.marts.charge_offs import build_charge_offs
from assets.marts.converted import BUILDERS, CONVERTED
from assets.marts.cure_rates import build_cure_rates
from assets.marts.delinquency_rates import build_delinquency_rates
from assets.marts.roll_forward import build_roll_forward
from assets.marts.roll_rates import build_roll_rates

from .test_marts_hand import row

JAN, FEB = date(2026, 1, 31), date(2026, 2, 28)
NATIVE = (build_aging, build_roll_rates, build_cure_rates, build_delinquency_rates, build_charge_offs,
          build_roll_forward)
JAN_FILE, FEB_FILE = "fx/fx_2026-01.csv", "fx/fx_2026-02.csv"


@pytest.fixture
def three_currency_book(make):
    rows = [
        row("A", JAN, "p1", "open", "100.00", 0), row("A", FEB, "p1", "open", "199.99", 10, "25.00"),
        row("B", JAN, "p1", "open", "50.01", 20, "15.00"), row("B", FEB, "p1", "open", "60.01", 48, "35.00"),
        row("C", JAN, "p2", "open", "300.00", 0, currency="CAD"),
        row("C", FEB, "p2", "open", "300.00", 0, currency="CAD"),
        row("D", FEB, "p2", "open", "80.00", 0, currency="CAD"),
        row("E", FEB, "p3", "open", "40.00", 0, currency="EUR"),
    ]
    ledger = [
        ("A", date(2026, 1, 10), "purchase", "100.00"), ("A", date(2026, 2, 5), "purchase", "99.99"),
        ("B", date(2026, 1, 12), "purchase", "50.01"), ("B", date(2026, 2, 15), "fee", "10.00"),
        ("C", date(2026, 1, 2), "disbursement", "300.00"), ("D", date(2026, 2, 9), "purchase", "80.00"),
        ("E", date(2026, 2, 3), "purchase", "40.00"),
    ]
    con = make(rows, [JAN, FEB], ledger)
    build_ledger_flows(con)
    for build in NATIVE:
        build(con)
    con.execute("""CREATE TABLE staging.fx_rates (month_end DATE, currency VARCHAR, rate DECIMAL(18,10),
                                                  source_file VARCHAR, line_number BIGINT)""")
    con.executemany("INSERT INTO staging.fx_rates VALUES (?, ?, ?, ?, 2)",
                    [(JAN, "CAD", D("0.7312"), JAN_FILE), (FEB, "CAD", D("0.725148"), FEB_FILE)])
    return con


def build_all(con, currency="USD"):
    return {name: BUILDERS[name](con, reporting_currency=currency) for name in CONVERTED}


def native_rows(con):
    return {c.native: sorted(map(str, con.execute(f"SELECT * FROM {c.native}").fetchall())) for c in CONVERTED.values()}


def test_the_all_row_converts_at_the_given_rates_to_the_cent(three_currency_book):
    con = three_currency_book
    before = native_rows(con)
    build_all(con)
    q = lambda sql, *p: con.execute(sql, list(p)).fetchall()
    # Feb 'all' at USD: USD rows at 1, CAD rows at 0.725148, EUR (no rate) left out and named.
    # open_balance = 260.00 + 380.00 × 0.725148 = 260.00 + 275.55624 = 535.55624 → 535.56; open_accounts 2 + 2 = 4
    # dq30_account_rate = (1/2 × 2 + 0 × 2) / 4 = 0.25; dq30_balance_rate = 60.01 / (260.00 + 275.55624)
    assert q("""SELECT currency, open_accounts, open_balance, dq30_account_rate, converted_from, fx_rates, not_converted
                FROM marts.delinquency_rates_converted WHERE month_end = ? AND portfolio = 'all'""", FEB) == [
        ("USD", 4, D("535.56"), 0.25, "CAD, USD", f"CAD 0.725148 ({FEB_FILE}); USD 1", "EUR")]
    assert q("SELECT dq30_balance_rate FROM marts.delinquency_rates_converted WHERE month_end = ? AND portfolio = 'all'",
             FEB)[0][0] == pytest.approx(60.01 / 535.55624)
    # Jan: USD 150.01 + CAD 300.00 × 0.7312 = 150.01 + 219.36 = 369.37 (EUR has no row in Jan: nothing left out)
    assert q("""SELECT open_balance, not_converted FROM marts.delinquency_rates_converted
                WHERE month_end = ? AND portfolio = 'all'""", JAN) == [(D("369.37"), None)]
    # aging Feb 'all': current = C + D in CAD (E in EUR left out): 380.00 × 0.725148 = 275.55624 → 275.56;
    # dpd_1_29 = A in USD at 1; dpd_30_59 = B in USD at 1
    assert q("""SELECT bucket, accounts, balance, past_due_amount, converted_from FROM marts.aging_converted
                WHERE month_end = ? AND portfolio = 'all' ORDER BY bucket""", FEB) == [
        ("current", 2, D("275.56"), D("0.00"), "CAD"), ("dpd_1_29", 1, D("199.99"), D("25.00"), "USD"),
        ("dpd_30_59", 1, D("60.01"), D("35.00"), "USD")]
    # the portfolios with a rate have their rows; p3 (EUR) has none
    assert q("SELECT DISTINCT portfolio FROM marts.aging_converted ORDER BY 1") == [("all",), ("p1",), ("p2",)]
    assert q("SELECT balance, fx_rates FROM marts.aging_converted WHERE month_end = ? AND portfolio = 'p2'", JAN) == [
        (D("219.36"), f"CAD 0.7312 ({JAN_FILE})")]  # 300.00 × 0.7312
    # roll rates Feb 'all', from current: A (USD 100.00 at Jan) → dpd_1_29, C (CAD 300.00 × 0.725148 = 217.5444 →
    # 217.54) → current; account_rate 1/2 each, balance_rate from the converted balances: 217.54 / 317.54 and
    # 100.00 / 317.54
    got = q("""SELECT to_bucket, accounts, balance, account_rate, balance_rate, converted_from
               FROM marts.roll_rates_converted WHERE month_end = ? AND portfolio = 'all' AND from_bucket = 'current'
               ORDER BY to_bucket""", FEB)
    assert [r[:4] + (r[5],) for r in got] == [("current", 1, D("217.54"), 0.5, "CAD"),
                                              ("dpd_1_29", 1, D("100.00"), 0.5, "USD")]
    assert [r[4] for r in got] == [pytest.approx(217.54 / 317.54), pytest.approx(100.00 / 317.54)]
    # charge-offs Feb 'all': average_balance USD (150.01 + 260.00) / 2 = 205.005 → 205.01 (native),
    # CAD (300.00 + 380.00) / 2 = 340.00; 205.01 + 340.00 × 0.725148 = 205.01 + 246.55032 = 451.56032 → 451.56
    assert q("""SELECT gross_charge_off, recoveries, net_charge_off, average_balance, nco_rate_annualized
                FROM marts.charge_offs_converted WHERE month_end = ? AND portfolio = 'all'""", FEB) == [
        (D("0.00"), D("0.00"), D("0.00"), D("451.56"), 0.0)]
    # the native tables are untouched by the conversion
    assert native_rows(con) == before


def test_the_converted_roll_forward_foots(three_currency_book):
    con = three_currency_book
    build_all(con)
    # Feb 'all': debits 109.99 + 80.00 × 0.725148 = 109.99 + 58.01184 = 168.00184 → 168.00;
    # closing 260.00 + 380.00 × 0.725148 = 535.55624 → 535.56; difference 0.00 + 0.00 × 0.725148 = 0.00;
    # opening, the balancing figure: 535.56 + 0 + 0 − 168.00 + 0.00 = 367.56
    # (150.01 + 300.00 × 0.725148 = 367.5544 would round to 367.55 on its own: the debits' and the closing's
    # roundings go the opposite ways, and that cent goes to the opening balance so that the row foots)
    assert con.execute("""SELECT opening_balance, debits, credits, charge_offs, closing_balance, difference
                          FROM marts.roll_forward_converted WHERE month_end = ? AND portfolio = 'all'""",
                       [FEB]).fetchall() == [(D("367.56"), D("168.00"), D("0.00"), D("0.00"), D("535.56"), D("0.00"))]
    # every row foots: opening + debits − credits − charge_offs − closing = difference (0.00)
    assert con.execute("""SELECT count(*) FROM marts.roll_forward_converted WHERE difference IS NOT NULL
                          AND opening_balance + debits - credits - charge_offs - closing_balance <> difference
                          OR difference <> 0""").fetchall() == [(0,)]
    # Jan (the first month): opening and difference NULL; debits = closing = 150.01 + 300.00 × 0.7312 = 369.37
    assert con.execute("""SELECT opening_balance, debits, closing_balance, difference FROM marts.roll_forward_converted
                          WHERE month_end = ? AND portfolio = 'all'""", [JAN]).fetchall() == [
        (None, D("369.37"), D("369.37"), None)]


def test_without_a_reporting_currency_the_converted_tables_exist_and_are_empty(three_currency_book):
    con = three_currency_book
    assert set(build_all(con, currency="").values()) == {0}
    # same columns as the native mart, then the three that record the conversion
    cols = [r[0] for r in con.execute("DESCRIBE marts.roll_forward_converted").fetchall()]
    assert cols == [r[0] for r in con.execute("DESCRIBE marts.roll_forward").fetchall()] + [
        "converted_from", "fx_rates", "not_converted"]


def test_a_portfolio_in_the_reporting_currency_needs_no_file(three_currency_book):
    con = three_currency_book
    con.execute("DELETE FROM staging.fx_rates")  # no fx file at all
    build_all(con, currency="CAD")
    # CAD as the reporting currency: p2 at 1 without a file; USD and EUR have no rate and are left out
    assert con.execute("""SELECT portfolio, open_balance, converted_from, fx_rates, not_converted
                          FROM marts.delinquency_rates_converted WHERE month_end = ? ORDER BY portfolio""",
                       [FEB]).fetchall() == [("all", D("380.00"), "CAD", "CAD 1", "EUR, USD"),
                                             ("p2", D("380.00"), "CAD", "CAD 1", None)]


def test_the_invariants_hold_and_catch_an_all_row_that_is_not_the_sum(three_currency_book):
    from checks.marts.invariants import INVARIANTS

    con = three_currency_book
    build_all(con)
    converted = [i for i in INVARIANTS if i.table.endswith("_converted")]
    assert len(converted) == 7  # one per table, and the roll-forward's footing
    assert {i.table: i.evaluate(con)[0] for i in converted} == {i.table: 0 for i in converted}
    # an 'all' balance off by a cent (275.55 instead of 380.00 × 0.725148 = 275.55624 → 275.56) is caught
    con.execute("UPDATE marts.aging_converted SET balance = 275.55 WHERE month_end = ? AND portfolio = 'all' "
                "AND bucket = 'current'", [FEB])
    check = next(i for i in converted if i.table == "marts.aging_converted")
    count, rows = check.evaluate(con)
    assert (count, rows[0]["balance"], rows[0]["recomputed_balance"]) == (1, "275.55", "275.56")
    # a roll-forward row that does not foot is caught
    con.execute("UPDATE marts.roll_forward_converted SET debits = debits + 0.01 WHERE month_end = ? AND portfolio = 'p2'",
                [FEB])
    foots = next(i for i in converted if i.name == "foots")
    assert foots.evaluate(con)[0] == 1
