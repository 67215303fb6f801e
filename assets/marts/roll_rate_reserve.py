"""marts.roll_rate_reserve: the roll-rate loss reserve of each book, from its buckets' lifetime loss rates."""

from __future__ import annotations

from datetime import date

import duckdb

from .common import TO_DATE, create_money_table, in_months, row_order

KEYS = ("window_months", "weighting")


def build_roll_rate_reserve(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.roll_rate_reserve — one row per month_end × portfolio × currency × window_months × weighting:
    the allowance the roll-rate method gives the book's open balance at m.

    open_balance = Σ balance of the open buckets at m; expected_charge_off = Σ balance ×
    charge_off_probability over the buckets, rounded to the cent once; recovery_rate = the book's
    (marts.lifetime_loss_rates); reserve = Σ balance × charge_off_probability × (1 − recovery_rate),
    rounded once (so it equals the Σ of the buckets' expected_loss within their rounding); reserve_rate =
    reserve / open_balance (NULL when that is 0); horizon_limited_buckets = the buckets with a balance
    whose figure is the 60-month one (marts.lifetime_loss_rates, horizon_limited): their charge-offs after
    60 months are not in the reserve. Reads only marts.lifetime_loss_rates of m.
    A run over a range of reporting months rebuilds only those months' rows."""
    return create_money_table(con, "marts.roll_rate_reserve", f"""
        WITH book AS (
            SELECT month_end, portfolio, currency, window_months, weighting, sum(balance) AS open_balance,
                   round(fsum(CAST(balance AS DOUBLE) * charge_off_probability), 2) AS expected_charge_off,
                   max(recovery_rate) AS recovery_rate,
                   round(fsum(CAST(balance AS DOUBLE) * charge_off_probability * (1 - recovery_rate)), 2) AS reserve,
                   CAST(count(*) FILTER (WHERE horizon_limited AND balance > 0) AS INTEGER) AS horizon_limited_buckets
            FROM marts.lifetime_loss_rates WHERE {in_months(months)} GROUP BY ALL)
        SELECT month_end, portfolio, currency, window_months, weighting, open_balance, expected_charge_off,
               recovery_rate, reserve, reserve / nullif(CAST(open_balance AS DOUBLE), 0) AS reserve_rate,
               horizon_limited_buckets
        FROM book""",
        {"open_balance": TO_DATE, "expected_charge_off": TO_DATE, "reserve": TO_DATE}, keys=KEYS,
        order=row_order(KEYS), months=months)
