"""The roll-rate loss forecast (assets/marts/markov.py and the five forecast marts), every figure worked out by hand.

The chain of the hand cases: two transient buckets, current (c) and dpd_1_29 (d), absorbing charged_off / closed.
    c → c 1/2, c → d 1/4, c → closed 1/4          Q = [[1/2, 1/4], [1/4, 1/4]]   R = [[0, 1/4], [1/2, 0]]
    d → c 1/4, d → d 1/4, d → charged_off 1/2     (R's columns: charged_off, closed)
    I − Q = [[1/2, −1/4], [−1/4, 3/4]], det = 3/8 − 1/16 = 5/16, (I − Q)⁻¹ = 16/5 [[3/4, 1/4], [1/4, 1/2]]
          = [[12/5, 4/5], [4/5, 8/5]]
    B = (I − Q)⁻¹ R: c → charged_off 4/5 · 1/2 = 2/5, closed 12/5 · 1/4 = 3/5;
                     d → charged_off 8/5 · 1/2 = 4/5, closed 4/5 · 1/4 = 1/5.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import numpy as np
import pytest

from assets.domain import OPEN_BUCKETS
from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.aging import build_aging
from assets.marts.charge_offs import build_charge_offs
from assets.marts.lifetime_loss_rates import build_lifetime_loss_rates
from assets.marts.loss_backtest import build_loss_backtest
from assets.marts.loss_projection import build_loss_projection
from assets.marts.markov import absorption, project
from assets.marts.roll_rate_averages import build_roll_rate_averages
from assets.marts.roll_rate_reserve import build_roll_rate_reserve
from assets.marts.roll_rates import build_roll_rates
from assets.warehouse import connect
from checks.marts.loss_forecast import INVARIANTS

Q = np.array([[1 / 2, 1 / 4], [1 / 4, 1 / 4]])
R = np.array([[0, 1 / 4], [1 / 2, 0]])
FEB, MAR, APR, MAY, JUN = (date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31),
                           date(2026, 6, 30))


# ---- the matrix algebra --------------------------------------------------------------------------------------

def test_lifetime_absorption_of_the_hand_chain():
    a = absorption(Q, R)
    assert a.charge_off == pytest.approx([2 / 5, 4 / 5], abs=1e-15)
    assert a.closed == pytest.approx([3 / 5, 1 / 5], abs=1e-15)
    assert a.open.tolist() == [0, 0] and a.limited.tolist() == [False, False]


def test_a_bucket_that_never_leaves_gives_the_60_month_figure():
    # c → c 1/2, c → closed 1/2 (certain: lifetime closed 1);
    # d → d 1/2, d → e 1/4, d → charged_off 1/4; e → e 1 (never leaves: I − Q is singular on {d, e}).
    # From d within 60 months: charged off Σ_{j<60} (1/2)^j · 1/4 = 1/2 (1 − 2^-60); in e the same; still in d 2^-60,
    # so open = 1/2 + 2^-61 and charge_off = 1/2 − 2^-61 (0.5 in a double). e: charge_off 0, closed 0, open 1.
    q = np.array([[1 / 2, 0, 0], [0, 1 / 2, 1 / 4], [0, 0, 1]])
    r = np.array([[0, 1 / 2], [1 / 4, 0], [0, 0]])
    a = absorption(q, r)
    assert a.limited.tolist() == [False, True, True]
    assert a.charge_off == pytest.approx([0, 1 / 2 - 2.0**-61, 0], abs=1e-15)
    assert a.closed == pytest.approx([1, 0, 0], abs=1e-15)
    assert a.open == pytest.approx([0, 1 / 2 + 2.0**-61, 1], abs=1e-15)


def test_projection_two_steps():
    # v0 = (1000, 200). Month 1: charge_off 200 · 1/2 = 100, closed 1000 · 1/4 = 250,
    #   v1 = (1000/2 + 200/4, 1000/4 + 200/4) = (550, 300).
    # Month 2: charge_off 300 · 1/2 = 150, closed 550 · 1/4 = 137.5, v2 = (275 + 75, 137.5 + 75) = (350, 212.5).
    balances, absorbed = project(np.array([1000.0, 200.0]), Q, R, 2)
    assert balances.tolist() == [[550, 300], [350, 212.5]]
    assert absorbed.tolist() == [[100, 250], [150, 137.5]]


# ---- the marts on hand-made input marts ------------------------------------------------------------------------
# Book p1 (USD), roll rates of Feb, Mar, Apr 2026 (Jan is the first reporting month), balances at m−1:
#   Feb: c→c 3 (300.00), c→d 1 (100.00); d→charged_off 1 (50.00)
#   Mar: c→closed 2 (40.00); d→c 1 (30.00), d→d 1 (30.00)
#   Apr: c→c 1 (100.00), c→d 1 (100.00); d→charged_off 1 (60.00)
# Pooled over the 3 months (window 3 at Apr), by accounts: c→c 4/8, c→d 2/8, c→closed 2/8; d→c 1/4, d→d 1/4,
# d→charged_off 2/4: the hand chain above (the mean of the monthly c→c rates, 3/4, 0, 1/2, would be 5/12).
# By balance: c: 400, 200, 40 of 640 → 5/8, 5/16, 1/16; d: 30, 30, 110 of 170 → 3/17, 3/17, 11/17.
# Aging at Apr: current 1000.00, dpd_1_29 200.00, charged_off 0.00. Charge-offs (p1): Feb gross 50.00, Apr gross
# 60.00 recoveries 22.00 → recovery_rate 22 / 110 = 0.2.
ROLLS = [(FEB, "current", "current", 3, "300.00"), (FEB, "current", "dpd_1_29", 1, "100.00"),
         (FEB, "dpd_1_29", "charged_off", 1, "50.00"),
         (MAR, "current", "closed", 2, "40.00"), (MAR, "dpd_1_29", "current", 1, "30.00"),
         (MAR, "dpd_1_29", "dpd_1_29", 1, "30.00"),
         (APR, "current", "current", 1, "100.00"), (APR, "current", "dpd_1_29", 1, "100.00"),
         (APR, "dpd_1_29", "charged_off", 1, "60.00")]


@pytest.fixture
def marts():
    con = connect(":memory:")
    con.execute("CREATE TABLE staging.reporting_months (month_end DATE)")
    con.executemany("INSERT INTO staging.reporting_months VALUES (?)", [(date(2026, 1, 31),), (FEB,), (MAR,), (APR,)])
    con.execute("""CREATE TABLE marts.roll_rates (month_end DATE, portfolio VARCHAR, currency VARCHAR,
        from_bucket VARCHAR, to_bucket VARCHAR, accounts BIGINT, balance DECIMAL(18,2), account_rate DOUBLE,
        balance_rate DOUBLE)""")
    con.executemany("INSERT INTO marts.roll_rates VALUES (?, 'p1', 'USD', ?, ?, ?, ?, NULL, NULL)", ROLLS)
    con.execute("""CREATE TABLE marts.aging (month_end DATE, portfolio VARCHAR, currency VARCHAR, bucket VARCHAR,
        accounts BIGINT, balance DECIMAL(18,2), past_due_amount DECIMAL(18,2))""")
    con.execute("""INSERT INTO marts.aging VALUES (DATE '2026-04-30', 'p1', 'USD', 'current', 10, 1000.00, 0),
        (DATE '2026-04-30', 'p1', 'USD', 'dpd_1_29', 2, 200.00, 20.00),
        (DATE '2026-04-30', 'p1', 'USD', 'charged_off', 1, 0.00, 0)""")
    con.execute("""CREATE TABLE marts.charge_offs (month_end DATE, portfolio VARCHAR, currency VARCHAR,
        gross_charge_off DECIMAL(18,2), recoveries DECIMAL(18,2), net_charge_off DECIMAL(18,2),
        average_balance DECIMAL(18,2), nco_rate_annualized DOUBLE)""")
    con.execute("""INSERT INTO marts.charge_offs VALUES (DATE '2026-02-28', 'p1', 'USD', 50.00, 0, 50.00, NULL, NULL),
        (DATE '2026-04-30', 'p1', 'USD', 60.00, 22.00, 38.00, NULL, NULL)""")
    build_roll_rate_averages(con)
    return con


def test_averages_pooled_by_count_and_by_balance(marts):
    got = {r[:3]: r[3:] for r in marts.execute(
        """SELECT weighting, from_bucket, to_bucket, accounts, from_accounts, balance, from_balance, rate
           FROM marts.roll_rate_averages WHERE window_months = 3""").fetchall()}
    assert got[("accounts", "current", "current")] == (4, 8, D("400.00"), D("640.00"), 0.5)
    assert got[("accounts", "current", "closed")] == (2, 8, D("40.00"), D("640.00"), 0.25)
    assert got[("accounts", "dpd_1_29", "charged_off")] == (2, 4, D("110.00"), D("170.00"), 0.5)
    assert got[("balance", "current", "current")][-1] == 5 / 8
    assert got[("balance", "current", "dpd_1_29")][-1] == 5 / 16
    assert got[("balance", "dpd_1_29", "charged_off")][-1] == pytest.approx(11 / 17, abs=1e-15)
    assert len(got) == 12  # 6 cells × 2 weightings
    # only Apr has all 3 months of a window; no 6- or 12-month window in 3 months of roll rates
    assert marts.execute("SELECT DISTINCT month_end, window_months FROM marts.roll_rate_averages").fetchall() == [
        (APR, 3)]


def test_lifetime_rates_and_reserve(marts):
    build_lifetime_loss_rates(marts)
    build_roll_rate_reserve(marts)
    got = {r[:2]: r[2:] for r in marts.execute(
        """SELECT weighting, bucket, balance, charge_off_probability, closed_probability, open_probability,
                  horizon_months, horizon_limited, recovery_rate, expected_loss FROM marts.lifetime_loss_rates""").fetchall()}
    assert len(got) == 16  # 8 open buckets × 2 weightings
    # accounts: the hand chain, B = (2/5, 3/5) and (4/5, 1/5); expected_loss 1000 · 2/5 · 0.8 = 320, 200 · 4/5 · 0.8 = 128
    assert got[("accounts", "current")] == (D("1000.00"), pytest.approx(2 / 5), pytest.approx(3 / 5), 0.0, None,
                                            False, pytest.approx(0.2), D("320.00"))
    assert got[("accounts", "dpd_1_29")] == (D("200.00"), pytest.approx(4 / 5), pytest.approx(1 / 5), 0.0, None,
                                             False, pytest.approx(0.2), D("128.00"))
    # balance: Q = [[5/8, 5/16], [3/17, 3/17]], R = [[0, 1/16], [11/17, 0]]; det(I − Q) = 3/8 · 14/17 − 5/16 · 3/17
    # = 69/272; (I − Q)⁻¹ = [[224/69, 85/69], [48/69, 102/69]]; c: charged_off 85/69 · 11/17 = 55/69, closed
    # 224/69 · 1/16 = 14/69; d: charged_off 102/69 · 11/17 = 22/23, closed 48/69 · 1/16 = 1/23.
    # expected_loss 1000 · 55/69 · 0.8 = 637.681… → 637.68; 200 · 22/23 · 0.8 = 153.043… → 153.04
    assert got[("balance", "current")][1:3] == (pytest.approx(55 / 69), pytest.approx(14 / 69))
    assert got[("balance", "current")][-1] == D("637.68")
    assert got[("balance", "dpd_1_29")][1:3] == (pytest.approx(22 / 23), pytest.approx(1 / 23))
    assert got[("balance", "dpd_1_29")][-1] == D("153.04")
    # the six buckets with no account in the window: identity row, horizon-limited, nothing charged off
    for weighting in ("accounts", "balance"):
        for bucket in OPEN_BUCKETS[2:]:
            assert got[(weighting, bucket)] == (D("0.00"), 0.0, 0.0, 1.0, 60, True, pytest.approx(0.2), D("0.00"))
    reserve = {r[0]: r[1:] for r in marts.execute(
        """SELECT weighting, open_balance, expected_charge_off, recovery_rate, reserve, reserve_rate,
                  horizon_limited_buckets FROM marts.roll_rate_reserve""").fetchall()}
    # accounts: 1000 · 2/5 + 200 · 4/5 = 560; reserve 320 + 128 = 448; 448 / 1200
    assert reserve["accounts"] == (D("1200.00"), D("560.00"), pytest.approx(0.2), D("448.00"),
                                   pytest.approx(448 / 1200), 0)
    # balance: 55000/69 + 13200/69 = 68200/69 = 988.405… → 988.41; reserve 0.8 · that = 54560/69 = 790.724… → 790.72
    # (= 637.68 + 153.04: here the rounded bucket losses add up to the reserve exactly)
    assert reserve["balance"] == (D("1200.00"), D("988.41"), pytest.approx(0.2), D("790.72"),
                                  pytest.approx(790.72 / 1200), 0)


def test_a_bucket_that_never_leaves_through_the_mart(marts):
    # Replace Mar's d→c by d→dpd_30_59, and give dpd_30_59 a row that never leaves (a 30-59 account staying
    # there in Apr): d reaches a bucket from which nothing is absorbed, so d and dpd_30_59 are horizon-limited.
    marts.execute("UPDATE marts.roll_rates SET to_bucket = 'dpd_30_59' WHERE month_end = '2026-03-31' "
                  "AND from_bucket = 'dpd_1_29' AND to_bucket = 'current'")
    marts.execute("INSERT INTO marts.roll_rates VALUES ('2026-04-30', 'p1', 'USD', 'dpd_30_59', 'dpd_30_59', 1, 5.00, "
                  "1, 1)")
    marts.execute("INSERT INTO marts.aging VALUES ('2026-04-30', 'p1', 'USD', 'dpd_30_59', 1, 5.00, 5.00)")
    build_roll_rate_averages(marts)
    build_lifetime_loss_rates(marts)
    build_roll_rate_reserve(marts)
    got = {r[0]: r[1:] for r in marts.execute(
        """SELECT bucket, charge_off_probability, closed_probability, open_probability, horizon_months,
                  horizon_limited FROM marts.lifetime_loss_rates WHERE weighting = 'accounts'""").fetchall()}
    # d: d→d 1/4, d→e 1/4, d→charged_off 1/2. Within 60 months: charged off Σ_{j<60} (1/4)^j · 1/2
    # = 2/3 (1 − 4^-60), into e 1/3 (1 − 4^-60), still d 4^-60: (2/3, 0, 1/3) in doubles.
    assert got["dpd_1_29"] == (pytest.approx(2 / 3, abs=1e-15), 0.0, pytest.approx(1 / 3, abs=1e-15), 60, True)
    assert got["dpd_30_59"] == (0.0, 0.0, 1.0, 60, True)
    # c reaches d, so it is horizon-limited too: c→c 1/2, c→d 1/4, c→closed 1/4 → within 60 months closed
    # 1/2 + (1/2)(1/2)... ; here only the flag and the sum are asserted (the hand chain's lifetime no longer applies)
    assert got["current"][3:] == (60, True)
    assert sum(got["current"][:3]) == pytest.approx(1, abs=1e-12)
    assert marts.execute("SELECT horizon_limited_buckets FROM marts.roll_rate_reserve WHERE weighting = 'accounts'"
                         ).fetchall() == [(3,)]  # current, dpd_1_29 and dpd_30_59 hold a balance


def test_projection_two_steps_through_the_mart(marts):
    build_loss_projection(marts)
    got = {r[:2]: r[2:] for r in marts.execute(
        """SELECT weighting, months_ahead, projected_month_end, current_balance, dpd_1_29_balance, dpd_30_59_balance,
                  open_balance, charge_off, closed, cumulative_charge_off FROM marts.loss_projection""").fetchall()}
    assert len(got) == 24  # 12 months × 2 weightings
    # accounts (test_projection_two_steps): (550, 300), charge_off 100, closed 250; (350, 212.50), 150, 137.50
    assert got[("accounts", 1)] == (MAY, D("550.00"), D("300.00"), D("0.00"), D("850.00"), D("100.00"),
                                    D("250.00"), D("100.00"))
    assert got[("accounts", 2)] == (JUN, D("350.00"), D("212.50"), D("0.00"), D("562.50"), D("150.00"),
                                    D("137.50"), D("250.00"))
    # balance, month 1: charge_off 200 · 11/17 = 129.411… → 129.41; closed 1000/16 = 62.50;
    # current 625 + 600/17 = 660.294… → 660.29; dpd_1_29 312.5 + 600/17 = 347.794… → 347.79; open 1008.08.
    # Conservation within rounding: 1008.08 + 129.41 + 62.50 = 1199.99, a cent short of 1200.00.
    assert got[("balance", 1)] == (MAY, D("660.29"), D("347.79"), D("0.00"), D("1008.08"), D("129.41"), D("62.50"),
                                   D("129.41"))


def test_invariants_pass_on_the_hand_book_and_fail_on_broken_rows(marts):
    for build in (build_lifetime_loss_rates, build_roll_rate_reserve, build_loss_projection):
        build(marts)
    build_loss_backtest(marts)  # no projected month is observed yet: no row
    assert marts.execute("SELECT count(*) FROM marts.loss_backtest").fetchall() == [(0,)]
    by_name = {i.name: i for i in INVARIANTS}
    assert {n: i.evaluate(marts)[0] for n, i in by_name.items()} == {n: 0 for n in by_name}
    breaks = {
        "from_rows_sum_to_one": "UPDATE marts.roll_rate_averages SET rate = rate + 0.001 "
                                "WHERE weighting = 'accounts' AND from_bucket = 'current' AND to_bucket = 'closed'",
        "probabilities_are_a_distribution": "UPDATE marts.lifetime_loss_rates SET open_probability = 0.01 "
                                            "WHERE bucket = 'current' AND weighting = 'accounts'",
        "balance_matches_aging": "UPDATE marts.lifetime_loss_rates SET balance = 999.99 WHERE bucket = 'current' "
                                 "AND weighting = 'balance'",
        "reserve_is_the_sum_of_expected_losses": "UPDATE marts.roll_rate_reserve SET reserve = reserve + 1.00 "
                                                 "WHERE weighting = 'accounts'",
        # a cent-rounded figure off by a dollar: months 1 … 12 of the book no longer add up to the start
        "conserves_balance": "UPDATE marts.loss_projection SET closed = closed + 1.00 "
                             "WHERE weighting = 'accounts' AND months_ahead = 1",
    }
    for name, sql in breaks.items():
        marts.execute("BEGIN")
        marts.execute(sql)
        assert by_name[name].evaluate(marts)[0] == (12 if name == "conserves_balance" else 1), name
        marts.execute("ROLLBACK")


# ---- the backtest on a book whose future is known --------------------------------------------------------------
# A conveyor, Jan–Jun 2026, portfolio p1 (USD), every open balance 100.00: account X_e opens two months before
# month e (or is there from Jan), is current at e−2 and e−1, dpd_1_29 (dpd 20) at e, dpd_30_59 (dpd 50) at
# e+1 and is charged off at e+2 for its 100.00. So at every month end two accounts are current (X_{m+1}, X_{m+2})
# and each month: c→c 1/2, c→d 1/2, d→dpd_30_59 1, dpd_30_59→charged_off 1, stable from Feb on.
# Projection from Apr (window 3: Feb–Apr): v0 = (current 200, dpd_1_29 100, dpd_30_59 100);
#   month 1 (May): charge_off = the 30-59 balance = 100.00; v1 = (100, 100, 100);
#   month 2 (Jun): charge_off = 100.00 (the Apr 1-29 account, 30-59 in May).
# Actual: May, X_3 is charged off for 100.00 — the projection is exact. June, X_4 was charged 5.00 of interest
# in June before its charge-off of 105.00: the projection (which moves the balance at the forecast month,
# 100.00) misses the interest accrued in between: error −5.00 both from Apr (2 ahead) and from May (1 ahead).
MONTHS = [date(2026, 1, 31), FEB, MAR, APR, MAY, JUN]


def _conveyor():
    rows, ledger = [], []
    for e in range(0, 9):
        for i in range(max(1, e - 2), min(6, e + 2) + 1):
            status = "charged_off" if i == e + 2 else "open"
            dpd = {e - 2: 0, e - 1: 0, e: 20, e + 1: 50}.get(i)
            bucket = {0: "current", 20: "dpd_1_29", 50: "dpd_30_59"}.get(dpd, status)
            balance = D("0.00") if status != "open" else D("100.00")
            rows.append((f"X{e}", MONTHS[i - 1], "p1", "USD", "revolving", status, balance,
                         D("10.00") if dpd else D("0.00"), dpd, bucket))
        if e + 2 <= 6:
            posted = date(2026, e + 2, 15)
            amount = "100.00"
            if e == 4:
                ledger.append((f"X{e}", date(2026, 6, 10), "interest", "5.00"))
                amount = "105.00"
            ledger.append((f"X{e}", posted, "charge_off", amount))
    return rows, ledger


@pytest.fixture
def conveyor(make):
    rows, ledger = _conveyor()
    con = make(rows, MONTHS, ledger)
    build_ledger_flows(con)
    for build in (build_aging, build_roll_rates, build_charge_offs, build_roll_rate_averages,
                  build_lifetime_loss_rates, build_roll_rate_reserve, build_loss_projection, build_loss_backtest):
        build(con)
    return con


def test_backtest_on_a_book_whose_future_is_known(conveyor):
    got = {r[:3]: r[3:] for r in conveyor.execute(
        """SELECT month_end, months_ahead, weighting, forecast_month_end, projected_charge_off, actual_charge_off,
                  error, error_rate FROM marts.loss_backtest WHERE portfolio = 'p1' AND window_months = 3""").fetchall()}
    for weighting in ("accounts", "balance"):  # every balance is 100.00: both weightings give the same matrix
        assert got[(MAY, 1, weighting)] == (APR, D("100.00"), D("100.00"), D("0.00"), 0.0)
        assert got[(JUN, 2, weighting)] == (APR, D("100.00"), D("105.00"), D("-5.00"), pytest.approx(-5 / 105))
        assert got[(JUN, 1, weighting)] == (MAY, D("100.00"), D("105.00"), D("-5.00"), pytest.approx(-5 / 105))
    # windows of 3 months exist from Apr (Feb–Apr): Apr → May, Jun; May → Jun; nothing else is observed
    assert sorted({k[:2] for k in got}) == [(MAY, 1), (JUN, 1), (JUN, 2)]
    # the whole book 'all' is the same single portfolio
    assert conveyor.execute("SELECT count(*) FROM marts.loss_backtest WHERE portfolio = 'all'").fetchall() == [(6,)]
    # lifetime: every open bucket of the conveyor ends charged off (c → d is certain eventually)
    assert conveyor.execute("""SELECT DISTINCT round(charge_off_probability, 12), horizon_limited
                               FROM marts.lifetime_loss_rates WHERE month_end = '2026-04-30' AND bucket IN
                               ('current', 'dpd_1_29', 'dpd_30_59')""").fetchall() == [(1.0, False)]
    by_name = {i.name: i for i in INVARIANTS}
    assert {n: i.evaluate(conveyor)[0] for n, i in by_name.items()} == {n: 0 for n in by_name}
    conveyor.execute("UPDATE marts.loss_backtest SET actual_charge_off = 100.00, error = 0 WHERE month_end = '2026-06-30'")
    assert by_name["actual_is_charge_offs_and_projected_is_projection"].evaluate(conveyor)[0] == 8  # Jun: 2 × 2 weightings × p1, all
