"""Ledger flows posted in each reporting month (intermediate.ledger_flows) and open/all balances per
month, per portfolio and 'all', each per currency: the common frame of marts.charge_offs and
marts.roll_forward."""

from assets.partitions import in_months

from .common import prev_month_end


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
