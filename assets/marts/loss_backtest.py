"""marts.loss_backtest: the roll-rate projections of earlier months set against the charge-offs that came."""

from __future__ import annotations

from datetime import date

import duckdb

from .common import IN_MONTH, create_money_table, in_months, row_order
from .loss_projection import MONTHS_AHEAD

KEYS = ("window_months", "weighting", "months_ahead")


def build_loss_backtest(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.loss_backtest — one row per month_end × portfolio × currency × window_months × weighting ×
    months_ahead: for the observed month m, what the projection made months_ahead months earlier said
    m's charge-offs would be, beside what they were.

    forecast_month_end = m − months_ahead months; projected_charge_off = marts.loss_projection.charge_off
    of (forecast_month_end, months_ahead); actual_charge_off = marts.charge_offs.gross_charge_off of m
    (0.00 when the book had no row); error = projected − actual; error_rate = error / actual (NULL when
    actual is 0). A row exists once m is a reporting month, so nothing matures. Even a perfect matrix
    does not give error 0: the projection moves the balance at the forecast month, while the charge-off
    entry also carries the interest and fees accrued since, less payments made before the write-off,
    partial write-offs and accounts that reached charge-off on another path (docs/spec/metrics.md).
    Reads marts.loss_projection of m−12 … m−1 and marts.charge_offs of m.
    A run over a range of reporting months rebuilds only those months' rows."""
    return create_money_table(con, "marts.loss_backtest", f"""
        WITH p AS (
            SELECT projected_month_end AS month_end, portfolio, currency, window_months, weighting, months_ahead,
                   month_end AS forecast_month_end, charge_off AS projected_charge_off
            FROM marts.loss_projection
            WHERE months_ahead <= {MONTHS_AHEAD} AND {in_months(months, 'projected_month_end')}
              AND projected_month_end IN (SELECT month_end FROM staging.reporting_months))
        SELECT p.month_end, p.portfolio, p.currency, p.window_months, p.weighting, p.months_ahead,
               p.forecast_month_end, p.projected_charge_off,
               coalesce(c.gross_charge_off, 0) AS actual_charge_off,
               p.projected_charge_off - coalesce(c.gross_charge_off, 0) AS error,
               CAST(p.projected_charge_off - c.gross_charge_off AS DOUBLE) / nullif(CAST(c.gross_charge_off AS DOUBLE), 0)
                   AS error_rate
        FROM p LEFT JOIN marts.charge_offs c USING (month_end, portfolio, currency)""",
        {"projected_charge_off": IN_MONTH, "actual_charge_off": IN_MONTH, "error": IN_MONTH}, keys=KEYS,
        order=row_order(KEYS), months=months)
