"""staging.accounts: the account master, typed and checked, one row per account (its latest version)."""

from __future__ import annotations

import duckdb

from assets.raw.files import files_by_month
from assets.sql import table_exists

from .duplicate_keys import duplicate_keys_sql
from .rejects import add_rejects, save_rejects, survivors, type_rows
from .rules import trimmed

MONTH0 = "DATE '0001-01-01'"
LINE_MASK = 2**40 - 1
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


def rejected_accounts_sql() -> str:
    """SELECT account_id, source_file, line_number, reason: for each account_id (trimmed, as the rules
    judge it) that has rows in staging.accounts_rejected, its latest rejected row — by file month, which
    is the order of the file names (one accounts file per month), then line."""
    return f"""SELECT account_id, source_file, line_number, reason
        FROM (SELECT nullif({trimmed("(raw ->> 'account_id')")}, '') AS account_id, source_file, line_number, reason
              FROM staging.accounts_rejected)
        WHERE account_id IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY source_file DESC, line_number DESC) = 1"""


def unknown_account_reason(row: str, rejected: str) -> str:
    """SQL: the reason for a row (alias `row`) naming an account_id that is not in staging.accounts; when
    rows of that account were rejected (alias `rejected`, a row of rejected_accounts_sql()), the latest
    one is named with its reason, so the reader sees why the account is missing."""
    return (f"'unknown account_id ''' || {row}.account_id || ''' (no valid row in any accounts file' "
            f"|| coalesce('; its row at ' || {rejected}.source_file || ' line ' || {rejected}.line_number "
            f"|| ' was rejected: ' || {rejected}.reason, '') || ')'")


def _new_files(con: duckdb.DuckDBPyConnection) -> list[str] | None:
    """The accounts files to apply to the stored versions (possibly none), or None when every file must
    be read again: no stored build, a stored file changed or removed, or a new file not later than every
    stored one (a later file's version supersedes an earlier one, so only a later file can be applied
    on top)."""
    needed = ("staging.account_files", "staging.account_versions", "staging.account_keys", "staging.accounts",
              "staging.account_rows_loaded", "staging.accounts_rejected")
    if not all(table_exists(con, t) for t in needed):
        return None
    stored = {f: (m, h) for f, m, h in con.execute(
        "SELECT source_file, file_month, sha256 FROM staging.account_files").fetchall()}
    now = {f: (m, h) for f, m, h in con.execute(
        "SELECT source_file, file_month, sha256 FROM raw.files WHERE entity = 'accounts'").fetchall()}
    if any(now.get(f) != mh for f, mh in stored.items()):
        return None
    new = sorted(set(now) - set(stored), key=lambda f: now[f][0])
    if stored and new and now[new[0]][0] <= max(m for m, _ in stored.values()):
        return None
    return new


def build_accounts(con: duckdb.DuckDBPyConnection, reread: bool = False, log=lambda m: None) -> dict[str, int]:
    """staging.accounts: the latest version of each account, one row per account — its row in the
    latest accounts file that holds it, a later month superseding an earlier one.

    Built with it: staging.account_versions (every distinct master record each account was delivered
    with: the first and last file month that carried it, in how many files, and the file and line that
    first delivered it — a credit-limit change shows as a second version — and `file_months`, every
    file month that delivered it, from which the version in force at each month end is read), staging.account_rows_loaded
    (valid rows per file, for audit.source_files) and staging.accounts_rejected (rows breaking a rule,
    with the reason).

    account_key is the warehouse's permanent integer number for an account_id, kept in
    staging.account_keys: an account_id seen for the first time gets the next number, and a number is
    never changed or reused, so a ledger entry stored with a key (staging.ledger_entries) always names
    the same account, whichever run wrote it. It is not part of the contract (account_id stays the key
    an auditor reads); it lets the joins and group-bys over the ledger compare integers, not strings.

    Rules: every column rule of the contract (required fields, ISO dates, enums, amounts, ISO 4217
    currency, credit_limit for revolving, original_principal for installment, closed_on >= opened_on,
    opened_on not after the file's month end, a portfolio named `all`, in any case, refused: it is
    reserved for the marts' all-portfolios rows) and account_id unique within a file (the first row is
    kept, a repeat is rejected naming the line of the first).

    A run that finds only accounts files of later months new (the files read before unchanged, as
    recorded in staging.account_files) reads only those: their rows are judged by the same rules (both
    are within one file) and grouped with the stored versions; the stored rejected rows are kept.
    `reread` (arrears run --rebuild), or any other change, reads every file again.
    """
    files = None if reread else _new_files(con)
    log("accounts: every file read" if files is None else
        f"accounts: {len(files)} new file(s) applied to the stored versions")
    type_rows(con, "accounts", files)
    add_rejects(con, "SELECT source_file, line_number, reason FROM _typed WHERE reason IS NOT NULL")
    add_rejects(con, duplicates_in_file(con))
    con.execute(f"CREATE OR REPLACE TEMP VIEW _valid AS SELECT * EXCLUDE (reason) FROM _typed t WHERE {survivors(con)}")
    attrs = ", ".join(ATTRIBUTES)
    # Each valid row's file month and line packed into one integer, (months since 0001-01) * 2^40 + line:
    # an account is in a file month at most once (one file per month, a repeat in a file is rejected),
    # so a version's min and max of it give its first and last file month and their lines, and the month
    # names the file (raw.files): min and max of one integer instead of the months' min and max and four
    # arg_min/arg_max, so the grouping over every valid row carries two aggregates instead of six.
    # When only later files are new (`files`), the stored versions are grouped again with the new rows
    # (as one row each, their first and last packed again): a version is the same record, wherever it
    # was delivered, so this gives the versions of grouping every file's rows.
    pk = f"(datediff('month', {MONTH0}, file_month)::BIGINT << 40) | line_number"
    # Each version also keeps the file months that delivered it (`file_months`, ascending): the version
    # in force at a month end is the one delivered by the latest file up to then that holds the account
    # (intermediate.account_segments), which first and last month alone cannot tell when an account
    # returns to an earlier record (A → B → A).
    delivered, months = "file_month", "list_sort(list(fm))"
    if files is not None:  # the stored versions bring their lists of months, the new rows one month each
        delivered, months = "[file_month]", "list_sort(flatten(list(fm)))"
    rows = f"SELECT account_id, {attrs}, {pk} AS first_pk, {pk} AS last_pk, 1 AS n, {delivered} AS fm FROM _valid"
    if files is not None:
        stored_pk = "(datediff('month', {m0}, {month})::BIGINT << 40) | {line}"
        rows += f"""
            UNION ALL
            SELECT account_id, {attrs},
                   {stored_pk.format(m0=MONTH0, month="first_file_month", line="line_number")},
                   {stored_pk.format(m0=MONTH0, month="last_file_month", line="last_line_number")}, files, file_months
            FROM staging.account_versions"""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _versions AS
        WITH v AS (SELECT account_id, {attrs}, min(first_pk) AS first_pk, max(last_pk) AS last_pk, sum(n)::BIGINT AS files,
                          {months} AS file_months
                   FROM ({rows})
                   GROUP BY ALL),
        d AS (SELECT *, ({MONTH0} + to_months((first_pk >> 40)::INTEGER))::DATE AS first_file_month,
                        ({MONTH0} + to_months((last_pk >> 40)::INTEGER))::DATE AS last_file_month FROM v)
        SELECT d.account_id, {", ".join(f"d.{a}" for a in ATTRIBUTES)}, d.first_file_month, d.last_file_month,
               d.files, f.source_file, d.first_pk & {LINE_MASK} AS line_number,
               l.source_file AS last_source_file, d.last_pk & {LINE_MASK} AS last_line_number, d.file_months
        FROM d JOIN {files_by_month("accounts")} f ON f.file_month = d.first_file_month
               JOIN {files_by_month("accounts")} l ON l.file_month = d.last_file_month""")
    con.execute("CREATE OR REPLACE TABLE staging.account_versions AS SELECT * FROM _versions")
    con.execute("DROP TABLE _versions")
    con.execute("""CREATE TABLE IF NOT EXISTS staging.account_keys (account_id VARCHAR NOT NULL,
                                                                     account_key INTEGER NOT NULL)""")
    con.execute("""INSERT INTO staging.account_keys
        SELECT account_id, (SELECT coalesce(max(account_key), 0) FROM staging.account_keys)
                           + row_number() OVER (ORDER BY account_id)
        FROM (SELECT DISTINCT account_id FROM staging.account_versions) ANTI JOIN staging.account_keys USING (account_id)""")
    con.execute(f"""CREATE OR REPLACE TABLE staging.accounts AS
        SELECT account_id, {attrs}, last_source_file AS source_file, last_line_number AS line_number, k.account_key
        FROM staging.account_versions JOIN staging.account_keys k USING (account_id)
        QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY last_file_month DESC) = 1""")
    loaded = "SELECT source_file, count(*) AS rows_loaded FROM _valid GROUP BY source_file"
    if files is not None:
        loaded += " UNION ALL SELECT * FROM staging.account_rows_loaded"
        con.execute("CREATE OR REPLACE TEMP TABLE _kept_rejects AS SELECT * FROM staging.accounts_rejected")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _loaded AS {loaded}")
    con.execute("CREATE OR REPLACE TABLE staging.account_rows_loaded AS SELECT * FROM _loaded")
    con.execute("DROP TABLE _loaded")
    con.execute("DROP VIEW _valid")
    con.execute("DROP TABLE _typed")
    rejected = save_rejects(con, "accounts")
    if files is not None:  # the rows rejected from the files read before stay rejected, for the same reasons
        con.execute("""CREATE OR REPLACE TABLE staging.accounts_rejected AS
            SELECT * FROM (SELECT * FROM staging.accounts_rejected UNION ALL SELECT * FROM _kept_rejects)
            ORDER BY source_file, line_number""")
        con.execute("DROP TABLE _kept_rejects")
        rejected = con.execute("SELECT count(*) FROM staging.accounts_rejected").fetchall()[0][0]
    con.execute("""CREATE OR REPLACE TABLE staging.account_files AS
        SELECT source_file, file_month, sha256 FROM raw.files WHERE entity = 'accounts' ORDER BY file_month""")
    return {
        "accounts": con.execute("SELECT count(*) FROM staging.accounts").fetchall()[0][0],
        "versions": con.execute("SELECT count(*) FROM staging.account_versions").fetchall()[0][0],
        "rejected": rejected,
    }
