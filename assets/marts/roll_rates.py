"""marts.roll_rates: the monthly transition matrix between delinquency buckets."""

from datetime import date

import duckdb

from .common import (TO_PREVIOUS, account_rows, create_money_table, grouped, in_months, keys_of, next_month_end,
                     portfolio_columns, row_order, segment_values)


def build_roll_rates(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.roll_rates — one row per month_end × portfolio × currency × from_bucket × to_bucket with at least one
    account; month_end is the later month m of the pair m−1 → m (so the first reporting month has none).

    For every account open at m−1 (its bucket then is from_bucket) the bucket it is in at m
    (to_bucket: any of the eight DPD ranges, charged_off or closed). accounts = N(from→to);
    balance = Σ balance at m−1 of those accounts; account_rate = N(from→to) / N(from);
    balance_rate = balance / Σ balance at m−1 of all accounts in from_bucket (NULL when that is 0).
    Each from row sums to 1. The flow rate k → k+1 of the delinquent chain is the balance_rate of
    that one cell. Reads only marts.account_month. A balance that does not fit the money type stops
    the build (create_money_table).
    A run over a range of reporting months rebuilds only those months' rows."""
    return _roll_rates(con, "marts.roll_rates", months, segmented=False)


def build_roll_rates_by_segment(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.roll_rates_by_segment — marts.roll_rates per segment: one row per month_end × portfolio ×
    currency × segment × segment_value × from_bucket × to_bucket, the same figures over the accounts whose
    segment value at the from-month m−1 (intermediate.account_segments; the cohort is the book at m−1) it
    is; account_rate and balance_rate are shares of that segment value's from_bucket. For each segment,
    accounts and balance add up over its values to the marts.roll_rates row (docs/spec/metrics.md,
    "Segments"). A run over a range of reporting months rebuilds only those months' rows."""
    return _roll_rates(con, "marts.roll_rates_by_segment", months, segmented=True)


def _roll_rates(con: duckdb.DuckDBPyConnection, table: str, months, segmented: bool) -> int:
    # An account's two months are paired on its integer account_key rather than its account_id text:
    # the self-join runs over every account-month row, and comparing integers is cheaper than strings.
    keys = keys_of(segmented, "from_bucket", "to_bucket")
    segment = "".join(f"{k}, " for k in keys_of(segmented))
    return create_money_table(con, table, f"""
        WITH pairs AS (
            SELECT p.portfolio, p.currency, n.month_end, p.bucket AS from_bucket, n.bucket AS to_bucket, p.balance
                   {segment_values(segmented, "p")}
            FROM {account_rows(segmented)} p
            JOIN marts.account_month n ON n.account_key = p.account_key AND n.month_end = {next_month_end("p.month_end")}
            WHERE p.status = 'open' AND {in_months(months, 'n.month_end')}
              AND {in_months(months, 'p.month_end', before=1)}),
        cells AS (
            SELECT month_end, {portfolio_columns(segmented)}, CAST(from_bucket AS VARCHAR) AS from_bucket,
                   CAST(to_bucket AS VARCHAR) AS to_bucket, count(*) AS accounts,
                   sum(balance) AS balance
            FROM pairs {grouped("month_end, from_bucket, to_bucket", segmented)})
        SELECT month_end, portfolio, currency, {segment}from_bucket, to_bucket, accounts, balance,
               accounts / sum(accounts) OVER w AS account_rate,
               CAST(balance AS DOUBLE) / nullif(CAST(sum(balance) OVER w AS DOUBLE), 0) AS balance_rate
        FROM cells
        WINDOW w AS (PARTITION BY month_end, portfolio, currency, {segment}from_bucket)""",
        {"balance": TO_PREVIOUS}, keys=keys, order=row_order(keys), months=months)
