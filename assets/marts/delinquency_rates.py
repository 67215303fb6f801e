"""marts.delinquency_rates: the share of the open book 30, 60 and 90+ days past due."""

from datetime import date

import duckdb

from .common import (TO_DATE, account_rows, create_money_table, grouped, in_months, keys_of, portfolio_columns,
                     row_order)


def build_delinquency_rates(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.delinquency_rates — one row per month_end × portfolio × currency (and 'all' per currency).

    Over the accounts open at the month end: open_accounts, open_balance; dqN_account_rate = open
    accounts with dpd ≥ N / open accounts; dqN_balance_rate = the full balance (not the past-due
    amount) of open accounts with dpd ≥ N / open balance (NULL when the open balance is 0), for
    N = 30, 60, 90. Reads only marts.account_month. An open balance that does not fit the money type
    stops the build (create_money_table).
    A run over a range of reporting months rebuilds only those months' rows."""
    return _delinquency_rates(con, "marts.delinquency_rates", months, segmented=False)


def build_delinquency_rates_by_segment(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.delinquency_rates_by_segment — marts.delinquency_rates per segment: one row per month_end ×
    portfolio × currency × segment × segment_value, the same figures over the open accounts whose segment
    value (intermediate.account_segments, as of the month end) it is. For each segment, open_accounts and
    open_balance (and each rate's numerator, rate × denominator) add up over its values to the
    marts.delinquency_rates row (docs/spec/metrics.md, "Segments").
    A run over a range of reporting months rebuilds only those months' rows."""
    return _delinquency_rates(con, "marts.delinquency_rates_by_segment", months, segmented=True)


def _delinquency_rates(con: duckdb.DuckDBPyConnection, table: str, months, segmented: bool) -> int:
    rates = ",\n".join(
        f"count(*) FILTER (WHERE dpd >= {n}) / count(*) AS dq{n}_account_rate, "
        f"CAST(coalesce(sum(balance) FILTER (WHERE dpd >= {n}), 0) AS DOUBLE) "
        f"/ nullif(CAST(sum(balance) AS DOUBLE), 0) AS dq{n}_balance_rate"
        for n in (30, 60, 90))
    keys = keys_of(segmented)
    return create_money_table(con, table, f"""
        SELECT month_end, {portfolio_columns(segmented)}, count(*) AS open_accounts, sum(balance) AS open_balance,
               {rates}
        FROM {account_rows(segmented)} WHERE status = 'open' AND {in_months(months)}
        {grouped("month_end", segmented)}""", {"open_balance": TO_DATE}, keys=keys,
        order=row_order(keys), months=months)
