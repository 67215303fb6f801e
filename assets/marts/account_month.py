"""marts.account_month: the account × month-end table every metric aggregates (set-based DuckDB SQL).

How it is computed — exact, without per-account Python and without sorting the ledger. Amounts are
carried as integer cents (BIGINT) inside the build and cast back to DECIMAL(18,2) on output. Before
anything is built, an account whose balance, qualifying credits, past dues or past-due amount would
not fit DECIMAL(18,2) at a month end stops the build, naming the account, the month and its files
(assets/marts/packed_sums.py, `check_sums`); below that every sum the build forms fits BIGINT. Month
index i runs over the reporting months (0 = the first); me_i is its month end.

1. Two GROUP BY account_key passes over the stored entries of staging.ledger (staging.ledger_entries;
   account_key: the warehouse's integer number for each account, which every entry is stored with),
   pivoted by month index (an entry posted before the first reporting month counts in month 0, one
   posted after the last never counts):
   `_am_mov` c_i = payments − payment_reversals posted in month i (qualifying credits) and
               o_i = the other balance movements posted in month i (+ disbursement, purchase,
               interest, fee; − credit_adjustment, waiver, charge_off), plus the first charge-off
               month. c_i and o_i are packed into one exact HUGEINT sum c·2^64 + o per month.
   `_am_due` the dues that become *visible and past due* at me_i (posted_on <= me_i and
               due_on < me_i, i.e. the month end of max(posted_on, due_on + 1)): their sum p_i,
               count n_i and, when n_i = 1, their due date lo_i, packed into one exact HUGEINT
               sum p·2^64 + n·2^40 + Σ days since 0001-01-01 per month.
   (Packed so that each pivot has one aggregate per month: assets/marts/packed_sums.py holds the
   packing and its bounds, which hold whenever the stored figures fit.)
   A payment moves the balance by −c and a reversal by +c, so balance_i = Σo − Σc.
2. `wide()` — one row per account: running sums cc_i (credits), pc_i (past dues), bal_i, the
   row range [s, e] (opening month .. first terminal month, else the last month) and the FIFO
   oldest unpaid due od_i. With x_i = max(cc_i + τ, 0), some posted past due has D_k − C > τ iff
   pc_i > x_i. When every month group holds at most one due and the groups' due dates increase
   (the account is "in order", the normal case), the visible past dues at me_i in (due_on, entry_id)
   order are the groups in month order, so the oldest unpaid due is the one of the first group j
   with pc_j > x_i, and j = #{j : pc_j <= x_i}.
3. `_am_flag` / `_am_exact` — accounts not in order (a late-posted due, two dues past due in the
   same month, equal due dates) get od_i exactly for their delinquent month ends: their visible
   past dues are ordered by (due_on, entry_id) and cumulated, and the first with D_k > x_i is taken.
4. Each account's month ends s..e are unnested into rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb

from assets.domain import BUCKET_NAMES, DEFAULT_DPD_TOLERANCE, DPD_BUCKETS, OPEN_BUCKETS, STATUSES, parse_tolerance
from assets.partitions import refuse_changes_outside, write_months
from assets.raw.contract import CONTRACT
from assets.sql import sql_date, sql_list
from assets.staging.ledger import ENTRIES

from . import packed_sums as ps
from .common import MONEY, MONEY_LIMIT_CENTS

TEMP_TABLES = ("_am_mov", "_am_due", "_am_flag", "_am_exact", "_am_xod", "_am_new")
# status, bucket and product_type are stored as DuckDB ENUMs of these values, in this order (one byte
# per row instead of a string). They compare with text like text ("bucket = 'current'"; a value not in
# the list simply matches no row) and sort in the order listed: buckets by age.
PRODUCT_TYPES = next(c.values for c in CONTRACT["accounts"] if c.name == "product_type")
STATUS_TYPE, BUCKET_TYPE, PRODUCT_TYPE = (f"ENUM{sql_list(v)}" for v in (STATUSES, BUCKET_NAMES, PRODUCT_TYPES))


def _months(con: duckdb.DuckDBPyConnection) -> list[date]:
    months = [r[0] for r in con.execute(
        "SELECT DISTINCT month_end FROM staging.reporting_months ORDER BY 1").fetchall()]
    if months:
        expected = [r[0] for r in con.execute(
            "SELECT last_day(d)::DATE FROM range(?::DATE, ?::DATE + 1, INTERVAL 1 MONTH) t(d)",
            [months[0].replace(day=1), months[-1]]).fetchall()]
        if set(months) - set(expected):
            raise ValueError(f"staging.reporting_months holds dates that are not month ends: "
                             f"{sorted(set(months) - set(expected))}")
        missing = sorted(set(expected) - set(months))
        if missing:
            raise ValueError(f"staging.reporting_months has a gap: month ending {missing[0]} is missing")
    return months


def _cols(fmt: str, n: int, sep: str = ", ") -> str:
    return sep.join(fmt.format(i=i) for i in range(n))


def _others(i: int) -> str:
    return ps.others(f"m{i}")


def _credits(i: int) -> str:
    return ps.credits(f"m{i}")


def _due_count(i: int) -> str:
    return ps.due_count(f"k{i}")


def _due_date(i: int) -> str:
    return f"CASE WHEN {_due_count(i)} = 1 THEN {ps.due_day(f'k{i}')} END"


def build_account_month(con: duckdb.DuckDBPyConnection, tolerance: Decimal | str = DEFAULT_DPD_TOLERANCE,
                        months: tuple[date, date] | None = None, reach: tuple[int, int] = (0, 0)) -> int:
    """marts.account_month — one row per account per reporting month end, from the month it opens
    (or the first reporting month) through the first month end at which it is terminal.

    Reads staging.accounts, staging.ledger (its stored entries) and staging.reporting_months. At a
    month end d an entry counts when posted_on <= d (metrics.md, "As-of date"):

    * balance = Σ(disbursement, purchase, interest, fee, payment_reversal)
      − Σ(payment, credit_adjustment, waiver, charge_off); due and recovery do not move it.
    * qualifying_credits C(d) = Σ payment − Σ payment_reversal (a reversal counts on its own date).
    * dpd (FIFO): the posted dues ordered by (due_on, entry_id), D_k cumulative; the oldest unpaid
      due is the first k with D_k − C(d) > τ (τ = dpd_tolerance). dpd = d − due_on_k when
      due_on_k < d, else 0: a due falling on d is not yet past due, and a due posted after its due
      month (late-posted) does not count before its posting month end.
    * past_due_amount = Σ posted dues with due_on < d − C(d) when dpd > 0, else 0.00.
    * status: charged_off when a charge_off is posted <= d; else closed when closed_on <= d and
      balance = 0.00; else open. Terminal rows carry dpd NULL and past_due_amount 0.00; no rows after
      the first.
    * bucket: current, dpd_1_29, dpd_30_59, dpd_60_89, dpd_90_119, dpd_120_149, dpd_150_179,
      dpd_180_plus for open rows; charged_off / closed for terminal rows.

    Extra columns: qualifying_credits (C(d)), past_dues_to_date (Σ posted dues with due_on < d) and
    oldest_unpaid_due_on (the due that sets dpd), so each row's dpd and past_due_amount can be checked
    by hand; `currency` (the account's ISO 4217 code, from staging.accounts like the portfolio): every
    aggregate of the marts is kept per currency, amounts in different currencies are never added;
    the other account attributes (limits, region) stay in staging.accounts. And account_key
    (the warehouse's integer number for the account, staging.account_keys), by which the marts and
    checks that pair an account's months find its rows.

    A run over a range of reporting months computes every month (the pivot over the months is one
    statement) and replaces the rows of its months only. Before it does, it compares every other
    month with the rows the warehouse holds: when a month outside the range changed while figures
    of months the run keeps read it (roll rates read m−1, cure rates up to m+6), the build stops
    naming the months, so a run can never leave figures that disagree with this table.
    """
    # τ in cents. Every shortfall pc − cc stays below 2·10^18 cents (check_sums), so a τ above that
    # acts like any other; the cap keeps cc + τ in BIGINT.
    tau = min(int(parse_tolerance(tolerance) * 100), 3 * MONEY_LIMIT_CENTS)
    span = months  # the months to rebuild (below, `months` is every reporting month)
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    months = _months(con)
    n = len(months)
    if n == 0:
        con.execute(_EMPTY)
        return 0
    first, last = sql_date(months[0].replace(day=1)), sql_date(months[-1])
    me = [sql_date(m) for m in months]
    j = f"greatest(datediff('month', {first}, posted_on), 0)"
    v = f"greatest(datediff('month', {first}, greatest(posted_on, due_on + 1)), 0)"
    bounds = (ENTRIES, last, j, v, first)  # what the bounds' tests read
    cents = ps.check_sums(con, *bounds)  # refuses a book whose figures would not fit; the SQL of an entry's cents

    # Payments/reversals (c) and the other balance movements (o) share one pivot: each month's
    # aggregate is the exact HUGEINT sum of c·2^64 + o, split again by _credits() / _others().
    other = f"CASE WHEN entry_type IN {sql_list(ps.OTHER_DEBITS)} THEN {cents} ELSE -{cents} END"
    mov_sql = f"""CREATE OR REPLACE TEMP TABLE _am_mov AS
        SELECT account_key, min(j) FILTER (WHERE entry_type = 'charge_off') AS co_first,
               {_cols("sum(CASE WHEN j = {i} THEN m END) AS m{i}", n)}
        FROM (SELECT account_key, entry_type, {j} AS j,
                     CASE entry_type WHEN 'payment' THEN {ps.pack_credit(cents)}
                                     WHEN 'payment_reversal' THEN {ps.pack_credit("-" + cents)}
                                     ELSE {ps.pack_other(other)} END AS m
              FROM {ENTRIES}
              WHERE entry_type IN {sql_list(("payment", "payment_reversal") + ps.OTHER_DEBITS + ps.OTHER_CREDITS)}
                AND posted_on <= {last})
        GROUP BY account_key"""
    due_sql = f"""CREATE OR REPLACE TEMP TABLE _am_due AS
        SELECT account_key, count(*) AS dues, {_cols("sum(CASE WHEN v = {i} THEN k END) AS k{i}", n)}
        FROM (SELECT account_key, {v} AS v, {ps.pack_due(cents)} AS k
              FROM {ENTRIES} WHERE entry_type = 'due' AND posted_on <= {last})
        GROUP BY account_key"""
    # Not in order: a month group with more than one due, or one whose due date is not after every
    # earlier group's (greatest() skips the NULLs of empty groups).
    out_of_order = " OR ".join(
        [f"coalesce({_due_count(i)} > 1, false)" for i in range(n)]
        + [f"coalesce(lo{i} <= greatest({_cols('lo{i}', i)}), false)" for i in range(1, n)])
    flag_sql = f"""CREATE OR REPLACE TEMP TABLE _am_flag AS
        SELECT account_key FROM (SELECT *, {", ".join(f"{_due_date(i)} AS lo{i}" for i in range(n))}
                                FROM _am_due)
        WHERE {out_of_order}"""

    def wide(where: str = "true", exact: bool = False) -> str:
        """One row per account: running sums per month, row range [s, e] and od (fast path, or the
        exact od lists of _am_xod when `exact`)."""
        sql = f"""SELECT a.account_id, a.account_key, a.portfolio, a.currency, a.product_type, a.closed_on, mv.co_first,
                         {"x.xod" if exact else "NULL"} AS xod,
                         greatest(datediff('month', {first}, a.opened_on), 0) AS s,
                         {", ".join(f"coalesce({_credits(i)}, 0) AS c{i}" for i in range(n))},
                         {", ".join(f"coalesce({_others(i)}, 0) AS o{i}" for i in range(n))},
                         {", ".join(f"coalesce({ps.due_cents(f'k{i}')}, 0) AS p{i}" for i in range(n))},
                         [{", ".join(ps.due_day(f"k{i}") for i in range(n))}] AS los
                  FROM staging.accounts a
                  LEFT JOIN _am_mov mv USING (account_key)
                  LEFT JOIN _am_due USING (account_key)
                  {"LEFT JOIN _am_xod x USING (account_key)" if exact else ""}
                  WHERE {where}"""
        for i in range(n):  # running sums, one layer per month so that each is computed once
            prev = (f"cc{i - 1} + ", f"oc{i - 1} + ", f"pc{i - 1} + ") if i else ("", "", "")
            sql = (f"SELECT *, {prev[0]}c{i} AS cc{i}, {prev[1]}o{i} AS oc{i}, {prev[2]}p{i} AS pc{i} "
                   f"FROM ({sql})")
        sql = (f"SELECT *, {_cols('oc{i} - cc{i} AS bal{i}', n)}, "
               f"{_cols(f'greatest(cc{{i}} + {tau}, 0) AS x{{i}}', n)} FROM ({sql})")

        def oldest(i: int) -> str:  # due date of the first month group j <= i with pc_j > x_i
            idx = " + ".join(["1"] + [f"(pc{k} <= x{i})::INT" for k in range(i)])
            return f"CASE WHEN pc{i} > x{i} THEN los[{idx}] END"

        closed_first = ", ".join(
            f"CASE WHEN s <= {i} AND closed_on <= {me[i]} AND bal{i} = 0 THEN {i} END" for i in range(n))
        return f"""SELECT account_id, account_key, portfolio, currency, product_type, closed_on, co_first, s,
                          least(CASE WHEN co_first IS NOT NULL THEN greatest(co_first, s) END,
                                {closed_first}, {n - 1}) AS e,
                          [{_cols("bal{i}", n)}] AS bal, [{_cols("cc{i}", n)}] AS cc,
                          [{_cols("pc{i}", n)}] AS pc, [{_cols("x{i}", n)}] AS x,
                          coalesce(xod, [{", ".join(oldest(i) for i in range(n))}]) AS od
                   FROM ({sql})"""

    exact_sql = f"""CREATE OR REPLACE TEMP TABLE _am_exact AS
        WITH q AS (SELECT account_key, unnest(range({n})) AS i, unnest(x) AS x, unnest(pc) AS pc
                   FROM ({wide("a.account_key IN (SELECT account_key FROM _am_flag)")})),
        d AS (SELECT account_key, entry_id, due_on, {cents} AS cents, {v} AS v
              FROM {ENTRIES} SEMI JOIN _am_flag USING (account_key)
              WHERE entry_type = 'due' AND posted_on <= {last})
        SELECT account_key, i, min(due_on) FILTER (WHERE cum > x) AS od
        FROM (SELECT q.account_key, q.i, q.x, d.due_on,
                     sum(d.cents) OVER (PARTITION BY q.account_key, q.i ORDER BY d.due_on, d.entry_id
                                        ROWS UNBOUNDED PRECEDING) AS cum
              FROM q JOIN d ON d.account_key = q.account_key AND d.v <= q.i
              WHERE q.pc > q.x)
        GROUP BY account_key, i"""
    xod_sql = f"""CREATE OR REPLACE TEMP TABLE _am_xod AS
        SELECT account_key, [{_cols("max(od) FILTER (WHERE i = {i})", n)}] AS xod
        FROM _am_exact GROUP BY account_key"""

    def rows(exact: bool) -> str:
        """The account's month ends s..e as rows."""
        return f"""SELECT account_id, account_key, portfolio, currency, product_type, closed_on, co_first,
                         unnest(range(s, e + 1)) AS i,
                         unnest([{", ".join(me)}][s + 1:e + 1]) AS month_end,
                         unnest(bal[s + 1:e + 1]) AS bal, unnest(cc[s + 1:e + 1]) AS cc,
                         unnest(pc[s + 1:e + 1]) AS pc, unnest(od[s + 1:e + 1]) AS od
                  FROM ({wide(exact=exact)}) WHERE s <= e"""

    def money(expr: str) -> str:
        return f"CAST(({expr}) * 0.01 AS {MONEY})"

    def final_sql(source: str) -> str:
        bucket = " ".join(f"WHEN dpd < {hi} THEN '{name}'" for _, hi, name in DPD_BUCKETS if hi is not None)
        target = "TABLE marts.account_month" if span is None else "TEMP TABLE _am_new"
        return f"""CREATE OR REPLACE {target} AS
        SELECT account_id, month_end, portfolio, currency, CAST(product_type AS {PRODUCT_TYPE}) AS product_type,
               CAST(status AS {STATUS_TYPE}) AS status, {money("bal")} AS balance,
               {money("CASE WHEN dpd > 0 THEN pc - cc ELSE 0 END")} AS past_due_amount, dpd,
               CAST(CASE WHEN status <> 'open' THEN status {bucket} ELSE '{OPEN_BUCKETS[-1]}' END AS {BUCKET_TYPE}) AS bucket,
               {money("cc")} AS qualifying_credits, {money("pc")} AS past_dues_to_date,
               CASE WHEN dpd > 0 THEN od END AS oldest_unpaid_due_on, account_key
        FROM (SELECT *, CAST(CASE WHEN status = 'open' THEN coalesce(month_end - od, 0) END AS INTEGER) AS dpd
              FROM (SELECT *, CASE WHEN co_first <= i THEN 'charged_off'
                                   WHEN closed_on <= month_end AND bal = 0 THEN 'closed'
                                   ELSE 'open' END AS status
                    FROM ({source})))"""

    try:
        con.execute(mov_sql)
        con.execute(due_sql)
        ps.refuse_many_dues(con, "_am_due", cents, *bounds)
        con.execute(flag_sql)
        exact = con.execute("SELECT count(*) FROM _am_flag").fetchall()[0][0] > 0
        if exact:
            con.execute(exact_sql)
            con.execute(xod_sql)
        con.execute(final_sql(rows(exact)))
        if span is not None:
            refuse_changes_outside(con, "marts.account_month", "_am_new", span, reach)
            write_months(con, "marts.account_month", "SELECT * FROM _am_new", span, None)
    finally:
        for name in TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return con.execute("SELECT count(*) FROM marts.account_month").fetchall()[0][0]


_EMPTY = f"""CREATE OR REPLACE TABLE marts.account_month (
    account_id VARCHAR, month_end DATE, portfolio VARCHAR, currency VARCHAR, product_type {PRODUCT_TYPE}, status {STATUS_TYPE},
    balance {MONEY}, past_due_amount {MONEY}, dpd INTEGER, bucket {BUCKET_TYPE},
    qualifying_credits {MONEY}, past_dues_to_date {MONEY},
    oldest_unpaid_due_on DATE, account_key INTEGER)"""
