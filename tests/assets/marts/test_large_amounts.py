"""Amounts as large as staging accepts (below 10^16) are computed exactly by every mart, and a figure that
does not fit DECIMAL(18,2), the output contract's money type, stops the build naming the table, the account
(or the portfolio), the month and the ledger files (data-contract.md, "Values are strict"; outputs.md).

MAX = 9999999999999999.99, the largest amount staging accepts and the largest figure a mart can store.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.intermediate.ledger_flows import build_ledger_flows
from assets.marts.account_month import build_account_month
from assets.marts.aging import build_aging
from assets.marts.charge_offs import build_charge_offs
from assets.marts.cure_rates import build_cure_rates
from assets.marts.delinquency_rates import build_delinquency_rates
from assets.marts.roll_forward import build_roll_forward
from assets.marts.roll_rates import build_roll_rates

MAX = "9999999999999999.99"
NINE = "9000000000000000.00"
JAN, FEB, MAR, APR = date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)
MARTS = (build_aging, build_roll_rates, build_cure_rates, build_delinquency_rates, build_charge_offs,
         build_roll_forward)
DOES_NOT_FIT = "does not fit DECIMAL(18,2), the output contract's money type (|x| < 10^16)"


def q(con, sql):
    return con.execute(sql).fetchall()


def build_all(con):
    build_account_month(con)
    build_ledger_flows(con)
    for build in MARTS:
        build(con)


# ---- the largest amount, exact through every mart ----------------------------------------------------------
#
# M (p1, τ = 5.00): purchase MAX (Jan 10); a due of MAX due Jan 20 (posted Jan 5); payment
# 9999999999999999.00 (Feb 10); charge_off 0.99 (Mar 5); recovery MAX (Apr 10).
#   Jan 31  open   dpd 31 − 20 = 11, past due MAX − 0 = MAX, balance MAX
#   Feb 29  open   shortfall MAX − 9999999999999999.00 = 0.99 <= τ: current; balance 0.99
#   Mar 31  charged_off, balance 0.99 − 0.99 = 0.00; no row in Apr

@pytest.fixture(scope="module")
def largest(staging, staging_db):
    ledger = [staging.entry("M", "2024-01-10", "purchase", MAX),
              staging.due("M", "2024-01-05", MAX, "2024-01-20"),
              staging.pay("M", "2024-02-10", "9999999999999999.00"),
              staging.entry("M", "2024-03-05", "charge_off", "0.99"),
              staging.entry("M", "2024-04-10", "recovery", MAX)]
    con = staging_db(("2024-01", "2024-04"), [staging.acct("M", product_type="revolving")], ledger)
    build_all(con)
    return con


def test_account_month_holds_the_largest_amount_exactly(largest):
    assert q(largest, """SELECT month_end, status, bucket, balance, past_due_amount, dpd, qualifying_credits,
                                past_dues_to_date FROM marts.account_month ORDER BY month_end""") == [
        (JAN, "open", "dpd_1_29", D(MAX), D(MAX), 11, D("0.00"), D(MAX)),
        (FEB, "open", "current", D("0.99"), D("0.00"), 0, D("9999999999999999.00"), D(MAX)),
        (MAR, "charged_off", "charged_off", D("0.00"), D("0.00"), None, D("9999999999999999.00"), D(MAX))]


def test_balance_marts_hold_the_largest_amount_exactly(largest):
    for portfolio in ("p1", "all"):  # one portfolio: 'all' is the same
        assert q(largest, f"""SELECT month_end, bucket, accounts, balance, past_due_amount FROM marts.aging
                              WHERE portfolio = '{portfolio}' ORDER BY month_end""") == [
            (JAN, "dpd_1_29", 1, D(MAX), D(MAX)), (FEB, "current", 1, D("0.99"), D("0.00")),
            (MAR, "charged_off", 1, D("0.00"), D("0.00"))]
    assert q(largest, "SELECT month_end, open_balance FROM marts.delinquency_rates WHERE portfolio = 'p1'") == [
        (JAN, D(MAX)), (FEB, D("0.99"))]
    assert q(largest, """SELECT month_end, from_bucket, to_bucket, accounts, balance, account_rate, balance_rate
                         FROM marts.roll_rates WHERE portfolio = 'p1' ORDER BY month_end""") == [
        (FEB, "dpd_1_29", "current", 1, D(MAX), 1.0, 1.0), (MAR, "current", "charged_off", 1, D("0.99"), 1.0, 1.0)]
    assert q(largest, """SELECT month_end, from_bucket, accounts, balance, cured_accounts, cure_rate, balance_cure_rate
                         FROM marts.cure_rates WHERE portfolio = 'p1'""") == [
        (FEB, "dpd_1_29", 1, D(MAX), 1, 1.0, 1.0)]


def test_roll_forward_reconciles_the_largest_amount_to_the_cent(largest):
    assert q(largest, """SELECT month_end, opening_balance, debits, credits, charge_offs, closing_balance, difference
                         FROM marts.roll_forward WHERE portfolio = 'p1' ORDER BY month_end""") == [
        (JAN, None, D(MAX), D("0.00"), D("0.00"), D(MAX), None),
        (FEB, D(MAX), D("0.00"), D("9999999999999999.00"), D("0.00"), D("0.99"), D("0.00")),
        (MAR, D("0.99"), D("0.00"), D("0.00"), D("0.99"), D("0.00"), D("0.00")),
        (APR, D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"))]


def test_charge_offs_of_the_largest_amounts(largest):
    rows = q(largest, """SELECT month_end, gross_charge_off, recoveries, net_charge_off, average_balance,
                                nco_rate_annualized FROM marts.charge_offs WHERE portfolio = 'p1' ORDER BY month_end""")
    assert [r[:5] for r in rows] == [
        (JAN, D("0.00"), D("0.00"), D("0.00"), None),
        # (MAX + 0.99) / 2 = 10000000000000000.98 / 2: the sum passes 10^16 on the way, the average fits
        (FEB, D("0.00"), D("0.00"), D("0.00"), D("5000000000000000.49")),
        (MAR, D("0.99"), D("0.00"), D("0.99"), D("0.50")),        # (0.99 + 0) / 2 = 0.495 -> 0.50
        (APR, D("0.00"), D(MAX), D("-" + MAX), D("0.00"))]        # the recovery, off-book
    assert [r[5] for r in rows] == [None, 0.0, pytest.approx(0.99 * 12 / 0.50), None]


def test_one_purchase_of_ten_to_the_fifteen_is_exact(staging, staging_db):
    # the amount of the issue: amount × 100 no longer fits DuckDB's 64-bit DECIMAL(18,2) multiplication
    con = staging_db(("2024-01", "2024-01"), [staging.acct("A")],
                     [staging.entry("A", "2024-01-05", "purchase", "1000000000000000.00"),
                      staging.pay("A", "2024-01-06", "0.01")])
    build_all(con)
    assert q(con, "SELECT balance, qualifying_credits FROM marts.account_month") == [
        (D("999999999999999.99"), D("0.01"))]
    assert q(con, "SELECT debits, credits, closing_balance FROM marts.roll_forward WHERE portfolio = 'all'") == [
        (D("1000000000000000.00"), D("0.01"), D("999999999999999.99"))]


# ---- an account figure past DECIMAL(18,2) -------------------------------------------------------------------

def _nine_each_month(staging, n):  # A: a purchase of 9·10^15 in each of the first n months
    return [staging.entry("A", f"2024-{m:02d}-05", "purchase", NINE) for m in range(1, n + 1)]


REFUSED_ACCOUNTS = {
    # twelve purchases of 9·10^15: 18·10^15 at the second month end
    "balance": (lambda s: _nine_each_month(s, 12),
                "month ending 2024-02-29: balance 18000000000000000.00", "2024-01, 2024-02"),
    # MAX, then one cent in March (no entry in February): 10^16 exactly does not fit
    "one cent past": (lambda s: [s.entry("A", "2024-01-05", "purchase", MAX),
                                 s.entry("A", "2024-03-05", "purchase", "0.01")],
                      "month ending 2024-03-31: balance 10000000000000000.00", "2024-01, 2024-03"),
    # a credit balance: two payments of 9·10^15 and nothing owed (the balance is named first)
    "credit balance": (lambda s: [s.pay("A", "2024-01-05", NINE), s.pay("A", "2024-02-05", NINE)],
                       "month ending 2024-02-29: balance -18000000000000000.00", "2024-01, 2024-02"),
    # balance 0 at every month end, but the payments add up to 18·10^15
    "qualifying credits": (lambda s: [s.entry("A", "2024-01-05", "purchase", NINE), s.pay("A", "2024-01-06", NINE),
                                      s.entry("A", "2024-02-05", "purchase", NINE), s.pay("A", "2024-02-06", NINE)],
                           "month ending 2024-02-29: qualifying_credits 18000000000000000.00", "2024-01, 2024-02"),
    # two dues of 6·10^15 past due by Feb 29 (dues move no balance)
    "past dues": (lambda s: [s.due("A", "2024-01-01", "6000000000000000.00", "2024-01-20"),
                             s.due("A", "2024-02-01", "6000000000000000.00", "2024-02-20")],
                  "month ending 2024-02-29: past_dues_to_date 12000000000000000.00", "2024-01, 2024-02"),
}


@pytest.mark.parametrize("case", REFUSED_ACCOUNTS)
def test_an_account_figure_past_the_money_type_stops_the_build_naming_account_month_and_files(
        staging, staging_db, case):
    entries, what, months = REFUSED_ACCOUNTS[case]
    # Z is an ordinary account of the same book: it does not hide A, nor is it named
    con = staging_db(("2024-01", "2024-12"), [staging.acct("A"), staging.acct("Z")],
                     [*entries(staging), staging.entry("Z", "2024-06-05", "purchase", "10.00")])
    with pytest.raises(ValueError) as err:
        build_account_month(con)
    files = ", ".join(f"ledger/ledger_{m}.csv" for m in months.split(", "))
    assert str(err.value) == f"marts.account_month: account A, {what} {DOES_NOT_FIT}; entries from {files}"


def test_the_refusal_names_the_first_account_by_id(staging, staging_db):
    ledger = [staging.entry(a, "2024-01-05", "purchase", NINE) for a in ("B", "C") for _ in range(2)]
    con = staging_db(("2024-01", "2024-01"), [staging.acct("C"), staging.acct("B")], ledger)
    with pytest.raises(ValueError, match=r"^marts.account_month: account B, month ending 2024-01-31: balance "):
        build_account_month(con)


# ---- an aggregate past DECIMAL(18,2) ------------------------------------------------------------------------

def _twelve_accounts(staging, staging_db):
    """Twelve accounts of p1, each with one purchase of 9·10^15 on Jan 5 (each fits; their sum does not)."""
    accounts = [staging.acct(f"A{i:02d}") for i in range(12)]
    ledger = [staging.entry(a["account_id"], "2024-01-05", "purchase", NINE) for a in accounts]
    ledger.append(staging.entry("A00", "2024-02-05", "fee", "1.00"))  # a file for February too
    con = staging_db(("2024-01", "2024-02"), accounts, ledger)
    build_account_month(con)
    build_ledger_flows(con)
    return con


SUM = "108000000000000000.00"  # 12 × 9·10^15
JAN_FILE = "ledger/ledger_2024-01.csv"
REFUSED_AGGREGATES = {
    build_aging: f"marts.aging: portfolio p1 (USD), month ending 2024-01-31, bucket current: balance {SUM}",
    build_delinquency_rates: f"marts.delinquency_rates: portfolio p1 (USD), month ending 2024-01-31: open_balance {SUM}",
    # Feb's cell is Jan's balance: the entries up to January
    build_roll_rates: f"marts.roll_rates: portfolio p1 (USD), month ending 2024-02-29, from_bucket current, "
                      f"to_bucket current: balance {SUM}",
    # the first money column that does not fit: January's debits (its opening balance is NULL)
    build_roll_forward: f"marts.roll_forward: portfolio p1 (USD), month ending 2024-01-31: debits {SUM}",
    # February: (Jan + Feb open balances) / 2 = (SUM + SUM + 1.00) / 2
    build_charge_offs: "marts.charge_offs: portfolio p1 (USD), month ending 2024-02-29: average_balance "
                       "108000000000000000.50",
}
FILES = {build_charge_offs: f"{JAN_FILE}, ledger/ledger_2024-02.csv"}


@pytest.mark.parametrize("build", REFUSED_AGGREGATES, ids=lambda b: b.__name__)
def test_a_portfolio_aggregate_past_the_money_type_stops_the_build_naming_table_portfolio_and_month(
        staging, staging_db, build):
    con = _twelve_accounts(staging, staging_db)
    with pytest.raises(ValueError) as err:
        build(con)
    assert str(err.value) == (f"{REFUSED_AGGREGATES[build]} {DOES_NOT_FIT}; the portfolio's entries come from "
                              f"{FILES.get(build, JAN_FILE)}")


def test_the_all_row_is_refused_when_only_the_sum_over_portfolios_does_not_fit(staging, staging_db):
    accounts = [staging.acct("A", portfolio="p1"), staging.acct("B", portfolio="p2")]
    ledger = [staging.entry(a, "2024-01-05", "purchase", NINE) for a in ("A", "B")]
    con = staging_db(("2024-01", "2024-01"), accounts, ledger)
    build_account_month(con)
    with pytest.raises(ValueError) as err:
        build_aging(con)
    assert str(err.value) == ("marts.aging: portfolio all (USD), month ending 2024-01-31, bucket current: balance "
                              f"18000000000000000.00 {DOES_NOT_FIT}; the portfolio's entries come from {JAN_FILE}")


def test_an_aggregate_of_exactly_the_largest_amount_is_stored_and_one_cent_more_is_refused(staging, staging_db):
    accounts = [staging.acct("A"), staging.acct("B", portfolio="p2")]
    ledger = [staging.entry("A", "2024-01-05", "purchase", "5000000000000000.00"),
              staging.entry("B", "2024-01-05", "purchase", "4999999999999999.99")]
    con = staging_db(("2024-01", "2024-01"), accounts, ledger)
    build_all(con)
    assert q(con, "SELECT portfolio, balance FROM marts.aging ORDER BY portfolio") == [
        ("all", D(MAX)), ("p1", D("5000000000000000.00")), ("p2", D("4999999999999999.99"))]
    assert q(con, "SELECT closing_balance FROM marts.roll_forward WHERE portfolio = 'all'") == [(D(MAX),)]
    staging.add_entries(con, [staging.entry("B", "2024-01-06", "fee", "0.01")])
    build_account_month(con)
    with pytest.raises(ValueError, match=r"^marts.aging: portfolio all \(USD\), month ending 2024-01-31, bucket current: "
                                         r"balance 10000000000000000.00 does not fit DECIMAL\(18,2\)"):
        build_aging(con)


# ---- through the landing files -------------------------------------------------------------------------------

def _write_landing(landing, accounts):
    """BIG: purchase MAX (Jan 20), payment 10^15 (Feb 10). TOO: purchases of 9·10^15 on Jan 20 and Feb 10
    (each accepted by staging; its balance at Feb 28 is 18·10^15). Only the `accounts` named are written."""
    entries = {"2026-01": [landing.entry("E1", "BIG", "2026-01-20", "purchase", MAX),
                           landing.entry("E2", "TOO", "2026-01-20", "purchase", NINE)],
               "2026-02": [landing.entry("E3", "BIG", "2026-02-10", "payment", "1000000000000000.00"),
                           landing.entry("E4", "TOO", "2026-02-10", "purchase", NINE)]}
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS,
                      [landing.account(a, opened="2026-01-05") for a in accounts])
    for month, rows in entries.items():
        landing.write_csv("ledger", month, landing.LED_COLS, [r for r in rows if r[1] in accounts])
    con = landing.ingest()
    assert landing.rejected(con) == {}
    return con


def test_from_the_landing_files_a_balance_past_the_money_type_is_refused_naming_the_files(landing):
    con = _write_landing(landing, ("BIG", "TOO"))
    with pytest.raises(ValueError) as err:
        build_account_month(con)
    assert str(err.value) == (
        f"marts.account_month: account TOO, month ending 2026-02-28: balance 18000000000000000.00 {DOES_NOT_FIT}; "
        "entries from ledger/ledger_2026-01.csv, ledger/ledger_2026-02.csv")


def test_from_the_landing_files_the_largest_amounts_are_built_exactly(landing):
    con = _write_landing(landing, ("BIG",))
    build_all(con)
    assert q(con, """SELECT month_end, balance, qualifying_credits FROM marts.account_month
                     WHERE account_id = 'BIG' ORDER BY month_end""") == [
        (date(2026, 1, 31), D(MAX), D("0.00")),
        (date(2026, 2, 28), D("8999999999999999.99"), D("1000000000000000.00"))]
    assert q(con, """SELECT month_end, opening_balance, debits, credits, closing_balance, difference
                     FROM marts.roll_forward WHERE portfolio = 'cards-us' ORDER BY month_end""") == [
        (date(2026, 1, 31), None, D(MAX), D("0.00"), D(MAX), None),
        (date(2026, 2, 28), D(MAX), D("0.00"), D("1000000000000000.00"), D("8999999999999999.99"), D("0.00"))]
    assert q(con, "SELECT month_end, average_balance FROM marts.charge_offs WHERE portfolio = 'all' ORDER BY 1") == [
        (date(2026, 1, 31), None), (date(2026, 2, 28), D("9499999999999999.99"))]  # (MAX + 8999999999999999.99) / 2


def test_the_refused_figure_is_written_exactly(staging, staging_db):
    """300 purchases of MAX in one month: the balance, 2999999999999999997.00, is named to the cent (it
    passed the build's cheap bound, so the exact test found it; no float rounds it)."""
    ledger = [staging.entry("H", "2024-01-02", "purchase", MAX) for _ in range(300)]
    con = staging_db(("2024-01", "2024-01"), [staging.acct("H")], ledger)
    with pytest.raises(ValueError, match=r"marts\.account_month: account H, month ending 2024-01-31: balance "
                                         r"2999999999999999997\.00 " + DOES_NOT_FIT.replace("(", r"\(")
                                         .replace(")", r"\)").replace("|", r"\|").replace("^", r"\^")):
        build_account_month(con)
