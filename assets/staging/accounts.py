"""staging.accounts: the account master, typed and checked, one row per account (its latest version)."""

from __future__ import annotations

import duckdb

from .common import add_rejects, duplicate_keys_sql, save_rejects, survivors, type_rows

ATTRIBUTES = ("portfolio", "product_type", "opened_on", "closed_on", "currency", "credit_limit",
              "original_principal", "region", "hardship_flag")


def duplicates_in_file(con: duckdb.DuckDBPyConnection) -> str:
    """The rows of `_typed` repeating an account_id already in the same file, with the reason."""
    return f"""
    WITH d AS (SELECT source_file, account_id, min(line_number) AS first_line
               FROM _typed SEMI JOIN ({duplicate_keys_sql(con, "_typed WHERE reason IS NULL", "source_file", "account_id")})
                    USING (source_file, account_id)
               WHERE reason IS NULL GROUP BY ALL)
    SELECT t.source_file, t.line_number,
           'duplicate account_id ''' || t.account_id || ''' in this file (first at line ' || d.first_line || ')'
    FROM _typed t JOIN d USING (source_file, account_id)
    WHERE t.reason IS NULL AND t.line_number > d.first_line"""


def build_accounts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Build staging.accounts (the latest version of each account: its row in the latest accounts file
    that holds it, a later month superseding an earlier one), staging.account_versions (every distinct
    master record each account was delivered with: the first and last file month that carried it, in how
    many files, and the file and line that first delivered it — a credit-limit change shows as a second
    version), staging.account_rows_loaded (valid rows per file, for audit.source_files) and
    staging.accounts_rejected (rows breaking a rule, with the reason).

    account_key numbers the accounts 1..N in account_id order: a surrogate integer key that
    staging.ledger carries too, so the joins and group-bys over 45 million entries compare integers
    (not part of the contract; account_id stays the key an auditor reads).

    Rules: every column rule of the contract (required fields, ISO dates, enums, decimals, ISO 4217
    currency, credit_limit for revolving, original_principal for installment, closed_on >= opened_on,
    opened_on not after the file's month end) and account_id unique within a file (the first row is
    kept, a repeat is rejected naming the line of the first).
    """
    type_rows(con, "accounts")
    add_rejects(con, "SELECT source_file, line_number, reason FROM _typed WHERE reason IS NOT NULL")
    add_rejects(con, duplicates_in_file(con))
    con.execute(f"CREATE OR REPLACE TEMP VIEW _valid AS SELECT * EXCLUDE (reason) FROM _typed t WHERE {survivors(con)}")
    attrs = ", ".join(ATTRIBUTES)
    con.execute(f"""CREATE OR REPLACE TABLE staging.account_versions AS
        SELECT account_id, {attrs}, min(file_month) AS first_file_month, max(file_month) AS last_file_month,
               count(*) AS files, arg_min(source_file, file_month) AS source_file,
               arg_min(line_number, file_month) AS line_number,
               arg_max(source_file, file_month) AS last_source_file,
               arg_max(line_number, file_month) AS last_line_number
        FROM _valid GROUP BY account_id, {attrs}""")
    con.execute(f"""CREATE OR REPLACE TABLE staging.accounts AS
        SELECT *, row_number() OVER (ORDER BY account_id)::INTEGER AS account_key
        FROM (SELECT account_id, {attrs}, last_source_file AS source_file, last_line_number AS line_number
              FROM staging.account_versions
              QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY last_file_month DESC) = 1)""")
    con.execute("""CREATE OR REPLACE TABLE staging.account_rows_loaded AS
        SELECT source_file, count(*) AS rows_loaded FROM _valid GROUP BY source_file""")
    con.execute("DROP VIEW _valid")
    con.execute("DROP TABLE _typed")
    rejected = save_rejects(con, "accounts")
    return {
        "accounts": con.execute("SELECT count(*) FROM staging.accounts").fetchall()[0][0],
        "versions": con.execute("SELECT count(*) FROM staging.account_versions").fetchall()[0][0],
        "rejected": rejected,
    }
