"""Ledger flows posted in each reporting month (intermediate.ledger_flows) and open/all balances per
month, per portfolio and 'all', each per currency: the common frame of marts.charge_offs and
marts.roll_forward."""

from assets.partitions import in_months

from .common import MONEY, SEGMENT_TABLE, SEGMENTS, grouped, next_month_end, portfolio_columns, prev_month_end


def frame_sql(months=None) -> str:
    """The frame of the months `months` (first, last month end; None: every reporting month)."""
    return f"""
    WITH months AS (SELECT month_end, row_number() OVER (ORDER BY month_end) = 1 AS first_month
                    FROM staging.reporting_months),
    portfolios AS (SELECT DISTINCT portfolio, currency FROM marts.account_month
                   UNION ALL SELECT DISTINCT 'all', currency FROM marts.account_month),
    flows AS (SELECT * FROM intermediate.ledger_flows),
    balances AS (
        SELECT month_end, coalesce(portfolio, 'all') AS portfolio, currency,
               sum(balance) FILTER (WHERE status = 'open') AS open_balance, sum(balance) AS all_balance
        FROM marts.account_month WHERE {in_months(months, before=1)}
        GROUP BY GROUPING SETS ((month_end, portfolio, currency), (month_end, currency))),
    frame AS (
        SELECT m.month_end, m.first_month, p.portfolio, p.currency,
               coalesce(f.debits, 0) AS debits, coalesce(f.credits, 0) AS credits,
               coalesce(f.charge_offs, 0) AS charge_offs, coalesce(f.recoveries, 0) AS recoveries,
               CASE WHEN NOT m.first_month THEN coalesce(prev.open_balance, 0) END AS open_balance_prev,
               coalesce(cur.open_balance, 0) AS open_balance, coalesce(cur.all_balance, 0) AS all_balance
        FROM months m CROSS JOIN portfolios p
        LEFT JOIN flows f ON f.month_end = m.month_end AND f.portfolio = p.portfolio AND f.currency = p.currency
        LEFT JOIN balances cur ON cur.month_end = m.month_end AND cur.portfolio = p.portfolio AND cur.currency = p.currency
        LEFT JOIN balances prev ON prev.month_end = {prev_month_end("m.month_end")} AND prev.portfolio = p.portfolio
                                AND prev.currency = p.currency
        WHERE {in_months(months, 'm.month_end')})
"""


def segment_frame_sql(months=None) -> str:
    """The frame of marts.charge_offs_by_segment for the months `months` (first, last month end; None: every
    reporting month): the CTE `frame` with month_end, first_month, portfolio, currency, segment,
    segment_value, charge_offs, recoveries, open_balance_prev and open_balance, one row per month ×
    portfolio (and 'all') × currency × segment value holding an account-month at m−1 or m or a charge-off
    or recovery entry posted in m.

    Each account's contributions carry its segment values as of the month end they belong to: its open
    balance at m−1 by its segment at m−1, its open balance at m and the charge-off and recovery entries
    posted in m by its segment at m (intermediate.account_segments also holds the months in which an
    account charged off before had a recovery). So for every segment the values' figures add up to the
    portfolio's."""
    values = ", ".join(f"seg.{s} AS by_{s}" for s in SEGMENTS)
    zero = f"0::{MONEY}"
    return f"""
    WITH months AS (SELECT month_end, row_number() OVER (ORDER BY month_end) = 1 AS first_month
                    FROM staging.reporting_months),
    parts AS (
        SELECT am.month_end, am.portfolio, am.currency, {values}, {zero} AS charge_offs, {zero} AS recoveries,
               {zero} AS open_balance_prev, CASE WHEN am.status = 'open' THEN am.balance ELSE {zero} END AS open_balance
        FROM marts.account_month am JOIN {SEGMENT_TABLE} seg USING (account_key, month_end)
        WHERE {in_months(months, 'am.month_end')}
        UNION ALL
        SELECT {next_month_end("am.month_end")}, am.portfolio, am.currency, {values}, {zero}, {zero},
               CASE WHEN am.status = 'open' THEN am.balance ELSE {zero} END, {zero}
        FROM marts.account_month am JOIN {SEGMENT_TABLE} seg USING (account_key, month_end)
        WHERE {in_months(months, next_month_end("am.month_end"))}
        UNION ALL
        SELECT seg.month_end, a.portfolio, a.currency, {values},
               CASE WHEN l.entry_type = 'charge_off' THEN l.amount ELSE {zero} END,
               CASE WHEN l.entry_type = 'recovery' THEN l.amount ELSE {zero} END, {zero}, {zero}
        FROM staging.ledger_entries l JOIN staging.accounts a USING (account_key)
        JOIN {SEGMENT_TABLE} seg ON seg.account_key = l.account_key AND seg.month_end = last_day(l.posted_on)
        WHERE l.entry_type IN ('charge_off', 'recovery') AND {in_months(months, 'last_day(l.posted_on)')}),
    sums AS (
        SELECT month_end, {portfolio_columns(True)}, sum(charge_offs) AS charge_offs, sum(recoveries) AS recoveries,
               sum(open_balance_prev) AS open_balance_prev, sum(open_balance) AS open_balance
        FROM parts {grouped("month_end", True)}),
    frame AS (
        SELECT s.month_end, m.first_month, s.portfolio, s.currency, s.segment, s.segment_value,
               s.charge_offs, s.recoveries,
               CASE WHEN NOT m.first_month THEN s.open_balance_prev END AS open_balance_prev, s.open_balance
        FROM sums s JOIN months m USING (month_end))
"""
