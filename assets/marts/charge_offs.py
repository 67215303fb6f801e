"""marts.charge_offs: gross and net charge-offs and the annualised net charge-off rate."""

import duckdb

from .flows import FRAME_SQL


def build_charge_offs(con: duckdb.DuckDBPyConnection) -> int:
    """marts.charge_offs — one row per reporting month_end × portfolio (and 'all').

    gross_charge_off = Σ charge_off entries posted in the month; recoveries = Σ recovery entries posted
    in the month (by posted_on month, whenever the account was charged off); net_charge_off = gross −
    recoveries; average_balance = mean of the open balances (Σ balance of open account-month rows) at
    m−1 and m, rounded to the cent half away from zero; nco_rate_annualized = net × 12 / average_balance
    (may be negative when recoveries exceed charge-offs). In the first reporting month (m−1 not observed)
    average_balance and the rate are NULL; the rate is NULL too when the average balance is 0.
    Reads marts.account_month (balances) and intermediate.ledger_flows (the month's charge-off and recovery
    entries, with each account's portfolio from staging.accounts)."""
    con.execute(f"""CREATE OR REPLACE TABLE marts.charge_offs AS
        {FRAME_SQL},
        avg AS (
            SELECT *, CAST((open_balance_prev + open_balance) * 100 AS BIGINT) AS twice_cents FROM frame)
        SELECT month_end, portfolio,
               CAST(charge_offs AS DECIMAL(18,2)) AS gross_charge_off,
               CAST(recoveries AS DECIMAL(18,2)) AS recoveries,
               CAST(charge_offs - recoveries AS DECIMAL(18,2)) AS net_charge_off,
               CAST(CAST(sign(twice_cents) * ((abs(twice_cents) + 1) // 2) AS DECIMAL(20,0)) * 0.01 AS DECIMAL(18,2))
                   AS average_balance,
               CAST(charge_offs - recoveries AS DOUBLE) * 12
                   / nullif(CAST(sign(twice_cents) * ((abs(twice_cents) + 1) // 2) AS DOUBLE) / 100, 0)
                   AS nco_rate_annualized
        FROM avg ORDER BY month_end, portfolio""")
    return con.execute("SELECT count(*) FROM marts.charge_offs").fetchall()[0][0]
