"""marts.account_month's packed sums (assets/marts/packed_sums.py): exact at their bounds, and a build
whose sums could pass them is refused, naming the account, the month and the files."""

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


BIG = "99999999999999.99"  # 9,999,999,999,999,999 cents: 923 of them pass 2^63 cents


def test_a_build_whose_sums_could_overflow_is_refused_naming_account_month_and_file(staging, staging_db):
    ledger = [staging.entry("HUGE", "2024-02-03", "purchase", BIG) for _ in range(923)]
    con = staging_db(("2024-01", "2024-03"), [staging.acct("SMALL", product_type="revolving"), staging.acct("HUGE")],
                     [staging.due("SMALL", "2024-01-02", "10.00", "2024-01-20"), *ledger])
    with pytest.raises(ValueError) as err:
        build_account_month(con)
    assert str(err.value) == (
        "marts.account_month: account HUGE, month ending 2024-02-29: its other balance movements up to that "
        "month exceed what the build sums exactly (2^63 cents, or 2^23 dues in one month); entries from "
        "ledger/ledger_2024-02.csv")


def test_just_below_the_bound_the_cheap_test_falls_back_to_the_exact_one_and_builds(staging, staging_db):
    # 922 entries: the largest amount times the entries passes 2^63, but no account's sums do
    ledger = [staging.entry("A", "2024-01-03", "purchase", "10000000000.00") for _ in range(461)]
    ledger += [staging.entry("B", "2024-01-03", "purchase", "10000000000.00") for _ in range(461)]
    ledger.append(staging.entry("C", "2024-01-04", "purchase", "92233720368547.75"))  # alone: 2^63 / 1000 cents
    con = staging_db(("2024-01", "2024-01"), [staging.acct("A"), staging.acct("B"), staging.acct("C")], ledger)
    assert build_account_month(con) == 3
    assert con.execute("SELECT account_id, balance FROM marts.account_month ORDER BY 1").fetchall() == [
        ("A", __import__("decimal").Decimal("4610000000000.00")),
        ("B", __import__("decimal").Decimal("4610000000000.00")),
        ("C", __import__("decimal").Decimal("92233720368547.75"))]
