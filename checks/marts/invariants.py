"""Mart invariants: the laws of the account-month table and of the metrics built on it."""

from assets.domain import SEGMENTS, bucket_of_dpd_sql, signed_amount_sql
from assets.marts.converted import CONVERTED, COUNT, MONEY_RULE
from assets.staging.duplicate_keys import duplicate_keys_sql
from checks.marts.vintage_curves import INVARIANTS as VINTAGE_CURVES_INVARIANTS
from checks.marts.quarterly_rates import INVARIANTS as QUARTERLY_RATES_INVARIANTS
from checks.sql import Invariant

from .loss_forecast import INVARIANTS as LOSS_FORECAST_INVARIANTS

BUCKET_OF_DPD = bucket_of_dpd_sql()


def _balance_reconciliation_sql(con) -> str:
    """The per-account ledger sums are computed first, into TEMP `_booked`, with DuckDB's perfect hash
    aggregate on the integer account_key: an array indexed by the key, one sum per account, instead of
    a hash table, which makes the one pass over every ledger entry cheaper; its memory grows with the
    range of the keys, not with the entries. The setting is put back at once, so no wider aggregate
    elsewhere sizes such an array."""
    con.execute("SET perfect_ht_threshold = 24")
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _booked AS
            SELECT account_key, sum({signed_amount_sql()}) AS ledger_balance FROM staging.ledger_entries
            WHERE posted_on <= (SELECT max(month_end) FROM staging.reporting_months) GROUP BY 1""")
    finally:
        con.execute("RESET perfect_ht_threshold")
    return """WITH last AS (SELECT account_id, max(month_end) AS month_end, arg_max(balance, month_end) AS balance
                            FROM marts.account_month GROUP BY 1),
               booked AS (SELECT a.account_id, b.ledger_balance FROM staging.accounts a JOIN _booked b USING (account_key))
               SELECT a.account_id, a.month_end, a.balance, coalesce(b.ledger_balance, 0) AS ledger_balance
               FROM last a LEFT JOIN booked b USING (account_id)
               WHERE a.balance <> coalesce(b.ledger_balance, 0)"""


def _sums_to_base(mart: str, keys: tuple[str, ...], exact: dict[str, str], near: dict[str, tuple[str, float]]) -> str:
    """The offending rows of marts.<mart>_by_segment: for every segment, the sums over its values of each
    `exact` figure (an expression over a row: a count, an amount, or a rate's numerator rounded to a count)
    differ from the figure of marts.<mart>'s row of the same month, portfolio, currency and `keys`; or
    the sum of a `near` figure (expression, per-row rounding) differs by more than that rounding for each
    row summed and the base row's. A row of either side with no counterpart counts as zeros, so a segment
    missing from a month, or a segment row without a base row, is found."""
    k = "".join(f", {c}" for c in keys)
    figures = {**exact, **{n: e for n, (e, _) in near.items()}}
    base = ", ".join(f"{e} AS {n}" for n, e in figures.items())
    summed = ", ".join(f"sum({e}) AS {n}" for n, e in figures.items())
    differs = " OR ".join([f"coalesce(b.{n}, 0) <> coalesce(s.{n}, 0)" for n in exact]
                          + [f"abs(coalesce(b.{n}, 0) - coalesce(s.{n}, 0)) > {tol} * (coalesce(s.n, 0) + 1)"
                             for n, (_, tol) in near.items()])
    shown = ", ".join(f"b.{n} AS base_{n}, s.{n} AS segments_{n}" for n in figures)
    segments = ", ".join(f"'{s}'" for s in SEGMENTS)
    return f"""WITH b AS (SELECT month_end, portfolio, currency, segment{k}, {base}
                         FROM marts.{mart}, (SELECT unnest([{segments}]) AS segment)),
                s AS (SELECT month_end, portfolio, currency, segment{k}, {summed}, count(*) AS n
                      FROM marts.{mart}_by_segment GROUP BY ALL)
               SELECT month_end, portfolio, currency, segment{k}, {shown}
               FROM b FULL JOIN s USING (month_end, portfolio, currency, segment{k}) WHERE {differs}"""


def _segment_sums(mart: str, keys: tuple[str, ...], exact: dict[str, str], near=None) -> Invariant:
    figures = ", ".join([*exact, *(near or {})])
    return Invariant(
        f"marts.{mart}_by_segment", "segments_sum_to_portfolio",
        f"For every segment, the rows of its values add up to the marts.{mart} row of the same month_end, "
        f"portfolio, currency{''.join(f', {c}' for c in keys)} ({figures}; a rate by its numerator"
        f"{', average_balance within half a cent per row rounded' if near else ''}).",
        _sums_to_base(mart, keys, exact, near or {}))


_DQ = {f"dq{n}_accounts": f"round(dq{n}_account_rate * open_accounts)" for n in (30, 60, 90)}
_DQ_BALANCE = {f"dq{n}_balance": (f"coalesce(dq{n}_balance_rate, 0) * CAST(open_balance AS DOUBLE)", 0.000001)
               for n in (30, 60, 90)}
SEGMENT_INVARIANTS = [
    Invariant("intermediate.account_segments", "every_account_month_has_its_segments",
              "Every row of marts.account_month has its segment values (the by-segment marts join them: a row "
              "without them would be left out of every segment).",
              """SELECT am.account_id, am.month_end FROM marts.account_month am
                 ANTI JOIN intermediate.account_segments s USING (account_key, month_end)"""),
    _segment_sums("aging", ("bucket",), {c: c for c in ("accounts", "balance", "past_due_amount")}),
    _segment_sums("delinquency_rates", (), {"open_accounts": "open_accounts", "open_balance": "open_balance", **_DQ},
                  _DQ_BALANCE),
    _segment_sums("roll_rates", ("from_bucket", "to_bucket"), {"accounts": "accounts", "balance": "balance"}),
    _segment_sums("cure_rates", ("from_bucket",),
                  {"accounts": "accounts", "balance": "balance", "cured_accounts": "cured_accounts",
                   "cured_within_3m": "round(coalesce(cured_within_3m_rate, 0) * accounts)",
                   "redefaulted_6m": "round(coalesce(redefault_6m_rate, 0) * cured_accounts)"}),
    _segment_sums("charge_offs", (), {c: c for c in ("gross_charge_off", "recoveries", "net_charge_off")},
                  {"average_balance": ("average_balance", 0.005)}),
]


INVARIANTS = [
    Invariant("marts.account_month", "one_row_per_account_month", "Exactly one row per account × month_end.",
              lambda con: duplicate_keys_sql(con, "marts.account_month", "account_id", "month_end")),
    Invariant("marts.account_month", "bucket_matches_dpd_and_status",
              "Bucket follows status (charged_off, closed) and, for open rows, the dpd ranges of metrics.md; "
              "terminal rows carry dpd NULL and past_due_amount 0; open rows past due 0 exactly when dpd = 0.",
              f"""SELECT account_id, month_end, status, dpd, bucket, past_due_amount FROM marts.account_month
                 WHERE (status = 'open' AND (dpd IS NULL OR bucket <> {BUCKET_OF_DPD}
                        OR (dpd = 0) <> (past_due_amount = 0)))
                    OR (status <> 'open' AND (bucket <> status OR dpd IS NOT NULL OR past_due_amount <> 0))"""),
    Invariant("marts.account_month", "dpd_grows_at_most_by_elapsed_days",
              "From one month end to the next, dpd grows by at most the days between them — unless the "
              "account had, posted in between, a payment_reversal (which re-ages on its own posted date) or a "
              "late-posted due (due_on on or before the earlier month end), the two ways metrics.md lets an "
              "account age faster than the calendar.",
              """WITH growth AS (
                   SELECT account_id, account_key, month_end, dpd, lag(month_end) OVER w AS prev_month_end,
                          lag(dpd) OVER w AS prev_dpd
                   FROM marts.account_month WINDOW w AS (PARTITION BY account_key ORDER BY month_end)),
                 faster AS (  -- aged faster than the calendar; then: is there an entry that explains it?
                   SELECT * FROM growth
                   WHERE prev_dpd IS NOT NULL AND dpd IS NOT NULL AND dpd - prev_dpd > month_end - prev_month_end)
                 SELECT g.account_id, g.month_end, g.prev_month_end, g.prev_dpd, g.dpd FROM faster g
                 WHERE NOT EXISTS (
                       SELECT 1 FROM staging.ledger_entries l
                       WHERE l.account_key = g.account_key AND l.posted_on > g.prev_month_end AND l.posted_on <= g.month_end
                         AND (l.entry_type = 'payment_reversal' OR (l.entry_type = 'due' AND l.due_on <= g.prev_month_end)))"""),
    Invariant("marts.account_month", "no_rows_after_terminal",
              "An account has no row after the month end at which it is charged off or closed (at most one "
              "terminal row, and it is the account's last), and its months are contiguous (as many rows as "
              "month ends from its first to its last); the offending accounts are listed.",
              """SELECT account_id, first_month_end, last_month_end, rows, terminal_rows, terminal_month_end FROM (
                   SELECT account_id, min(month_end) AS first_month_end, max(month_end) AS last_month_end,
                          count(*) AS rows, count(*) FILTER (WHERE status <> 'open') AS terminal_rows,
                          max(month_end) FILTER (WHERE status <> 'open') AS terminal_month_end
                   FROM marts.account_month GROUP BY account_id)
                 WHERE rows <> datediff('month', first_month_end, last_month_end) + 1
                    OR terminal_rows > 1 OR terminal_month_end <> last_month_end"""),
    Invariant("marts.account_month", "balance_reconciles_to_ledger",
              "Each account's balance at its last row equals the signed sum of all its loaded ledger entries "
              "(after an account's last, terminal row only recoveries may be posted, and they do not move the "
              "balance).",
              lambda con: _balance_reconciliation_sql(con)),
    Invariant("marts.account_month", "charge_off_policy",
              "FFIEC policy: open revolving accounts at 180+ DPD and open installment accounts at 120+ DPD at a "
              "month end are policy exceptions (warning: reported and counted, not blocking).",
              """SELECT account_id, month_end, product_type, dpd FROM marts.account_month
                 WHERE status = 'open' AND ((product_type = 'revolving' AND dpd >= 180)
                    OR (product_type = 'installment' AND dpd >= 120))""",
              warn=True),
    Invariant("marts.roll_rates", "from_rows_sum_to_one",
              "Each (month, portfolio, currency, from_bucket) row of the transition matrix sums to 1 (accounts; and balance where defined).",
              """SELECT month_end, portfolio, currency, from_bucket, sum(account_rate) AS account_sum, sum(balance_rate) AS balance_sum
                 FROM marts.roll_rates GROUP BY ALL
                 HAVING abs(sum(account_rate) - 1) > 1e-9
                     OR (count(balance_rate) > 0 AND abs(sum(balance_rate) - 1) > 1e-9)"""),
    Invariant("marts.roll_rates", "counts_match_account_month",
              "The matrix counts every account open at m-1 exactly once (per portfolio and currency).",
              """WITH r AS (SELECT (date_trunc('month', month_end) - INTERVAL 1 DAY)::DATE AS prev, portfolio, currency,
                                   sum(accounts) AS n FROM marts.roll_rates WHERE portfolio <> 'all' GROUP BY ALL),
                 a AS (SELECT month_end AS prev, portfolio, currency, count(*) AS n FROM marts.account_month
                       WHERE status = 'open' AND month_end < (SELECT max(month_end) FROM staging.reporting_months)
                       GROUP BY ALL)
                 SELECT prev AS from_month_end, portfolio, currency, a.n AS open_accounts, r.n AS in_matrix
                 FROM a FULL JOIN r USING (prev, portfolio, currency) WHERE a.n IS DISTINCT FROM r.n"""),
    Invariant("marts.roll_forward", "difference_is_zero",
              "opening + debits - credits - charge_offs - closing = 0.00 exactly, per portfolio, currency and month.",
              "SELECT month_end, portfolio, currency, difference FROM marts.roll_forward WHERE difference IS NOT NULL AND difference <> 0"),
    Invariant("marts.aging", "reconciles_to_account_month",
              "Aging totals per month and currency equal the account-month table's accounts and balances.",
              """SELECT coalesce(a.month_end, m.month_end) AS month_end, coalesce(a.currency, m.currency) AS currency,
                        a.accounts, m.accounts AS am_accounts, a.balance, m.balance AS am_balance
                 FROM (SELECT month_end, currency, sum(accounts) accounts, sum(balance) balance FROM marts.aging WHERE portfolio = 'all' GROUP BY 1, 2) a
                 FULL JOIN (SELECT month_end, currency, count(*) accounts, sum(balance) balance FROM marts.account_month GROUP BY 1, 2) m
                      USING (month_end, currency)
                 WHERE a.accounts IS DISTINCT FROM m.accounts OR a.balance IS DISTINCT FROM m.balance"""),
    Invariant("marts.complaint_metrics", "totals_reconcile_with_staging",
              "Every complaint received in a reporting month is counted once in the monthly 'all' × 'all' total.",
              """WITH s AS (SELECT last_day(received_on) AS month_end, count(*) AS n FROM staging.complaints
                            WHERE last_day(received_on) IN (SELECT month_end FROM staging.reporting_months) GROUP BY 1),
                 m AS (SELECT month_end, complaints AS n FROM marts.complaint_metrics WHERE portfolio = 'all' AND issue_group = 'all')
                 SELECT coalesce(s.month_end, m.month_end) AS month_end, s.n AS in_staging, m.n AS in_mart
                 FROM s FULL JOIN m USING (month_end) WHERE s.n IS DISTINCT FROM m.n"""),
] + SEGMENT_INVARIANTS + VINTAGE_CURVES_INVARIANTS + QUARTERLY_RATES_INVARIANTS + LOSS_FORECAST_INVARIANTS


# ---- the converted marts (assets/marts/converted.py) --------------------------------------------------------

def _all_is_the_sum_of_its_currencies(table) -> Invariant:
    """The converted 'all' row of each month and key equals its currencies' native 'all' rows converted and
    summed: counts summed, money Σ native × the month's rate rounded to the cent once (the reporting
    currency at 1), recomputed here from the native mart and staging.fx_rates."""
    keys = ("month_end", *table.keys)
    counts = [c for c, r in table.columns.items() if r.kind == COUNT]
    money = [c for c, r in table.columns.items() if r.kind == MONEY_RULE]
    on = " AND ".join(f"n.{k} = c.{k}" for k in keys)
    sums = ", ".join([f"sum(n.{c}) AS {c}" for c in counts]
                     + [f"round(sum(n.{c} * coalesce(f.rate, 1)), 2) AS {c}" for c in money])
    differs = " OR ".join(f"c.{col} IS DISTINCT FROM s.{col}" for col in counts + money)
    return Invariant(
        table.name, "all_is_the_sum_of_its_currencies",
        "Each 'all' row equals the native 'all' rows of its converted_from currencies, converted at the month's "
        "rate (the reporting currency at 1) and summed: counts summed, money rounded to the cent once.",
        f"""WITH c AS (SELECT * FROM {table.name} WHERE portfolio = 'all'),
            s AS (SELECT {', '.join(f'c.{k}' for k in keys)}, {sums}
                  FROM c JOIN {table.native} n ON {on} AND n.portfolio = 'all'
                       AND list_contains(string_split(c.converted_from, ', '), n.currency)
                  LEFT JOIN staging.fx_rates f ON f.month_end = n.month_end AND f.currency = n.currency
                       AND n.currency <> c.currency
                  GROUP BY ALL)
            SELECT c.month_end, {', '.join(f'c.{k}' for k in table.keys) + ', ' if table.keys else ''}
                   c.converted_from, {', '.join(f'c.{col}, s.{col} AS recomputed_{col}' for col in counts + money)}
            FROM c LEFT JOIN s USING ({', '.join(keys)})
            WHERE {differs}""")


INVARIANTS += [_all_is_the_sum_of_its_currencies(t) for t in CONVERTED.values()]
INVARIANTS.append(Invariant(
    "marts.roll_forward_converted", "foots",
    "In every converted row opening + debits - credits - charge_offs - closing = difference, and difference = "
    "0.00 (the converted native difference, which is 0.00 exactly when the native roll-forward reconciles).",
    """SELECT month_end, portfolio, opening_balance, debits, credits, charge_offs, closing_balance, difference
       FROM marts.roll_forward_converted
       WHERE difference IS NOT NULL
         AND (difference <> 0 OR opening_balance + debits - credits - charge_offs - closing_balance <> difference)"""))
