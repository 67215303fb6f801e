"""staging.accounts: the account master, typed and checked, one row per account (its latest version)."""

from __future__ import annotations

import duckdb

from .common import add_rejects, save_rejects, survivors, type_rows

ATTRIBUTES = ("portfolio", "product_type", "opened_on", "closed_on", "currency", "credit_limit",
              "original_principal", "region", "hardship_flag")

DUPLICATES_IN_FILE = """
    WITH d AS (SELECT source_file, account_id, min(line_number) AS first_line FROM _typed
               WHERE reason IS NULL GROUP BY ALL HAVING count(*) > 1)
    SELECT t.source_file, t.line_number,
           'duplicate account_id ''' || t.account_id || ''' in this file (first at line ' || d.first_line || ')'
    FROM _typed t JOIN d USING (source_file, account_id)
    WHERE t.reason IS NULL AND t.line_number > d.first_line"""


def build_accounts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Build staging.accounts (the latest version of each account: its row in the latest accounts file
    that holds it, a later month superseding an earlier one), staging.account_versions (each account's
    master as it changed: its first valid row and every later row whose attributes differ from the one
    before, with the file and line that first delivered it), staging.account_rows_loaded (valid rows per
    file, for audit.source_files) and staging.accounts_rejected (rows breaking a rule, with the reason).

    Rules: every column rule of the contract (required fields, ISO dates, enums, decimals, ISO 4217
    currency, credit_limit for revolving, original_principal for installment, closed_on >= opened_on,
    opened_on not after the file's month end) and account_id unique within a file (the first row is
    kept, a repeat is rejected naming the line of the first).
    """
    type_rows(con, "accounts")
    add_rejects(con, "SELECT source_file, line_number, reason FROM _typed WHERE reason IS NOT NULL")
    add_rejects(con, DUPLICATES_IN_FILE)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _valid AS SELECT * EXCLUDE (reason) FROM _typed t WHERE {survivors(con)}")
    con.execute("DROP TABLE _typed")
    attrs = ", ".join(ATTRIBUTES)
    con.execute(f"""CREATE OR REPLACE TABLE staging.accounts AS
        SELECT unnest(max_by(struct_pack(account_id, {attrs}, source_file, line_number), file_month))
        FROM _valid GROUP BY account_id""")
    con.execute(f"""CREATE OR REPLACE TABLE staging.account_versions AS
        SELECT account_id, {attrs}, file_month AS from_file_month, source_file, line_number
        FROM (SELECT *, lag(struct_pack({attrs})) OVER w AS before
              FROM _valid WINDOW w AS (PARTITION BY account_id ORDER BY file_month))
        WHERE before IS NULL OR before IS DISTINCT FROM struct_pack({attrs})""")
    con.execute("""CREATE OR REPLACE TABLE staging.account_rows_loaded AS
        SELECT source_file, count(*) AS rows_loaded FROM _valid GROUP BY source_file""")
    con.execute("DROP TABLE _valid")
    rejected = save_rejects(con, "accounts")
    return {
        "accounts": con.execute("SELECT count(*) FROM staging.accounts").fetchall()[0][0],
        "versions": con.execute("SELECT count(*) FROM staging.account_versions").fetchall()[0][0],
        "rejected": rejected,
    }
