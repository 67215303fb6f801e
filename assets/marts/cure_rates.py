"""marts.cure_rates: how many delinquent accounts come back to current, and whether they stay there."""

from datetime import date

import duckdb

from .common import (TO_PREVIOUS, account_rows, create_money_table, grouped, in_months, keys_of, next_month_end,
                     portfolio_columns, row_order, segment_values)


def build_cure_rates(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.cure_rates — one row per month_end × portfolio × currency × from_bucket (month_end = the
    later month m; 'all' per currency).

    The accounts open and delinquent (dpd ≥ 1) at m−1, by their bucket then: accounts, balance (at m−1);
    cured_accounts = those open with dpd 0 at m (charge-offs, closures and payoffs are not cures);
    cure_rate = cured / accounts; balance_cure_rate = balance at m−1 of the cured / balance (NULL when 0).
    cured_within_3m_rate = share at dpd 0 at any of m, m+1, m+2 (NULL until m+2 is a reporting month);
    redefault_6m_rate = of the accounts cured at m, the share at dpd ≥ 30 at any month end m+1 … m+6
    (NULL until m+6 is a reporting month, and when none cured). Reads only marts.account_month and the
    list of reporting months. A balance that does not fit the money type stops the build
    (create_money_table). A run over a range of reporting months rebuilds only those months' rows,
    reading the account-months m−1 … m+6 of each; the rows of the six months before a new month
    change with it (their look-ahead figures), so a run that adds a month rebuilds them too."""
    return _cure_rates(con, "marts.cure_rates", months, segmented=False)


def build_cure_rates_by_segment(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.cure_rates_by_segment — marts.cure_rates per segment: one row per month_end × portfolio ×
    currency × segment × segment_value × from_bucket, the same figures over the delinquent accounts whose
    segment value at the from-month m−1 (intermediate.account_segments; the cohort is defined at m−1) it
    is. For each segment, accounts, balance and cured_accounts add up over its values to the
    marts.cure_rates row (docs/spec/metrics.md, "Segments"). A run over a range of reporting months
    rebuilds only those months' rows."""
    return _cure_rates(con, "marts.cure_rates_by_segment", months, segmented=True)


def _cure_rates(con: duckdb.DuckDBPyConnection, table: str, months, segmented: bool) -> int:
    # Rows of an account are consecutive month ends (opening .. terminal), so "the next k rows" are
    # the next k month ends: from a row at m−1, rows +1..+3 are m..m+2 and rows +2..+7 are m+1..m+6.
    # An account's rows are found by its integer account_key (one per account_id, by construction).
    # Segmented, each row carries its segment values at its own month end, so the base rows (at m−1)
    # carry the cohort's.
    keys = keys_of(segmented, "from_bucket")
    return create_money_table(con, table, f"""
        WITH feats AS (
            SELECT portfolio, currency, status, dpd, bucket AS from_bucket, balance{segment_values(segmented)},
                   lead(month_end) OVER w AS month_end,
                   coalesce(lead(status = 'open' AND dpd = 0) OVER w, false) AS cured,
                   coalesce(max(status = 'open' AND dpd = 0) OVER (w ROWS BETWEEN 1 FOLLOWING AND 3 FOLLOWING),
                            false) AS cured_3m,
                   coalesce(max(dpd >= 30) OVER (w ROWS BETWEEN 2 FOLLOWING AND 7 FOLLOWING), false) AS redefault_6m
            FROM {account_rows(segmented)}
            SEMI JOIN (SELECT DISTINCT account_key FROM marts.account_month WHERE status = 'open' AND dpd >= 1) d
                 USING (account_key)
            WHERE {in_months(months, before=1, after=6)}
            WINDOW w AS (PARTITION BY account_key ORDER BY month_end)),
        base AS (SELECT * FROM feats WHERE status = 'open' AND dpd >= 1 AND month_end IS NOT NULL),
        last AS (SELECT max(month_end) AS last_month FROM staging.reporting_months)
        SELECT month_end, {portfolio_columns(segmented)}, CAST(from_bucket AS VARCHAR) AS from_bucket, count(*) AS accounts,
               sum(balance) AS balance,
               count(*) FILTER (WHERE cured) AS cured_accounts,
               count(*) FILTER (WHERE cured) / count(*) AS cure_rate,
               CAST(coalesce(sum(balance) FILTER (WHERE cured), 0) AS DOUBLE) / nullif(CAST(sum(balance) AS DOUBLE), 0)
                   AS balance_cure_rate,
               CASE WHEN {next_month_end("month_end", 2)} <= any_value(last_month)
                    THEN count(*) FILTER (WHERE cured_3m) / count(*) END AS cured_within_3m_rate,
               CASE WHEN {next_month_end("month_end", 6)} <= any_value(last_month)
                    THEN count(*) FILTER (WHERE cured AND redefault_6m) / nullif(count(*) FILTER (WHERE cured), 0)
                    END AS redefault_6m_rate
        FROM base, last
        {grouped("month_end, from_bucket", segmented)}""",
        {"balance": TO_PREVIOUS}, keys=keys, order=row_order(keys),
        months=months)
