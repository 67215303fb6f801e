"""Several exact sums carried in one HUGEINT, for marts.account_month's month pivots, and the bounds
that keep them and every account figure exact.

A pivot's cost grows with its number of aggregates, so marts.account_month sums two or three values
per account and month in one 128-bit integer and splits them again afterwards:

* movements: `c·2^64 + o`, where c = payments − payment reversals and o = every other balance movement,
  in cents. The split is exact while the month's c and o lie in [−2^63, 2^63), and the HUGEINT sum
  cannot overflow on the way while the month's payments and reversals add up to less than 2^62 cents.
* dues: `p·2^64 + n·2^40 + Σ days`, where p = the dues' cents, n = how many there are and the days count
  from 0001-01-01 (so, when n = 1, they give that due's date). p is exact while p < 2^63. n is exact
  when it is 0 or 1; above 1 the days' carry adds up to n / 2^18 to it (a date is less than 2^22 days
  from 0001-01-01), which keeps it above 1 (all the build asks of it: such a month is ordered exactly
  instead) and, while n < 2^23, out of p's bits.

The build itself carries cents in BIGINT. What it stores is money (DECIMAL(18,2), |x| < 10^18 cents):
when an account's balance, qualifying credits, past dues to date and past-due amount stay below that
at every month end, every running sum, every month's c, o and p and every difference the build forms
stays below 4·10^18 < 2^63, so the split and the BIGINT arithmetic are exact. `check_sums` makes sure
of it before the pivots, and `refuse_many_dues` of the dues' count after the dues pivot: an account
whose figure would not fit stops the build, naming the account, the month, the figure and the files
its entries came from.
"""

from __future__ import annotations

import duckdb

from assets.domain import BALANCE_CREDITS, BALANCE_DEBITS
from assets.sql import sql_list

from .common import MONEY, MONEY_LIMIT, MONEY_LIMIT_CENTS, ledger_files

DAY0 = "DATE '0001-01-01'"
N_MASK, DAY_MASK = 2**24 - 1, 2**40 - 1
TWO63, TWO64 = f"{2**63}::HUGEINT", f"{2**64}::HUGEINT"

CREDIT_GROSS_BOUND = 2**62  # Σ |cents| of an account's payments and reversals in one month stays below this
DUE_COUNT_BOUND = 2**23  # dues that fall past due in one account-month stay below this

# The balance movements other than payments and reversals (o), by sign: a payment moves the balance
# by −c and a reversal by +c, where c is the qualifying credit.
OTHER_DEBITS = tuple(t for t in BALANCE_DEBITS if t != "payment_reversal")
OTHER_CREDITS = tuple(t for t in BALANCE_CREDITS if t != "payment")

# An amount's cents as BIGINT. DuckDB multiplies a DECIMAL(18,2) by 100 in 64 bits, which overflows from
# about 9.2·10^14 on; larger amounts (staging accepts them up to 10^16) go through DECIMAL(38,2), which
# is exact but several times slower, so it is used for the large amounts only and only in a book that has any.
PLAIN_CENTS = "CAST(amount * 100 AS BIGINT)"
PLAIN_CENTS_BELOW = 9 * 10**14
WIDE_CENTS = (f"(CASE WHEN abs(amount) < {PLAIN_CENTS_BELOW} THEN {PLAIN_CENTS} "
              "ELSE CAST(amount::DECIMAL(38,2) * 100 AS BIGINT) END)")


def pack_credit(cents: str) -> str:
    """SQL: a payment's (or, negated, a reversal's) cents in the credit half."""
    return f"{cents}::HUGEINT * {TWO64}"


def pack_other(cents: str) -> str:
    """SQL: another movement's signed cents in the low half."""
    return f"({cents})::HUGEINT"


def pack_due(cents: str, due_on: str = "due_on") -> str:
    """SQL: one due (its cents, a count of 1 and its day number) packed."""
    return f"({cents}::HUGEINT << 64) + (1::HUGEINT << 40) + ({due_on} - {DAY0})"


def others(m: str) -> str:
    """SQL: o of a movement sum m = c·2^64 + o with −2^63 <= o < 2^63 (the low 64 bits, signed)."""
    return f"(((({m}) + {TWO63}) & {2**64 - 1}::HUGEINT) - {TWO63})::BIGINT"


def credits(m: str) -> str:
    """SQL: c = floor((m + 2^63) / 2^64) of a movement sum (>> is an arithmetic, flooring, shift)."""
    return f"((({m}) + {TWO63}) >> 64)::BIGINT"


def due_cents(k: str) -> str:
    """SQL: p of a due sum."""
    return f"(({k}) >> 64)::BIGINT"


def due_count(k: str) -> str:
    """SQL: n of a due sum."""
    return f"((({k}) >> 40) & {N_MASK})"


def due_day(k: str) -> str:
    """SQL: the due date held by a due sum (meaningful when its count is 1)."""
    return f"{DAY0} + (({k}) & {DAY_MASK})::INTEGER"


def check_sums(con: duckdb.DuckDBPyConnection, entries: str, last: str, month_index: str, due_month_index: str,
               first_month: str) -> str:
    """Before the pivots: raise ValueError when an account's figure at a month end (its entries posted
    up to `last`) would not fit MONEY, or its payments and reversals of one month reach
    CREDIT_GROSS_BOUND; return the SQL of an entry's cents (BIGINT, exact for this book's amounts).

    One scan proves the common case safe: when the amounts of the whole book add up to less than
    MONEY's limit, no sum of some of them can reach it. Only when they do not are the exact figures
    taken per account and month. `month_index` / `due_month_index` are the SQL of an entry's (a due's)
    reporting month index and `first_month` the first reporting month's start, as the build uses them."""
    largest, smallest, total = con.execute(
        f"SELECT max(amount), min(amount), sum(amount) FROM {entries} WHERE posted_on <= {last}").fetchone()
    if largest is None:
        return PLAIN_CENTS
    cents = PLAIN_CENTS if max(largest, -smallest) < PLAIN_CENTS_BELOW else WIDE_CENTS
    if smallest <= 0 or total >= MONEY_LIMIT:
        _refuse_exact(con, cents, entries, last, month_index, due_month_index, first_month)
    return cents


def refuse_many_dues(con: duckdb.DuckDBPyConnection, due_pivot: str, cents: str, entries: str, last: str,
                     month_index: str, due_month_index: str, first_month: str) -> None:
    """After the dues pivot (which counts each account's dues in `dues`): raise ValueError when an
    account-month could hold DUE_COUNT_BOUND dues or more."""
    most = con.execute(f"SELECT coalesce(max(dues), 0) FROM {due_pivot}").fetchone()[0]
    if most >= DUE_COUNT_BOUND:
        _refuse_exact(con, cents, entries, last, month_index, due_month_index, first_month)


def _units(cents: str) -> str:
    """SQL: a HUGEINT of cents as the amount's text (e.g. 18000000000000000.00), exactly: written from
    the integer's digits (a DECIMAL product this wide would be computed as a DOUBLE)."""
    x = f"({cents})::HUGEINT"
    return (f"(CASE WHEN {x} < 0 THEN '-' ELSE '' END || (abs({x}) // 100)::VARCHAR || '.' "
            f"|| lpad((abs({x}) % 100)::VARCHAR, 2, '0'))")


def _refuse_exact(con: duckdb.DuckDBPyConnection, cents: str, entries: str, last: str, month_index: str,
                  due_month_index: str, first_month: str) -> None:
    """The exact test, per account and month end, in HUGEINT: the figures the build stores (balance,
    qualifying credits, past dues to date, past-due amount) against MONEY's limit, the month's payments
    and reversals against CREDIT_GROSS_BOUND and the month's dues against DUE_COUNT_BOUND. Raises for
    the first account (by account_id) at its first such month end."""
    limit = MONEY_LIMIT_CENTS
    # the stored figures at month end i, in cents, and when they do not fit (a past-due amount is stored
    # only when positive)
    tests = (("balance", "oc - cc", f"abs(oc - cc) >= {limit}"), ("qualifying_credits", "cc", f"abs(cc) >= {limit}"),
             ("past_dues_to_date", "pc", f"pc >= {limit}"), ("past_due_amount", "pc - cc", f"pc - cc >= {limit}"))
    found = con.execute(f"""
        WITH m AS (
            SELECT account_key, i, list(DISTINCT file_month) AS file_months,
                   sum(CASE entry_type WHEN 'payment' THEN c WHEN 'payment_reversal' THEN -c END) AS c,
                   sum(abs(c)) FILTER (WHERE entry_type IN ('payment', 'payment_reversal')) AS c_gross,
                   sum(CASE WHEN entry_type IN {sql_list(OTHER_DEBITS)} THEN c
                            WHEN entry_type IN {sql_list(OTHER_CREDITS)} THEN -c END) AS o,
                   sum(c) FILTER (WHERE entry_type = 'due') AS p,
                   count(*) FILTER (WHERE entry_type = 'due') AS dues
            FROM (SELECT account_key, entry_type, file_month, ({cents})::HUGEINT AS c,
                         CASE WHEN entry_type = 'due' THEN {due_month_index} ELSE {month_index} END AS i
                  FROM {entries} WHERE posted_on <= {last})
            GROUP BY account_key, i),
        r AS (SELECT *, sum(coalesce(c, 0)) OVER w AS cc, sum(coalesce(o, 0)) OVER w AS oc,
                        sum(coalesce(p, 0)) OVER w AS pc
              FROM m WINDOW w AS (PARTITION BY account_key ORDER BY i)),
        f AS (SELECT account_key, i, file_months, CASE
                  {" ".join(f"WHEN {test} THEN ['{what}', {_units(x)}]" for what, x, test in tests)}
                  WHEN c_gross >= {CREDIT_GROSS_BOUND} THEN ['payments', {_units("c_gross")}]
                  WHEN dues >= {DUE_COUNT_BOUND} THEN ['dues', dues::VARCHAR] END AS problem
              FROM r)
        SELECT coalesce(a.account_id, '(account_key ' || f.account_key || ')'), f.account_key,
               last_day({first_month} + to_months(f.i::INTEGER))::DATE, f.file_months, f.problem
        FROM f LEFT JOIN staging.accounts a USING (account_key)
        WHERE f.problem IS NOT NULL
        ORDER BY 1, 3 LIMIT 1""").fetchone()
    if found is None:
        return
    account_id, account_key, month_end, file_months, (what, figure) = found
    where = f"marts.account_month: account {account_id}, month ending {month_end}"
    if what == "payments":
        raise ValueError(
            f"{where}: its payments and payment reversals of that month add up to {figure}, more than the "
            f"build sums exactly in one month (2^62 cents); entries from {ledger_files(con, sorted(file_months))}")
    if what == "dues":
        raise ValueError(
            f"{where}: {figure} of its dues fall past due in that month, more than the build counts exactly "
            f"in one month (2^23); entries from {ledger_files(con, sorted(file_months))}")
    months = [r[0] for r in con.execute(
        f"SELECT DISTINCT file_month FROM {entries} WHERE account_key IS NOT DISTINCT FROM ? AND posted_on <= ?",
        [account_key, month_end]).fetchall()]
    raise ValueError(
        f"{where}: {what} {figure} does not fit {MONEY}, the output contract's money type (|x| < 10^16); "
        f"entries from {ledger_files(con, sorted(months))}")
