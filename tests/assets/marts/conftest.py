"""Fixtures of the mart tests: `make`, a warehouse holding a hand-built marts.account_month and its ledger."""

from __future__ import annotations

import pytest

from assets.staging.ledger import create_ledger_tables
from assets.warehouse import connect


@pytest.fixture
def make(staging):
    """make(rows, months, ledger=()): a warehouse holding marts.account_month `rows`, the reporting `months`, the
    accounts of the rows (keyed 1..N in account_id order) and the `ledger` entries (account, posted, type, amount)."""
    def make(rows, months, ledger=()):
        con = connect(":memory:")
        con.execute("""CREATE TABLE marts.account_month (account_id VARCHAR, month_end DATE, portfolio VARCHAR,
            currency VARCHAR, product_type VARCHAR, status VARCHAR, balance DECIMAL(18,2), past_due_amount DECIMAL(18,2), dpd INTEGER,
            bucket VARCHAR)""")
        con.executemany("INSERT INTO marts.account_month VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("CREATE TABLE staging.reporting_months (month_end DATE)")
        con.executemany("INSERT INTO staging.reporting_months VALUES (?)", [(m,) for m in months])
        con.execute("""CREATE TABLE staging.accounts AS SELECT DISTINCT account_id, portfolio, currency, NULL::INTEGER AS account_key
                       FROM marts.account_month""")
        staging.assign_account_keys(con)
        con.execute("ALTER TABLE marts.account_month ADD COLUMN account_key INTEGER")
        con.execute("""UPDATE marts.account_month m SET account_key = a.account_key FROM staging.accounts a
                       WHERE a.account_id = m.account_id""")
        create_ledger_tables(con)
        staging.add_entries(con, [staging.entry(a, p, t, x, entry_id=f"E{i}") for i, (a, p, t, x) in enumerate(ledger)])
        return con

    return make
