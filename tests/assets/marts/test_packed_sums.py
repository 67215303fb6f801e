"""marts.account_month's packed sums (assets/marts/packed_sums.py): exact at their bounds, and a build
whose sums could pass them is refused, naming the account, the month and the files."""

from decimal import Decimal

import duckdb
import pytest

from assets.marts import packed_sums as ps
from assets.marts.account_month import build_account_month

LOW, HIGH = -(2**63 - 1), 2**63 - 1  # the bound: |sum| < 2^63


def _movement(con, parts: list[tuple[str, int]]) -> tuple[int, int]:
    """Sum the packed movements (('c' | 'o', cents), ...) and split the sum again: (c, o)."""
    packed = " UNION ALL ".join(
        f"SELECT {ps.pack_credit(f'{v}::HUGEINT') if kind == 'c' else ps.pack_other(f'{v}::HUGEINT')} AS m"
        for kind, v in parts)
    return con.execute(f"SELECT {ps.credits('s')}, {ps.others('s')} FROM (SELECT sum(m) AS s FROM ({packed}))").fetchone()


@pytest.mark.parametrize("c, o", [(HIGH, HIGH), (HIGH, LOW), (LOW, HIGH), (LOW, LOW), (0, -1), (-1, 0), (1, LOW)])
def test_movements_split_exactly_at_the_bounds(c, o):
    con = duckdb.connect()
    # each half reached by two entries, so the carry between the halves is exercised
    assert _movement(con, [("c", c // 2), ("c", c - c // 2), ("o", o // 2), ("o", o - o // 2)]) == (c, o)


def test_dues_split_exactly_at_the_bounds():
    con = duckdb.connect()
    n = ps.DUE_COUNT_BOUND - 1
    last_day = con.execute(f"SELECT DATE '9999-12-31' - {ps.DAY0}").fetchone()[0]  # the largest day number
    # n dues on the last representable date, p at its bound: the days' carry adds n * last_day // 2^40
    # (= 27) to the count, which stays > 1 (all the build asks of a count above 1), and never reaches p
    k = f"(({HIGH}::HUGEINT << 64) + ({n}::HUGEINT << 40) + {n}::HUGEINT * {last_day})"
    assert (n * last_day) >> 40 == 27
    assert con.execute(f"SELECT {ps.due_cents(k)}, {ps.due_count(k)}").fetchone() == (HIGH, n + 27)
    one = con.execute(f"SELECT sum({ps.pack_due('12345', 'd')}) FROM (SELECT DATE '2024-02-29' AS d)").fetchone()[0]
    assert con.execute(f"SELECT {ps.due_cents(str(one))}, {ps.due_count(str(one))}, "
                       f"{ps.due_day(str(one) + '::HUGEINT')}").fetchone()[:2] == (12345, 1)
    assert str(con.execute(f"SELECT {ps.due_day(str(one) + '::HUGEINT')}").fetchone()[0]) == "2024-02-29"


NINE = "9000000000000000.00"  # 9·10^17 cents


def test_payments_and_reversals_of_one_month_past_the_packing_bound_are_refused_naming_account_month_and_file(
        staging, staging_db):
    # every stored figure fits (balance 9·10^15, qualifying credits 0 at every month end), but February's
    # payments and reversals add up to 6 × 9·10^17 = 5.4·10^18 cents >= 2^62 (the packed sum's bound)
    ledger = [staging.entry("CHURN", "2024-01-05", "purchase", NINE)]
    for _ in range(3):
        pay = staging.pay("CHURN", "2024-02-03", NINE)
        ledger += [pay, staging.entry("CHURN", "2024-02-04", "payment_reversal", NINE, reverses=pay["entry_id"])]
    con = staging_db(("2024-01", "2024-03"), [staging.acct("SMALL", product_type="revolving"), staging.acct("CHURN")],
                     [staging.due("SMALL", "2024-01-02", "10.00", "2024-01-20"), *ledger])
    with pytest.raises(ValueError) as err:
        build_account_month(con)
    assert str(err.value) == (
        "marts.account_month: account CHURN, month ending 2024-02-29: its payments and payment reversals of that "
        "month add up to 54000000000000000.00, more than the build sums exactly in one month (2^62 cents); "
        "entries from ledger/ledger_2024-02.csv")


def test_two_payments_and_reversals_in_a_month_stay_below_the_packing_bound_and_build(staging, staging_db):
    # 4 × 9·10^17 = 3.6·10^18 cents < 2^62: built, and the sums split exactly
    ledger = [staging.entry("CHURN", "2024-01-05", "purchase", NINE)]
    for _ in range(2):
        pay = staging.pay("CHURN", "2024-02-03", NINE)
        ledger += [pay, staging.entry("CHURN", "2024-02-04", "payment_reversal", NINE, reverses=pay["entry_id"])]
    ledger.append(staging.pay("CHURN", "2024-02-20", "1.00"))
    con = staging_db(("2024-01", "2024-02"), [staging.acct("CHURN")], ledger)
    assert build_account_month(con) == 2
    assert con.execute("SELECT balance, qualifying_credits FROM marts.account_month ORDER BY month_end").fetchall() == [
        (Decimal(NINE), Decimal("0.00")), (Decimal("8999999999999999.00"), Decimal("1.00"))]


def test_past_the_cheap_test_the_exact_one_runs_and_builds(staging, staging_db, monkeypatch):
    # the book's amounts add up to 10^16 + 0.01 (the cheap test fails), but no account's figure reaches 10^16
    exact_runs = []
    monkeypatch.setattr(ps, "_refuse_exact", lambda *a, real=ps._refuse_exact: exact_runs.append(a) or real(*a))
    ledger = [staging.entry("A", "2024-01-03", "purchase", "5000000000000000.00"),
              staging.entry("B", "2024-01-03", "purchase", "4999999999999999.99"),
              staging.entry("B", "2024-01-04", "purchase", "0.02")]
    con = staging_db(("2024-01", "2024-01"), [staging.acct("A"), staging.acct("B")], ledger)
    assert build_account_month(con) == 2
    assert con.execute("SELECT account_id, balance FROM marts.account_month ORDER BY 1").fetchall() == [
        ("A", Decimal("5000000000000000.00")), ("B", Decimal("5000000000000000.01"))]
    assert len(exact_runs) == 1
