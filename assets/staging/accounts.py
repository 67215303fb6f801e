"""staging.accounts: the account master, typed and checked, one row per account (its latest version)."""

from __future__ import annotations

import duckdb

from .common import add_rejects, save_rejects, survivors, type_rows

DUPLICATES_IN_FILE = """
    WITH d AS (SELECT source_file, account_id, min(line_number) AS first_line FROM _typed
               WHERE reason IS NULL GROUP BY ALL HAVING count(*) > 1)
    SELECT t.source_file, t.line_number,
           'duplicate account_id ''' || t.account_id || ''' in this file (first at line ' || d.first_line || ')'
    FROM _typed t JOIN d USING (source_file, account_id)
    WHERE t.reason IS NULL AND t.line_number > d.first_line"""

# The latest version: the row from the latest file month (a file holds an account at most once).
LATEST = """
    SELECT unnest(v) FROM (
        SELECT max_by(struct_pack(account_id, portfolio, product_type, opened_on, closed_on, currency,
                                  credit_limit, original_principal, region, hardship_flag, source_file,
                                  line_number), file_month) AS v
        FROM staging.account_versions GROUP BY account_id)"""


def build_accounts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Build staging.account_versions (every valid row of every accounts file), staging.accounts (the
    latest version of each account: the row from the latest file month, a later month superseding an
    earlier one) and staging.accounts_rejected (rows breaking a rule, with the reason).

    Rules: every column rule of the contract (required fields, ISO dates, enums, decimals, ISO 4217
    currency, credit_limit for revolving, original_principal for installment, closed_on >= opened_on,
    opened_on not after the file's month end) and account_id unique within a file (the first row is
    kept, a repeat is rejected naming the line of the first).
    """
    type_rows(con, "accounts")
    add_rejects(con, "SELECT source_file, line_number, reason FROM _typed WHERE reason IS NOT NULL")
    add_rejects(con, DUPLICATES_IN_FILE)
    con.execute(f"CREATE OR REPLACE TABLE staging.account_versions AS SELECT * EXCLUDE (reason) FROM _typed t "
                f"WHERE {survivors(con)}")
    con.execute(f"CREATE OR REPLACE TABLE staging.accounts AS {LATEST}")
    rejected = save_rejects(con, "accounts")
    con.execute("DROP TABLE _typed")
    return {
        "accounts": con.execute("SELECT count(*) FROM staging.accounts").fetchall()[0][0],
        "versions": con.execute("SELECT count(*) FROM staging.account_versions").fetchall()[0][0],
        "rejected": rejected,
    }
