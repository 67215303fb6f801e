"""marts.delinquency_rates: the share of the open book 30, 60 and 90+ days past due."""

from datetime import date

import duckdb

from .common import PORTFOLIO, TO_DATE, by_portfolio, create_money_table, in_months


def build_delinquency_rates(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.delinquency_rates — one row per month_end × portfolio × currency (and 'all' per currency).

    Over the accounts open at the month end: open_accounts, open_balance; dqN_account_rate = open
    accounts with dpd ≥ N / open accounts; dqN_balance_rate = the full balance (not the past-due
    amount) of open accounts with dpd ≥ N / open balance (NULL when the open balance is 0), for
    N = 30, 60, 90. Reads only marts.account_month. An open balance that does not fit the money type
    stops the build (create_money_table).
    A run over a range of reporting months rebuilds only those months' rows."""
    rates = ",\n".join(
        f"count(*) FILTER (WHERE dpd >= {n}) / count(*) AS dq{n}_account_rate, "
        f"CAST(coalesce(sum(balance) FILTER (WHERE dpd >= {n}), 0) AS DOUBLE) "
        f"/ nullif(CAST(sum(balance) AS DOUBLE), 0) AS dq{n}_balance_rate"
        for n in (30, 60, 90))
    return create_money_table(con, "marts.delinquency_rates", f"""
        SELECT month_end, {PORTFOLIO}, count(*) AS open_accounts, sum(balance) AS open_balance,
               {rates}
        FROM marts.account_month WHERE status = 'open' AND {in_months(months)}
        {by_portfolio("month_end")}""", {"open_balance": TO_DATE}, months=months)
