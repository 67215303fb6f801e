"""Staging and audit invariants: keys, references, contiguous months, and the load's arithmetic."""

import duckdb
import numpy as np

from assets.staging.duplicate_keys import array_to_temp_table, duplicate_keys_sql
from assets.staging.ledger import FILE_MONTHS
from checks.sql import Invariant


def entries_without_account_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL listing the ledger entries whose account_key is NULL or names no account of staging.accounts,
    grouped by key. Exact, but found cheaply: the entries' keys are fetched as one integer array and
    looked up in a bitmap of the accounts' keys, which is cheaper than a DuckDB join over every entry;
    only the keys found missing — kept in TEMP `_unknown_keys`, normally empty — are then listed from
    the table. Run the returned SQL before the next call."""
    keys = con.sql("SELECT coalesce(account_key, 0) AS k FROM staging.ledger_entries").fetchnumpy()["k"]
    known = con.sql("SELECT account_key AS k FROM staging.accounts WHERE account_key IS NOT NULL").fetchnumpy()["k"]
    keys, known = np.asarray(keys, dtype=np.int64), np.asarray(known, dtype=np.int64)
    if len(keys) == 0:
        unknown = keys
    elif len(known) == 0:
        unknown = np.unique(keys)
    else:
        lo, hi = min(keys.min(), known.min()), max(keys.max(), known.max())
        if hi - lo < 4 * (len(keys) + len(known)) + 1_000_000:  # a bitmap over the keys' range
            valid = np.zeros(hi - lo + 1, dtype=bool)
            valid[known - lo] = True
            unknown = np.unique(keys[~valid[keys - lo]])
        else:  # keys spread too thinly for a bitmap: sort-based lookup
            unknown = np.unique(keys[~np.isin(keys, known)])
    array_to_temp_table(con, "_unknown_keys", "k BIGINT", unknown)
    return f"""SELECT e.account_key, e.entries, f.source_file AS first_file, e.first_entry_id
        FROM (SELECT account_key, count(*) AS entries, min(file_month) AS file_month, min(entry_id) AS first_entry_id
              FROM staging.ledger_entries WHERE account_key IS NULL OR account_key IN (SELECT k FROM _unknown_keys)
              GROUP BY account_key) e
        LEFT JOIN {FILE_MONTHS} f USING (file_month)"""


INVARIANTS = [
    Invariant("staging.accounts", "account_id_unique", "One row per account_id (latest version).",
              "SELECT account_id, count(*) AS n FROM staging.accounts GROUP BY 1 HAVING count(*) > 1"),
    Invariant("staging.accounts", "account_key_unique",
              "One row per account_key (the number a ledger entry names its account by), so staging.ledger "
              "shows each entry once.",
              """SELECT account_key, count(*) AS n, min(account_id) AS first_account_id FROM staging.accounts
                 GROUP BY 1 HAVING count(*) > 1 OR account_key IS NULL"""),
    Invariant("staging.ledger", "entry_id_unique", "entry_id is unique across all loaded ledger files.",
              lambda con: duplicate_keys_sql(con, "staging.ledger_entries", "entry_id")),
    Invariant("staging.ledger", "account_ids_in_accounts",
              "Every ledger entry's account is in staging.accounts: each stored entry's account_key is an "
              "account's, so staging.ledger shows every loaded entry with its account_id (an entry whose key "
              "named no account would show account_id NULL).",
              entries_without_account_sql),
    Invariant("staging.ledger", "reversals_name_a_payment",
              "Every payment_reversal names a loaded payment of the same account, reversed once.",
              """SELECT entry_id, reverses_entry_id, payment_found, times_reversed FROM (
                   SELECT r.entry_id, r.reverses_entry_id, p.entry_id IS NOT NULL AS payment_found,
                          count(*) OVER (PARTITION BY r.reverses_entry_id) AS times_reversed
                   FROM staging.ledger_entries r
                   LEFT JOIN (SELECT entry_id, account_key FROM staging.ledger_entries WHERE entry_type = 'payment'
                              AND entry_id IN (SELECT reverses_entry_id FROM staging.ledger_entries
                                               WHERE entry_type = 'payment_reversal')) p
                          ON p.entry_id = r.reverses_entry_id AND p.account_key = r.account_key
                   WHERE r.entry_type = 'payment_reversal')
                 WHERE NOT payment_found OR times_reversed > 1"""),
    Invariant("staging.ledger", "reporting_months_contiguous",
              "Reporting months run from the earliest to the latest ledger file month with no gap.",
              """SELECT month_end, prev FROM (SELECT month_end, lag(month_end) OVER (ORDER BY month_end) AS prev
                 FROM staging.reporting_months) WHERE prev IS NOT NULL AND month_end <> last_day(prev + INTERVAL 1 DAY)"""),
    Invariant("staging.complaints", "complaint_id_unique", "One row per complaint_id after the upsert of later files.",
              "SELECT complaint_id, count(*) AS n FROM staging.complaints GROUP BY 1 HAVING count(*) > 1"),
    Invariant("staging.complaints", "dates_ordered", "responded_on and closed_on are not before received_on.",
              """SELECT complaint_id, received_on, responded_on, closed_on FROM staging.complaints
                 WHERE responded_on < received_on OR closed_on < received_on"""),
    Invariant("staging.complaints", "account_ids_in_accounts", "A complaint's account_id, when given, is in staging.accounts.",
              """SELECT c.complaint_id, c.account_id FROM staging.complaints c
                 WHERE c.account_id IS NOT NULL AND c.account_id NOT IN (SELECT account_id FROM staging.accounts)"""),
    Invariant("audit.source_files", "rows_read_equal_loaded_plus_rejected",
              "For every file read: rows_read = rows_loaded + rows_rejected (nothing silently dropped).",
              """SELECT source_file, rows_read, rows_loaded, rows_rejected FROM audit.source_files
                 WHERE rows_read <> rows_loaded + rows_rejected"""),
]
