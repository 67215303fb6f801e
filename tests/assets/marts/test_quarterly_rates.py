"""marts.quarterly_rates on a small book whose marts.delinquency_rates and marts.charge_offs are written by hand;
every figure below is worked out by hand, and every invariant catches a row broken on purpose.

Reporting months Feb 2026 … Oct 2026: Q1 (Feb, Mar: January is not a reporting month) and Q4 (Oct only) are
partial and have no row; Q2 (Apr, May, Jun) and Q3 (Jul, Aug, Sep) are whole.

Open balances (marts.delinquency_rates.open_balance) and charge-offs (gross / recoveries / net):
    USD p1   Apr 1,000.00  May 1,000.01  Jun 1,000.01 | Apr 10.00/1.00/9.00   May 0/0/0    Jun 20.00/0.50/19.50
    USD p2   Apr   500.00  May   500.00  Jun   500.01 | Apr (no row)          May 5.00/0/5.00  Jun 0/2.00/−2.00
    USD all  the sums of p1 and p2
    CAD p3   Apr   200.00  May   100.00  Jun (no open account: no row) | Jun 100.00/0/100.00 (it ran off)
    CAD all  = p3
    Q3: USD p1 and all 900.00 at Jul, Aug and Sep; charge-offs Jul 3.00/0/3.00.
    Feb, Mar, Oct: p1 and all hold rows too (they must not make a quarter).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.marts.quarterly_rates import build_quarterly_rates
from assets.warehouse import connect
from checks.marts.invariants import INVARIANTS

FEB, MAR, APR, MAY, JUN = date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31), date(2026, 6, 30)
JUL, AUG, SEP, OCT = date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)
MONTHS = (FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT)
COLUMNS = ("quarter, open_accounts, open_balance, dq30_account_rate, dq30_balance_rate, dq90_account_rate, "
           "dq90_balance_rate, gross_charge_off, recoveries, net_charge_off, average_balance, nco_rate_annualized")


def dq(month, portfolio, currency, accounts, balance, rate):
    """A marts.delinquency_rates row; the rates are distinct per row (rate, rate/2 for 60+, rate/4 for 90+)."""
    return (month, portfolio, currency, accounts, D(balance), rate, rate + 0.01, rate / 2, rate / 2 + 0.01,
            rate / 4, rate / 4 + 0.01)


def co(month, portfolio, currency, gross, recoveries):
    net = D(gross) - D(recoveries)
    return (month, portfolio, currency, D(gross), D(recoveries), net, None, None)


DQ = [
    dq(APR, "p1", "USD", 10, "1000.00", 0.10), dq(MAY, "p1", "USD", 10, "1000.01", 0.20),
    dq(JUN, "p1", "USD", 10, "1000.01", 0.30),
    dq(APR, "p2", "USD", 5, "500.00", 0.40), dq(MAY, "p2", "USD", 5, "500.00", 0.50),
    dq(JUN, "p2", "USD", 5, "500.01", 0.60),
    dq(APR, "all", "USD", 15, "1500.00", 0.15), dq(MAY, "all", "USD", 15, "1500.01", 0.25),
    dq(JUN, "all", "USD", 15, "1500.02", 0.35),
    dq(APR, "p3", "CAD", 2, "200.00", 0.5), dq(MAY, "p3", "CAD", 1, "100.00", 1.0),
    dq(APR, "all", "CAD", 2, "200.00", 0.5), dq(MAY, "all", "CAD", 1, "100.00", 1.0),
    *(dq(m, p, "USD", 9, "900.00", 0.05) for m in (JUL, AUG, SEP) for p in ("p1", "all")),
    *(dq(m, p, "USD", 7, "700.00", 0.07) for m in (FEB, MAR, OCT) for p in ("p1", "all")),
]
CO = [
    co(APR, "p1", "USD", "10.00", "1.00"), co(MAY, "p1", "USD", "0.00", "0.00"), co(JUN, "p1", "USD", "20.00", "0.50"),
    co(MAY, "p2", "USD", "5.00", "0.00"), co(JUN, "p2", "USD", "0.00", "2.00"),
    co(APR, "all", "USD", "10.00", "1.00"), co(MAY, "all", "USD", "5.00", "0.00"),
    co(JUN, "all", "USD", "20.00", "2.50"),
    co(APR, "p3", "CAD", "0.00", "0.00"), co(MAY, "p3", "CAD", "0.00", "0.00"), co(JUN, "p3", "CAD", "100.00", "0.00"),
    co(APR, "all", "CAD", "0.00", "0.00"), co(MAY, "all", "CAD", "0.00", "0.00"),
    co(JUN, "all", "CAD", "100.00", "0.00"),
    *(co(JUL, p, "USD", "3.00", "0.00") for p in ("p1", "all")),
    *(co(m, p, "USD", "1.00", "0.00") for m in (FEB, MAR, OCT) for p in ("p1", "all")),
]


@pytest.fixture
def con():
    con = connect(":memory:")
    con.execute("CREATE TABLE staging.reporting_months (month_end DATE)")
    con.executemany("INSERT INTO staging.reporting_months VALUES (?)", [(m,) for m in MONTHS])
    con.execute("""CREATE TABLE marts.delinquency_rates (month_end DATE, portfolio VARCHAR, currency VARCHAR,
        open_accounts BIGINT, open_balance DECIMAL(18,2), dq30_account_rate DOUBLE, dq30_balance_rate DOUBLE,
        dq60_account_rate DOUBLE, dq60_balance_rate DOUBLE, dq90_account_rate DOUBLE, dq90_balance_rate DOUBLE)""")
    con.executemany(f"INSERT INTO marts.delinquency_rates VALUES ({', '.join('?' * 11)})", DQ)
    con.execute("""CREATE TABLE marts.charge_offs (month_end DATE, portfolio VARCHAR, currency VARCHAR,
        gross_charge_off DECIMAL(18,2), recoveries DECIMAL(18,2), net_charge_off DECIMAL(18,2),
        average_balance DECIMAL(18,2), nco_rate_annualized DOUBLE)""")
    con.executemany(f"INSERT INTO marts.charge_offs VALUES ({', '.join('?' * 8)})", CO)
    yield con
    con.close()


def rows(con) -> dict[tuple, tuple]:
    return {r[:3]: r[3:] for r in con.execute(
        f"SELECT month_end, portfolio, currency, {COLUMNS} FROM marts.quarterly_rates").fetchall()}


def test_only_whole_quarters_have_rows(con):
    assert build_quarterly_rates(con) == 7  # Q2: p1, p2, all USD, p3, all CAD; Q3: p1, all USD
    got = rows(con)
    # Mar (Jan not reported) and Oct (Nov, Dec not yet) are no quarter's rows
    assert sorted({k[0] for k in got}) == [JUN, SEP]
    assert {k[1:] for k in got if k[0] == JUN} == {("p1", "USD"), ("p2", "USD"), ("all", "USD"), ("p3", "CAD"),
                                                   ("all", "CAD")}
    assert con.execute("SELECT DISTINCT quarter FROM marts.quarterly_rates ORDER BY 1").fetchall() == [
        ("2026Q2",), ("2026Q3",)]


def test_hand_worked_quarters(con):
    build_quarterly_rates(con)
    got = rows(con)
    # p1 Q2: the June row of delinquency rates (10 accounts, 1,000.01; 30+ 0.30 / 0.31, 90+ 0.075 / 0.085);
    # charge-offs 10.00 + 0 + 20.00 = 30.00, recoveries 1.00 + 0.50 = 1.50, net 28.50;
    # average (1,000.00 + 1,000.01 + 1,000.01) / 3 = 1,000.00666… -> 1,000.01 (up: two thirds of a cent);
    # annualised 28.50 × 4 / 1,000.01 = 114 / 1,000.01
    assert got[(JUN, "p1", "USD")] == ("2026Q2", 10, D("1000.01"), 0.30, 0.30 + 0.01, 0.30 / 4, 0.30 / 4 + 0.01,
                                       D("30.00"), D("1.50"), D("28.50"), D("1000.01"), 114 / 1000.01)
    # p2 Q2: no April charge-off row (adds 0.00); 5.00 gross, 2.00 recoveries, net 3.00;
    # average (500.00 + 500.00 + 500.01) / 3 = 500.00333… -> 500.00 (down: one third of a cent);
    # annualised 3.00 × 4 / 500.00 = 0.024
    assert got[(JUN, "p2", "USD")] == ("2026Q2", 5, D("500.01"), 0.60, 0.60 + 0.01, 0.60 / 4, 0.60 / 4 + 0.01,
                                       D("5.00"), D("2.00"), D("3.00"), D("500.00"), 12 / 500)
    # all USD Q2: gross 35.00 = 30.00 + 5.00, recoveries 3.50, net 31.50; average (1,500.00 + 1,500.01 +
    # 1,500.02) / 3 = 1,500.01 exactly; annualised 31.50 × 4 / 1,500.01 = 126 / 1,500.01
    assert got[(JUN, "all", "USD")] == ("2026Q2", 15, D("1500.02"), 0.35, 0.35 + 0.01, 0.35 / 4, 0.35 / 4 + 0.01,
                                        D("35.00"), D("3.50"), D("31.50"), D("1500.01"), 126 / 1500.01)
    # p3 CAD ran off in June: no open account at the quarter end (0, 0.00, no rates), its June charge-off
    # 100.00 kept; average (200.00 + 100.00 + 0.00) / 3 = 100.00; annualised 100.00 × 4 / 100.00 = 4.0
    assert got[(JUN, "p3", "CAD")] == ("2026Q2", 0, D("0.00"), None, None, None, None,
                                       D("100.00"), D("0.00"), D("100.00"), D("100.00"), 4.0)
    # the CAD book is its own 'all': never added to the USD one
    assert got[(JUN, "all", "CAD")] == got[(JUN, "p3", "CAD")]
    # Q3: 3.00 × 4 / 900.00
    assert got[(SEP, "p1", "USD")] == ("2026Q3", 9, D("900.00"), 0.05, 0.05 + 0.01, 0.05 / 4, 0.05 / 4 + 0.01,
                                       D("3.00"), D("0.00"), D("3.00"), D("900.00"), 12 / 900)


def test_a_zero_average_balance_gives_no_rate(con):
    # a Q3 book with only a recovery and no open balance at any of the three month ends
    con.executemany(f"INSERT INTO marts.charge_offs VALUES ({', '.join('?' * 8)})",
                    [co(AUG, "p9", "USD", "0.00", "4.00")])
    build_quarterly_rates(con)
    assert rows(con)[(SEP, "p9", "USD")] == ("2026Q3", 0, D("0.00"), None, None, None, None,
                                             D("0.00"), D("4.00"), D("-4.00"), D("0.00"), None)


def test_a_range_of_months_rebuilds_only_its_quarters(con):
    build_quarterly_rates(con)
    whole = rows(con)
    con.execute("UPDATE marts.charge_offs SET gross_charge_off = 13.00, net_charge_off = 13.00 WHERE month_end = ?",
                [JUL])
    build_quarterly_rates(con, months=(JUL, OCT))  # Q3 rebuilt from the changed July, Q2 kept as it was
    got = rows(con)
    assert {k: v for k, v in got.items() if k[0] == JUN} == {k: v for k, v in whole.items() if k[0] == JUN}
    assert got[(SEP, "p1", "USD")][7:10] == (D("13.00"), D("0.00"), D("13.00"))
    assert got[(SEP, "p1", "USD")][11] == 13 * 4 / 900


# ---- the invariants: all pass on the built table, each catches its broken row ------------------------------

QUARTERLY = {i.name: i for i in INVARIANTS if i.table == "marts.quarterly_rates"}


def test_invariants_pass_on_the_built_table(con):
    build_quarterly_rates(con)
    assert sorted(QUARTERLY) == ["all_is_the_sum_of_its_portfolios", "average_balance_and_annualised_rate",
                                 "charge_offs_are_the_quarter_sums", "month_end_is_a_whole_quarter",
                                 "quarter_end_is_the_delinquency_rates_row"]
    for name, check in QUARTERLY.items():
        assert check.evaluate(con)[0] == 0, name


@pytest.mark.parametrize("name, plant, offending", [
    # a row at a month that ends no whole quarter (March: January is not reported)
    ("month_end_is_a_whole_quarter", "UPDATE marts.quarterly_rates SET month_end = DATE '2026-03-31' "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'p2'", 1),
    ("month_end_is_a_whole_quarter", "UPDATE marts.quarterly_rates SET quarter = '2026Q3' "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'p1'", 1),
    # a rate that is not June's, a row left out (June's p2 delinquency row then has no quarterly row)
    ("quarter_end_is_the_delinquency_rates_row", "UPDATE marts.quarterly_rates SET dq90_balance_rate = 0.2 "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'p1'", 1),
    ("quarter_end_is_the_delinquency_rates_row", "DELETE FROM marts.quarterly_rates "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'p2'", 1),
    # the ran-off CAD book: a rate where the book had no open account
    ("quarter_end_is_the_delinquency_rates_row", "UPDATE marts.quarterly_rates SET dq30_account_rate = 0 "
     "WHERE portfolio = 'p3'", 1),
    # net charge-off of two months only (the 0.50 recovery of June left out)
    ("charge_offs_are_the_quarter_sums", "UPDATE marts.quarterly_rates SET recoveries = 1.00, net_charge_off = 29.00 "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'p1'", 1),
    # the CAD book dropped: its June charge-off has no quarterly row (p3 and all)
    ("charge_offs_are_the_quarter_sums", "DELETE FROM marts.quarterly_rates WHERE currency = 'CAD'", 2),
    # the average rounded the wrong way (500.00333… is 500.00, not 500.01)
    ("average_balance_and_annualised_rate", "UPDATE marts.quarterly_rates SET average_balance = 500.01 "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'p2'", 1),
    # annualised × 12 (the monthly convention) instead of × 4
    ("average_balance_and_annualised_rate", "UPDATE marts.quarterly_rates SET nco_rate_annualized = 36 / 500 "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'p2'", 1),
    # 'all' USD not the sum of p1 and p2
    ("all_is_the_sum_of_its_portfolios", "UPDATE marts.quarterly_rates SET gross_charge_off = 36.00 "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'all' AND currency = 'USD'", 1),
    # 'all' CAD holding the USD book's balance too (two currencies added)
    ("all_is_the_sum_of_its_portfolios", "UPDATE marts.quarterly_rates SET open_balance = 1500.02 "
     "WHERE month_end = DATE '2026-06-30' AND portfolio = 'all' AND currency = 'CAD'", 1),
])
def test_each_invariant_catches_a_broken_row(con, name, plant, offending):
    build_quarterly_rates(con)
    con.execute(plant)
    assert QUARTERLY[name].evaluate(con)[0] == offending
