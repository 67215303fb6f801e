"""Staging and audit invariants: keys, references, contiguous months, and the load's arithmetic."""

from assets.staging.common import duplicate_keys_sql
from checks.sql import Invariant

INVARIANTS = [
    Invariant("staging.accounts", "account_id_unique", "One row per account_id (latest version).",
              "SELECT account_id, count(*) AS n FROM staging.accounts GROUP BY 1 HAVING count(*) > 1"),
    Invariant("staging.ledger", "entry_id_unique", "entry_id is unique across all loaded ledger files.",
              lambda con: duplicate_keys_sql(con, "staging.ledger", "entry_id")),
    Invariant("staging.ledger", "account_ids_in_accounts",
              "Every ledger account_id is in staging.accounts, and the entry's account_key is that account's.",
              """SELECT l.account_id, l.account_key, a.account_id AS account_id_of_key, count(*) AS entries
                 FROM staging.ledger l LEFT JOIN staging.accounts a USING (account_key)
                 WHERE a.account_id IS DISTINCT FROM l.account_id GROUP BY ALL"""),
    Invariant("staging.ledger", "reversals_name_a_payment",
              "Every payment_reversal names a loaded payment of the same account, reversed once.",
              """SELECT entry_id, reverses_entry_id, payment_found, times_reversed FROM (
                   SELECT r.entry_id, r.reverses_entry_id, p.entry_id IS NOT NULL AS payment_found,
                          count(*) OVER (PARTITION BY r.reverses_entry_id) AS times_reversed
                   FROM staging.ledger r
                   LEFT JOIN (SELECT entry_id, account_id FROM staging.ledger WHERE entry_type = 'payment'
                              AND entry_id IN (SELECT reverses_entry_id FROM staging.ledger
                                               WHERE entry_type = 'payment_reversal')) p
                          ON p.entry_id = r.reverses_entry_id AND p.account_id = r.account_id
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
GX_TABLES = ["staging.accounts", "staging.ledger", "staging.complaints", "audit.source_files", "audit.rejected_rows"]
