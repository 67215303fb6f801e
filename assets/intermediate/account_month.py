"""marts.account_month: the account × month-end table every metric aggregates (set-based DuckDB SQL).

How it is computed — exact, no per-account Python, no sort of the ledger. Amounts are carried as
integer cents (BIGINT) inside the build and cast back to DECIMAL(18,2) on output. Month index i
runs over the reporting months (0 = first); me_i is its month end.

1. Three GROUP BY account_id passes over staging.ledger, pivoted by month index (an entry posted
   before the first reporting month counts in month 0; after the last, never):
   ``_am_pay``  c_i  = payments − payment_reversals posted in month i (qualifying credits);
   ``_am_oth``  o_i  = other balance movements posted in month i (+ disbursement, purchase, interest,
                fee; − credit_adjustment, waiver, charge_off) and the first charge-off month;
   ``_am_due``  p_i  = dues that become *visible and past due* at me_i (posted_on <= me_i and
                due_on < me_i, first such month end), lo_i = their due date, nv = their count.
   A payment moves the balance by −c, a reversal by +c, so balance_i = Σo − Σc.
2. ``_am_w`` — one row per account: cumulative sums (cc_i credits, pc_i past dues, bal_i balance),
   the rows' range [s, e] (opening month .. first terminal month) and the FIFO oldest unpaid due
   od_i. Let x_i = max(cc_i + τ, 0). Some posted past due has D_k − C > τ iff pc_i > x_i. When each
   month's group of newly past-due dues holds one due and the groups come in due-date order (the
   account is "in order"), the visible past dues at me_i in (due_on, entry_id) order are those
   groups in month order, so the oldest unpaid due is the one of the first group j with pc_j > x_i,
   i.e. j = #{j : pc_j <= x_i}.
3. ``_am_exact`` — accounts not in order (a late-posted due, two dues past due in the same month,
   equal due dates) get od_i exactly for their delinquent month ends: their visible past dues are
   ordered by (due_on, entry_id) and cumulated, and the first with D_k > x_i is taken.
4. Each account's month ends s..e are unnested into rows.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import duckdb

POSITIVE = ("disbursement", "purchase", "interest", "fee")
NEGATIVE = ("credit_adjustment", "waiver", "charge_off")
TEMP_TABLES = ("_am_pay", "_am_oth", "_am_due", "_am_flag", "_am_exact")
BUCKETS = ((1, "current"), (30, "dpd_1_29"), (60, "dpd_30_59"), (90, "dpd_60_89"),
           (120, "dpd_90_119"), (150, "dpd_120_149"), (180, "dpd_150_179"))


def _tolerance(value: Decimal | str | float | int) -> Decimal:
    try:
        tau = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"dpd_tolerance must be a decimal amount, got {value!r}") from None
    if not tau.is_finite() or tau < 0:
        raise ValueError(f"dpd_tolerance must be a finite amount >= 0, got {value!r}")
    return tau.quantize(Decimal("0.01"))


def _months(con: duckdb.DuckDBPyConnection) -> list[date]:
    months = [r[0] for r in con.execute(
        "SELECT DISTINCT month_end FROM staging.reporting_months ORDER BY 1").fetchall()]
    if months:
        expected = [r[0] for r in con.execute(
            "SELECT last_day(d)::DATE FROM range(?::DATE, ?::DATE + 1, INTERVAL 1 MONTH) t(d)",
            [months[0].replace(day=1), months[-1]]).fetchall()]
        missing = sorted(set(expected) - set(months))
        if missing:
            raise ValueError(f"staging.reporting_months has a gap: month ending {missing[0]} is missing")
        if set(months) - set(expected):
            raise ValueError(f"staging.reporting_months holds non-month-end dates: {sorted(set(months) - set(expected))}")
    return months


def _cols(fmt: str, n: int, sep: str = ", ") -> str:
    return sep.join(fmt.format(i=i) for i in range(n))


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def build_account_month(con: duckdb.DuckDBPyConnection, tolerance: Decimal | str = "5.00") -> int:
    """Account × month end: one row per account per reporting month end, from the month it opens
    (or the first reporting month) through the first month end at which it is terminal.

    Reads staging.accounts, staging.ledger and staging.reporting_months. At a month end d an entry
    counts when posted_on <= d (metrics.md, "As-of date"):

    * balance = Σ(disbursement, purchase, interest, fee, payment_reversal)
      − Σ(payment, credit_adjustment, waiver, charge_off); due and recovery do not move it.
    * qualifying_credits C(d) = Σ payment − Σ payment_reversal (a reversal counts on its own date).
    * dpd (FIFO): the posted dues ordered by (due_on, entry_id), D_k cumulative; the oldest unpaid
      due is the first k with D_k − C(d) > τ (τ = dpd_tolerance). dpd = d − due_on_k when
      due_on_k < d, else 0: a due falling on d is not yet past due, and a due posted after its due
      month (late-posted) does not count before its posting month end.
    * past_due_amount = Σ posted dues with due_on < d − C(d) when dpd > 0, else 0.00.
    * status: charged_off (a charge_off posted <= d) > closed (closed_on <= d and balance = 0.00)
      > open. Terminal rows carry dpd NULL and past_due_amount 0.00; no rows after the first.
    * bucket: current, dpd_1_29, dpd_30_59, dpd_60_89, dpd_90_119, dpd_120_149, dpd_150_179,
      dpd_180_plus for open rows; charged_off / closed for terminal rows.

    Extra columns: currency, credit_limit, original_principal (from staging.accounts),
    qualifying_credits (C(d)), past_dues_to_date (Σ posted dues with due_on < d) and
    oldest_unpaid_due_on (the due that sets dpd), so each row's dpd and past_due_amount can be
    checked by hand. Returns the row count.
    """
    tau = int(_tolerance(tolerance) * 100)  # cents
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    months = _months(con)
    n = len(months)
    if n == 0:
        con.execute(_EMPTY)
        return 0
    first, last = f"DATE '{months[0].replace(day=1)}'", f"DATE '{months[-1]}'"
    me = [f"DATE '{m}'" for m in months]
    j = f"greatest(datediff('month', {first}, posted_on), 0)"
    v = f"greatest(datediff('month', {first}, greatest(posted_on, due_on + 1)), 0)"
    cents = "CAST(amount * 100 AS BIGINT)"

    def pivot(table: str, where: str, value: str, aggs: str, extra: str = "") -> str:
        return f"""CREATE OR REPLACE TEMP TABLE {table} AS
            SELECT account_id, {extra} {aggs}
            FROM (SELECT account_id, entry_type, due_on, {j} AS j, {value} AS cents
                  FROM staging.ledger WHERE {where} AND posted_on <= {last})
            GROUP BY account_id"""

    pay_sql = pivot("_am_pay", "entry_type IN ('payment', 'payment_reversal')",
                    f"CASE entry_type WHEN 'payment' THEN {cents} ELSE -{cents} END",
                    _cols("CAST(sum(cents) FILTER (WHERE j = {i}) AS BIGINT) AS c{i}", n))
    oth_sql = pivot("_am_oth", f"entry_type IN ({_in(POSITIVE + NEGATIVE)})",
                    f"CASE WHEN entry_type IN ({_in(POSITIVE)}) THEN {cents} ELSE -{cents} END",
                    _cols("CAST(sum(cents) FILTER (WHERE j = {i}) AS BIGINT) AS o{i}", n),
                    "min(j) FILTER (WHERE entry_type = 'charge_off') AS co_first,")
    due_sql = f"""CREATE OR REPLACE TEMP TABLE _am_due AS
        SELECT account_id, count(*) FILTER (WHERE v < {n}) AS nv,
               {_cols("CAST(sum(cents) FILTER (WHERE v = {i}) AS BIGINT) AS p{i}, "
                      "min(due_on) FILTER (WHERE v = {i}) AS lo{i}", n)}
        FROM (SELECT account_id, due_on, {v} AS v, {cents} AS cents
              FROM staging.ledger WHERE entry_type = 'due' AND posted_on <= {last})
        GROUP BY account_id"""

    # Not in order: a month group with more than one due, or a group whose due date is not after
    # every earlier group's (greatest() skips NULL = empty groups).
    out_of_order = " OR ".join(
        [f"nv <> {' + '.join(f'(lo{i} IS NOT NULL)::INT' for i in range(n))}"]
        + [f"coalesce(lo{i} <= greatest({_cols('lo{i}', i)}), false)" for i in range(1, n)])
    flag_sql = f"CREATE OR REPLACE TEMP TABLE _am_flag AS SELECT account_id FROM _am_due WHERE {out_of_order}"

    def wide(where: str = "true") -> str:
        """One row per account: cumulative cents per month, row range [s, e], fast-path od."""
        sql = f"""SELECT a.account_id, a.portfolio, a.product_type, a.closed_on, a.currency,
                         a.credit_limit, a.original_principal, o.co_first,
                         greatest(datediff('month', {first}, a.opened_on), 0) AS s,
                         {_cols("coalesce(c{i}, 0) AS c{i}", n)}, {_cols("coalesce(o{i}, 0) AS o{i}", n)},
                         {_cols("coalesce(p{i}, 0) AS p{i}", n)}, [{_cols("lo{i}", n)}] AS los
                  FROM staging.accounts a
                  LEFT JOIN _am_pay USING (account_id)
                  LEFT JOIN _am_oth o USING (account_id)
                  LEFT JOIN _am_due USING (account_id)
                  WHERE {where}"""
        for i in range(n):  # running sums, one layer per month so each is computed once
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
        return f"""SELECT account_id, portfolio, product_type, closed_on, currency, credit_limit,
                          original_principal, co_first, s,
                          least(CASE WHEN co_first IS NOT NULL THEN greatest(co_first, s) END,
                                {closed_first}, {n - 1}) AS e,
                          [{_cols("bal{i}", n)}] AS bal, [{_cols("cc{i}", n)}] AS cc,
                          [{_cols("pc{i}", n)}] AS pc, [{_cols("x{i}", n)}] AS x,
                          [{", ".join(oldest(i) for i in range(n))}] AS od
                   FROM ({sql})"""

    exact_sql = f"""CREATE OR REPLACE TEMP TABLE _am_exact AS
        WITH q AS (SELECT account_id, unnest(range({n})) AS i, unnest(x) AS x, unnest(pc) AS pc
                   FROM ({wide("account_id IN (SELECT account_id FROM _am_flag)")})),
        d AS (SELECT account_id, entry_id, due_on, {cents} AS cents, {v} AS v
              FROM staging.ledger SEMI JOIN _am_flag USING (account_id)
              WHERE entry_type = 'due' AND posted_on <= {last})
        SELECT account_id, i, min(due_on) FILTER (WHERE cum > x) AS od
        FROM (SELECT q.account_id, q.i, q.x, d.due_on,
                     sum(d.cents) OVER (PARTITION BY q.account_id, q.i ORDER BY d.due_on, d.entry_id
                                        ROWS UNBOUNDED PRECEDING) AS cum
              FROM q JOIN d ON d.account_id = q.account_id AND d.v <= q.i
              WHERE q.pc > q.x)
        GROUP BY account_id, i"""

    def money(expr: str) -> str:
        return f"CAST(({expr}) * 0.01 AS DECIMAL(18,2))"

    bucket = " ".join(f"WHEN dpd < {hi} THEN '{name}'" for hi, name in BUCKETS)
    final_sql = f"""CREATE OR REPLACE TABLE marts.account_month AS
        SELECT account_id, month_end, portfolio, product_type, status, {money("bal")} AS balance,
               {money("CASE WHEN dpd > 0 THEN pc - cc ELSE 0 END")} AS past_due_amount, dpd,
               CASE WHEN status <> 'open' THEN status {bucket} ELSE 'dpd_180_plus' END AS bucket,
               currency, credit_limit, original_principal, {money("cc")} AS qualifying_credits, {money("pc")} AS past_dues_to_date,
               CASE WHEN dpd > 0 THEN od END AS oldest_unpaid_due_on
        FROM (SELECT *, CAST(CASE WHEN status = 'open' THEN coalesce(month_end - od, 0) END AS INTEGER) AS dpd
              FROM (SELECT u.* EXCLUDE (od), coalesce(x.od, u.od) AS od,
                           CASE WHEN u.co_first <= u.i THEN 'charged_off'
                                WHEN u.closed_on <= u.month_end AND u.bal = 0 THEN 'closed'
                                ELSE 'open' END AS status
                    FROM (SELECT account_id, portfolio, product_type, currency, credit_limit,
                                 original_principal, closed_on, co_first,
                                 unnest(range(s, e + 1)) AS i,
                                 unnest([{", ".join(me)}][s + 1:e + 1]) AS month_end,
                                 unnest(bal[s + 1:e + 1]) AS bal, unnest(cc[s + 1:e + 1]) AS cc,
                                 unnest(pc[s + 1:e + 1]) AS pc, unnest(od[s + 1:e + 1]) AS od
                          FROM ({wide()}) WHERE s <= e) u
                    LEFT JOIN _am_exact x ON x.account_id = u.account_id AND x.i = u.i))"""

    try:
        for sql in (pay_sql, oth_sql, due_sql):
            con.execute(sql)
        con.execute(flag_sql)
        if con.execute("SELECT count(*) FROM _am_flag").fetchall()[0][0]:
            con.execute(exact_sql)
        else:
            con.execute("CREATE OR REPLACE TEMP TABLE _am_exact AS SELECT NULL::VARCHAR AS account_id, "
                        "NULL::BIGINT AS i, NULL::DATE AS od WHERE false")
        con.execute(final_sql)
    finally:
        for name in TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {name}")
    return con.execute("SELECT count(*) FROM marts.account_month").fetchall()[0][0]


_EMPTY = """CREATE OR REPLACE TABLE marts.account_month (
    account_id VARCHAR, month_end DATE, portfolio VARCHAR, product_type VARCHAR, status VARCHAR,
    balance DECIMAL(18,2), past_due_amount DECIMAL(18,2), dpd INTEGER, bucket VARCHAR,
    currency VARCHAR, credit_limit DECIMAL(18,2), original_principal DECIMAL(18,2),
    qualifying_credits DECIMAL(18,2), past_dues_to_date DECIMAL(18,2), oldest_unpaid_due_on DATE)"""
