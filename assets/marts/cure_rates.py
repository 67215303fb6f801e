"""marts.cure_rates: how many delinquent accounts come back to current, and whether they stay there."""

import duckdb

from .common import PORTFOLIO, by_portfolio, next_month_end


def build_cure_rates(con: duckdb.DuckDBPyConnection) -> int:
    """marts.cure_rates — one row per month_end × portfolio × from_bucket (month_end = the later month m).

    The accounts open and delinquent (dpd ≥ 1) at m−1, by their bucket then: accounts, balance (at m−1);
    cured_accounts = those open with dpd 0 at m (charge-offs, closures and payoffs are not cures);
    cure_rate = cured / accounts; balance_cure_rate = balance at m−1 of the cured / balance (NULL when 0).
    cured_within_3m_rate = share at dpd 0 at any of m, m+1, m+2 (NULL until m+2 is a reporting month);
    redefault_6m_rate = of the accounts cured at m, the share at dpd ≥ 30 at any month end m+1 … m+6
    (NULL until m+6 is a reporting month, and when none cured). Reads only marts.account_month and the
    list of reporting months."""
    con.execute(f"""CREATE OR REPLACE TABLE marts.cure_rates AS
        WITH base AS (
            SELECT p.account_id, p.portfolio, n.month_end, p.bucket AS from_bucket, p.balance,
                   n.status = 'open' AND n.dpd = 0 AS cured
            FROM marts.account_month p
            JOIN marts.account_month n ON n.account_id = p.account_id AND n.month_end = {next_month_end("p.month_end")}
            WHERE p.status = 'open' AND p.dpd >= 1),
        later AS (
            SELECT b.account_id, b.month_end,
                   coalesce(bool_or(f.status = 'open' AND f.dpd = 0
                                    AND f.month_end <= {next_month_end("b.month_end", 2)}), false) AS cured_3m,
                   coalesce(bool_or(f.dpd >= 30 AND f.month_end > b.month_end), false) AS redefault_6m
            FROM base b
            JOIN marts.account_month f ON f.account_id = b.account_id
                 AND f.month_end BETWEEN b.month_end AND {next_month_end("b.month_end", 6)}
            GROUP BY b.account_id, b.month_end),
        last AS (SELECT max(month_end) AS last_month FROM staging.reporting_months)
        SELECT month_end, {PORTFOLIO}, from_bucket, count(*) AS accounts,
               CAST(sum(balance) AS DECIMAL(18,2)) AS balance,
               count(*) FILTER (WHERE cured) AS cured_accounts,
               count(*) FILTER (WHERE cured) / count(*) AS cure_rate,
               CAST(coalesce(sum(balance) FILTER (WHERE cured), 0) AS DOUBLE) / nullif(CAST(sum(balance) AS DOUBLE), 0)
                   AS balance_cure_rate,
               CASE WHEN {next_month_end("month_end", 2)} <= any_value(last_month)
                    THEN count(*) FILTER (WHERE cured_3m) / count(*) END AS cured_within_3m_rate,
               CASE WHEN {next_month_end("month_end", 6)} <= any_value(last_month)
                    THEN count(*) FILTER (WHERE cured AND redefault_6m) / nullif(count(*) FILTER (WHERE cured), 0)
                    END AS redefault_6m_rate
        FROM base JOIN later USING (account_id, month_end), last
        {by_portfolio("month_end, from_bucket")}
        ORDER BY month_end, portfolio, from_bucket""")
    return con.execute("SELECT count(*) FROM marts.cure_rates").fetchall()[0][0]
