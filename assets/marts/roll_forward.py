"""marts.roll_forward: the balance roll-forward that reconciles the book to the ledger, to the cent."""

import duckdb

from .flows import FRAME_SQL


def build_roll_forward(con: duckdb.DuckDBPyConnection) -> int:
    """marts.roll_forward — one row per reporting month_end × portfolio (and 'all').

    opening_balance = Σ balance of the open rows at m−1 (terminal rows have left the book);
    debits = disbursement + purchase + interest + fee + payment_reversal, credits = payment +
    credit_adjustment + waiver, charge_offs = charge_off, all posted in m; closing_balance = Σ balance of
    all rows at m; difference = opening + debits − credits − charge_offs − closing, which must be exactly
    0.00 (checked). In the first reporting month opening_balance and difference are NULL.
    Reads marts.account_month (balances) and intermediate.ledger_flows (the month's entries, with each account's
    portfolio from staging.accounts)."""
    con.execute(f"""CREATE OR REPLACE TABLE marts.roll_forward AS
        {FRAME_SQL}
        SELECT month_end, portfolio,
               CAST(open_balance_prev AS DECIMAL(18,2)) AS opening_balance,
               CAST(debits AS DECIMAL(18,2)) AS debits, CAST(credits AS DECIMAL(18,2)) AS credits,
               CAST(charge_offs AS DECIMAL(18,2)) AS charge_offs,
               CAST(all_balance AS DECIMAL(18,2)) AS closing_balance,
               CAST(open_balance_prev + debits - credits - charge_offs - all_balance AS DECIMAL(18,2)) AS difference
        FROM frame ORDER BY month_end, portfolio""")
    return con.execute("SELECT count(*) FROM marts.roll_forward").fetchall()[0][0]
