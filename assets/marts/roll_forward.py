"""marts.roll_forward: the balance roll-forward that reconciles the book to the ledger, to the cent."""

from datetime import date

import duckdb

from .common import IN_MONTH, TO_DATE, TO_PREVIOUS, create_money_table
from .flows import frame_sql


def build_roll_forward(con: duckdb.DuckDBPyConnection, months: tuple[date, date] | None = None) -> int:
    """marts.roll_forward — one row per reporting month_end × portfolio × currency (and 'all' per
    currency: a roll-forward never adds amounts in different currencies).

    opening_balance = Σ balance of the open rows at m−1 (terminal rows have left the book);
    debits = disbursement + purchase + interest + fee + payment_reversal, credits = payment +
    credit_adjustment + waiver, charge_offs = charge_off, all posted in m; closing_balance = Σ balance of
    all rows at m; difference = opening + debits − credits − charge_offs − closing, which must be exactly
    0.00 (checked). In the first reporting month opening_balance and difference are NULL.
    Reads marts.account_month (balances) and intermediate.ledger_flows (the month's entries, with each account's
    portfolio from staging.accounts). A figure that does not fit the money type stops the build
    (create_money_table).
    A run over a range of reporting months rebuilds only those months' rows."""
    return create_money_table(con, "marts.roll_forward", f"""
        {frame_sql(months)}
        SELECT month_end, portfolio, currency, open_balance_prev AS opening_balance, debits, credits, charge_offs,
               all_balance AS closing_balance,
               open_balance_prev + debits - credits - charge_offs - all_balance AS difference
        FROM frame""",
        {"opening_balance": TO_PREVIOUS, "debits": IN_MONTH, "credits": IN_MONTH, "charge_offs": IN_MONTH,
         "closing_balance": TO_DATE, "difference": TO_DATE}, months=months)
