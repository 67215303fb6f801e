"""Several exact sums carried in one HUGEINT, for marts.account_month's month pivots.

A pivot's cost grows with its number of aggregates, so marts.account_month sums two or three values
per account and month in one 128-bit integer and splits them again afterwards:

* movements: `c·2^64 + o`, where c = payments − payment reversals and o = every other balance movement,
  in cents. Exact while |c| and |o| stay below 2^63.
* dues: `p·2^64 + n·2^40 + Σ days`, where p = the dues' cents, n = how many there are and the days count
  from 0001-01-01 (so, when n = 1, they give that due's date). p is exact while p < 2^63. n is exact
  when it is 0 or 1; above 1 the days' carry adds up to n / 2^18 to it (a date is less than 2^22 days
  from 0001-01-01), which keeps it above 1 (all the build asks of it: such a month is ordered exactly
  instead) and, while n < 2^23, out of p's bits.

`MOVEMENT_BOUND`, `DUE_CENTS_BOUND` and `DUE_COUNT_BOUND` are these limits. marts.account_month calls
`refuse_large_sums` and `refuse_many_dues` as it builds: an account whose entries could take a sum past one of them stops
the build, naming the account, the month and the files its entries came from.
"""

from __future__ import annotations

import duckdb

DAY0 = "DATE '0001-01-01'"
N_MASK, DAY_MASK = 2**24 - 1, 2**40 - 1
TWO63, TWO64 = f"{2**63}::HUGEINT", f"{2**64}::HUGEINT"

MOVEMENT_BOUND = 2**63  # |Σ cents| of an account's payments, or of its other movements, stays below this
DUE_CENTS_BOUND = 2**63  # Σ cents of an account's dues stays below this
DUE_COUNT_BOUND = 2**23  # dues that fall past due in one account-month stay below this


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


def refuse_large_sums(con: duckdb.DuckDBPyConnection, entries: str, last: str, month_index: str,
                      due_month_index: str, first_month: str) -> None:
    """Before the pivots: raise ValueError when an account's entries (posted up to `last`) could take a
    money sum past its bound. One scan proves the common case safe (the largest amount times the number
    of entries is below the bound); only when it cannot, the exact sums per account and month are taken.

    `month_index` / `due_month_index` are the SQL of an entry's (a due's) reporting month index and
    `first_month` the first reporting month's start, as the build uses them."""
    largest, entries_n = con.execute(f"""SELECT max(abs(amount))::DECIMAL(38,2) * 100, count(*)
        FROM {entries} WHERE posted_on <= {last}""").fetchone()
    if largest is None or largest * entries_n < MOVEMENT_BOUND:
        return
    _refuse_exact(con, entries, last, month_index, due_month_index, first_month)


def refuse_many_dues(con: duckdb.DuckDBPyConnection, due_pivot: str, entries: str, last: str, month_index: str,
                     due_month_index: str, first_month: str) -> None:
    """After the dues pivot (which counts each account's dues in `dues`): raise ValueError when an
    account-month could hold DUE_COUNT_BOUND dues or more."""
    most = con.execute(f"SELECT coalesce(max(dues), 0) FROM {due_pivot}").fetchone()[0]
    if most >= DUE_COUNT_BOUND:
        _refuse_exact(con, entries, last, month_index, due_month_index, first_month)


def _refuse_exact(con: duckdb.DuckDBPyConnection, entries: str, last: str, month_index: str,
                  due_month_index: str, first_month: str) -> None:
    """The exact test, per account and month: the running sums of absolute cents and the month's dues."""
    cents = "(amount::DECIMAL(38,2) * 100)::HUGEINT"
    found = con.execute(f"""
        WITH m AS (
            SELECT account_key,
                   CASE WHEN entry_type = 'due' THEN {due_month_index} ELSE {month_index} END AS i,
                   sum(abs({cents})) FILTER (WHERE entry_type IN ('payment', 'payment_reversal')) AS credit_cents,
                   sum(abs({cents})) FILTER (WHERE entry_type NOT IN ('payment', 'payment_reversal', 'due',
                                                                      'recovery')) AS other_cents,
                   sum({cents}) FILTER (WHERE entry_type = 'due') AS due_cents,
                   count(*) FILTER (WHERE entry_type = 'due') AS dues,
                   list(DISTINCT file_month) AS file_months
            FROM {entries} WHERE posted_on <= {last} GROUP BY ALL),
        c AS (SELECT *, sum(coalesce(credit_cents, 0)) OVER w AS credit_total,
                        sum(coalesce(other_cents, 0)) OVER w AS other_total,
                        sum(coalesce(due_cents, 0)) OVER w AS due_total
              FROM m WINDOW w AS (PARTITION BY account_key ORDER BY i))
        SELECT coalesce(a.account_id, '(account_key ' || c.account_key || ')'),
               last_day({first_month} + to_months(c.i::INTEGER))::DATE, c.file_months,
               CASE WHEN c.credit_total >= {MOVEMENT_BOUND} THEN 'payments and reversals'
                    WHEN c.other_total >= {MOVEMENT_BOUND} THEN 'other balance movements'
                    WHEN c.due_total >= {DUE_CENTS_BOUND} THEN 'dues'
                    ELSE 'dues falling past due in one month' END
        FROM c LEFT JOIN staging.accounts a USING (account_key)
        WHERE c.credit_total >= {MOVEMENT_BOUND} OR c.other_total >= {MOVEMENT_BOUND}
           OR c.due_total >= {DUE_CENTS_BOUND} OR c.dues >= {DUE_COUNT_BOUND}
        ORDER BY 1, 2 LIMIT 1""").fetchone()
    if found is None:
        return
    account_id, month_end, file_months, what = found
    files = [r[0] for r in con.execute(
        "SELECT source_file FROM raw.files WHERE entity = 'ledger' AND list_contains(?, file_month) "
        "ORDER BY file_month", [file_months]).fetchall()]
    raise ValueError(
        f"marts.account_month: account {account_id}, month ending {month_end}: its {what} up to that month "
        f"exceed what the build sums exactly (2^63 cents, or 2^23 dues in one month); entries from "
        f"{', '.join(files) or 'no recorded file'}")
