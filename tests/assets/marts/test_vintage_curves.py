"""marts.vintage_curves on a hand-built book: every figure below was worked out by hand, and each invariant of
checks/marts/vintage_curves.py is shown to fail on a table broken on purpose.

Reporting months Jan–Apr 2026, all USD. account_month rows as given (dpd of open rows; terminal rows carry none):

    OLD  p1 revolving,   opened 2025-12-10 (before the first reporting month: LEFT OUT of every figure)
         Jan open 0 / Feb open dpd 45 / Mar charged_off (charge_off 400.00 on Mar 31)
    A    p1 installment, opened 2026-01-05, principal 1,000.00 as first delivered (Jan file), 1,200.00 in the
         Feb file (a later version: the exposure keeps 1,000.00)
         Jan open 0 bal 1,000.00 / Feb open dpd 40 bal 900.00 / Mar charged_off (charge_off 900.00 on Mar 31);
         recovery 100.00 on Apr 15 (no account-month row after the terminal one)
    B    p1 revolving,   opened 2026-01-20, limit 500.00
         Jan open 0 bal 200.00 / Feb open 0 bal 150.00 / Mar closed (an account that closes)
    C    p2 revolving,   opened 2026-02-03, limit 300.00
         Feb open 0 bal 100.00 / Mar open dpd 31 bal 120.00 / Apr open 0 bal 90.00 (cured: still ever 30+)
    D    p1 revolving,   opened 2026-02-14, limit 1,000.00
         Feb open 0 bal 50.00 / Mar open 0 bal 60.00 / Apr open dpd 61 bal 60.00

Vintages: 2026-01 = {A, B} (p1), 2026-02 = {D} (p1) and {C} (p2). By hand, per age (months on book):

p1 2026-01: accounts 2, exposure 1,000.00 + 500.00 = 1,500.00
    age 0 Jan: ever 0/0/0; no loss;                              open 2, 1,000.00 + 200.00 = 1,200.00
    age 1 Feb: A dpd 40 -> ever30 1, ever60 0, ever90 0;          open 2, 900.00 + 150.00 = 1,050.00
    age 2 Mar: A charged off -> ever 1/1/1; gross 900.00, net 900.00, rate 900 / 1500 = 0.6; B closed: open 0
    age 3 Apr: ever 1/1/1; recoveries 100.00, net 800.00, rate 800 / 1500 = 0.5333…;     open 0, 0.00
p1 2026-02: accounts 1 (D), exposure 1,000.00
    age 0 Feb: ever 0/0/0, open 1, 50.00; age 1 Mar: ever 0/0/0, open 1, 60.00;
    age 2 Apr: dpd 61 -> ever30 1, ever60 1, ever90 0 (rates 1, 1, 0); open 1, 60.00
p2 2026-02: accounts 1 (C), exposure 300.00
    age 0 Feb: ever 0, open 1, 100.00; age 1 Mar: ever30 1, open 1, 120.00; age 2 Apr: ever30 still 1, open 1, 90.00
all USD: 2026-01 = p1's rows; 2026-02 = p1 + p2: accounts 2, exposure 1,300.00;
    Feb ever 0, open 2, 150.00; Mar ever30 1 (rate 0.5), open 2, 180.00; Apr ever30 2 (rate 1.0), ever60 1 (0.5),
    ever90 0, open 2, 150.00
Rows: p1 4 + 3, p2 3, all 4 + 3 = 17. Age-0 accounts: p1 2 + 1 = 3, p2 1, all 4 = the accounts opened in range.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from assets.marts.vintage_curves import build_vintage_curves
from assets.staging.ledger import create_ledger_tables
from assets.warehouse import connect
from checks.marts.vintage_curves import INVARIANTS

JAN, FEB, MAR, APR = date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)

ACCOUNTS = [  # account_id, portfolio, product_type, opened_on, credit_limit, original_principal
    ("OLD", "p1", "revolving", date(2025, 12, 10), D("800.00"), None),
    ("A", "p1", "installment", date(2026, 1, 5), None, D("1200.00")),  # latest version
    ("B", "p1", "revolving", date(2026, 1, 20), D("500.00"), None),
    ("C", "p2", "revolving", date(2026, 2, 3), D("300.00"), None),
    ("D", "p1", "revolving", date(2026, 2, 14), D("1000.00"), None),
]
# account_id, month_end, status, dpd, balance
ACCOUNT_MONTHS = [
    ("OLD", JAN, "open", 0, "300.00"), ("OLD", FEB, "open", 45, "400.00"), ("OLD", MAR, "charged_off", None, "0.00"),
    ("A", JAN, "open", 0, "1000.00"), ("A", FEB, "open", 40, "900.00"), ("A", MAR, "charged_off", None, "0.00"),
    ("B", JAN, "open", 0, "200.00"), ("B", FEB, "open", 0, "150.00"), ("B", MAR, "closed", None, "0.00"),
    ("C", FEB, "open", 0, "100.00"), ("C", MAR, "open", 31, "120.00"), ("C", APR, "open", 0, "90.00"),
    ("D", FEB, "open", 0, "50.00"), ("D", MAR, "open", 0, "60.00"), ("D", APR, "open", 61, "60.00"),
]
LEDGER = [  # only the entries the curves read (charge-offs and recoveries), and one other that they ignore
    ("OLD", "2026-03-31", "charge_off", "400.00"), ("A", "2026-03-31", "charge_off", "900.00"),
    ("A", "2026-04-15", "recovery", "100.00"), ("D", "2026-02-14", "purchase", "50.00"),
]


@pytest.fixture
def book(staging):
    con = connect(":memory:")
    con.execute("CREATE TABLE staging.reporting_months (month_end DATE)")
    con.executemany("INSERT INTO staging.reporting_months VALUES (?)", [(m,) for m in (JAN, FEB, MAR, APR)])
    con.execute("""CREATE TABLE staging.accounts (account_id VARCHAR, portfolio VARCHAR, product_type VARCHAR,
        opened_on DATE, currency VARCHAR, credit_limit DECIMAL(18,2), original_principal DECIMAL(18,2),
        account_key INTEGER)""")
    con.executemany("INSERT INTO staging.accounts VALUES (?, ?, ?, ?, 'USD', ?, ?, NULL)",
                    [(a, p, t, o, lim, pr) for a, p, t, o, lim, pr in ACCOUNTS])
    staging.assign_account_keys(con)
    con.execute("""CREATE TABLE staging.account_versions (account_id VARCHAR, product_type VARCHAR,
        credit_limit DECIMAL(18,2), original_principal DECIMAL(18,2), first_file_month DATE, source_file VARCHAR,
        line_number BIGINT)""")
    con.execute("""INSERT INTO staging.account_versions
        SELECT account_id, product_type, credit_limit, original_principal, DATE '2026-01-01',
               'accounts/accounts_2026-01.csv', row_number() OVER (ORDER BY account_id) FROM staging.accounts""")
    # A's later version (Feb file) carries another principal; its first version (Jan file) had 1,000.00
    con.execute("UPDATE staging.account_versions SET original_principal = 1000.00 WHERE account_id = 'A'")
    con.execute("""INSERT INTO staging.account_versions VALUES
        ('A', 'installment', NULL, 1200.00, DATE '2026-02-01', 'accounts/accounts_2026-02.csv', 1)""")
    con.execute("""CREATE TABLE marts.account_month AS
        SELECT a.account_id, t.month_end, a.portfolio, a.currency, t.status, t.dpd, t.balance, a.account_key
        FROM (VALUES """ + ", ".join(f"('{a}', DATE '{m}', '{s}', {'NULL' if d is None else d}, {b})"
                                     for a, m, s, d, b in ACCOUNT_MONTHS) + """)
             t(account_id, month_end, status, dpd, balance)
        JOIN staging.accounts a USING (account_id)""")
    con.execute("ALTER TABLE marts.account_month ALTER balance TYPE DECIMAL(18,2)")
    create_ledger_tables(con)
    staging.add_entries(con, [staging.entry(a, p, t, x, entry_id=f"E{i}") for i, (a, p, t, x) in enumerate(LEDGER)])
    return con


COLUMNS = ("accounts, origination_exposure, ever_30_accounts, ever_60_accounts, ever_90_accounts, "
           "cum_gross_charge_off, cum_recoveries, cum_net_loss, open_accounts, open_balance")


def curves(con) -> dict:
    """{(portfolio, vintage, months_on_book): (month_end, the COLUMNS …)}"""
    return {r[:3]: r[3:] for r in con.execute(
        f"SELECT portfolio, vintage, months_on_book, month_end, {COLUMNS} FROM marts.vintage_curves").fetchall()}


def rates(con) -> dict:
    return {r[:3]: r[3:] for r in con.execute(
        "SELECT portfolio, vintage, months_on_book, ever_30_rate, ever_60_rate, ever_90_rate, cum_net_loss_rate "
        "FROM marts.vintage_curves").fetchall()}


def test_vintage_curves_by_hand(book):
    assert build_vintage_curves(book) == 17
    got = curves(book)
    assert {v for _, v, _ in got} == {"2026-01", "2026-02"}  # OLD's 2025-12 vintage is left out
    z = D("0.00")
    # p1 2026-01 (A, B): exposure from A's FIRST version, 1,000.00, + B's limit 500.00
    assert got[("p1", "2026-01", 0)] == (JAN, 2, D("1500.00"), 0, 0, 0, z, z, z, 2, D("1200.00"))
    assert got[("p1", "2026-01", 1)] == (FEB, 2, D("1500.00"), 1, 0, 0, z, z, z, 2, D("1050.00"))
    assert got[("p1", "2026-01", 2)] == (MAR, 2, D("1500.00"), 1, 1, 1, D("900.00"), z, D("900.00"), 0, z)
    assert got[("p1", "2026-01", 3)] == (APR, 2, D("1500.00"), 1, 1, 1, D("900.00"), D("100.00"), D("800.00"), 0, z)
    # p1 2026-02 (D)
    assert got[("p1", "2026-02", 0)] == (FEB, 1, D("1000.00"), 0, 0, 0, z, z, z, 1, D("50.00"))
    assert got[("p1", "2026-02", 1)] == (MAR, 1, D("1000.00"), 0, 0, 0, z, z, z, 1, D("60.00"))
    assert got[("p1", "2026-02", 2)] == (APR, 1, D("1000.00"), 1, 1, 0, z, z, z, 1, D("60.00"))
    # p2 2026-02 (C): cured in Apr, still counted ever 30+
    assert got[("p2", "2026-02", 0)] == (FEB, 1, D("300.00"), 0, 0, 0, z, z, z, 1, D("100.00"))
    assert got[("p2", "2026-02", 1)] == (MAR, 1, D("300.00"), 1, 0, 0, z, z, z, 1, D("120.00"))
    assert got[("p2", "2026-02", 2)] == (APR, 1, D("300.00"), 1, 0, 0, z, z, z, 1, D("90.00"))
    # all USD: 2026-01 = p1's; 2026-02 = p1 + p2
    for age in range(4):
        assert got[("all", "2026-01", age)] == got[("p1", "2026-01", age)]
    assert got[("all", "2026-02", 0)] == (FEB, 2, D("1300.00"), 0, 0, 0, z, z, z, 2, D("150.00"))
    assert got[("all", "2026-02", 1)] == (MAR, 2, D("1300.00"), 1, 0, 0, z, z, z, 2, D("180.00"))
    assert got[("all", "2026-02", 2)] == (APR, 2, D("1300.00"), 2, 1, 0, z, z, z, 2, D("150.00"))
    r = rates(book)
    assert r[("p1", "2026-01", 1)] == (0.5, 0.0, 0.0, 0.0)  # 1 of 2 ever 30+; no loss yet
    assert r[("p1", "2026-01", 2)] == (0.5, 0.5, 0.5, pytest.approx(0.6))  # 900 / 1500
    assert r[("p1", "2026-01", 3)] == (0.5, 0.5, 0.5, pytest.approx(800 / 1500))
    assert r[("all", "2026-02", 1)] == (0.5, 0.0, 0.0, 0.0)
    assert r[("all", "2026-02", 2)] == (1.0, 0.5, 0.0, 0.0)
    assert r[("p1", "2026-02", 2)] == (1.0, 1.0, 0.0, 0.0)
    for invariant in INVARIANTS:
        assert invariant.evaluate(book)[0] == 0, invariant.name


def test_a_closed_month_is_never_changed_by_later_months(book):
    """Building Jan–Feb, then Mar–Apr (as two runs a close apart do) gives the table built at once: the points
    of Jan and Feb are not touched by the later run, which only adds the later ages."""
    # Jan: 2026-01 age 0 for p1 and all (2 rows); Feb: 2026-01 age 1 for p1 and all, 2026-02 age 0 for p1, p2
    # and all (5 rows)
    assert build_vintage_curves(book, months=(JAN, FEB)) == 7
    by_month = dict(book.execute("SELECT month_end, count(*) FROM marts.vintage_curves GROUP BY 1").fetchall())
    assert by_month == {JAN: 2, FEB: 5}
    early = book.execute("SELECT * FROM marts.vintage_curves ORDER BY ALL").fetchall()
    build_vintage_curves(book, months=(MAR, APR))
    after = book.execute("SELECT * FROM marts.vintage_curves ORDER BY ALL").fetchall()
    assert [r for r in after if r[0] <= FEB] == early
    stepwise = curves(book)
    build_vintage_curves(book)
    assert curves(book) == stepwise


BREAKS = {  # invariant -> an UPDATE (or INSERT) that breaks exactly what it guards
    "cumulative_figures_never_fall":
        "UPDATE marts.vintage_curves SET ever_30_accounts = 0 WHERE vintage = '2026-02' AND months_on_book = 2 "
        "AND portfolio = 'p2'",
    "ever_30_at_least_ever_60_at_least_ever_90":
        "UPDATE marts.vintage_curves SET ever_60_accounts = 2, ever_90_accounts = 2 "
        "WHERE portfolio = 'p1' AND vintage = '2026-01' AND months_on_book = 3",
    "ages_are_contiguous_month_ends":
        "UPDATE marts.vintage_curves SET month_end = DATE '2026-04-30' WHERE portfolio = 'p2' AND months_on_book = 1",
    "pools_are_the_accounts_opened_in_range":
        "INSERT INTO staging.accounts VALUES ('E', 'p2', 'revolving', DATE '2026-03-02', 'USD', 100, NULL, 99)",
    "all_is_the_sum_of_its_portfolios":
        "UPDATE marts.vintage_curves SET open_balance = open_balance + 0.01 WHERE portfolio = 'all' "
        "AND vintage = '2026-02' AND months_on_book = 1",
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_each_invariant_fails_on_a_broken_table(book, name):
    build_vintage_curves(book)
    invariant = next(i for i in INVARIANTS if i.name == name)
    assert invariant.evaluate(book)[0] == 0
    book.execute(BREAKS[name])
    assert invariant.evaluate(book)[0] > 0


def test_gross_charge_off_falling_is_caught(book):
    build_vintage_curves(book)
    invariant = next(i for i in INVARIANTS if i.name == "cumulative_figures_never_fall")
    book.execute("UPDATE marts.vintage_curves SET cum_gross_charge_off = 899.99 "
                 "WHERE portfolio = 'p1' AND vintage = '2026-01' AND months_on_book = 3")
    count, rows = invariant.evaluate(book)
    assert count == 1 and rows[0]["cum_gross_charge_off"] == "899.99" and rows[0]["prev_gross"] == "900.00"


def test_invariants_are_listed_with_the_marts(book):
    from checks.marts.invariants import INVARIANTS as MART_INVARIANTS

    assert {i.name for i in INVARIANTS} <= {i.name for i in MART_INVARIANTS if i.table == "marts.vintage_curves"}
