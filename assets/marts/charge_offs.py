"""marts.charge_offs: gross and net charge-offs and the annualised net charge-off rate."""

from datetime import date

import duckdb

from .common import IN_MONTH, TO_DATE, create_money_table, keys_of, row_order
from .flows import frame_sql, segment_frame_sql


def build_charge_offs(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.charge_offs — one row per reporting month_end × portfolio × currency (and 'all' per
    currency: amounts in different currencies are never added).

    gross_charge_off = Σ charge_off entries posted in the month; recoveries = Σ recovery entries posted
    in the month (by posted_on month, whenever the account was charged off); net_charge_off = gross −
    recoveries; average_balance = mean of the open balances (Σ balance of open account-month rows) at
    m−1 and m, rounded to the cent half away from zero; nco_rate_annualized = net × 12 / average_balance
    (may be negative when recoveries exceed charge-offs). In the first reporting month (m−1 not observed)
    average_balance and the rate are NULL; the rate is NULL too when the average balance is 0.
    Reads marts.account_month (balances) and intermediate.ledger_flows (the month's charge-off and recovery
    entries, with each account's portfolio from staging.accounts). A figure that does not fit the money
    type stops the build (create_money_table).
    A run over a range of reporting months rebuilds only those months' rows."""
    return _charge_offs(con, "marts.charge_offs", frame_sql(months), months, segmented=False)


def build_charge_offs_by_segment(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.charge_offs_by_segment — marts.charge_offs per segment: one row per month_end × portfolio ×
    currency × segment × segment_value holding an account at m−1 or m or a charge-off or recovery in m.

    The same figures, each account's part taken by its segment value as of the month end it belongs to:
    charge-off and recovery entries posted in m and the open balance at m by the segment at m, the open
    balance at m−1 by the segment at m−1 (a recovery on an account charged off earlier: by its segment at
    the recovery's month end). For each segment, gross_charge_off, recoveries and net_charge_off add up over
    its values to the marts.charge_offs row; average_balance is rounded per row, so its values add up to
    the portfolio's within half a cent per row (docs/spec/metrics.md, "Segments").
    A run over a range of reporting months rebuilds only those months' rows."""
    return _charge_offs(con, "marts.charge_offs_by_segment", segment_frame_sql(months), months, segmented=True)


def _charge_offs(con: duckdb.DuckDBPyConnection, table: str, frame: str, months, segmented: bool) -> int:
    keys = keys_of(segmented)
    segment = "".join(f"{k}, " for k in keys)
    return create_money_table(con, table, f"""
        {frame},
        avg AS (
            SELECT *, CAST((open_balance_prev + open_balance) * 100 AS HUGEINT) AS twice_cents FROM frame),
        half AS (SELECT *, sign(twice_cents) * ((abs(twice_cents) + 1) // 2) AS average_cents FROM avg)
        SELECT month_end, portfolio, currency, {segment}charge_offs AS gross_charge_off, recoveries,
               charge_offs - recoveries AS net_charge_off,
               CAST(average_cents AS DECIMAL(38,0)) * 0.01 AS average_balance,
               CAST(charge_offs - recoveries AS DOUBLE) * 12 / nullif(CAST(average_cents AS DOUBLE) / 100, 0)
                   AS nco_rate_annualized
        FROM half""",
        {"gross_charge_off": IN_MONTH, "recoveries": IN_MONTH, "net_charge_off": IN_MONTH,
         "average_balance": TO_DATE}, keys=keys, order=row_order(keys), months=months)
