"""The marts end to end on tiny staging tables: staging → marts.account_month → every mart, with the
expected figures worked out by hand (the comments show the arithmetic).

BOOK — reporting months Jan–Mar 2024 (τ = 5.00); portfolio `cards` (revolving) and `loans` (installment):

  C1 cards  purchase 200.00 (Jan 5); dues 50.00 due Jan 25 / Feb 25 / Mar 25 (posted the 5th);
            payments 50.00 (Jan 20), 100.00 (Mar 20)
  C2 cards  purchase 300.00 (Jan 5); dues 60.00 due Jan 10 / Feb 10; no payment;
            charge_off 300.00 (Mar 15), recovery 20.00 (Mar 28)
  L1 loans  disbursement 1000.00 (Jan 2); dues 100.00 due the 15th (posted the 1st);
            payments 100.00 (Jan 14), 100.00 (Feb 14), 800.00 (Mar 10); closed_on 2024-03-10
  L2 loans  opened 2024-02-10: disbursement 500.00 (Feb 10); dues 50.00 due Feb 25 (posted Feb 10) and
            Mar 25 (posted Mar 1); payment 100.00 (Mar 20); interest 5.01 (Mar 31)

account_month (status bucket balance past_due dpd):
           Jan 31                     Feb 29                      Mar 31
  C1  open current  150.00  0     open 1_29   150.00 50.00 4    open current 50.00
  C2  open 1_29     300.00 60 21  open 30_59  300.00 120.00 50  charged_off 0.00
  L1  open current  900.00        open current 800.00           closed 0.00
  L2  —                           open 1_29   500.00 50.00 4    open current 405.01
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.marts.account_month import build_account_month
from assets.marts.aging import build_aging
from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.charge_offs import build_charge_offs
from assets.marts.cure_rates import build_cure_rates
from assets.marts.delinquency_rates import build_delinquency_rates
from assets.marts.roll_forward import build_roll_forward
from assets.marts.roll_rates import build_roll_rates

JAN, FEB, MAR = date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)  # the reporting month ends


@pytest.fixture(scope="module")
def book(staging, staging_db):
    accounts = [staging.acct("C1", portfolio="cards", product_type="revolving"),
                staging.acct("C2", portfolio="cards", product_type="revolving"),
                staging.acct("L1", portfolio="loans", closed_on="2024-03-10"),
                staging.acct("L2", portfolio="loans", opened_on="2024-02-10")]
    ledger = [
        staging.entry("C1", "2024-01-05", "purchase", "200.00"), staging.pay("C1", "2024-01-20", "50.00"),
        staging.pay("C1", "2024-03-20", "100.00"),
        *[staging.due("C1", f"2024-0{m}-05", "50.00", f"2024-0{m}-25") for m in (1, 2, 3)],
        staging.entry("C2", "2024-01-05", "purchase", "300.00"),
        staging.due("C2", "2024-01-02", "60.00", "2024-01-10"),
        staging.due("C2", "2024-02-01", "60.00", "2024-02-10"),
        staging.entry("C2", "2024-03-15", "charge_off", "300.00"),
        staging.entry("C2", "2024-03-28", "recovery", "20.00"),
        staging.entry("L1", "2024-01-02", "disbursement", "1000.00"),
        *[staging.due("L1", f"2024-0{m}-01", "100.00", f"2024-0{m}-15") for m in (1, 2, 3)],
        staging.pay("L1", "2024-01-14", "100.00"), staging.pay("L1", "2024-02-14", "100.00"),
        staging.pay("L1", "2024-03-10", "800.00"),
        staging.entry("L2", "2024-02-10", "disbursement", "500.00"),
        staging.due("L2", "2024-02-10", "50.00", "2024-02-25"),
        staging.due("L2", "2024-03-01", "50.00", "2024-03-25"), staging.pay("L2", "2024-03-20", "100.00"),
        staging.entry("L2", "2024-03-31", "interest", "5.01"),
    ]
    con = staging_db(("2024-01", "2024-03"), accounts, ledger)
    assert build_account_month(con) == 11  # C1 3 + C2 3 + L1 3 + L2 2
    build_ledger_flows(con)
    return con


def q(con, sql):
    return con.execute(sql).fetchall()


def test_account_month_of_the_book(book):
    got = {(r[0], r[1]): r[2:] for r in q(book, "SELECT account_id, month_end, status, bucket, balance, "
                                                "past_due_amount, dpd FROM marts.account_month")}
    assert got == {
        ("C1", JAN): ("open", "current", D("150.00"), D("0.00"), 0),        # 200 − 50; D1 50 = C 50
        ("C1", FEB): ("open", "dpd_1_29", D("150.00"), D("50.00"), 4),      # Feb 25 unpaid: 29 − 25
        ("C1", MAR): ("open", "current", D("50.00"), D("0.00"), 0),         # C 150 = D3 150
        ("C2", JAN): ("open", "dpd_1_29", D("300.00"), D("60.00"), 21),     # 31 − 10
        ("C2", FEB): ("open", "dpd_30_59", D("300.00"), D("120.00"), 50),   # 21 + 29
        ("C2", MAR): ("charged_off", "charged_off", D("0.00"), D("0.00"), None),
        ("L1", JAN): ("open", "current", D("900.00"), D("0.00"), 0),
        ("L1", FEB): ("open", "current", D("800.00"), D("0.00"), 0),
        ("L1", MAR): ("closed", "closed", D("0.00"), D("0.00"), None),       # paid off, closed_on Mar 10
        ("L2", FEB): ("open", "dpd_1_29", D("500.00"), D("50.00"), 4),      # 29 − 25
        ("L2", MAR): ("open", "current", D("405.01"), D("0.00"), 0),        # 500 − 100 + 5.01; C 100 = D2
    }


def test_aging(book):
    # Jan: cards current, 1_29; loans current; all current, 1_29                       = 5
    # Feb: cards 1_29, 30_59; loans current, 1_29; all current, 1_29, 30_59            = 7
    # Mar: cards current, charged_off; loans current, closed; all current, c/o, closed = 7
    assert build_aging(book) == 19
    got = {r[:3]: r[3:] for r in q(book, "SELECT month_end, portfolio, bucket, accounts, balance, "
                                         "past_due_amount FROM marts.aging")}
    assert got[(MAR, "all", "current")] == (2, D("455.01"), D("0.00"))      # C1 50.00 + L2 405.01
    assert got[(MAR, "all", "charged_off")] == (1, D("0.00"), D("0.00"))    # terminal buckets in their month
    assert got[(MAR, "all", "closed")] == (1, D("0.00"), D("0.00"))
    assert got[(FEB, "all", "dpd_1_29")] == (2, D("650.00"), D("100.00"))   # C1 150 + L2 500; 50 + 50
    assert got[(FEB, "all", "dpd_30_59")] == (1, D("300.00"), D("120.00"))
    assert got[(FEB, "cards", "dpd_1_29")] == (1, D("150.00"), D("50.00"))
    assert got[(JAN, "loans", "current")] == (1, D("900.00"), D("0.00"))
    assert (JAN, "loans", "dpd_1_29") not in got                           # only cells with an account


def test_roll_rates(book):
    # Feb (Jan → Feb): cards C1 current→1_29 (150), C2 1_29→30_59 (300); loans L1 current→current (900);
    #   all: current→1_29, current→current, 1_29→30_59                                         = 6 rows
    # Mar (Feb → Mar): cards C1 1_29→current (150), C2 30_59→charged_off (300); loans L1 current→closed
    #   (800), L2 1_29→current (500); all: 1_29→current, 30_59→charged_off, current→closed     = 7 rows
    assert build_roll_rates(book) == 13
    got = {r[:4]: r[4:] for r in q(book, "SELECT month_end, portfolio, from_bucket, to_bucket, accounts, "
                                         "balance, account_rate, balance_rate FROM marts.roll_rates")}
    assert got[(FEB, "cards", "current", "dpd_1_29")] == (1, D("150.00"), 1.0, 1.0)
    # all, from current at Jan = C1 (150) + L1 (900): 1 of 2 each way; 150 / 1050 and 900 / 1050
    assert got[(FEB, "all", "current", "dpd_1_29")] == (1, D("150.00"), 0.5, pytest.approx(1 / 7))
    assert got[(FEB, "all", "current", "current")] == (1, D("900.00"), 0.5, pytest.approx(6 / 7))
    assert got[(FEB, "all", "dpd_1_29", "dpd_30_59")] == (1, D("300.00"), 1.0, 1.0)  # flow rate 1–29 → 30–59
    assert got[(MAR, "all", "dpd_1_29", "current")] == (2, D("650.00"), 1.0, 1.0)    # C1 150 + L2 500
    assert got[(MAR, "all", "dpd_30_59", "charged_off")] == (1, D("300.00"), 1.0, 1.0)
    assert got[(MAR, "loans", "current", "closed")] == (1, D("800.00"), 1.0, 1.0)
    assert not any(k[0] == JAN for k in got)  # the first reporting month has no m−1
    sums = q(book, """SELECT month_end, portfolio, from_bucket, sum(account_rate), sum(balance_rate)
                      FROM marts.roll_rates GROUP BY ALL""")
    assert all(r[3] == pytest.approx(1.0) and r[4] == pytest.approx(1.0) for r in sums)


def test_cure_rates_short_window(book):
    # Feb (from Jan): only C2 delinquent (1_29, 300.00) and still delinquent at Feb: not cured.
    # Mar (from Feb): C1 (1_29, 150) → current: cured; L2 (1_29, 500) → current: cured;
    #   C2 (30_59, 300) → charged_off: not a cure. m+2 is never observed here (latest month is Mar).
    assert build_cure_rates(book) == 7  # Feb: cards, all; Mar: cards 1_29, cards 30_59, loans 1_29, all ×2
    got = {r[:3]: r[3:] for r in q(book, "SELECT month_end, portfolio, from_bucket, accounts, balance, cured_accounts, "
                                         "cure_rate, balance_cure_rate, cured_within_3m_rate, redefault_6m_rate "
                                         "FROM marts.cure_rates")}
    assert got[(FEB, "all", "dpd_1_29")] == (1, D("300.00"), 0, 0.0, 0.0, None, None)
    assert got[(MAR, "all", "dpd_1_29")] == (2, D("650.00"), 2, 1.0, 1.0, None, None)
    assert got[(MAR, "all", "dpd_30_59")] == (1, D("300.00"), 0, 0.0, 0.0, None, None)
    assert got[(MAR, "loans", "dpd_1_29")] == (1, D("500.00"), 1, 1.0, 1.0, None, None)


def test_delinquency_rates(book):
    assert build_delinquency_rates(book) == 9  # 3 months × (cards, loans, all)
    got = {r[:2]: r[2:] for r in q(book, "SELECT * EXCLUDE (currency) FROM marts.delinquency_rates")}
    cols = [c[0] for c in q(book, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
                                  "AND table_name = 'delinquency_rates' ORDER BY ordinal_position")]
    assert cols[:11] == ["month_end", "portfolio", "currency", "open_accounts", "open_balance", "dq30_account_rate",
                         "dq30_balance_rate", "dq60_account_rate", "dq60_balance_rate", "dq90_account_rate",
                         "dq90_balance_rate"]
    # Feb all: open C1 150 (4), C2 300 (50), L1 800 (0), L2 500 (4) → 4 accounts, 1750.00;
    #   dpd ≥ 30: C2 only → 1/4 and 300/1750; none ≥ 60
    assert got[(FEB, "all")][:6] == (4, D("1750.00"), 0.25, pytest.approx(300 / 1750), 0.0, 0.0)
    assert got[(FEB, "cards")][:4] == (2, D("450.00"), 0.5, pytest.approx(2 / 3))  # 300 / 450
    assert got[(MAR, "all")][:4] == (2, D("455.01"), 0.0, 0.0)  # C1 + L2; terminal rows are not open
    assert got[(JAN, "loans")][:2] == (1, D("900.00"))


def test_charge_offs_and_annualised_nco(book):
    assert build_charge_offs(book) == 9
    got = {r[:2]: r[2:] for r in q(book, "SELECT month_end, portfolio, gross_charge_off, recoveries, net_charge_off, "
                                         "average_balance, nco_rate_annualized FROM marts.charge_offs")}
    # Mar cards: 300.00 − 20.00 = 280.00; open balances Feb 450.00 (C1 150 + C2 300), Mar 50.00 (C1):
    #   average 250.00; 280 × 12 / 250 = 13.44
    assert got[(MAR, "cards")] == (D("300.00"), D("20.00"), D("280.00"), D("250.00"), pytest.approx(13.44))
    # Mar all: open Feb 1750.00, Mar 455.01 → 2205.01 / 2 = 1102.505 → 1102.51 (half away from zero);
    #   280 × 12 / 1102.51 = 3360 / 1102.51
    assert got[(MAR, "all")] == (D("300.00"), D("20.00"), D("280.00"), D("1102.51"), pytest.approx(3360 / 1102.51))
    # Mar loans: no charge-off; (1300.00 + 405.01) / 2 = 852.505 → 852.51; rate 0
    assert got[(MAR, "loans")] == (D("0.00"), D("0.00"), D("0.00"), D("852.51"), 0.0)
    # Feb cards: (450 + 450) / 2
    assert got[(FEB, "cards")][3:] == (D("450.00"), 0.0)
    # the first reporting month: m−1 not observed
    assert got[(JAN, "all")][3:] == (None, None)


def test_roll_forward_difference_is_zero(book):
    assert build_roll_forward(book) == 9
    got = {r[:2]: r[2:] for r in q(book, "SELECT month_end, portfolio, opening_balance, debits, credits, charge_offs, "
                                         "closing_balance, difference FROM marts.roll_forward")}
    # Mar cards: 450.00 + 0 − 100.00 (C1 payment) − 300.00 (C2 charge-off) − 50.00 = 0.00
    assert got[(MAR, "cards")] == (D("450.00"), D("0.00"), D("100.00"), D("300.00"), D("50.00"), D("0.00"))
    # Mar loans: 1300.00 + 5.01 (interest) − 900.00 (L1 800 + L2 100) − 0 − 405.01 = 0.00
    assert got[(MAR, "loans")] == (D("1300.00"), D("5.01"), D("900.00"), D("0.00"), D("405.01"), D("0.00"))
    # Feb loans: 900.00 + 500.00 (L2 disbursement) − 100.00 − 1300.00 = 0.00
    assert got[(FEB, "loans")] == (D("900.00"), D("500.00"), D("100.00"), D("0.00"), D("1300.00"), D("0.00"))
    # Jan: opening and difference NULL; purchases 200 + 300 + disbursement 1000; payments 50 + 100
    assert got[(JAN, "all")] == (None, D("1500.00"), D("150.00"), D("0.00"), D("1350.00"), None)
    assert {r[0] for r in q(book, "SELECT DISTINCT difference FROM marts.roll_forward WHERE month_end > '2024-01-31'")} == {D("0.00")}


# --- cure book: Jan–Oct 2024, one portfolio, dues of 100.00 due the 10th (posted the 1st) ---------------------
#   K1 disbursement 1000.00, pays 200.00 on Feb 5 and nothing else: cured at Feb, 21 dpd at Mar, 51 at Apr
#   K2 disbursement 2000.00, pays 300.00 on Mar 5 and 100.00 on the 5th of Apr..Oct: current again at Mar
#   K3 disbursement 3000.00, pays 200.00 on Feb 5 and 100.00 on the 5th of Mar..Oct: cured at Feb, stays
#   K4 disbursement 4000.00, never pays
# All four are 21 dpd (1_29) at Jan 31 with their whole disbursement as balance.


@pytest.fixture(scope="module")
def cure_book(staging, staging_db):
    accounts = [staging.acct(k) for k in ("K1", "K2", "K3", "K4")]
    ledger = [staging.entry(k, "2024-01-02", "disbursement", f"{n}000.00")
              for n, k in enumerate(("K1", "K2", "K3", "K4"), 1)]
    ledger += [staging.due(k, f"2024-{m:02d}-01", "100.00", f"2024-{m:02d}-10") for k in ("K1", "K2", "K3", "K4")
               for m in range(1, 11)]
    ledger += [staging.pay("K1", "2024-02-05", "200.00"), staging.pay("K2", "2024-03-05", "300.00"),
               staging.pay("K3", "2024-02-05", "200.00")]
    ledger += [staging.pay("K2", f"2024-{m:02d}-05", "100.00") for m in range(4, 11)]
    ledger += [staging.pay("K3", f"2024-{m:02d}-05", "100.00") for m in range(3, 11)]
    con = staging_db(("2024-01", "2024-10"), accounts, ledger)
    build_account_month(con)
    build_cure_rates(con)
    return con


def cure_row(con, month_end, bucket, portfolio="all"):
    got = q(con, f"""SELECT accounts, balance, cured_accounts, cure_rate, balance_cure_rate, cured_within_3m_rate,
                            redefault_6m_rate FROM marts.cure_rates
                     WHERE month_end = DATE '{month_end}' AND portfolio = '{portfolio}' AND from_bucket = '{bucket}'""")
    assert len(got) == 1
    return got[0]


def test_cure_within_3m_and_redefault_6m(cure_book):
    # From Jan (all 1_29) to Feb: cured K1, K3 (C 200 = D 200); K2, K4 not.
    #   balance cure rate (1000 + 3000) / 10000 = 0.4
    #   current at any of Feb, Mar, Apr: K1 (Feb), K2 (Mar), K3 (Feb) → 3 / 4   (Apr observed)
    #   of the cured K1, K3: K1 is 51 dpd at Apr (Mar 10 → Apr 30) → 1 / 2        (Aug observed)
    assert cure_row(cure_book, "2024-02-29", "dpd_1_29") == (4, D("10000.00"), 2, 0.5, 0.4, 0.75, 0.5)
    assert cure_row(cure_book, "2024-02-29", "dpd_1_29", "p1") == (4, D("10000.00"), 2, 0.5, 0.4, 0.75, 0.5)


def test_cure_from_30_59_and_no_redefault(cure_book):
    # From Feb: K2 and K4 at 50 dpd (30_59), balances 2000 and 4000; K2 pays up at Mar → cured;
    # within 3m (Mar, Apr, May): K2 only → 1/2; K2 stays current through Sep (m+6) → redefault 0.0
    assert cure_row(cure_book, "2024-03-31", "dpd_30_59") == (2, D("6000.00"), 1, 0.5, pytest.approx(1 / 3), 0.5, 0.0)


def test_no_cures_gives_null_redefault(cure_book):
    # From Mar: K1 21 dpd (1_29) → 51 at Apr: not cured, never current again; m+6 = Oct is observed but
    # nobody cured, so the redefault rate is NULL; within 3m 0.0
    assert cure_row(cure_book, "2024-04-30", "dpd_1_29") == (1, D("800.00"), 0, 0.0, 0.0, 0.0, None)


def test_rates_null_until_observed(cure_book):
    # From Jul: K1 143 dpd (120_149), K4 203 dpd (180_plus). Aug + 2 = Oct observed; Aug + 6 = Feb 2025 not
    assert cure_row(cure_book, "2024-08-31", "dpd_120_149")[5:] == (0.0, None)
    # Sep + 2 = Nov 2024 is after the latest reporting month (Oct): not yet observable
    assert cure_row(cure_book, "2024-09-30", "dpd_150_179")[5:] == (None, None)
